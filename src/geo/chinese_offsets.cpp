#include "wangge/geo/chinese_offsets.hpp"

#include <cmath>
#include <numbers>

namespace wangge::geo {

namespace {

// Krasovsky 1940 ellipsoid, as used by the GCJ-02 formulas.
constexpr double krasovsky_a = 6378245.0;
constexpr double krasovsky_ee = 0.00669342162296594323;
constexpr double pi = std::numbers::pi;
constexpr double baidu_x_pi = pi * 3000.0 / 180.0;

constexpr double inverse_tolerance_deg = 1e-9;
constexpr int inverse_max_iterations = 30;

double offset_lat(double x, double y) {
    double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::fabs(x));
    r += (20.0 * std::sin(6.0 * x * pi) + 20.0 * std::sin(2.0 * x * pi)) * 2.0 / 3.0;
    r += (20.0 * std::sin(y * pi) + 40.0 * std::sin(y / 3.0 * pi)) * 2.0 / 3.0;
    r += (160.0 * std::sin(y / 12.0 * pi) + 320.0 * std::sin(y * pi / 30.0)) * 2.0 / 3.0;
    return r;
}

double offset_lon(double x, double y) {
    double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::fabs(x));
    r += (20.0 * std::sin(6.0 * x * pi) + 20.0 * std::sin(2.0 * x * pi)) * 2.0 / 3.0;
    r += (20.0 * std::sin(x * pi) + 40.0 * std::sin(x / 3.0 * pi)) * 2.0 / 3.0;
    r += (150.0 * std::sin(x / 12.0 * pi) + 300.0 * std::sin(x / 30.0 * pi)) * 2.0 / 3.0;
    return r;
}

/// Solves forward(result) == target by fixed-point iteration; the offsets vary
/// slowly, so each step gains several digits.
template <class Forward>
Point invert(const Point& target, Forward forward) noexcept {
    Point guess = target;
    for (int i = 0; i < inverse_max_iterations; ++i) {
        const Point image = forward(guess);
        const double dx = image.x - target.x;
        const double dy = image.y - target.y;
        guess.x -= dx;
        guess.y -= dy;
        if (std::fabs(dx) < inverse_tolerance_deg && std::fabs(dy) < inverse_tolerance_deg) break;
    }
    return guess;
}

}  // namespace

bool outside_china(const Point& lonlat) noexcept {
    return lonlat.x < 72.004 || lonlat.x > 137.8347 || lonlat.y < 0.8293 || lonlat.y > 55.8271;
}

Point wgs84_to_gcj02(const Point& lonlat) noexcept {
    if (outside_china(lonlat)) return lonlat;
    const double x = lonlat.x - 105.0;
    const double y = lonlat.y - 35.0;
    const double rad_lat = lonlat.y / 180.0 * pi;
    double magic = std::sin(rad_lat);
    magic = 1.0 - krasovsky_ee * magic * magic;
    const double sqrt_magic = std::sqrt(magic);
    const double d_lat =
        offset_lat(x, y) * 180.0 / ((krasovsky_a * (1.0 - krasovsky_ee)) / (magic * sqrt_magic) * pi);
    const double d_lon = offset_lon(x, y) * 180.0 / (krasovsky_a / sqrt_magic * std::cos(rad_lat) * pi);
    return {lonlat.x + d_lon, lonlat.y + d_lat};
}

Point gcj02_to_wgs84(const Point& lonlat) noexcept {
    if (outside_china(lonlat)) return lonlat;
    return invert(lonlat, [](const Point& p) { return wgs84_to_gcj02(p); });
}

Point gcj02_to_bd09(const Point& lonlat) noexcept {
    const double z = std::hypot(lonlat.x, lonlat.y) + 0.00002 * std::sin(lonlat.y * baidu_x_pi);
    const double theta = std::atan2(lonlat.y, lonlat.x) + 0.000003 * std::cos(lonlat.x * baidu_x_pi);
    return {z * std::cos(theta) + 0.0065, z * std::sin(theta) + 0.006};
}

Point bd09_to_gcj02(const Point& lonlat) noexcept {
    return invert(lonlat, [](const Point& p) { return gcj02_to_bd09(p); });
}

Point wgs84_to_bd09(const Point& lonlat) noexcept { return gcj02_to_bd09(wgs84_to_gcj02(lonlat)); }

Point bd09_to_wgs84(const Point& lonlat) noexcept { return gcj02_to_wgs84(bd09_to_gcj02(lonlat)); }

}  // namespace wangge::geo
