#pragma once
// Metres per degree on the CGCS2000 ellipsoid near a latitude: the local
// scaling that turns lon/lat differences into metres over a few kilometres
// (exact to millimetres there), cheap and thread-safe on hot paths where a
// PROJ transform per point would be neither. Shared by the lookups' border
// distances (model) and the service circles' distances (service).

#include <cmath>
#include <numbers>

#include "wangge/geo/types.hpp"

namespace wangge::geo {

// The CGCS2000 ellipsoid (EPSG:1024, the shape of GRS80): semi-major axis and flattening.
inline constexpr double semi_major_m = 6378137.0;
inline constexpr double flattening = 1.0 / 298.257222101;
inline constexpr double eccentricity2 = flattening * (2.0 - flattening);
inline constexpr double radians_per_degree = std::numbers::pi / 180.0;

/// Metres per degree of longitude (x) and latitude (y) at latitude `lat` (degrees):
/// the radii of curvature in the prime vertical and the meridian.
[[nodiscard]] inline Point metres_per_degree(double lat) noexcept {
    const double phi = lat * radians_per_degree;
    const double sin_phi = std::sin(phi);
    const double w2 = 1.0 - eccentricity2 * sin_phi * sin_phi;
    const double prime_vertical = semi_major_m / std::sqrt(w2);
    const double meridian = semi_major_m * (1.0 - eccentricity2) / (w2 * std::sqrt(w2));
    return {prime_vertical * std::cos(phi) * radians_per_degree, meridian * radians_per_degree};
}

}  // namespace wangge::geo
