#pragma once
// Plain coordinate geometry shared by every module.
//
// These types carry no GEOS/PROJ handles, so a Snapshot built from them can be
// read by any number of threads at once. GEOS objects are created from them on
// demand (see geos.hpp) by the code that needs topology.

#include <algorithm>
#include <limits>
#include <vector>

namespace wangge::geo {

/// A position. For stored data x is longitude and y is latitude (EPSG:4490).
struct Point {
    double x = 0.0;
    double y = 0.0;
    friend bool operator==(const Point&, const Point&) = default;
};

/// A closed ring: the first point equals the last.
using Ring = std::vector<Point>;

/// rings[0] is the exterior, the rest are holes.
struct Polygon {
    std::vector<Ring> rings;
    friend bool operator==(const Polygon&, const Polygon&) = default;
};

struct MultiPolygon {
    std::vector<Polygon> polygons;
    [[nodiscard]] bool empty() const noexcept { return polygons.empty(); }
    friend bool operator==(const MultiPolygon&, const MultiPolygon&) = default;
};

/// Axis-aligned bounding box; a default-constructed box is empty.
struct Box {
    double min_x = std::numeric_limits<double>::infinity();
    double min_y = std::numeric_limits<double>::infinity();
    double max_x = -std::numeric_limits<double>::infinity();
    double max_y = -std::numeric_limits<double>::infinity();

    [[nodiscard]] bool empty() const noexcept { return min_x > max_x || min_y > max_y; }

    void expand(const Point& p) noexcept {
        min_x = std::min(min_x, p.x);
        min_y = std::min(min_y, p.y);
        max_x = std::max(max_x, p.x);
        max_y = std::max(max_y, p.y);
    }
    void expand(const Box& b) noexcept {
        min_x = std::min(min_x, b.min_x);
        min_y = std::min(min_y, b.min_y);
        max_x = std::max(max_x, b.max_x);
        max_y = std::max(max_y, b.max_y);
    }
    [[nodiscard]] bool intersects(const Box& b) const noexcept {
        return !(b.min_x > max_x || b.max_x < min_x || b.min_y > max_y || b.max_y < min_y);
    }
    [[nodiscard]] bool contains(const Point& p) const noexcept {
        return p.x >= min_x && p.x <= max_x && p.y >= min_y && p.y <= max_y;
    }
    friend bool operator==(const Box&, const Box&) = default;
};

[[nodiscard]] Box bounds(const Ring& ring) noexcept;
[[nodiscard]] Box bounds(const Polygon& polygon) noexcept;
[[nodiscard]] Box bounds(const MultiPolygon& multi) noexcept;

/// Even-odd point-in-polygon test; points exactly on an edge may go either way.
[[nodiscard]] bool contains(const Polygon& polygon, const Point& p) noexcept;
[[nodiscard]] bool contains(const MultiPolygon& multi, const Point& p) noexcept;

/// Signed area in coordinate units (positive for counter-clockwise rings).
[[nodiscard]] double signed_area(const Ring& ring) noexcept;

/// Total number of vertices in all rings.
[[nodiscard]] std::size_t vertex_count(const MultiPolygon& multi) noexcept;

}  // namespace wangge::geo
