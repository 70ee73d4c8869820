#include "wangge/service/circles.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <exception>
#include <mutex>
#include <numbers>
#include <span>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <variant>

#include "wangge/error.hpp"
#include "wangge/geo/geos.hpp"
#include "outside.hpp"
#include "plane.hpp"

namespace wangge::service {

namespace {

using detail::ConvexCut;
using detail::LocalPlane;
using detail::metres_per_degree;
using detail::rounding_m;

/// Sides of the polygon standing for a circle in the uncovered areas.
constexpr int circle_sides = 64;
/// More changed facilities than this and recomputing everything is cheaper than the edits.
constexpr std::size_t incremental_limit = 2000;

/// Facilities hashed into cells at least the distance wide, so all those
/// within it of a point lie in the point's cell or the eight around it.
class FacilityCells {
public:
    FacilityCells(const std::vector<std::pair<std::int64_t, geo::Point>>& facilities, double distance_m)
        : distance_m_(distance_m) {
        double max_lat = 0.0;
        for (const auto& [id, p] : facilities) max_lat = std::max(max_lat, std::abs(p.y));
        // Narrowest degrees of latitude (the equator's) and of longitude (the
        // highest latitude a point within the distance can have) in metres.
        cell_.y = distance_m / metres_per_degree(0.0).y;
        cell_.x = distance_m / metres_per_degree(std::min(89.0, max_lat + cell_.y)).x;
        for (const auto& [id, p] : facilities) cells_[key(column(p.x), row(p.y))].push_back(p);
    }

    /// Whether a facility lies within the distance of `p`.
    [[nodiscard]] bool reaches(const geo::Point& p) const {
        bool found = false;
        visit({p.x, p.y, p.x, p.y}, [&](const geo::Point& f) {
            found = distance_m(p, f) <= distance_m_ + rounding_m;
            return !found;
        });
        return found;
    }

    /// Calls visit(facility) for the facilities of every cell within one cell of `box`; false stops.
    template <class Visitor>
    void visit(const geo::Box& box, Visitor&& each) const {
        if (cells_.empty()) return;
        for (std::int64_t c = column(box.min_x) - 1; c <= column(box.max_x) + 1; ++c) {
            for (std::int64_t r = row(box.min_y) - 1; r <= row(box.max_y) + 1; ++r) {
                const auto found = cells_.find(key(c, r));
                if (found == cells_.end()) continue;
                for (const geo::Point& f : found->second) {
                    if (!each(f)) return;
                }
            }
        }
    }

private:
    [[nodiscard]] std::int64_t column(double x) const noexcept { return static_cast<std::int64_t>(std::floor(x / cell_.x)); }
    [[nodiscard]] std::int64_t row(double y) const noexcept { return static_cast<std::int64_t>(std::floor(y / cell_.y)); }
    static std::uint64_t key(std::int64_t c, std::int64_t r) noexcept {
        return (static_cast<std::uint64_t>(c) << 32) ^ static_cast<std::uint32_t>(r);
    }

    double distance_m_;
    geo::Point cell_;
    std::unordered_map<std::uint64_t, std::vector<geo::Point>> cells_;
};

}  // namespace

namespace detail {

/// What reaches a kind's households and grids; a coverage keeps it to draw
/// its grids' uncovered parts when asked.
struct Reachers {
    double distance_m;
    FacilityCells facilities;
    /// Along the streets: the facilities that join no street (they keep their circles).
    FacilityCells loose;
    std::shared_ptr<const StreetNetwork> network;
    std::optional<Walk> walk;  ///< from the facilities that join the streets
};

}  // namespace detail

namespace {

using detail::Reachers;

/// Runs job(i, state) for i in [0, count) on up to `threads` threads (the
/// caller's among them), each with its own default-made State (a GEOS
/// context: one per thread); rethrows the first exception once all stopped.
template <class State, class Job>
void run_parallel(std::size_t count, unsigned threads, Job&& job) {
    if (count == 0) return;
    threads = std::max(1U, static_cast<unsigned>(std::min<std::size_t>(threads, count)));
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    const auto work = [&] {
        try {
            State state;
            for (std::size_t i = next++; i < count; i = next++) job(i, state);
        } catch (...) {
            const std::lock_guard lock(failure_mutex);
            if (!failure) failure = std::current_exception();
            next = count;
        }
    };
    {
        std::vector<std::jthread> pool;
        for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
        work();
    }
    if (failure) std::rethrow_exception(failure);
}

/// Area in square metres of a polygon in plane coordinates.
double plane_area(const geo::MultiPolygon& plane) noexcept {
    double area = 0.0;
    for (const geo::Polygon& polygon : plane.polygons) {
        for (std::size_t r = 0; r < polygon.rings.size(); ++r) {
            const double ring = std::abs(geo::signed_area(polygon.rings[r]));
            area += r == 0 ? ring : -ring;
        }
    }
    return area;
}

/// Distance from `p` to the nearest edge of a plane polygon.
double distance_to_edges(const geo::MultiPolygon& plane, const geo::Point& p) noexcept {
    double best = std::numeric_limits<double>::infinity();
    for (const geo::Polygon& polygon : plane.polygons) {
        for (const geo::Ring& ring : polygon.rings) {
            for (std::size_t i = 1; i < ring.size(); ++i) {
                const geo::Point a = ring[i - 1], b = ring[i];
                const double t = detail::nearest_t(a, b, p);
                best = std::min(best, detail::plane_length(p.x - a.x - t * (b.x - a.x), p.y - a.y - t * (b.y - a.y)));
            }
        }
    }
    return best;
}

/// The box holding every point within `distance_m` of `box`, at its own
/// latitudes (a removed facility may lie north of all those left).
geo::Box around(const geo::Box& box, double distance_m) noexcept {
    const double dy = distance_m / metres_per_degree(0.0).y;
    const double dx = distance_m / metres_per_degree(std::min(89.0, std::max(std::abs(box.min_y), std::abs(box.max_y)) + dy)).x;
    return {box.min_x - dx, box.min_y - dy, box.max_x + dx, box.max_y + dy};
}

/// What reaches one grid, in the grid's plane: shapes to cut away, unless one covers it all.
struct Reaching {
    bool full = false;
    std::vector<ConvexCut> shapes;
    /// Along the streets: a box outside which the stretches reach all (empty: not known).
    geo::Box open;
};

/// The regular polygon of `sides` sides on the unit circle, vertex k at
/// angle 2πk/sides, once per size: a city's shapes would otherwise spend a
/// sine and cosine per vertex.
template <int sides>
const std::array<geo::Point, sides>& unit_polygon() {
    static const std::array<geo::Point, sides> unit = [] {
        std::array<geo::Point, sides> out;
        for (int i = 0; i < sides; ++i) {
            const double angle = 2 * std::numbers::pi * i / sides;
            out[static_cast<std::size_t>(i)] = {std::cos(angle), std::sin(angle)};
        }
        return out;
    }();
    return unit;
}

/// The circles of the facilities in `cells` reaching the grid `shape`; a grid
/// whose every vertex lies within the 64-gon's inner radius of one centre is
/// inside that circle.
void add_circles(Reaching& out, const geo::MultiPolygon& shape, const geo::Box& box, const LocalPlane& plane,
                 const FacilityCells& cells, double distance_m) {
    const double inner = distance_m * std::cos(std::numbers::pi / circle_sides);
    cells.visit(box, [&](const geo::Point& facility) {
        const geo::Point centre = plane.forward(facility);
        if (!geo::contains(shape, centre) && distance_to_edges(shape, centre) > distance_m) return true;
        double farthest = 0.0;
        for (const geo::Polygon& polygon : shape.polygons) {
            for (const geo::Point& v : polygon.rings.front()) farthest = std::max(farthest, detail::plane_length(v.x - centre.x, v.y - centre.y));
        }
        out.full = farthest <= inner;
        ConvexCut& circle = out.shapes.emplace_back(ConvexCut{{}, centre, centre, distance_m, distance_m, std::cos(std::numbers::pi / circle_sides)});
        geo::Ring& ring = circle.ring;
        ring.reserve(circle_sides + 1);
        for (const geo::Point& u : unit_polygon<circle_sides>()) ring.push_back({centre.x + distance_m * u.x, centre.y + distance_m * u.y});
        ring.push_back(ring.front());
        return !out.full;
    });
}

/// Sides of the polygons standing for the circles at a street stretch's ends.
constexpr int stretch_sides = 32;

/// The convex hull (counter-clockwise, closed) of the stretch from a to b
/// whose walk left is ra at a and rb at b (linear between): the hull of the
/// two ends' 32-gons, built without sorting. The two polygons have the
/// same vertex directions, so vertex k of either is on the hull exactly
/// where it is the farther of the two in some direction of vertex k's
/// normal cone (between the normals of its two edges); how far ahead a's
/// vertex is, (a − b + (ra − rb)·u_k)·n, is a cosine of n's angle, so its
/// signs at the cone's two sides tell which vertices are on the hull, and
/// in which order.
ConvexCut stretch_hull(const geo::Point& a, double ra, const geo::Point& b, double rb) {
    const auto& unit = unit_polygon<stretch_sides>();
    ra = std::max(ra, 0.0);
    rb = std::max(rb, 0.0);
    geo::Ring hull;
    hull.reserve(2 * stretch_sides + 1);
    const auto push = [&](const geo::Point& p) {
        if (hull.empty() || !(hull.back() == p)) hull.push_back(p);
    };
    const double dx = a.x - b.x, dy = a.y - b.y, dr = ra - rb;
    for (std::size_t k = 0; k < unit.size(); ++k) {
        const geo::Point& u = unit[k];
        const geo::Point& before = unit[(k + unit.size() - 1) % unit.size()];
        const geo::Point& after = unit[(k + 1) % unit.size()];
        // Edge normals up to a positive factor: the sums of their vertices' directions.
        const double gx = dx + dr * u.x, gy = dy + dr * u.y;
        const bool a_first = gx * (before.x + u.x) + gy * (before.y + u.y) >= 0.0;
        const bool a_last = gx * (after.x + u.x) + gy * (after.y + u.y) >= 0.0;
        const geo::Point pa{a.x + ra * u.x, a.y + ra * u.y}, pb{b.x + rb * u.x, b.y + rb * u.y};
        if (a_first) push(pa);
        if (!a_first || !a_last) push(pb);
        if (!a_first && a_last) push(pa);
    }
    while (hull.size() > 1 && hull.back() == hull.front()) hull.pop_back();
    hull.push_back(hull.front());
    return {std::move(hull), a, b, ra, rb, std::cos(std::numbers::pi / stretch_sides)};
}

/// A piece of a street segment along which the walk left changes linearly,
/// in the grid's plane: from radius ra at a to rb at b.
struct Stretch {
    geo::Point a;
    double ra;
    geo::Point b;
    double rb;

    /// Whether the disc of `margin` around p lies within the stretch's
    /// 32-gons' inner circle at p's nearest point of it or at an end (a
    /// sufficient test: then it is inside the stretch's hull).
    [[nodiscard]] bool holds(const geo::Point& p, double margin) const noexcept {
        static const double inner = std::cos(std::numbers::pi / stretch_sides);
        for (const double t : {detail::nearest_t(a, b, p), 0.0, 1.0}) {
            const double dx = p.x - a.x - t * (b.x - a.x), dy = p.y - a.y - t * (b.y - a.y);
            // sqrt, not hypot: this runs for every lattice cell of every stretch, and hypot's overflow care is slow.
            if (std::sqrt(dx * dx + dy * dy) + margin <= (ra + t * (rb - ra)) * inner) return true;
        }
        return false;
    }

    /// Whether the disc of `margin` around p may meet the stretch's hull (a
    /// necessary test: the hull lies within the larger radius of the segment).
    [[nodiscard]] bool may_touch(const geo::Point& p, double margin) const noexcept {
        const double t = detail::nearest_t(a, b, p);
        const double dx = p.x - a.x - t * (b.x - a.x), dy = p.y - a.y - t * (b.y - a.y);
        const double reach = std::max(ra, rb) + margin;
        return dx * dx + dy * dy <= reach * reach;
    }
};

/// How far (metres, in the grid's plane) the area drawn from merged stretches
/// may lie from that of the stretches merged (see merge_continuations).
constexpr double merge_tolerance_m = 2.0;

/// Joins stretches that continue one another nearly in line, so GEOS cuts
/// one hull where it cut several (along a street the walk goes on through
/// bends and crossings with the distance left falling at the same rate).
/// Stretches meeting end to end, with the same radius there, form a chain
/// with vertices (p_i, r_i); the chain becomes the one stretch from its
/// first to its last vertex when every vertex lies within `tolerance_m` of
/// that line at the same parameter t, counting the radius too:
/// |p_i - p(t)| + |r_i - r(t)| <= tolerance_m. Why that bounds the area: a
/// stretch's hull is the union over t of the 32-gon scaled by r(t) at p(t)
/// (the hull of two scaled copies of one convex polygon), so moving each
/// vertex of the chain to (p(t_i), r(t_i)) moves each piece's hull, and
/// their union, by at most that sum, and the moved pieces together are the
/// merged hull. So the merged area lies within the tolerance of the
/// stretches' union, both ways.
std::vector<Stretch> merge_continuations(std::span<const Stretch> stretches, double tolerance_m) {
    struct Vertex {
        geo::Point p;
        double r;
    };
    std::vector<std::vector<Vertex>> chains;
    chains.reserve(stretches.size());
    for (const Stretch& s : stretches) chains.push_back({{s.a, s.ra}, {s.b, s.rb}});
    // Ends meet where they round to the same millimetre (point_on's far end
    // may differ from the node by an ulp); a rare miss at a rounding
    // boundary only leaves two hulls.
    const auto key = [](const geo::Point& p) { return std::pair{std::llround(p.x * 1000), std::llround(p.y * 1000)}; };
    std::vector<std::tuple<std::pair<long long, long long>, std::size_t>> ends;
    ends.reserve(2 * stretches.size());
    for (std::size_t i = 0; i < stretches.size(); ++i) {
        ends.emplace_back(key(stretches[i].a), i);
        ends.emplace_back(key(stretches[i].b), i);
    }
    std::sort(ends.begin(), ends.end());
    // A merged chain lives on in the lower-numbered of its two parts.
    std::vector<std::size_t> parent(stretches.size());
    for (std::size_t i = 0; i < parent.size(); ++i) parent[i] = i;
    const auto find = [&](std::size_t i) {
        while (parent[i] != i) i = parent[i] = parent[parent[i]];
        return i;
    };
    const auto within = [&](const std::vector<Vertex>& chain) {
        const Vertex& first = chain.front();
        const Vertex& last = chain.back();
        if (first.r <= 0.0 && last.r <= 0.0) return false;  // its hull would be a line, no polygon
        for (std::size_t i = 1; i + 1 < chain.size(); ++i) {
            const double t = detail::nearest_t(first.p, last.p, chain[i].p);
            const double dx = chain[i].p.x - first.p.x - t * (last.p.x - first.p.x);
            const double dy = chain[i].p.y - first.p.y - t * (last.p.y - first.p.y);
            if (std::sqrt(dx * dx + dy * dy) + std::abs(chain[i].r - first.r - t * (last.r - first.r)) > tolerance_m) return false;
        }
        return true;
    };
    for (std::size_t begin = 0; begin < ends.size();) {
        std::size_t end = begin + 1;
        while (end < ends.size() && std::get<0>(ends[end]) == std::get<0>(ends[begin])) ++end;
        const auto at = std::get<0>(ends[begin]);
        for (std::size_t u = begin; u < end; ++u) {
            for (std::size_t v = u + 1; v < end; ++v) {
                const std::size_t x = find(std::get<1>(ends[u])), y = find(std::get<1>(ends[v]));
                if (x == y) continue;
                std::vector<Vertex> joined = chains[x];
                std::vector<Vertex> other = chains[y];
                // Both still end here (not merged through it already): x's end last, y's first.
                if (key(joined.back().p) != at) std::reverse(joined.begin(), joined.end());
                if (key(other.front().p) != at) std::reverse(other.begin(), other.end());
                if (key(joined.back().p) != at || key(other.front().p) != at) continue;
                if (std::abs(joined.back().r - other.front().r) > rounding_m) continue;
                joined.insert(joined.end(), other.begin() + 1, other.end());
                if (!within(joined)) continue;
                const auto [keep, gone] = std::minmax(x, y);
                chains[keep] = std::move(joined);
                chains[gone].clear();
                parent[gone] = keep;
            }
        }
        begin = end;
    }
    std::vector<Stretch> out;
    for (std::size_t i = 0; i < chains.size(); ++i) {
        if (find(i) == i) out.push_back({chains[i].front().p, chains[i].front().r, chains[i].back().p, chains[i].back().r});
    }
    return out;
}

/// What the stretches reaching a grid do for it, tested without GEOS.
struct StretchSelection {
    bool full = false;                ///< together they reach all of the grid
    std::vector<std::size_t> needed;  ///< else the ones whose hulls give what they reach of the grid's box
    geo::Box open;                    ///< the box of the cells no stretch holds whole: the uncovered part lies inside
};

/// Tests the stretches on a lattice over the grid's box: each lattice point
/// stands for the square cell of side `step` around it, which a stretch
/// holds whole when it holds the point with a margin of half the cell's
/// diagonal. The grid is full when one stretch holds every vertex, or every
/// cell is held. Otherwise a stretch is not needed when every cell it may
/// touch is held whole by another stretch still needed: dropped smallest
/// first, each drop keeps the union of the rest over the box unchanged (the
/// cells the dropped one reaches stay inside the others), so the uncovered
/// area is the same with fewer hulls for GEOS. The interior of a well-reached
/// grid is mostly such stretches; those along the edge of the reach stay.
StretchSelection select_stretches(const geo::MultiPolygon& shape, std::span<const Stretch> stretches) {
    StretchSelection out;
    for (const Stretch& stretch : stretches) {
        bool all = true;
        for (const geo::Polygon& polygon : shape.polygons) {
            for (const geo::Point& v : polygon.rings.front()) all = all && stretch.holds(v, 0.0);
        }
        if (all) {
            out.full = true;
            return out;
        }
    }
    const geo::Box box = geo::bounds(shape);
    const double width = box.max_x - box.min_x, height = box.max_y - box.min_y;
    constexpr double steps = 8.0;  // 6 to 16 cost the same within noise since the area needs no GEOS; 8 measured best
    const double step = std::max({width / steps, height / steps, 1.0});
    const double margin = step * std::numbers::sqrt2 / 2;
    // Column k's points lie at min_x + step / 2 + k * step, the last moved onto max_x; rows likewise.
    const auto lines = [&](double extent) { return static_cast<std::size_t>(std::ceil(extent / step + 0.5)); };
    const std::size_t columns = std::max<std::size_t>(1, lines(width)), rows = std::max<std::size_t>(1, lines(height));
    const auto centre = [&](std::size_t column, std::size_t row) {
        return geo::Point{std::min(box.min_x + step / 2 + static_cast<double>(column) * step, box.max_x),
                          std::min(box.min_y + step / 2 + static_cast<double>(row) * step, box.max_y)};
    };
    // The columns (rows) whose points lie within [low, high].
    const auto range = [&](double low, double high, double origin, std::size_t count) {
        const double first = std::ceil((low - origin - step / 2) / step), last = std::floor((high - origin - step / 2) / step);
        const auto clamp = [&](double k) { return static_cast<std::size_t>(std::clamp(k, 0.0, static_cast<double>(count - 1))); };
        return std::pair{clamp(first), clamp(last + 1)};  // one more: the last point may have been moved onto the edge
    };
    const std::size_t count = stretches.size(), cell_count = columns * rows;
    // Row i: the cells stretch i holds whole, and those it may touch.
    std::vector<std::uint8_t> holds(count * cell_count, 0), touches(count * cell_count, 0);
    std::vector<std::uint32_t> holders(cell_count, 0);
    for (std::size_t i = 0; i < count; ++i) {
        const Stretch& s = stretches[i];
        const double reach = std::max(s.ra, s.rb) + margin;
        const auto [c0, c1] = range(std::min(s.a.x, s.b.x) - reach, std::max(s.a.x, s.b.x) + reach, box.min_x, columns);
        const auto [r0, r1] = range(std::min(s.a.y, s.b.y) - reach, std::max(s.a.y, s.b.y) + reach, box.min_y, rows);
        for (std::size_t r = r0; r <= r1; ++r) {
            for (std::size_t c = c0; c <= c1; ++c) {
                const std::size_t cell = r * columns + c;
                const geo::Point p = centre(c, r);
                const bool held = s.holds(p, margin);
                holds[i * cell_count + cell] = held;
                touches[i * cell_count + cell] = held || s.may_touch(p, margin);
                holders[cell] += held;
            }
        }
    }
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < columns; ++c) {
            if (holders[r * columns + c] > 0) continue;
            const geo::Point p = centre(c, r);
            out.open.expand(geo::Point{p.x - step / 2, p.y - step / 2});
            out.open.expand(geo::Point{p.x + step / 2, p.y + step / 2});
        }
    }
    if (out.open.empty()) {
        out.full = true;
        return out;
    }
    // Smallest first (by the area of the two end discs and the band between them).
    std::vector<std::pair<double, std::size_t>> order;
    order.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const Stretch& s = stretches[i];
        const double r = std::max(s.ra, s.rb);
        const double dx = s.b.x - s.a.x, dy = s.b.y - s.a.y;
        order.emplace_back(std::sqrt(dx * dx + dy * dy) * (s.ra + s.rb) + std::numbers::pi * r * r, i);
    }
    std::sort(order.begin(), order.end());
    std::vector<bool> dropped(count, false);
    for (const auto& [size, i] : order) {
        const std::uint8_t* const held = &holds[i * cell_count];
        const std::uint8_t* const touched = &touches[i * cell_count];
        bool needed = false;
        for (std::size_t c = 0; c < cell_count && !needed; ++c) needed = touched[c] && holders[c] - held[c] == 0;
        if (needed) continue;
        dropped[i] = true;
        for (std::size_t c = 0; c < cell_count; ++c) holders[c] -= held[c];
    }
    for (std::size_t i = 0; i < count; ++i) {
        if (!dropped[i]) out.needed.push_back(i);
    }
    return out;
}

/// What the walk reaches of the grid `shape` along the streets: around each
/// stretch, what is left of the walk there, up to the snap distance (farther
/// off every street a point is not walked to along the streets).
void add_streets(Reaching& out, const geo::MultiPolygon& shape, const geo::Box& box, const LocalPlane& plane,
                 const StreetNetwork& network, const Walk& walk) {
    std::vector<std::uint32_t> segments;
    network.visit(around(box, std::min(walk.limit_m(), network.snap_m())), [&](std::uint32_t segment) {
        segments.push_back(segment);
        return true;
    });
    std::sort(segments.begin(), segments.end());
    segments.erase(std::unique(segments.begin(), segments.end()), segments.end());
    const geo::Box plane_box = geo::bounds(shape);
    const double cap = network.snap_m();
    std::vector<Stretch> stretches;
    // One stretch along which the radius changes linearly from r0 to r1 (both in [0, cap]).
    const auto add = [&](std::uint32_t segment, double s0, double r0, double s1, double r1) {
        const geo::Point a = plane.forward(network.point_on(segment, s0));
        const geo::Point b = plane.forward(network.point_on(segment, s1));
        const geo::Box reach{std::min(a.x - r0, b.x - r1), std::min(a.y - r0, b.y - r1), std::max(a.x + r0, b.x + r1),
                             std::max(a.y + r0, b.y + r1)};
        if (reach.intersects(plane_box)) stretches.push_back({a, r0, b, r1});
    };
    for (const std::uint32_t segment : segments) {
        if (!walk.touches(segment)) continue;
        const std::vector<double> cuts = walk.breaks(segment);
        for (std::size_t i = 1; i < cuts.size(); ++i) {
            double s0 = cuts[i - 1], s1 = cuts[i];
            double r0 = walk.left_m(segment, s0), r1 = walk.left_m(segment, s1);
            if (r0 <= 0.0 && r1 <= 0.0) continue;
            // Only the part with some walk left.
            if (r0 < 0.0) {
                s0 += (s1 - s0) * -r0 / (r1 - r0);
                r0 = 0.0;
            } else if (r1 < 0.0) {
                s1 -= (s1 - s0) * -r1 / (r0 - r1);
                r1 = 0.0;
            }
            // Split where the radius reaches the cap, so each part changes linearly.
            if ((r0 - cap) * (r1 - cap) < 0.0) {
                const double s = s0 + (s1 - s0) * (cap - r0) / (r1 - r0);
                add(segment, s0, std::min(r0, cap), s, cap);
                add(segment, s, cap, s1, std::min(r1, cap));
            } else {
                add(segment, s0, std::min(r0, cap), s1, std::min(r1, cap));
            }
        }
    }
    if (stretches.empty()) return;
    stretches = merge_continuations(stretches, merge_tolerance_m);
    const StretchSelection selection = select_stretches(shape, stretches);
    out.full = selection.full;
    out.open = selection.open;
    for (const std::size_t i : selection.needed) {
        const Stretch& stretch = stretches[i];
        out.shapes.push_back(stretch_hull(stretch.a, stretch.ra, stretch.b, stretch.rb));
    }
}

/// The grid's `area` minus every shape of `reaching`. One difference at a
/// time, the largest shapes first, rather than the difference with their
/// union: a cascaded union of tens of overlapping pieces nodes all their
/// edges at every level of the cascade, while here the part left shrinks
/// fast and a shape whose box misses the box of what is left costs no GEOS
/// call. Along the streets the part left starts as the grid clipped to the
/// box of the lattice cells no stretch holds whole (outside it everything is
/// reached), when that box is small enough for the clip to pay.
geo::geos::Geometry cut_away(geo::geos::Geometry area, const Reaching& reaching, geo::geos::Context& context) {
    const auto box_area = [](const geo::Box& box) { return (box.max_x - box.min_x) * (box.max_y - box.min_y); };
    constexpr double clip_below = 0.6;  // of the grid's box: measured on the bench city, the clip costs a difference
    const geo::Box& open = reaching.open;
    if (!open.empty() && box_area(open) < clip_below * box_area(area.box())) {
        const geo::Ring ring{{open.min_x, open.min_y}, {open.max_x, open.min_y}, {open.max_x, open.max_y},
                             {open.min_x, open.max_y}, {open.min_x, open.min_y}};
        area = area.intersection(context.polygon(geo::Polygon{{ring}}));
    }
    const std::vector<ConvexCut>& shapes = reaching.shapes;
    std::vector<std::pair<double, std::size_t>> order;
    order.reserve(shapes.size());
    for (std::size_t i = 0; i < shapes.size(); ++i) order.emplace_back(-std::abs(geo::signed_area(shapes[i].ring)), i);
    std::sort(order.begin(), order.end());
    geo::Box left = area.box();
    for (const auto& [size, i] : order) {
        if (area.empty()) break;
        if (!geo::bounds(shapes[i].ring).intersects(left)) continue;
        area = area.difference(context.polygon(geo::Polygon{{shapes[i].ring}}));
        left = area.box();
    }
    return area;
}

/// What reaches one finest-level grid, in the plane tangent at its centre.
struct GridReach {
    LocalPlane plane;
    geo::MultiPolygon shape;  ///< the grid in that plane
    Reaching reaching;
};

/// In straight lines: the circles of the facilities. Along the streets (a
/// network and its walk): what the walk reaches and the circles of the
/// facilities off the streets (`loose`); a grid with no street within the
/// snap distance keeps the circles of every facility, as its households do.
GridReach reach_of(const model::Grid& grid, const Reachers& reachers) {
    const geo::Box box = geo::bounds(grid.geometry);
    GridReach out{LocalPlane({(box.min_x + box.max_x) / 2, (box.min_y + box.max_y) / 2}), {}, {}};
    out.shape = LocalPlane::map(grid.geometry, [&](const geo::Point& p) { return out.plane.forward(p); });
    const StreetNetwork* const network = reachers.network.get();
    bool streets = false;
    if (network != nullptr) {
        network->visit(around(box, network->snap_m()), [&](std::uint32_t) { return !(streets = true); });
    }
    add_circles(out.reaching, out.shape, box, out.plane, streets ? reachers.loose : reachers.facilities, reachers.distance_m);
    if (!out.reaching.full && streets) add_streets(out.reaching, out.shape, box, out.plane, *network, *reachers.walk);
    return out;
}

/// The grid minus what reaches it, with GEOS, in the grid's plane.
geo::geos::Geometry cut_grid(const GridReach& reach, geo::geos::Context& context) {
    try {
        return cut_away(context.multipolygon(reach.shape), reach.reaching, context);
    } catch (const geo::geos::GeosError&) {
        // An imported grid GEOS finds invalid: its repaired shape still has an area to report.
        return cut_away(context.multipolygon(reach.shape).make_valid(), reach.reaching, context);
    }
}

/// How much of one finest-level grid is uncovered: the number by Green's
/// theorem (outside.hpp), without GEOS (Coverage::uncovered draws the part).
GridArea grid_area(const model::Grid& grid, const Reachers& reachers) {
    const GridReach reach = reach_of(grid, reachers);
    GridArea out;
    out.area_m2 = plane_area(reach.shape);
    if (reach.reaching.full) {
        out.reach = Reach::full;
        return out;
    }
    if (reach.reaching.shapes.empty()) {
        out.reach = Reach::none;
        out.uncovered_m2 = out.area_m2;
        return out;
    }
    // The uncovered part lies in the lattice cells no stretch holds (a
    // metre of slack for the rounding at their edges).
    geo::Box window = reach.reaching.open.empty() ? geo::bounds(reach.shape) : reach.reaching.open;
    window = {window.min_x - 1, window.min_y - 1, window.max_x + 1, window.max_y + 1};
    out.uncovered_m2 = detail::area_outside(reach.shape, reach.reaching.shapes, window);
    // Rounding: a grid the shapes just cover leaves a few square micrometres.
    if (out.uncovered_m2 <= out.area_m2 * 1e-9) {
        out.reach = Reach::full;
        out.uncovered_m2 = 0.0;
    } else if (out.uncovered_m2 >= out.area_m2 * (1 - 1e-9)) {
        out.reach = Reach::none;
    } else {
        out.reach = Reach::partial;
    }
    return out;
}

}  // namespace

std::optional<double> Tally::share() const noexcept {
    if (households == 0) return std::nullopt;
    return static_cast<double>(covered) / static_cast<double>(households);
}

Tally& Tally::operator+=(const Tally& other) noexcept {
    households += other.households;
    covered += other.covered;
    return *this;
}

double distance_m(const geo::Point& a, const geo::Point& b) noexcept {
    const geo::Point scale = metres_per_degree((a.y + b.y) / 2);
    // sqrt, not hypot (every household of every kind comes here): the squares of metres cannot overflow.
    const double dx = (b.x - a.x) * scale.x, dy = (b.y - a.y) * scale.y;
    return std::sqrt(dx * dx + dy * dy);
}

geo::Point offset(const geo::Point& origin, double east_m, double north_m) noexcept {
    // Latitude first, so the longitude's scale is that of the pair's mean latitude (as distance_m has it).
    const double lat = origin.y + north_m / metres_per_degree(origin.y).y;
    const double mean = (origin.y + lat) / 2;
    const double lat_exact = origin.y + north_m / metres_per_degree(mean).y;
    const double mean_exact = (origin.y + lat_exact) / 2;
    return {origin.x + east_m / metres_per_degree(mean_exact).x, lat_exact};
}

const Tally* Coverage::unit(std::string_view code) const noexcept {
    const auto found = positions_.find(code);
    return found == positions_.end() ? nullptr : &tallies_[found->second];
}

const GridArea* Coverage::area(std::size_t position) const noexcept {
    return position < areas_.size() ? areas_[position].get() : nullptr;
}

std::shared_ptr<const UncoveredShape> Coverage::uncovered(const model::Snapshot& snapshot, std::size_t position) const {
    const GridArea* const grid_area = area(position);
    if (grid_area == nullptr || position >= snapshot.current_grids().size()) return nullptr;
    {
        const std::lock_guard lock(drawn_->mutex);
        if (const auto found = drawn_->shapes.find(position); found != drawn_->shapes.end()) return found->second;
    }
    const model::Grid& grid = *snapshot.current_grids()[position];
    auto shape = std::make_shared<UncoveredShape>();
    if (grid_area->reach == Reach::none) {
        shape->geometry = grid.geometry;
        shape->area_m2 = grid_area->uncovered_m2;
    } else if (grid_area->reach == Reach::partial) {
        geo::geos::Context context;
        const GridReach reach = reach_of(grid, *reachers_);
        const geo::geos::Geometry rest = cut_grid(reach, context);
        if (!rest.empty()) {
            shape->area_m2 = rest.area();
            shape->geometry = LocalPlane::map(rest.polygons(), [&](const geo::Point& p) { return reach.plane.inverse(p); });
        }
    }
    // Two threads may draw the same grid at once: the first one kept wins (they are equal).
    const std::lock_guard lock(drawn_->mutex);
    return drawn_->shapes.try_emplace(position, std::move(shape)).first->second;
}

Coverage Coverage::compute(const model::Snapshot& snapshot, const ServiceKind& kind, const Coverage* base,
                           unsigned threads, std::shared_ptr<const StreetNetwork> network) {
    return compute_joined(snapshot, kind, base, threads, std::move(network), {});
}

Coverage Coverage::compute_joined(const model::Snapshot& snapshot, const ServiceKind& kind, const Coverage* base,
                                  unsigned threads, std::shared_ptr<const StreetNetwork> network,
                                  std::span<const std::optional<Attachment>> joined) {
    if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
    const model::Tables& data = snapshot.data();
    Coverage out;
    out.kind_ = kind;
    out.network_ = std::move(network);
    out.households_ = data.households;
    out.grids_ = data.grids;
    for (const model::Facility& facility : data.facilities) {
        if (kind.provided_by(facility.kind)) out.facilities_.emplace_back(facility.id, facility.location);
    }
    // Ids are unique in a snapshot; a stable sort keeps the result deterministic regardless.
    std::stable_sort(out.facilities_.begin(), out.facilities_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    // Along the streets: the walk from the facilities that join them; the
    // others keep their circles (`loose`).
    const StreetNetwork* const streets = out.network_.get();
    std::vector<std::pair<std::uint32_t, Attachment>> sources;
    std::vector<std::pair<std::int64_t, geo::Point>> loose;
    for (std::size_t f = 0; streets != nullptr && f < out.facilities_.size(); ++f) {
        if (const auto at = streets->attach(out.facilities_[f].second)) {
            sources.emplace_back(static_cast<std::uint32_t>(f), *at);
        } else {
            loose.push_back(out.facilities_[f]);
        }
    }
    auto reachers = std::make_shared<Reachers>(Reachers{kind.distance_m, FacilityCells(out.facilities_, kind.distance_m),
                                                        FacilityCells(loose, kind.distance_m), out.network_, std::nullopt});
    if (streets != nullptr) reachers->walk.emplace(*streets, sources, kind.distance_m);
    out.reachers_ = reachers;
    const FacilityCells& cells = reachers->facilities;
    const FacilityCells& loose_cells = reachers->loose;
    const std::optional<Walk>& walk = reachers->walk;
    // Whether the household at `position` is covered.
    const auto reaches = [&](std::size_t position) {
        const geo::Point& p = data.households[position].location;
        // Out of every circle is uncovered along the streets too (no walk is shorter).
        if (!cells.reaches(p)) return false;
        if (streets == nullptr) return true;
        const std::optional<Attachment> at = joined.empty() ? streets->attach(p) : joined[position];
        if (!at || loose_cells.reaches(p)) return true;
        const auto [walked, source] = walk->to(*at);
        // Never farther than the distance in a straight line from the facility walked from.
        return source != Walk::no_source &&
               distance_m(p, out.facilities_[source].second) <= kind.distance_m + rounding_m;
    };

    const std::span<const model::Grid* const> grids = snapshot.current_grids();
    std::vector<std::ptrdiff_t> parent(grids.size(), -1);
    for (std::size_t i = 0; i < grids.size(); ++i) out.positions_.emplace(grids[i]->code, i);
    // Dedicated grids (专属网格) lie over the base grids: the shares are the base layout's.
    std::vector<bool> leaf(grids.size(), true);
    for (std::size_t i = 0; i < grids.size(); ++i) leaf[i] = !grids[i]->dedicated();
    for (std::size_t i = 0; i < grids.size(); ++i) {
        const auto found = out.positions_.find(grids[i]->parent_code);
        if (found == out.positions_.end()) continue;
        parent[i] = static_cast<std::ptrdiff_t>(found->second);
        leaf[found->second] = false;
    }
    const auto add_up = [&](std::size_t position, const Tally& change) {
        for (auto p = static_cast<std::ptrdiff_t>(position); p >= 0; p = parent[static_cast<std::size_t>(p)]) {
            out.tallies_[static_cast<std::size_t>(p)] += change;
        }
        out.total_ += change;
    };

    // What changed among this kind's facilities since `base`: the places around which to redo.
    const bool same_kind = base != nullptr && base->kind_ == kind && base->network_ == out.network_;
    const bool same_layout = same_kind && base->grids_.shares_all(data.grids);
    std::vector<geo::Point> changed;
    if (same_layout) {
        const auto& before = base->facilities_;
        const auto& after = out.facilities_;
        std::size_t i = 0, j = 0;
        while (i < before.size() || j < after.size()) {
            if (j == after.size() || (i < before.size() && before[i].first < after[j].first)) {
                changed.push_back(before[i++].second);
            } else if (i == before.size() || after[j].first < before[i].first) {
                changed.push_back(after[j++].second);
            } else {
                if (!(before[i].second == after[j].second)) {
                    changed.push_back(before[i].second);
                    changed.push_back(after[j].second);
                }
                ++i, ++j;
            }
        }
    }
    const bool incremental = same_layout && changed.size() <= incremental_limit;
    // The box holding every point within the distance of `p`, at p's own
    // latitude (a removed facility may lie north of all those left).

    // Households.
    if (incremental && base->households_.shares_all(data.households)) {
        out.work_.incremental_households = true;
        out.state_ = base->state_;
        out.tallies_ = base->tallies_;
        out.total_ = base->total_;
        for (const geo::Point& p : changed) {
            snapshot.household_index().query(around({p.x, p.y, p.x, p.y}, kind.distance_m), [&](std::size_t position) {
                std::uint8_t& state = out.state_[position];
                if (state == not_counted) return true;
                ++out.work_.households_checked;
                const std::uint8_t now = reaches(position) ? covered_state : uncovered_state;
                if (now == state) return true;
                state = now;
                add_up(out.positions_.at(data.households[position].grid_code),
                       {0, now == covered_state ? 1 : -1});
                return true;
            });
        }
    } else {
        const std::size_t count = data.households.size();
        out.state_.assign(count, not_counted);
        std::vector<Tally> own(grids.size());
        std::mutex merge;
        constexpr std::size_t block = 8192;
        const unsigned workers = std::max(1U, std::min<unsigned>(threads, static_cast<unsigned>(count / block + 1)));
        std::atomic<std::size_t> next{0};
        const auto work = [&] {
            std::vector<Tally> mine(grids.size());
            for (std::size_t begin = next.fetch_add(block); begin < count; begin = next.fetch_add(block)) {
                for (std::size_t i = begin; i < std::min(count, begin + block); ++i) {
                    const model::Household& household = data.households[i];
                    if (!household.resident()) continue;
                    const auto found = out.positions_.find(household.grid_code);
                    if (found == out.positions_.end()) continue;
                    const bool covered = reaches(i);
                    out.state_[i] = covered ? covered_state : uncovered_state;
                    mine[found->second] += {1, covered ? 1 : 0};
                }
            }
            const std::lock_guard lock(merge);
            for (std::size_t g = 0; g < grids.size(); ++g) own[g] += mine[g];
        };
        std::vector<std::thread> pool;
        for (unsigned t = 1; t < workers; ++t) pool.emplace_back(work);
        work();
        for (std::thread& thread : pool) thread.join();
        out.tallies_.assign(grids.size(), {});
        for (std::size_t g = 0; g < grids.size(); ++g) {
            if (own[g].households > 0) add_up(g, own[g]);
        }
        out.work_.households_checked = count;
    }

    // Uncovered areas of the finest-level grids.
    std::vector<std::size_t> redo;
    if (incremental) {
        out.work_.incremental_areas = true;
        out.areas_ = base->areas_;
        std::vector<bool> marked(grids.size(), false);
        for (const geo::Point& p : changed) {
            snapshot.grid_index().query(around({p.x, p.y, p.x, p.y}, kind.distance_m), [&](std::size_t position) {
                if (leaf[position] && !marked[position]) {
                    marked[position] = true;
                    redo.push_back(position);
                }
                return true;
            });
        }
        // The polygons the map had drawn of the grids kept stay as they are.
        const std::lock_guard lock(base->drawn_->mutex);
        for (const auto& [position, shape] : base->drawn_->shapes) {
            if (!marked[position]) out.drawn_->shapes.emplace(position, shape);
        }
    } else {
        out.areas_.assign(grids.size(), nullptr);
        for (std::size_t g = 0; g < grids.size(); ++g) {
            if (leaf[g]) redo.push_back(g);
        }
    }
    // At least 64 grids a thread: fewer do not pay for the thread.
    const unsigned grid_threads = std::min<unsigned>(threads, static_cast<unsigned>((redo.size() + 63) / 64));
    run_parallel<std::monostate>(redo.size(), grid_threads, [&](std::size_t i, std::monostate&) {
        out.areas_[redo[i]] = std::make_shared<const GridArea>(grid_area(*grids[redo[i]], *reachers));
    });
    out.work_.grids_computed = redo.size();
    return out;
}

std::vector<Coverage> Coverage::compute_all(const model::Snapshot& snapshot, std::span<const ServiceKind> kinds,
                                            unsigned threads, const std::shared_ptr<const StreetNetwork>& network) {
    if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
    // The cores go to kinds first: each kind's own split over grids leaves
    // cores idle on its serial parts (the walk, the tallies) and its tail.
    const unsigned workers = std::max(1U, std::min<unsigned>(threads, static_cast<unsigned>(kinds.size())));
    const unsigned per_kind = std::max(1U, threads / workers);
    // Where each resident household joins the streets, once for all kinds.
    std::vector<std::optional<Attachment>> joined;
    if (network != nullptr && !kinds.empty()) {
        const model::Table<model::Household>& households = snapshot.data().households;
        joined.resize(households.size());
        constexpr std::size_t block = 8192;
        run_parallel<std::monostate>((households.size() + block - 1) / block, threads, [&](std::size_t b, std::monostate&) {
            for (std::size_t i = b * block; i < std::min(households.size(), (b + 1) * block); ++i) {
                if (households[i].resident()) joined[i] = network->attach(households[i].location);
            }
        });
    }
    std::vector<Coverage> out(kinds.size());
    run_parallel<std::monostate>(kinds.size(), workers, [&](std::size_t k, std::monostate&) {
        out[k] = compute_joined(snapshot, kinds[k], nullptr, per_kind, network, joined);
    });
    return out;
}

std::vector<GridRow> grid_rows(const model::Snapshot& snapshot, std::span<const Coverage* const> coverages,
                               const std::function<bool(std::string_view code)>& keep) {
    std::vector<std::size_t> grids;
    const auto current = snapshot.current_grids();
    for (std::size_t g = 0; g < current.size(); ++g) {
        // Finest-level grids are those with an area of their own (the same in every coverage).
        const bool finest = !coverages.empty() && coverages.front()->area(g) != nullptr;
        if (finest && (!keep || keep(current[g]->code))) grids.push_back(g);
    }
    std::sort(grids.begin(), grids.end(), [&](std::size_t a, std::size_t b) { return current[a]->code < current[b]->code; });
    std::vector<GridRow> rows;
    rows.reserve(grids.size() * coverages.size());
    for (const std::size_t g : grids) {
        for (const Coverage* coverage : coverages) {
            const Tally* tally = coverage->unit(current[g]->code);
            rows.push_back({current[g]->code, current[g]->name, coverage->kind().name, coverage->method(), tally ? *tally : Tally{},
                            coverage->area(g)->uncovered_m2});
        }
    }
    return rows;
}

std::shared_ptr<const StreetNetwork> walking_network(const CirclesConfig& config, const StreetReader& read_streets) {
    if (config.method == Method::straight) return nullptr;
    const std::vector<std::vector<geo::Point>> lines = read_streets ? read_streets() : std::vector<std::vector<geo::Point>>{};
    const bool streets = std::any_of(lines.begin(), lines.end(), [](const auto& line) { return line.size() >= 2; });
    if (!streets) {
        if (config.method == Method::network) {
            throw InputError(std::string("rules config '") + config_key +
                             "' method \"network\" needs a vector basemap with streets (--basemap FILE)");
        }
        return nullptr;
    }
    return std::make_shared<const StreetNetwork>(lines, config.snap_distance_m);
}

}  // namespace wangge::service
