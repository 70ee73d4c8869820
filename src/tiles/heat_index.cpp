#include "wangge/tiles/heat_index.hpp"

#include <algorithm>
#include <limits>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "wangge/tiles/point_index.hpp"

namespace wangge::tiles {
namespace {

constexpr int first_level = 6;

/// The few distinct values of one field (a few dozen among a million
/// incidents), numbered as first seen: one hash lookup per incident, no copy.
/// The values must outlive it.
class Names {
public:
    std::uint32_t id(const std::string& value) {
        const auto [at, added] = ids_.try_emplace(value, static_cast<std::uint32_t>(seen_.size()));
        if (added) seen_.push_back(value);
        return at->second;
    }
    /// The values sorted; `renumbered[id]` is the sorted position of first-seen `id`.
    std::vector<std::string> sorted(std::vector<std::uint32_t>& renumbered) const {
        std::vector<std::string> values(seen_.begin(), seen_.end());
        std::sort(values.begin(), values.end());
        renumbered.resize(seen_.size());
        for (std::size_t id = 0; id < seen_.size(); ++id) {
            renumbered[id] = static_cast<std::uint32_t>(std::lower_bound(values.begin(), values.end(), seen_[id]) -
                                                        values.begin());
        }
        return values;
    }

private:
    std::unordered_map<std::string_view, std::uint32_t> ids_;
    std::vector<std::string_view> seen_;
};

/// A Morton code at 32 bits per axis cut down to `level` bits per axis.
std::uint64_t at_level(std::uint64_t code, int level) noexcept { return code >> (64 - 2 * level); }

struct Entry {
    std::uint64_t code;
    model::Timestamp time;
    std::uint32_t attributes;
};

/// Entries sorted by (cell at level + 2, time) become sorted by (cell at
/// level, time): the runs of the sub-cells of each cell are merged pairwise
/// through `scratch` (as large as `entries`, so no merge allocates).
void merge_sub_cells(std::vector<Entry>& entries, int level, std::vector<Entry>& scratch) {
    const auto by_time = [](const Entry& a, const Entry& b) { return a.time < b.time; };
    const auto at = [](std::vector<Entry>& in, std::size_t i) { return in.begin() + static_cast<std::ptrdiff_t>(i); };
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
                std::merge(at(entries, bounds[i]), at(entries, bounds[i + 1]), at(entries, bounds[i + 1]),
                           at(entries, bounds[i + 2]), at(scratch, bounds[i]), by_time);
                std::copy(at(scratch, bounds[i]), at(scratch, bounds[i + 2]), at(entries, bounds[i]));
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

HeatIndex::Counted HeatIndex::counted_as(std::uint32_t item, const model::Incident& incident) {
    return {item, morton_code(lonlat_to_world(incident.location)), incident.reported_at, incident.category,
            incident.state};
}

void HeatIndex::build(std::span<const model::Incident* const> incidents) {
    auto base = std::make_shared<Base>();
    Names categories;
    Names states;
    std::vector<Entry> entries;
    entries.reserve(incidents.size());
    for (const model::Incident* incident : incidents) {
        entries.push_back({morton_code(lonlat_to_world(incident->location)), incident->reported_at,
                           categories.id(incident->category) << 16 | states.id(incident->state)});
    }
    std::vector<std::uint32_t> category_ids;
    std::vector<std::uint32_t> state_ids;
    base->categories = categories.sorted(category_ids);
    base->states = states.sorted(state_ids);
    for (Entry& entry : entries) {
        entry.attributes = category_ids[entry.attributes >> 16] << 16 | state_ids[entry.attributes & 0xFFFFu];
    }
    // One full sort for the finest level; each coarser level then only merges
    // the time-sorted runs of its sub-cells, which Morton order keeps adjacent.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return std::tuple(at_level(a.code, max_level), a.time) < std::tuple(at_level(b.code, max_level), b.time);
    });
    std::vector<Entry> scratch(entries.size());
    for (int level = max_level; level >= first_level; level -= 2) {
        if (level < max_level) merge_sub_cells(entries, level, scratch);
        Level& stored = base->levels.emplace_back();
        stored.level = level;
        std::size_t cells = 0;  // counted first: the finest levels have about a cell per incident
        for (std::size_t i = 0; i < entries.size(); ++i) {
            cells += i == 0 || at_level(entries[i].code, level) != at_level(entries[i - 1].code, level);
        }
        stored.cells.reserve(cells);
        stored.starts.reserve(cells + 1);
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
    std::reverse(base->levels.begin(), base->levels.end());
    base_ = std::move(base);
}

HeatIndex HeatIndex::next(std::span<const Change> changes) const {
    HeatIndex index = *this;
    const auto by_item = [](const Counted& a, const Counted& b) { return a.item < b.item; };
    for (const Change& change : changes) {
        const Counted now = counted_as(change.item, *change.after);
        const auto added = std::lower_bound(index.added_.begin(), index.added_.end(), now, by_item);
        if (added != index.added_.end() && added->item == change.item) {
            *added = now;
            continue;
        }
        if (change.before) {
            const Counted built = counted_as(change.item, *change.before);
            if (built == now) continue;  // nothing heat counts changed
            index.removed_.insert(std::lower_bound(index.removed_.begin(), index.removed_.end(), built, by_item), built);
        }
        index.added_.insert(added, now);
    }
    return index;
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
    resolve(base_->categories, filter.category, match.category);
    resolve(base_->states, filter.state, match.state);
    std::vector<HeatCell> out;
    if (match.from >= match.to) return out;
    if (match.never || base_->levels.empty()) {
        apply_overlay(tile, filter, out);
        return out;
    }

    const int level = cell_level(tile.z);
    const Level& stored = base_->levels[static_cast<std::size_t>((level - first_level + 1) / 2)];
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
    apply_overlay(tile, filter, out);
    return out;
}

void HeatIndex::apply_overlay(const TileId& tile, const HeatFilter& filter, std::vector<HeatCell>& out) const {
    if (added_.empty()) return;
    const int level = cell_level(tile.z);
    const int per_tile_shift = level - tile.z;
    const std::int64_t first_column = (std::int64_t{tile.x} << per_tile_shift) - 1;
    const std::int64_t first_row = (std::int64_t{tile.y} << per_tile_shift) - 1;
    const std::int64_t end_column = (std::int64_t{tile.x + 1} << per_tile_shift) + 1;
    const std::int64_t end_row = (std::int64_t{tile.y + 1} << per_tile_shift) + 1;
    // The order cells() lists them in: the tile's cells in Morton order, then
    // the buffer ring row by row.
    using Key = std::pair<int, std::uint64_t>;
    const auto key_of = [&](std::uint32_t column, std::uint32_t row) -> std::optional<Key> {
        if (column < first_column || column >= end_column || row < first_row || row >= end_row) return std::nullopt;
        if (column >> per_tile_shift == tile.x && row >> per_tile_shift == tile.y) {
            return Key{0, morton_cell_range(column, row, level).first};
        }
        return Key{1, std::uint64_t{row} << 32 | column};
    };
    struct Adjustment {
        Key key;
        std::uint32_t column;
        std::uint32_t row;
        std::int64_t delta;
    };
    std::vector<Adjustment> adjustments;
    const auto adjust = [&](const std::vector<Counted>& entries, std::int64_t delta) {
        for (const Counted& entry : entries) {
            if ((filter.from && entry.time < *filter.from) || (filter.to && entry.time >= *filter.to)) continue;
            if ((filter.category && entry.category != *filter.category) || (filter.state && entry.state != *filter.state)) {
                continue;
            }
            const MortonCell cell = morton_decode(at_level(entry.code, level));
            if (const auto key = key_of(cell.column, cell.row)) adjustments.push_back({*key, cell.column, cell.row, delta});
        }
    };
    adjust(removed_, -1);
    adjust(added_, +1);
    if (adjustments.empty()) return;
    std::sort(adjustments.begin(), adjustments.end(), [](const Adjustment& a, const Adjustment& b) { return a.key < b.key; });
    std::vector<HeatCell> merged;
    merged.reserve(out.size() + adjustments.size());
    std::size_t a = 0;
    const auto flush_adjustments_before = [&](const std::optional<Key>& limit) {
        while (a < adjustments.size() && (!limit || adjustments[a].key < *limit)) {
            const Adjustment& first = adjustments[a];
            std::int64_t count = 0;
            for (; a < adjustments.size() && adjustments[a].key == first.key; ++a) count += adjustments[a].delta;
            if (count > 0) merged.push_back({first.column, first.row, level, static_cast<std::uint32_t>(count)});
        }
    };
    for (const HeatCell& cell : out) {
        const Key key = *key_of(cell.column, cell.row);
        flush_adjustments_before(key);
        std::int64_t count = cell.count;
        for (; a < adjustments.size() && adjustments[a].key == key; ++a) count += adjustments[a].delta;
        if (count > 0) merged.push_back({cell.column, cell.row, level, static_cast<std::uint32_t>(count)});
    }
    flush_adjustments_before(std::nullopt);
    out.swap(merged);
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
