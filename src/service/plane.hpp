#pragma once
// Internal to the service module: metres on the CGCS2000 ellipsoid near a
// point, shared by the straight-line circles and the street network.

#include <algorithm>
#include <cmath>
#include <numbers>

#include "wangge/geo/types.hpp"

namespace wangge::service::detail {

// The CGCS2000 ellipsoid (EPSG:1024): semi-major axis and flattening.
inline constexpr double semi_major_m = 6378137.0;
inline constexpr double flattening = 1.0 / 298.257222101;
inline constexpr double eccentricity2 = flattening * (2.0 - flattening);
inline constexpr double radians_per_degree = std::numbers::pi / 180.0;
/// Rounding of stored coordinates: a household this far beyond the distance still counts as covered.
inline constexpr double rounding_m = 0.001;

/// Metres per degree of longitude (x) and latitude (y) at latitude `lat` (degrees).
inline geo::Point metres_per_degree(double lat) noexcept {
    const double phi = lat * radians_per_degree;
    const double sin_phi = std::sin(phi);
    const double w2 = 1.0 - eccentricity2 * sin_phi * sin_phi;
    const double prime_vertical = semi_major_m / std::sqrt(w2);
    const double meridian = semi_major_m * (1.0 - eccentricity2) / (w2 * std::sqrt(w2));
    return {prime_vertical * std::cos(phi) * radians_per_degree, meridian * radians_per_degree};
}

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
