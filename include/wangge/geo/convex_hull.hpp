#pragma once
// The convex hull of a set of points (Andrew's monotone chain), for the
// basemap's compound outlines and the service circles' street stretches.
//
// Thread safety: a pure function.

#include <vector>

#include "wangge/geo/types.hpp"

namespace wangge::geo {

/// The hull counter-clockwise and open (the first point not repeated),
/// without collinear points; the distinct points themselves when fewer than three.
[[nodiscard]] std::vector<Point> convex_hull(std::vector<Point> points);

}  // namespace wangge::geo
