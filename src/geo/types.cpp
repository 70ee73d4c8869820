#include "wangge/geo/types.hpp"

namespace wangge::geo {

Box bounds(const Ring& ring) noexcept {
    Box box;
    for (const Point& p : ring) box.expand(p);
    return box;
}

Box bounds(const Polygon& polygon) noexcept {
    // Holes lie inside the exterior, so the exterior decides the box.
    return polygon.rings.empty() ? Box{} : bounds(polygon.rings.front());
}

Box bounds(const MultiPolygon& multi) noexcept {
    Box box;
    for (const Polygon& polygon : multi.polygons) box.expand(bounds(polygon));
    return box;
}

namespace {

bool ring_contains(const Ring& ring, const Point& p) noexcept {
    bool inside = false;
    const std::size_t n = ring.size();
    for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
        const Point& a = ring[i];
        const Point& b = ring[j];
        if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) {
            inside = !inside;
        }
    }
    return inside;
}

}  // namespace

bool contains(const Polygon& polygon, const Point& p) noexcept {
    if (polygon.rings.empty() || !ring_contains(polygon.rings.front(), p)) return false;
    for (std::size_t i = 1; i < polygon.rings.size(); ++i) {
        if (ring_contains(polygon.rings[i], p)) return false;
    }
    return true;
}

bool contains(const MultiPolygon& multi, const Point& p) noexcept {
    for (const Polygon& polygon : multi.polygons) {
        if (contains(polygon, p)) return true;
    }
    return false;
}

double signed_area(const Ring& ring) noexcept {
    double twice = 0.0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        twice += ring[i].x * ring[i + 1].y - ring[i + 1].x * ring[i].y;
    }
    return twice / 2.0;
}

std::size_t vertex_count(const MultiPolygon& multi) noexcept {
    std::size_t count = 0;
    for (const Polygon& polygon : multi.polygons) {
        for (const Ring& ring : polygon.rings) count += ring.size();
    }
    return count;
}

}  // namespace wangge::geo
