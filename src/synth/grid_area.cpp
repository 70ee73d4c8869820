#include "grid_area.hpp"

#include <algorithm>
#include <cmath>

namespace wangge::synth::detail {

GridArea::GridArea(const model::Grid& grid, const LocalFrame& frame)
    : grid_(&grid), frame_(&frame), box_(geo::bounds(grid.geometry)) {}

bool GridArea::clear_of_border(const geo::Point& lonlat, double margin_m) const noexcept {
    const double sx = frame_->metres_per_degree_lon();
    const double sy = frame_->metres_per_degree_lat();
    const double margin2 = margin_m * margin_m;
    for (const geo::Polygon& polygon : grid_->geometry.polygons) {
        for (const geo::Ring& ring : polygon.rings) {
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                const double ax = (ring[i].x - lonlat.x) * sx;
                const double ay = (ring[i].y - lonlat.y) * sy;
                const double dx = (ring[i + 1].x - ring[i].x) * sx;
                const double dy = (ring[i + 1].y - ring[i].y) * sy;
                const double length2 = dx * dx + dy * dy;
                const double t = length2 > 0.0 ? std::clamp(-(ax * dx + ay * dy) / length2, 0.0, 1.0) : 0.0;
                const double ex = ax + t * dx;
                const double ey = ay + t * dy;
                if (ex * ex + ey * ey < margin2) return false;
            }
        }
    }
    return true;
}

bool GridArea::fits(const geo::Point& lonlat, double margin_m) const noexcept {
    return box_.contains(lonlat) && geo::contains(grid_->geometry, lonlat) &&
           (margin_m <= 0.0 || clear_of_border(lonlat, margin_m));
}

std::optional<geo::Point> GridArea::random_point(Random& random, double margin_m, int attempts) const {
    for (int i = 0; i < attempts; ++i) {
        const geo::Point candidate =
            moved({random.uniform(box_.min_x, box_.max_x), random.uniform(box_.min_y, box_.max_y)}, 0.0, 0.0);
        if (fits(candidate, margin_m)) return candidate;
    }
    return std::nullopt;
}

geo::Point GridArea::random_point_shrinking(Random& random, double margin_m) const {
    for (double margin = margin_m; margin >= 0.25; margin /= 2.0) {
        if (const auto p = random_point(random, margin)) return *p;
    }
    // A sliver no sample hit: step inwards from the middle of the first segment.
    const geo::Ring& ring = grid_->geometry.polygons.front().rings.front();
    const geo::Point a = frame_->to_metres(ring[0]);
    const geo::Point b = frame_->to_metres(ring[1]);
    const double length = std::hypot(b.x - a.x, b.y - a.y);
    return frame_->to_lonlat((a.x + b.x) / 2.0 - 0.5 * (b.y - a.y) / length, (a.y + b.y) / 2.0 + 0.5 * (b.x - a.x) / length);
}

geo::Point GridArea::moved(const geo::Point& lonlat, double east_m, double north_m) const noexcept {
    const geo::Point metres = frame_->to_metres(lonlat);
    return frame_->to_lonlat(metres.x + east_m, metres.y + north_m);
}

}  // namespace wangge::synth::detail
