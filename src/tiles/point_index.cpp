#include "wangge/tiles/point_index.hpp"

#include <algorithm>
#include <cmath>

namespace wangge::tiles {
namespace {

constexpr double axis_cells = 4294967296.0;  // 2^32

std::uint64_t spread_bits(std::uint64_t v) noexcept {
    v &= 0xFFFFFFFFull;
    v = (v | (v << 16)) & 0x0000FFFF0000FFFFull;
    v = (v | (v << 8)) & 0x00FF00FF00FF00FFull;
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0Full;
    v = (v | (v << 2)) & 0x3333333333333333ull;
    v = (v | (v << 1)) & 0x5555555555555555ull;
    return v;
}

std::uint32_t gather_bits(std::uint64_t v) noexcept {
    v &= 0x5555555555555555ull;
    v = (v | (v >> 1)) & 0x3333333333333333ull;
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0Full;
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FFull;
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFFull;
    v = (v | (v >> 16)) & 0x00000000FFFFFFFFull;
    return static_cast<std::uint32_t>(v);
}

std::uint64_t quantise(double v) noexcept {
    return static_cast<std::uint64_t>(std::clamp(std::floor(v * axis_cells), 0.0, axis_cells - 1.0));
}

}  // namespace

std::uint64_t morton_code(const geo::Point& world) noexcept {
    return spread_bits(quantise(world.x)) | (spread_bits(quantise(world.y)) << 1);
}

geo::Point morton_point(std::uint64_t code) noexcept {
    const MortonCell cell = morton_decode(code);
    return {(cell.column + 0.5) / axis_cells, (cell.row + 0.5) / axis_cells};
}

MortonCell morton_decode(std::uint64_t code) noexcept { return {gather_bits(code), gather_bits(code >> 1)}; }

MortonRange morton_cell_range(std::uint32_t column, std::uint32_t row, int level) noexcept {
    if (level == 0) return {0, ~std::uint64_t{0}};
    const int shift = 64 - 2 * level;
    const std::uint64_t prefix = spread_bits(column) | (spread_bits(row) << 1);
    const std::uint64_t first = prefix << shift;
    return {first, first | ((std::uint64_t{1} << shift) - 1)};
}

PointIndex::PointIndex(std::span<const geo::Point> lonlats) {
    std::vector<std::uint32_t> items(lonlats.size());
    for (std::size_t i = 0; i < items.size(); ++i) items[i] = static_cast<std::uint32_t>(i);
    *this = PointIndex(lonlats, items);
}

PointIndex::PointIndex(std::span<const geo::Point> lonlats, std::span<const std::uint32_t> items) {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> sorted;
    sorted.reserve(lonlats.size());
    for (std::size_t i = 0; i < lonlats.size(); ++i) {
        sorted.emplace_back(morton_code(lonlat_to_world(lonlats[i])), items[i]);
    }
    std::sort(sorted.begin(), sorted.end());
    auto base = std::make_shared<Sorted>();
    base->codes.reserve(sorted.size());
    base->items.reserve(sorted.size());
    for (const auto& [code, item] : sorted) {
        base->codes.push_back(code);
        base->items.push_back(item);
    }
    base_ = std::move(base);
}

PointIndex PointIndex::next(std::span<const Move> moves) const {
    PointIndex index = *this;
    if (!index.base_) index.base_ = std::make_shared<const Sorted>();
    for (const Move& move : moves) {
        std::optional<Entry> entry;
        if (move.after) entry = Entry{morton_code(lonlat_to_world(*move.after)), move.item};
        const auto overlaid = std::lower_bound(index.overlaid_.begin(), index.overlaid_.end(), move.item);
        if (overlaid != index.overlaid_.end() && *overlaid == move.item) {
            // Moved before: its base entry (if any) is removed already; drop its added one.
            const auto old = std::find_if(index.added_.begin(), index.added_.end(),
                                          [&](const Entry& e) { return e.item == move.item; });
            if (old != index.added_.end()) index.added_.erase(old);
        } else {
            if (move.before) {
                const Entry base_entry{morton_code(lonlat_to_world(*move.before)), move.item};
                if (entry && base_entry == *entry) continue;  // unmoved: the base entry stays right
                index.removed_.insert(std::upper_bound(index.removed_.begin(), index.removed_.end(), base_entry),
                                      base_entry);
            } else if (!entry) {
                continue;  // neither indexed before nor now
            }
            index.overlaid_.insert(overlaid, move.item);
        }
        if (entry) index.added_.insert(std::upper_bound(index.added_.begin(), index.added_.end(), *entry), *entry);
    }
    return index;
}

bool PointIndex::overlay_touches(const TileId& tile) const noexcept {
    if (added_.empty() && removed_.empty()) return false;
    const std::int64_t last = (std::int64_t{1} << tile.z) - 1;
    const auto any_in = [](const std::vector<Entry>& entries, const MortonRange& range) {
        const auto first = std::lower_bound(entries.begin(), entries.end(), Entry{range.first, 0});
        return first != entries.end() && first->code <= range.last;
    };
    for (std::int64_t dy = -1; dy <= 1; ++dy) {
        for (std::int64_t dx = -1; dx <= 1; ++dx) {
            const std::int64_t x = std::int64_t{tile.x} + dx;
            const std::int64_t y = std::int64_t{tile.y} + dy;
            if (x < 0 || y < 0 || x > last || y > last) continue;
            const MortonRange range =
                morton_cell_range(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y), tile.z);
            if (any_in(added_, range) || any_in(removed_, range)) return true;
        }
    }
    return false;
}

void PointIndex::collect(const MortonRange& range, std::vector<std::uint64_t>& codes,
                         std::vector<std::uint32_t>& items) const {
    const Run base_codes = base_->codes;
    const Run inside = run(range, base_codes);
    const std::size_t offset = static_cast<std::size_t>(inside.data() - base_codes.data());
    const auto added_first = std::lower_bound(added_.begin(), added_.end(), Entry{range.first, 0});
    auto added = added_first;
    const auto take_added_until = [&](const Entry& limit) {
        for (; added != added_.end() && added->code <= range.last && *added < limit; ++added) {
            codes.push_back(added->code);
            items.push_back(added->item);
        }
    };
    for (std::size_t i = 0; i < inside.size(); ++i) {
        const Entry entry{inside[i], base_->items[offset + i]};
        if (!removed_.empty() && std::binary_search(removed_.begin(), removed_.end(), entry)) continue;
        take_added_until(entry);
        codes.push_back(entry.code);
        items.push_back(entry.item);
    }
    take_added_until(Entry{~std::uint64_t{0}, ~std::uint32_t{0}});
}

}  // namespace wangge::tiles
