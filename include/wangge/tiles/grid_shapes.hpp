#pragma once
// Grid polygons in Web Mercator world coordinates as a topology of shared
// arcs, simplified once per zoom level.
//
// Why arcs: simplifying each polygon on its own moves a shared border
// differently on its two sides and opens cracks between neighbouring grids.
// Here every ring is cut at junctions (vertices with other than two distinct
// neighbours in the graph of all grid edges, i.e. where three or more grids
// meet or where the neighbour changes); the stretch between two junctions is
// one arc, stored once and used by every ring that runs along it (forwards or
// backwards). Each arc is simplified once with Douglas–Peucker in tile pixel
// units, so both sides of a border get the very same vertices at every zoom.
// A ring without junctions (an island, or a hole filled by exactly one other
// grid) is one closed arc with a canonical start.
//
// Douglas–Peucker runs once per arc: each vertex gets the distance at which it
// was kept (capped by its parent's, so levels nest), and the vertex lists of
// zooms 0..detail_zoom-1 are cut from it once at build time.
//
// Thread safety: immutable after construction.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "wangge/geo/types.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::tiles {

class GridShapes {
public:
    /// Simplification tolerance in tile pixels (of the 4096 extent).
    static constexpr double tolerance_px = 2.0;
    /// From this zoom on, arcs keep all their vertices.
    static constexpr int detail_zoom = 18;

    explicit GridShapes(std::span<const model::Grid* const> grids);

    [[nodiscard]] std::size_t grid_count() const noexcept { return grid_polygons_.size() - 1; }
    [[nodiscard]] std::size_t polygon_count(std::size_t grid) const noexcept {
        return grid_polygons_[grid + 1] - grid_polygons_[grid];
    }
    [[nodiscard]] std::size_t ring_count(std::size_t grid, std::size_t polygon) const noexcept {
        const std::size_t p = grid_polygons_[grid] + polygon;
        return polygon_rings_[p + 1] - polygon_rings_[p];
    }
    /// Replaces `out` with the open ring (first vertex not repeated) of one
    /// grid polygon as simplified for zoom z, in world coordinates.
    void ring(std::size_t grid, std::size_t polygon, std::size_t ring, int z, std::vector<geo::Point>& out) const;
    /// The same ring in the pixels of one tile (z is the tile's zoom).
    void ring(std::size_t grid, std::size_t polygon, std::size_t ring, const TileTransform& tile, int z,
              std::vector<geo::Point>& out) const;

    /// Number of arcs, for tests and statistics.
    [[nodiscard]] std::size_t arc_count() const noexcept { return zoom_arcs_.back().offsets.size() - 1; }

private:
    /// ring(), each vertex passed through `map` (defined in the .cpp, which alone uses it).
    template <class Map>
    void assemble_ring(std::size_t grid, std::size_t polygon, std::size_t ring, int z, Map map,
                       std::vector<geo::Point>& out) const;

    struct ArcPoints {
        std::vector<geo::Point> points;           // all arcs' vertices, back to back
        std::vector<std::uint32_t> offsets;       // arc i is points[offsets[i], offsets[i+1])
    };

    // Offsets into the next level: grid → polygons → rings → arc references
    // (arc index << 1 | reversed).
    std::vector<std::uint32_t> grid_polygons_{0};
    std::vector<std::uint32_t> polygon_rings_{0};
    std::vector<std::uint32_t> ring_arcs_{0};
    std::vector<std::uint32_t> arc_refs_;
    std::vector<ArcPoints> zoom_arcs_;  // zooms 0..detail_zoom, the last holding every vertex
};

/// Douglas–Peucker importance of each vertex of a polyline: the squared
/// distance at which the vertex is kept (infinity for both endpoints). A
/// vertex is kept at tolerance t when its importance exceeds t². Importances
/// never exceed their parent's, so simplifications at growing tolerances nest.
[[nodiscard]] std::vector<double> douglas_peucker_importance(std::span<const geo::Point> line);

}  // namespace wangge::tiles
