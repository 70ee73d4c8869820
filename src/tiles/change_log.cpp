#include "wangge/tiles/change_log.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "wangge/error.hpp"

namespace wangge::tiles {
namespace {

/// Rounding between lon/lat, world and Morton coordinates (2^-32) stays far below this.
constexpr double rounding_margin = 0x1p-28;

/// Box merging starts with cells of about 2.4 m (level 24) and doubles them.
constexpr int finest_merge_level = 24;

/// The tile's square grown by what can reach into it (the touches() rule).
geo::Box reach_box(Layer layer, const TileId& tile) noexcept {
    geo::Box box = tile_world_box(tile, reach_px(layer, tile.z));
    box.min_x -= rounding_margin;
    box.min_y -= rounding_margin;
    box.max_x += rounding_margin;
    box.max_y += rounding_margin;
    return box;
}

/// The inclusive range of tile columns (or rows) of zoom z whose reach meets
/// [low, high] on one axis; `reach(i)` gives tile i's reach on that axis.
template <class Reach>
std::pair<std::uint32_t, std::uint32_t> axis_range(double low, double high, int z, Reach reach) {
    const double tiles = std::ldexp(1.0, z);
    const double last = tiles - 1.0;
    const double pad = 2.0 / tiles;  // more than any reach: the estimate may only be too wide
    auto first = static_cast<std::int64_t>(std::clamp(std::floor((low - pad) * tiles), 0.0, last));
    auto end = static_cast<std::int64_t>(std::clamp(std::floor((high + pad) * tiles), 0.0, last));
    const auto meets = [&](std::int64_t i) {
        const auto [min, max] = reach(static_cast<std::uint32_t>(i));
        return min <= high && max >= low;
    };
    while (first <= end && !meets(first)) ++first;
    while (end >= first && !meets(end)) --end;
    if (first > end) return {1, 0};
    return {static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(end)};
}

std::uint64_t cell_key(const geo::Box& box, int level) noexcept {
    const double cells = std::ldexp(1.0, level);
    const auto cell = [cells](double v) {
        return static_cast<std::uint64_t>(std::clamp(std::floor(v * cells), 0.0, cells - 1.0));
    };
    return cell((box.min_y + box.max_y) / 2.0) << 32 | cell((box.min_x + box.max_x) / 2.0);
}

}  // namespace

double reach_px(Layer layer, int z) noexcept {
    if (layer != Layer::heat) return tile_buffer;
    const int zoom = std::clamp(z, 0, max_zoom);
    return std::ldexp(double{tile_extent}, zoom - HeatIndex::cell_level(zoom));
}

bool touches(Layer layer, const TileId& tile, const geo::Box& change) {
    return !change.empty() && reach_box(layer, tile).intersects(change);
}

TileRange touched_tiles(Layer layer, const geo::Box& change, int z) {
    TileRange range{z, 1, 1, 0, 0};
    if (change.empty() || z < 0 || z > max_zoom) return range;
    const auto [min_x, max_x] = axis_range(change.min_x, change.max_x, z, [&](std::uint32_t x) {
        const geo::Box reach = reach_box(layer, {z, x, 0});
        return std::pair(reach.min_x, reach.max_x);
    });
    const auto [min_y, max_y] = axis_range(change.min_y, change.max_y, z, [&](std::uint32_t y) {
        const geo::Box reach = reach_box(layer, {z, 0, y});
        return std::pair(reach.min_y, reach.max_y);
    });
    if (min_x > max_x || min_y > max_y) return range;
    return {z, min_x, min_y, max_x, max_y};
}

std::vector<geo::Box> merge_boxes(std::vector<geo::Box> boxes, std::size_t max_boxes) {
    std::erase_if(boxes, [](const geo::Box& box) { return box.empty(); });
    max_boxes = std::max<std::size_t>(max_boxes, 1);
    std::vector<std::pair<std::uint64_t, geo::Box>> keyed;
    for (int level = finest_merge_level; boxes.size() > max_boxes && level >= 0; --level) {
        keyed.clear();
        for (const geo::Box& box : boxes) keyed.emplace_back(cell_key(box, level), box);
        std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        boxes.clear();
        for (std::size_t i = 0; i < keyed.size(); ++i) {
            if (i > 0 && keyed[i].first == keyed[i - 1].first) {
                boxes.back().expand(keyed[i].second);
            } else {
                boxes.push_back(keyed[i].second);
            }
        }
    }
    return boxes;
}

ChangeLog::ChangeLog(std::uint64_t base_version) : version_(base_version), horizon_(base_version) {
    for (LayerLog& layer : layers_) layer.base_version = base_version;
}

ChangeLog ChangeLog::next(std::uint64_t version, const TileChanges& changes) const {
    if (version <= version_) {
        throw Error("change log: version " + std::to_string(version) + " does not follow " + std::to_string(version_));
    }
    ChangeLog log = *this;
    log.version_ = version;
    for (const Layer layer : all_layers) {
        LayerLog& kept = log.layers_[layer_index(layer)];
        const auto boxes = changes.of(layer);
        for (const geo::Box& box : merge_boxes({boxes.begin(), boxes.end()}, boxes_per_change)) {
            kept.changes.push_back({version, layer, box});
        }
        if (kept.changes.size() > capacity) {
            const auto folded = static_cast<std::ptrdiff_t>(kept.changes.size() - capacity);
            kept.base_version = kept.changes[static_cast<std::size_t>(folded - 1)].version;
            kept.changes.erase(kept.changes.begin(), kept.changes.begin() + folded);
            log.horizon_ = std::max(log.horizon_, kept.base_version);
        }
    }
    return log;
}

std::uint64_t ChangeLog::tile_version(Layer layer, const TileId& tile) const noexcept {
    const LayerLog& kept = layers_[layer_index(layer)];
    const geo::Box reach = reach_box(layer, tile);
    for (auto change = kept.changes.rbegin(); change != kept.changes.rend(); ++change) {
        if (reach.intersects(change->box)) return change->version;
    }
    return kept.base_version;
}

std::optional<std::vector<ChangeLog::Change>> ChangeLog::changes_after(std::uint64_t since) const {
    if (since < horizon_ || since > version_) return std::nullopt;
    std::vector<Change> out;
    for (const LayerLog& layer : layers_) {
        for (const Change& change : layer.changes) {
            if (change.version > since) out.push_back(change);
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const Change& a, const Change& b) { return a.version < b.version; });
    return out;
}

}  // namespace wangge::tiles
