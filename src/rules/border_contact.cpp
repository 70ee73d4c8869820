#include "border_contact.hpp"

#include <algorithm>
#include <cmath>

namespace wangge::rules::detail {

namespace {

using geo::Point;

struct Edge {
    Point p;
    Point q;
    double min_x;
    double max_x;
    double min_y;
    double max_y;
    bool shared = false;
};

/// A set of points as a sorted vector: far cheaper than hashing for the few
/// hundred vertices near one border.
class PointSet {
public:
    void insert(const Point& p) {
        points_.push_back(p);
        sorted_ = false;
    }
    [[nodiscard]] bool contains(const Point& p) const {
        sort();
        return std::binary_search(points_.begin(), points_.end(), p, less);
    }
    [[nodiscard]] const std::vector<Point>& points() const {
        sort();
        return points_;
    }

private:
    static bool less(const Point& a, const Point& b) noexcept { return a.x < b.x || (a.x == b.x && a.y < b.y); }
    void sort() const {
        if (sorted_) return;
        std::sort(points_.begin(), points_.end(), less);
        points_.erase(std::unique(points_.begin(), points_.end()), points_.end());
        sorted_ = true;
    }
    mutable std::vector<Point> points_;
    mutable bool sorted_ = true;
};

/// Twice the signed area of (a, b, c): > 0 when c is left of a→b.
double orient(const Point& a, const Point& b, const Point& c) noexcept {
    return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
}

bool on_segment(const Point& p, const Point& q, const Point& r) noexcept {
    return std::min(p.x, q.x) <= r.x && r.x <= std::max(p.x, q.x) && std::min(p.y, q.y) <= r.y &&
           r.y <= std::max(p.y, q.y);
}

/// Closed segments touch or cross (collinear overlap included).
bool segments_meet(const Edge& a, const Edge& b) noexcept {
    const double o1 = orient(a.p, a.q, b.p);
    const double o2 = orient(a.p, a.q, b.q);
    const double o3 = orient(b.p, b.q, a.p);
    const double o4 = orient(b.p, b.q, a.q);
    if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
    return (o1 == 0 && on_segment(a.p, a.q, b.p)) || (o2 == 0 && on_segment(a.p, a.q, b.q)) ||
           (o3 == 0 && on_segment(b.p, b.q, a.p)) || (o4 == 0 && on_segment(b.p, b.q, a.q));
}

double distance_to_segment(const Point& v, const Edge& e) noexcept {
    const double dx = e.q.x - e.p.x;
    const double dy = e.q.y - e.p.y;
    const double length2 = dx * dx + dy * dy;
    double t = length2 > 0 ? ((v.x - e.p.x) * dx + (v.y - e.p.y) * dy) / length2 : 0.0;
    t = std::clamp(t, 0.0, 1.0);
    return std::hypot(v.x - (e.p.x + t * dx), v.y - (e.p.y + t * dy));
}

/// The segments of `multi` whose box meets `window`, sorted by min_x.
struct EdgeList {
    std::vector<Edge> edges;
    double max_width = 0.0;  // widest edge in x, bounds the sorted scan

    EdgeList(const geo::MultiPolygon& multi, const geo::Box& window) {
        for (const geo::Polygon& polygon : multi.polygons) {
            for (const geo::Ring& ring : polygon.rings) {
                for (std::size_t i = 1; i < ring.size(); ++i) {
                    const Point& p = ring[i - 1];
                    const Point& q = ring[i];
                    Edge e{p, q, std::min(p.x, q.x), std::max(p.x, q.x), std::min(p.y, q.y), std::max(p.y, q.y)};
                    if (e.max_x < window.min_x || e.min_x > window.max_x || e.max_y < window.min_y ||
                        e.min_y > window.max_y) {
                        continue;
                    }
                    max_width = std::max(max_width, e.max_x - e.min_x);
                    edges.push_back(e);
                }
            }
        }
        std::sort(edges.begin(), edges.end(), [](const Edge& l, const Edge& r) { return l.min_x < r.min_x; });
    }

    /// Calls visit(edge) for edges whose x range may meet [min_x, max_x].
    template <class Visit>
    void scan(double min_x, double max_x, Visit&& visit) {
        auto it = std::lower_bound(edges.begin(), edges.end(), min_x - max_width,
                                   [](const Edge& e, double x) { return e.min_x < x; });
        for (; it != edges.end() && it->min_x <= max_x; ++it) {
            if (it->max_x >= min_x) visit(*it);
        }
    }

    [[nodiscard]] PointSet vertices() const {
        PointSet set;
        for (const Edge& e : edges) {
            set.insert(e.p);
            set.insert(e.q);
        }
        return set;
    }
};

/// Compares one pair of segments; false when they meet in a way that is not
/// a common vertex or an identical segment run the expected way: opposite for
/// neighbours (interiors on either side), the same for a child and its parent.
bool clean_contact(Edge& a, Edge& b, bool same_direction) noexcept {
    const bool reversed = a.p == b.q && a.q == b.p;
    const bool same = a.p == b.p && a.q == b.q;
    if (reversed || same) {
        a.shared = b.shared = true;
        return same == same_direction;
    }
    const Point* common = nullptr;
    const Point* other_a = nullptr;
    const Point* other_b = nullptr;
    if (a.p == b.p || a.p == b.q) {
        common = &a.p;
        other_a = &a.q;
        other_b = a.p == b.p ? &b.q : &b.p;
    } else if (a.q == b.p || a.q == b.q) {
        common = &a.q;
        other_a = &a.p;
        other_b = a.q == b.p ? &b.q : &b.p;
    }
    if (common != nullptr) {
        // Meeting at a common vertex is clean unless the segments run along each other.
        const bool collinear = orient(*common, *other_a, *other_b) == 0.0;
        const bool same_way = (other_a->x - common->x) * (other_b->x - common->x) +
                                  (other_a->y - common->y) * (other_b->y - common->y) >
                              0.0;
        return !(collinear && same_way);
    }
    return !segments_meet(a, b);
}

/// Marks near-miss vertices of `mine` against `theirs`; returns how many and
/// raises `farthest` to the largest distance of one from their border.
std::size_t mark_near_misses(EdgeList& mine, const PointSet& their_vertices, EdgeList& theirs,
                             const std::vector<Point>& common_vertices, double tolerance,
                             std::vector<Segment>& segments_out, double& farthest) {
    PointSet near;
    PointSet candidates;
    for (const Edge& e : mine.edges) {
        candidates.insert(e.p);
        candidates.insert(e.q);
    }
    for (const Point& v : candidates.points()) {
        if (their_vertices.contains(v)) continue;
        double nearest = tolerance * 2.0 + 1.0;
        theirs.scan(v.x - tolerance, v.x + tolerance, [&](const Edge& t) {
            if (t.max_y >= v.y - tolerance && t.min_y <= v.y + tolerance) {
                nearest = std::min(nearest, distance_to_segment(v, t));
            }
        });
        if (nearest > tolerance) continue;
        // Next to a vertex both share (a junction of three grids), a short edge
        // of a third neighbour comes close to the border legitimately.
        const bool by_junction = std::any_of(common_vertices.begin(), common_vertices.end(), [&](const Point& c) {
            return std::hypot(c.x - v.x, c.y - v.y) <= tolerance;
        });
        if (!by_junction) {
            near.insert(v);
            farthest = std::max(farthest, nearest);
        }
    }
    for (const Edge& e : mine.edges) {
        if (near.contains(e.p) || near.contains(e.q)) segments_out.push_back({e.p, e.q});
    }
    return near.points().size();
}

/// Compares every pair of segments of `a` and `b` whose boxes meet.
bool all_contacts_clean(EdgeList& a, EdgeList& b, bool same_direction) {
    bool clean = true;
    for (Edge& ea : a.edges) {
        b.scan(ea.min_x, ea.max_x, [&](Edge& eb) {
            if (eb.max_y < ea.min_y || eb.min_y > ea.max_y) return;
            if (!clean_contact(ea, eb, same_direction)) clean = false;
        });
    }
    return clean;
}

/// With clean contacts a run of unshared segments between two vertices of the
/// other polygon stays on one side of it, so one midpoint per run decides.
/// Returns false as soon as a run's side differs from `inside_expected`.
bool runs_on_side(const geo::MultiPolygon& multi, const geo::Box& window, const PointSet& other_vertices,
                  const std::vector<Edge>& shared_edges, const geo::MultiPolygon& other, bool inside_expected) {
    const auto is_shared = [&](const Point& p, const Point& q) {
        return std::any_of(shared_edges.begin(), shared_edges.end(), [&](const Edge& e) {
            return (e.p == p && e.q == q) || (e.p == q && e.q == p);
        });
    };
    for (const geo::Polygon& polygon : multi.polygons) {
        for (const geo::Ring& ring : polygon.rings) {
            bool run_tested = false;
            for (std::size_t i = 1; i < ring.size(); ++i) {
                const Point& p = ring[i - 1];
                const Point& q = ring[i];
                if (other_vertices.contains(p)) run_tested = false;  // a new run starts here
                if (run_tested) continue;
                const Point middle{(p.x + q.x) / 2.0, (p.y + q.y) / 2.0};
                if (!window.contains(middle)) {
                    if (inside_expected) return false;
                    continue;  // outside the window is outside the other polygon
                }
                if (is_shared(p, q)) continue;
                if (geo::contains(other, middle) != inside_expected) return false;
                run_tested = true;
            }
        }
    }
    return true;
}

}  // namespace

bool covered_by(const geo::MultiPolygon& child, const geo::Box& child_box, const geo::MultiPolygon& parent) {
    EdgeList child_edges(child, child_box);
    EdgeList parent_edges(parent, child_box);
    if (!all_contacts_clean(child_edges, parent_edges, true)) return false;
    std::vector<Edge> shared;
    for (const Edge& e : child_edges.edges) {
        if (e.shared) shared.push_back(e);
    }
    const PointSet parent_vertices = parent_edges.vertices();
    const PointSet child_vertices = child_edges.vertices();
    // The child's own runs lie inside the parent, and no run of the parent's
    // border (a hole, say) lies inside the child.
    return runs_on_side(child, child_box, parent_vertices, shared, parent, true) &&
           runs_on_side(parent, child_box, child_vertices, shared, child, false);
}

geo::Box widened(const geo::Box& box, double margin) noexcept {
    return {box.min_x - margin, box.min_y - margin, box.max_x + margin, box.max_y + margin};
}

void orient_rings(geo::MultiPolygon& multi) {
    for (geo::Polygon& polygon : multi.polygons) {
        for (std::size_t r = 0; r < polygon.rings.size(); ++r) {
            geo::Ring& ring = polygon.rings[r];
            ring.erase(std::unique(ring.begin(), ring.end()), ring.end());
            const bool counter_clockwise = geo::signed_area(ring) > 0;
            if (counter_clockwise != (r == 0)) std::reverse(ring.begin(), ring.end());
        }
    }
}

BorderContact compare_borders(const geo::MultiPolygon& a, const geo::Box& box_a, const geo::MultiPolygon& b,
                              const geo::Box& box_b, double tolerance) {
    geo::Box window{std::max(box_a.min_x, box_b.min_x), std::max(box_a.min_y, box_b.min_y),
                    std::min(box_a.max_x, box_b.max_x), std::min(box_a.max_y, box_b.max_y)};
    window = widened(window, tolerance);
    BorderContact result;
    if (window.empty()) {
        result.interiors_apart = true;
        return result;
    }
    EdgeList edges_a(a, window);
    EdgeList edges_b(b, window);

    const bool clean = all_contacts_clean(edges_a, edges_b, false);
    // Borders that meet cleanly still leave one polygon possibly inside the
    // other; a segment that is not shared lies wholly inside or wholly outside.
    const auto inside = [](const std::vector<Edge>& edges, const geo::MultiPolygon& other, const geo::Box& other_box) {
        return std::any_of(edges.begin(), edges.end(), [&](const Edge& e) {
            if (e.shared) return false;
            const Point middle{(e.p.x + e.q.x) / 2.0, (e.p.y + e.q.y) / 2.0};
            return other_box.contains(middle) && geo::contains(other, middle);
        });
    };
    result.interiors_apart = clean && !inside(edges_a.edges, b, box_b) && !inside(edges_b.edges, a, box_a);

    const PointSet vertices_a = edges_a.vertices();
    const PointSet vertices_b = edges_b.vertices();
    std::vector<Point> common;
    for (const Point& v : vertices_a.points()) {
        if (vertices_b.contains(v)) common.push_back(v);
    }
    result.near_miss_vertices =
        mark_near_misses(edges_a, vertices_b, edges_b, common, tolerance, result.near_miss_segments_a,
                         result.near_miss_distance) +
        mark_near_misses(edges_b, vertices_a, edges_a, common, tolerance, result.near_miss_segments_b,
                         result.near_miss_distance);
    return result;
}

}  // namespace wangge::rules::detail
