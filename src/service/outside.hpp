#pragma once
// Internal to the service module: the area of a grid outside the convex
// shapes that reach it (circles, the hulls of street stretches), without
// building that part as a polygon. The JSON and the workbook need the
// number for every grid; only the map draws the polygon (GEOS, on demand),
// and GEOS re-noding the shrinking part at each cut was most of the time.
//
// By Green's theorem the area of a region is the integral of x dy around
// its boundary, and the boundary of "grid minus the union of the shapes" is
// made of the pieces of the grid's edges outside every shape and the pieces
// of the shapes' edges inside the grid and outside every other shape (walked
// backwards: the part lies on their outer side). Each piece is found by
// clipping an edge against each convex shape near it (its parameter
// interval inside a convex polygon is one interval), so the area is exact up
// to floating-point rounding (about 1e-6 m² for a 1 km grid) and equals the
// area of the polygon GEOS builds from the same shapes. Edges running along
// one another (within 0.1 µm) are common: two stretches of one segment
// share the polygon at their common end. There the piece is counted once
// (two shapes on the same side), or not at all (shapes on opposite sides, a
// shape's edge on the grid's), as the union's boundary has it.

#include <span>

#include "wangge/geo/types.hpp"

namespace wangge::service::detail {

/// A convex polygon to cut away, with what makes it cheap to test: it
/// holds every point within `inner` × r(t) of the point at t ∈ [0, 1] of
/// the segment from `a` to `b`, where r goes linearly from `ra` to `rb` (a
/// circle: a == b, ra == rb).
struct ConvexCut {
    geo::Ring ring;  ///< closed, either orientation
    geo::Point a, b;
    double ra = 0.0, rb = 0.0;
    double inner = 0.0;  ///< the polygon's inner radius over its outer one
};

/// The area of `region` (a valid polygon in plane metres) outside every
/// cut. The part outside the cuts must lie within `window` (edges are
/// followed only there: a caller that knows where the cuts leave nothing
/// passes a smaller box).
[[nodiscard]] double area_outside(const geo::MultiPolygon& region, std::span<const ConvexCut> cuts,
                                                 const geo::Box& window);

}  // namespace wangge::service::detail
