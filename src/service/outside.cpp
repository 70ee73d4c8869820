#include "outside.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include "plane.hpp"

namespace wangge::service::detail {

namespace {

/// Edges within this many metres of one another over some length run
/// along one another: a tie (see outside.hpp).
constexpr double tie_m = 1e-7;

/// A parameter interval [first, second] along an edge.
using Interval = std::pair<double, double>;

/// One edge line of a convex polygon: n·p + c is the signed distance of p, positive inside.
struct Line {
    double nx, ny, c;
    [[nodiscard]] double at(const geo::Point& p) const noexcept { return nx * p.x + ny * p.y + c; }
};

struct Prepared {
    const ConvexCut* cut;
    geo::Box box;
    std::vector<Line> lines;
    double orientation;  ///< +1 counter-clockwise, -1 clockwise
};

Prepared prepare(const ConvexCut& cut) {
    Prepared out{&cut, geo::bounds(cut.ring), {}, geo::signed_area(cut.ring) >= 0 ? 1.0 : -1.0};
    out.lines.reserve(cut.ring.size());
    for (std::size_t i = 1; i < cut.ring.size(); ++i) {
        const geo::Point& p = cut.ring[i - 1];
        const geo::Point& q = cut.ring[i];
        const double dx = q.x - p.x, dy = q.y - p.y, length = std::sqrt(dx * dx + dy * dy);
        if (length == 0.0) continue;
        // The inside is left of p→q in a counter-clockwise polygon.
        const double nx = -dy / length * out.orientation, ny = dx / length * out.orientation;
        out.lines.push_back({nx, ny, -(nx * p.x + ny * p.y)});
    }
    return out;
}

/// Whether p lies inside the cut by more than the tie distance, by its
/// inner capsule (the hull of the inner discs at its ends, convex: two
/// points inside it hold the segment between them).
bool deep_inside(const ConvexCut& cut, const geo::Point& p) noexcept {
    const double t = nearest_t(cut.a, cut.b, p);
    const double dx = p.x - cut.a.x - t * (cut.b.x - cut.a.x), dy = p.y - cut.a.y - t * (cut.b.y - cut.a.y);
    const double r = (cut.ra + t * (cut.rb - cut.ra)) * cut.inner - tie_m;
    return r > 0.0 && dx * dx + dy * dy < r * r;
}

/// How an edge lying along an edge line of a cut (within the tie
/// distance) counts: inside that line's half-plane or not.
struct Along {
    geo::Point side;     ///< unit normal of the edge towards its own shape's inside
    bool same_inside;    ///< when the cut lies on the same side
    bool facing_inside;  ///< when it lies on the other side
};

/// Narrows [t0, t1] along p→q to the part inside the cut (Cyrus–Beck); false when none is.
bool clip(const Prepared& cut, const geo::Point& p, const geo::Point& q, const Along& along, double& t0, double& t1) noexcept {
    for (const Line& line : cut.lines) {
        const double fp = line.at(p), fq = line.at(q);
        if (std::abs(fp) <= tie_m && std::abs(fq) <= tie_m) {
            const bool same = line.nx * along.side.x + line.ny * along.side.y > 0.0;
            if (same ? along.same_inside : along.facing_inside) continue;
            return false;
        }
        if (fp < 0.0 && fq < 0.0) return false;
        if (fp >= 0.0 && fq >= 0.0) continue;
        const double t = fp / (fp - fq);
        if (fp < 0.0) {
            t0 = std::max(t0, t);
        } else {
            t1 = std::min(t1, t);
        }
        if (t0 >= t1) return false;
    }
    return true;
}

/// Narrows [t0, t1] along p→q to the part inside `box` (Liang–Barsky); false when none is.
bool clip(const geo::Box& box, const geo::Point& p, const geo::Point& q, double& t0, double& t1) noexcept {
    const double d[2] = {q.x - p.x, q.y - p.y};
    const double start[2] = {p.x, p.y};
    const double low[2] = {box.min_x, box.min_y}, high[2] = {box.max_x, box.max_y};
    for (int axis = 0; axis < 2; ++axis) {
        if (d[axis] == 0.0) {
            if (start[axis] < low[axis] || start[axis] > high[axis]) return false;
            continue;
        }
        double a = (low[axis] - start[axis]) / d[axis], b = (high[axis] - start[axis]) / d[axis];
        if (a > b) std::swap(a, b);
        t0 = std::max(t0, a);
        t1 = std::min(t1, b);
    }
    return t0 < t1;
}

double cross(double ax, double ay, double bx, double by) noexcept { return ax * by - ay * bx; }

/// The parts of [t0, t1] along p→q inside `region`, appended in order to
/// `out`. Where p→q runs along an edge of the region it is not inside:
/// whichever side the cut lies on, that piece does not bound the part (it
/// is the region's own edge, covered or counted once as such).
void inside_region(const geo::MultiPolygon& region, const geo::Point& p, const geo::Point& q, double t0, double t1,
                   std::vector<double>& cuts, std::vector<Interval>& along, std::vector<Interval>& out) {
    const double dx = q.x - p.x, dy = q.y - p.y, length = std::sqrt(dx * dx + dy * dy);
    const geo::Box box{std::min(p.x, q.x), std::min(p.y, q.y), std::max(p.x, q.x), std::max(p.y, q.y)};
    cuts.assign({t0, t1});
    along.clear();
    for (const geo::Polygon& polygon : region.polygons) {
        for (const geo::Ring& ring : polygon.rings) {
            for (std::size_t i = 1; i < ring.size(); ++i) {
                const geo::Point& e0 = ring[i - 1];
                const geo::Point& e1 = ring[i];
                if (std::max(e0.x, e1.x) < box.min_x || std::min(e0.x, e1.x) > box.max_x ||
                    std::max(e0.y, e1.y) < box.min_y || std::min(e0.y, e1.y) > box.max_y) {
                    continue;
                }
                // Signed distances of the edge's ends from the line p→q.
                const double s0 = cross(dx, dy, e0.x - p.x, e0.y - p.y) / length;
                const double s1 = cross(dx, dy, e1.x - p.x, e1.y - p.y) / length;
                if (std::abs(s0) <= tie_m && std::abs(s1) <= tie_m) {
                    // Collinear: a tie where they overlap by more than a point.
                    const double u0 = ((e0.x - p.x) * dx + (e0.y - p.y) * dy) / (length * length);
                    const double u1 = ((e1.x - p.x) * dx + (e1.y - p.y) * dy) / (length * length);
                    const double low = std::max(std::min(u0, u1), t0), high = std::min(std::max(u0, u1), t1);
                    if ((high - low) * length > tie_m) {
                        along.emplace_back(low, high);
                        cuts.push_back(low);
                        cuts.push_back(high);
                    }
                    continue;
                }
                if ((s0 > 0.0 && s1 > 0.0) || (s0 < 0.0 && s1 < 0.0)) continue;
                const double ex = e1.x - e0.x, ey = e1.y - e0.y, e_length = std::sqrt(ex * ex + ey * ey);
                const double d0 = cross(ex, ey, p.x - e0.x, p.y - e0.y) / e_length;
                const double d1 = cross(ex, ey, q.x - e0.x, q.y - e0.y) / e_length;
                if ((d0 > 0.0 && d1 > 0.0) || (d0 < 0.0 && d1 < 0.0) || d0 == d1) continue;
                const double t = d0 / (d0 - d1);
                if (t > t0 && t < t1) cuts.push_back(t);
            }
        }
    }
    std::sort(cuts.begin(), cuts.end());
    for (std::size_t i = 1; i < cuts.size(); ++i) {
        const double a = cuts[i - 1], b = cuts[i];
        if (b <= a) continue;
        const double m = (a + b) / 2;
        if (std::any_of(along.begin(), along.end(), [&](const Interval& piece) { return piece.first <= m && m <= piece.second; })) continue;
        if (!geo::contains(region, geo::Point{p.x + m * dx, p.y + m * dy})) continue;
        if (!out.empty() && out.back().second == a) {
            out.back().second = b;
        } else {
            out.emplace_back(a, b);
        }
    }
}

}  // namespace

double area_outside(const geo::MultiPolygon& region, std::span<const ConvexCut> cuts, const geo::Box& window) {
    // Identical cuts (two facilities at one place) would tie along every
    // edge: one of them is enough.
    std::vector<std::size_t> order(cuts.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const auto key = [&](std::size_t i) {
        const geo::Ring& ring = cuts[i].ring;
        return ring.empty() ? std::tuple{0.0, 0.0, std::size_t{0}} : std::tuple{ring.front().x, ring.front().y, ring.size()};
    };
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
    std::vector<Prepared> prepared;
    prepared.reserve(cuts.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        const ConvexCut& cut = cuts[order[k]];
        if (cut.ring.size() < 4) continue;
        bool twin = false;
        for (std::size_t j = k; j-- > 0 && key(order[j]) == key(order[k]) && !twin;) twin = cuts[order[j]].ring == cut.ring;
        if (twin) continue;
        Prepared p = prepare(cut);
        if (p.box.intersects(window)) prepared.push_back(std::move(p));
    }

    double twice = 0.0;  // twice the area: the sum of x dy − y dx over the pieces
    std::vector<Interval> removed, inside, along;
    std::vector<double> crossings;
    // Adds the pieces of edge p→q that bound the part; `own` is the cut it
    // belongs to (null: the region's edge), `sign` +1 when the inside of
    // its shape lies on its left. Where it runs along an edge of another
    // cut: two cuts on the same side keep the piece once (the earlier
    // cut's), cuts on opposite sides bound no part there; a region's edge is
    // covered by a cut on its side and bounds the part with one on the other.
    const auto follow = [&](const geo::Point& p, const geo::Point& q, const Prepared* own, double sign) {
        double w0 = 0.0, w1 = 1.0;
        if (!clip(window, p, q, w0, w1)) return;
        const geo::Box box{std::min(p.x, q.x), std::min(p.y, q.y), std::max(p.x, q.x), std::max(p.y, q.y)};
        const double dx = q.x - p.x, dy = q.y - p.y, length = std::sqrt(dx * dx + dy * dy);
        if (length == 0.0) return;
        Along rule{{-dy / length * sign, dx / length * sign}, true, own != nullptr};
        removed.clear();
        for (const Prepared& other : prepared) {
            if (&other == own || !other.box.intersects(box)) continue;
            if (deep_inside(*other.cut, p) && deep_inside(*other.cut, q)) return;
            rule.same_inside = own == nullptr || &other < own;
            double t0 = w0, t1 = w1;
            if (!clip(other, p, q, rule, t0, t1) || (t1 - t0) * length <= tie_m) continue;
            if (t0 <= w0 && t1 >= w1) return;
            removed.emplace_back(t0, t1);
        }
        inside.clear();
        if (own == nullptr) {
            inside.emplace_back(w0, w1);
        } else {
            inside_region(region, p, q, w0, w1, crossings, along, inside);
        }
        std::sort(removed.begin(), removed.end());
        const auto piece = [&](double a, double b) {
            const geo::Point from{p.x + a * dx, p.y + a * dy}, to{p.x + b * dx, p.y + b * dy};
            // A cut's edges are walked against their orientation: the part lies outside the cut.
            twice += (own == nullptr ? sign : -sign) * cross(from.x, from.y, to.x, to.y);
        };
        for (const auto& [a, b] : inside) {
            double at = a;
            for (const auto& [r0, r1] : removed) {
                if (r1 <= at || r0 >= b) continue;
                if (r0 > at) piece(at, r0);
                at = std::max(at, r1);
                if (at >= b) break;
            }
            if (at < b) piece(at, b);
        }
    };

    for (const geo::Polygon& polygon : region.polygons) {
        for (std::size_t r = 0; r < polygon.rings.size(); ++r) {
            const geo::Ring& ring = polygon.rings[r];
            // The region lies left of its outer rings and right of its holes.
            const double sign = (r == 0 ? 1.0 : -1.0) * (geo::signed_area(ring) >= 0 ? 1.0 : -1.0);
            for (std::size_t i = 1; i < ring.size(); ++i) {
                follow(ring[i - 1], ring[i], nullptr, sign);
            }
        }
    }
    for (const Prepared& cut : prepared) {
        const geo::Ring& ring = cut.cut->ring;
        // The part lies outside the cut: its edges are walked against their orientation.
        for (std::size_t i = 1; i < ring.size(); ++i) {
            follow(ring[i - 1], ring[i], &cut, cut.orientation);
        }
    }
    return std::max(0.0, twice / 2);
}

}  // namespace wangge::service::detail
