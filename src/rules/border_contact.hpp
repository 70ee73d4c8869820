#pragma once
// Exact comparison of two neighbours' borders in metres, without overlay.
//
// Internal to the rules module.

#include <vector>

#include "wangge/geo/types.hpp"

namespace wangge::rules::detail {

struct Segment {
    geo::Point p;
    geo::Point q;
};

struct BorderContact {
    /// Proven: the borders meet only at common vertices or at identical
    /// segments run in opposite directions, and no segment of one lies inside
    /// the other. Then the interiors cannot overlap and overlay is skipped;
    /// otherwise the caller must intersect the polygons.
    bool interiors_apart = false;
    /// Vertices of one grid within the tolerance of the other's border but
    /// not vertices of it (near misses), and the segments next to them.
    std::size_t near_miss_vertices = 0;
    /// The largest distance from a near-miss vertex to the other border.
    double near_miss_distance = 0.0;
    std::vector<Segment> near_miss_segments_a;
    std::vector<Segment> near_miss_segments_b;
};

/// Rings must be oriented as orient_rings() leaves them. Only segments near
/// the other polygon's box (widened by `tolerance`) are looked at, so the cost
/// follows the length of the common border, not the size of the polygons.
[[nodiscard]] BorderContact compare_borders(const geo::MultiPolygon& a, const geo::Box& box_a,
                                            const geo::MultiPolygon& b, const geo::Box& box_b, double tolerance);

/// Proven: `child` lies within `parent` (borders meet only at common vertices
/// or identical segments run the same way, the child's other segments are
/// inside the parent, and no part of the parent's border is inside the child).
/// False means "not proven"; the caller then asks GEOS.
[[nodiscard]] bool covered_by(const geo::MultiPolygon& child, const geo::Box& child_box,
                              const geo::MultiPolygon& parent);

/// Exterior rings counter-clockwise, holes clockwise; drops repeated points.
void orient_rings(geo::MultiPolygon& multi);

/// `box` grown by `margin` on every side.
[[nodiscard]] geo::Box widened(const geo::Box& box, double margin) noexcept;

}  // namespace wangge::rules::detail
