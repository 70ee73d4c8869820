#include "wangge/tiles/heat_index.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

#include "wangge/tiles/point_index.hpp"

namespace wangge::tiles {
namespace {

constexpr int first_level = 6;

std::vector<std::string> distinct(std::span<const model::Incident> incidents, std::string model::Incident::*field) {
    std::vector<std::string> values;
    for (const model::Incident& incident : incidents) values.push_back(incident.*field);
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return values;
}

std::uint32_t id_of(const std::vector<std::string>& sorted, const std::string& value) {
    return static_cast<std::uint32_t>(std::lower_bound(sorted.begin(), sorted.end(), value) - sorted.begin());
}

/// A Morton code at 32 bits per axis cut down to `level` bits per axis.
std::uint64_t at_level(std::uint64_t code, int level) noexcept { return code >> (64 - 2 * level); }

struct Entry {
    std::uint64_t code;
    model::Timestamp time;
    std::uint32_t attributes;
};

/// Entries sorted by (cell at level + 2, time) become sorted by (cell at
/// level, time): the runs of the sub-cells of each cell are merged pairwise.
void merge_sub_cells(std::vector<Entry>& entries, int level) {
    const auto by_time = [](const Entry& a, const Entry& b) { return a.time < b.time; };
    const auto at = [&entries](std::size_t i) { return entries.begin() + static_cast<std::ptrdiff_t>(i); };
    std::vector<std::size_t> bounds;  // run boundaries inside one cell
    std::vector<std::size_t> merged;
    std::size_t begin = 0;
    while (begin < entries.size()) {
        const std::uint64_t cell = at_level(entries[begin].code, level);
        bounds.assign(1, begin);
        std::size_t end = begin;
        while (end < entries.size() && at_level(entries[end].code, level) == cell) {
            const std::uint64_t sub_cell = at_level(entries[end].code, level + 2);
            while (end < entries.size() && at_level(entries[end].code, level + 2) == sub_cell) ++end;
            bounds.push_back(end);
        }
        while (bounds.size() > 2) {
            merged.assign(1, bounds.front());
            for (std::size_t i = 0; i + 2 < bounds.size(); i += 2) {
                std::inplace_merge(at(bounds[i]), at(bounds[i + 1]), at(bounds[i + 2]), by_time);
                merged.push_back(bounds[i + 2]);
            }
            if (bounds.size() % 2 == 0) merged.push_back(bounds.back());  // an odd run out waits for the next pass
            bounds.swap(merged);
        }
        begin = end;
    }
}

}  // namespace

/// The filter with strings turned into ids; `never` when a name is unknown.
struct HeatIndex::Match {
    model::Timestamp from;
    model::Timestamp to;
    bool by_time;
    std::optional<std::uint32_t> category;
    std::optional<std::uint32_t> state;
    bool never = false;

    [[nodiscard]] bool attributes(std::uint32_t packed) const noexcept {
        return (!category || packed >> 16 == *category) && (!state || (packed & 0xFFFFu) == *state);
    }
};

HeatIndex::HeatIndex(std::span<const model::Incident> incidents)
    : categories_(distinct(incidents, &model::Incident::category)), states_(distinct(incidents, &model::Incident::state)) {
    std::vector<Entry> entries;
    entries.reserve(incidents.size());
    for (const model::Incident& incident : incidents) {
        entries.push_back({morton_code(lonlat_to_world(incident.location)), incident.reported_at,
                           id_of(categories_, incident.category) << 16 | id_of(states_, incident.state)});
    }
    // One full sort for the finest level; each coarser level then only merges
    // the time-sorted runs of its sub-cells, which Morton order keeps adjacent.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return std::tuple(at_level(a.code, max_level), a.time) < std::tuple(at_level(b.code, max_level), b.time);
    });
    for (int level = max_level; level >= first_level; level -= 2) {
        if (level < max_level) merge_sub_cells(entries, level);
        Level& stored = levels_.emplace_back();
        stored.level = level;
        stored.times.reserve(entries.size());
        stored.attributes.reserve(entries.size());
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const std::uint64_t cell = at_level(entries[i].code, level);
            if (stored.cells.empty() || stored.cells.back() != cell) {
                stored.cells.push_back(cell);
                stored.starts.push_back(static_cast<std::uint32_t>(i));
            }
            stored.times.push_back(entries[i].time);
            stored.attributes.push_back(entries[i].attributes);
        }
        stored.starts.push_back(static_cast<std::uint32_t>(entries.size()));
    }
    std::reverse(levels_.begin(), levels_.end());
}

std::vector<HeatCell> HeatIndex::cells(const TileId& tile, const HeatFilter& filter) const {
    Match match{filter.from.value_or(0), filter.to.value_or(0), filter.from || filter.to, std::nullopt, std::nullopt};
    if (!filter.from) match.from = std::numeric_limits<model::Timestamp>::min();
    if (!filter.to) match.to = std::numeric_limits<model::Timestamp>::max();
    const auto resolve = [&match](const std::vector<std::string>& names, const std::optional<std::string>& name,
                                  std::optional<std::uint32_t>& id) {
        if (!name) return;
        const auto found = std::lower_bound(names.begin(), names.end(), *name);
        if (found == names.end() || *found != *name) {
            match.never = true;
        } else {
            id = static_cast<std::uint32_t>(found - names.begin());
        }
    };
    resolve(categories_, filter.category, match.category);
    resolve(states_, filter.state, match.state);
    std::vector<HeatCell> out;
    if (match.never || match.from >= match.to) return out;

    const int level = cell_level(tile.z);
    const Level& stored = levels_[static_cast<std::size_t>((level - first_level + 1) / 2)];
    // Cells at `level` of the tile itself: the tile's Morton run at the stored level.
    const int tile_shift = 2 * (stored.level - tile.z);
    const MortonRange tile_cells = morton_cell_range(tile.x, tile.y, tile.z);
    const std::uint64_t tile_first = at_level(tile_cells.first, stored.level);
    count_range(stored, tile_first, tile_first | ((std::uint64_t{1} << tile_shift) - 1), level, match, out);
    // At the deepest zooms a cell is larger than 64 pixels; the ring stays one cell wide.
    const int per_tile_shift = level - tile.z;
    for_each_buffer_cell(tile, per_tile_shift, 1, [&](std::uint32_t column, std::uint32_t row) {
        const MortonRange cell = morton_cell_range(column, row, level);
        count_range(stored, at_level(cell.first, stored.level), at_level(cell.last, stored.level), level, match, out);
    });
    return out;
}

void HeatIndex::count_range(const Level& stored, std::uint64_t first, std::uint64_t last, int level,
                            const Match& match, std::vector<HeatCell>& out) const {
    const int up = 2 * (stored.level - level);
    auto cell = std::lower_bound(stored.cells.begin(), stored.cells.end(), first);
    const auto end = std::upper_bound(cell, stored.cells.end(), last);
    // The range holds whole query cells in Morton order: stored cells of one
    // query cell are adjacent.
    std::optional<std::uint64_t> previous_parent;
    for (; cell != end; ++cell) {
        const auto i = static_cast<std::size_t>(cell - stored.cells.begin());
        std::size_t begin_entry = stored.starts[i];
        std::size_t end_entry = stored.starts[i + 1];
        if (match.by_time) {
            const auto times = stored.times.begin();
            begin_entry = static_cast<std::size_t>(
                std::lower_bound(times + static_cast<std::ptrdiff_t>(begin_entry),
                                 times + static_cast<std::ptrdiff_t>(end_entry), match.from) - times);
            end_entry = static_cast<std::size_t>(
                std::lower_bound(times + static_cast<std::ptrdiff_t>(begin_entry),
                                 times + static_cast<std::ptrdiff_t>(end_entry), match.to) - times);
        }
        std::uint32_t count = 0;
        if (match.category || match.state) {
            for (std::size_t e = begin_entry; e < end_entry; ++e) count += match.attributes(stored.attributes[e]) ? 1u : 0u;
        } else {
            count = static_cast<std::uint32_t>(end_entry - begin_entry);
        }
        if (count == 0) continue;
        const std::uint64_t parent = *cell >> up;
        if (previous_parent == parent) {
            out.back().count += count;
            continue;
        }
        previous_parent = parent;
        const MortonCell position = morton_decode(parent);
        out.push_back({position.column, position.row, level, count});
    }
}

}  // namespace wangge::tiles
