#pragma once
// Where the tiles of one snapshot may differ from those of the previous one,
// per layer, as boxes in world coordinates (tile_math.hpp), so that only the
// tiles a write touches get a new version (change_log.hpp).
//
// What is compared is what the tiles render, not the stored rows:
//  - grids, by code: each grid's simplified rings at every zoom 0..detail_zoom
//    (a neighbour's edit can re-cut and re-simplify an unchanged grid's arcs),
//    its label point and every attribute (household_count includes the
//    descendants, so a household moving flags its grid and every ancestor).
//    A changed grid flags its old and its new bounding box. Grids whose order
//    among the current grids changed flag their box too (feature order is
//    byte order): the fewest such grids, those outside a longest run kept in
//    order.
//  - households, facilities, incidents: position by position (the vectors
//    keep their order; writers update in place or append), location and every
//    attribute a tile shows; a difference flags the old and the new location.
//    Position, not id, is what the point index breaks Morton ties with, so the
//    comparison is exact; a row removed from the middle would flag every later
//    row (correct, not tight), which no writer does.
//  - incidents also flag when their event history (deadline light) changed.
//  - heat: incidents whose location, reported_at, category or state changed.
//
// Boxes are raw (one per changed feature); ChangeLog::next merges them.
//
// Cost: for an edited snapshot, linear in the rows the edit touched (plus the
// grids' vertices × 19 zooms after a publish); for two unrelated snapshots,
// linear in all rows (0.28 s at 10k grids, 1M households, 1M incidents, 6.9M
// events).
//
// Thread safety: pure function over two immutable TileIndexes.

#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include "wangge/geo/types.hpp"
#include "wangge/tiles/tile_index.hpp"

namespace wangge::tiles {

/// Where the tiles of `after` may differ from those of `before`, per layer, as world-coordinate boxes.
struct TileChanges {
    std::array<std::vector<geo::Box>, layer_count> boxes;

    [[nodiscard]] bool empty() const noexcept;
    [[nodiscard]] std::span<const geo::Box> of(Layer layer) const noexcept;
};

/// When `after` was edited from `before`'s snapshot (model::Changes), only
/// the rows the edit touched are compared, and the grids only when the edit
/// changed what grid tiles show: the cost follows the write, not the city.
[[nodiscard]] TileChanges changed_areas(const TileIndex& before, const TileIndex& after);

/// The grid part of changed_areas(), appended to `grid_boxes`.
void changed_grids(const TileIndex& before, const TileIndex& after, std::vector<geo::Box>& grid_boxes);

}  // namespace wangge::tiles
