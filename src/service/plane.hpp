#pragma once
// Internal to the service module: metres on the CGCS2000 ellipsoid near a
// point (geo/ellipsoid.hpp), shared by the straight-line circles and the
// street network.

#include <algorithm>
#include <cmath>
#include <numbers>

#include "wangge/geo/ellipsoid.hpp"
#include "wangge/geo/types.hpp"

namespace wangge::service::detail {

using geo::metres_per_degree;
/// Rounding of stored coordinates: a household this far beyond the distance still counts as covered.
inline constexpr double rounding_m = 0.001;

/// The length of (dx, dy) in metres: sqrt, not hypot, on the hot paths
/// (every household and grid of every kind): hypot's care against overflow
/// is slow, and squares of plane metres cannot overflow.
inline double plane_length(double dx, double dy) noexcept { return std::sqrt(dx * dx + dy * dy); }

/// The parameter along segment ab of the point nearest to p, in [0, 1] (plane coordinates).
inline double nearest_t(const geo::Point& a, const geo::Point& b, const geo::Point& p) noexcept {
    const double dx = b.x - a.x, dy = b.y - a.y;
    const double length2 = dx * dx + dy * dy;
    return length2 > 0 ? std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / length2, 0.0, 1.0) : 0.0;
}

/// The plane tangent to the ellipsoid at a centre point: metres east and north of it.
class LocalPlane {
public:
    explicit LocalPlane(const geo::Point& centre) : centre_(centre), scale_(metres_per_degree(centre.y)) {}
    [[nodiscard]] geo::Point forward(const geo::Point& p) const noexcept {
        return {(p.x - centre_.x) * scale_.x, (p.y - centre_.y) * scale_.y};
    }
    [[nodiscard]] geo::Point inverse(const geo::Point& p) const noexcept {
        return {centre_.x + p.x / scale_.x, centre_.y + p.y / scale_.y};
    }
    template <class Map>
    [[nodiscard]] static geo::MultiPolygon map(const geo::MultiPolygon& multi, Map&& each) {
        geo::MultiPolygon out = multi;
        for (geo::Polygon& polygon : out.polygons) {
            for (geo::Ring& ring : polygon.rings) {
                for (geo::Point& p : ring) p = each(p);
            }
        }
        return out;
    }

private:
    geo::Point centre_;
    geo::Point scale_;
};

}  // namespace wangge::service::detail
