#include "wangge/tiles/clip.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace wangge::tiles {
namespace {

enum class Side { left, top, right, bottom };

// The side is a template argument: clipping runs for every vertex of every
// grid in a tile, and the per-vertex switch on a run-time side cost more
// than the comparison itself.
template <Side side>
bool inside(const geo::Point& p, double edge) noexcept {
    if constexpr (side == Side::left) {
        return p.x >= edge;
    } else if constexpr (side == Side::right) {
        return p.x <= edge;
    } else if constexpr (side == Side::top) {
        return p.y >= edge;
    } else {
        return p.y <= edge;
    }
}

/// Where segment p–q crosses the clip line. The endpoints are ordered first so
/// that p–q and q–p give the same bits (see the header).
template <Side side>
geo::Point crossing(geo::Point p, geo::Point q, double edge) noexcept {
    if (q.x < p.x || (q.x == p.x && q.y < p.y)) std::swap(p, q);
    if constexpr (side == Side::left || side == Side::right) {
        const double t = (edge - p.x) / (q.x - p.x);
        return {edge, p.y + t * (q.y - p.y)};
    } else {
        const double t = (edge - p.y) / (q.y - p.y);
        return {p.x + t * (q.x - p.x), edge};
    }
}

template <Side side>
void clip_side(std::span<const geo::Point> in, double edge, std::vector<geo::Point>& out) {
    out.clear();
    if (in.empty()) return;
    geo::Point previous = in.back();
    bool previous_inside = inside<side>(previous, edge);
    for (const geo::Point& current : in) {
        const bool current_inside = inside<side>(current, edge);
        if (current_inside != previous_inside) out.push_back(crossing<side>(previous, current, edge));
        if (current_inside) out.push_back(current);
        previous = current;
        previous_inside = current_inside;
    }
}

std::int32_t snap_coordinate(double v) noexcept {
    constexpr double low = std::numeric_limits<std::int32_t>::min();
    constexpr double high = std::numeric_limits<std::int32_t>::max();
    if (v > low && v < high) {
        // std::round without the libm call (every vertex passes here): the
        // truncation and the fraction it leaves are exact in this range.
        const auto truncated = static_cast<std::int32_t>(v);
        const double fraction = v - truncated;
        return truncated + (fraction >= 0.5 ? 1 : 0) - (fraction <= -0.5 ? 1 : 0);
    }
    return static_cast<std::int32_t>(std::clamp(std::round(v), low, high));
}

/// b lies on the line a–c and the path turns back there (a spike of zero width).
bool folds_back(const PixelPoint& a, const PixelPoint& b, const PixelPoint& c) noexcept {
    const std::int64_t abx = std::int64_t{b.x} - a.x;
    const std::int64_t aby = std::int64_t{b.y} - a.y;
    const std::int64_t bcx = std::int64_t{c.x} - b.x;
    const std::int64_t bcy = std::int64_t{c.y} - b.y;
    return abx * bcy - aby * bcx == 0 && abx * bcx + aby * bcy < 0;
}

}  // namespace

std::span<const geo::Point> RingClipper::clip(std::span<const geo::Point> ring) {
    geo::Box ring_box;
    for (const geo::Point& p : ring) ring_box.expand(p);
    if (ring_box.empty() || !ring_box.intersects(box_)) return {};
    if (ring_box.min_x >= box_.min_x && ring_box.max_x <= box_.max_x && ring_box.min_y >= box_.min_y &&
        ring_box.max_y <= box_.max_y) {
        return ring;
    }
    // Left from the input itself, then top, right, bottom.
    clip_side<Side::left>(ring, box_.min_x, current_);
    clip_side<Side::top>(current_, box_.min_y, next_);
    clip_side<Side::right>(next_, box_.max_x, current_);
    clip_side<Side::bottom>(current_, box_.max_y, next_);
    current_.swap(next_);
    return current_;
}

PixelPoint snap(const geo::Point& pixel) noexcept { return {snap_coordinate(pixel.x), snap_coordinate(pixel.y)}; }

void snap_ring(std::span<const geo::Point> ring, PixelRing& out) {
    out.clear();
    for (const geo::Point& p : ring) {
        const PixelPoint q = snap(p);
        if (!out.empty() && out.back() == q) continue;
        // Removing spikes as they appear keeps the check local; one pass suffices
        // because a removal only exposes the pair (out[-2], q) checked next.
        while (out.size() >= 2 && folds_back(out[out.size() - 2], out.back(), q)) out.pop_back();
        if (!out.empty() && out.back() == q) continue;
        out.push_back(q);
    }
    while (out.size() >= 2 && out.back() == out.front()) out.pop_back();
    if (out.size() < 3 || twice_signed_area(out) == 0) out.clear();
}

std::int64_t twice_signed_area(const PixelRing& ring) noexcept {
    std::int64_t twice = 0;
    for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
        twice += std::int64_t{ring[j].x} * ring[i].y - std::int64_t{ring[i].x} * ring[j].y;
    }
    return twice;
}

bool in_buffered_tile(const geo::Point& pixel, double extent, double buffer) noexcept {
    return pixel.x >= -buffer && pixel.x < extent + buffer && pixel.y >= -buffer && pixel.y < extent + buffer;
}

void clip_line(std::span<const geo::Point> line, const geo::Box& box, std::vector<std::vector<geo::Point>>& out) {
    std::vector<geo::Point>* piece = nullptr;  // the piece being extended, while the line stays inside
    for (std::size_t i = 1; i < line.size(); ++i) {
        const geo::Point p = line[i - 1];
        const geo::Point q = line[i];
        const double dx = q.x - p.x;
        const double dy = q.y - p.y;
        double enter = 0.0;
        double leave = 1.0;
        bool visible = true;
        // Liang–Barsky: each side bounds the segment's parameter from one end.
        for (const auto& [denominator, distance] : {std::pair{-dx, p.x - box.min_x}, std::pair{dx, box.max_x - p.x},
                                                    std::pair{-dy, p.y - box.min_y}, std::pair{dy, box.max_y - p.y}}) {
            if (denominator == 0.0) {
                if (distance < 0.0) visible = false;
                continue;
            }
            const double t = distance / denominator;
            if (denominator < 0.0) {
                enter = std::max(enter, t);
            } else {
                leave = std::min(leave, t);
            }
        }
        if (!visible || enter > leave) {
            piece = nullptr;
            continue;
        }
        const geo::Point from = enter > 0.0 ? geo::Point{p.x + enter * dx, p.y + enter * dy} : p;
        const geo::Point to = leave < 1.0 ? geo::Point{p.x + leave * dx, p.y + leave * dy} : q;
        if (piece == nullptr || enter > 0.0) {
            out.emplace_back();
            piece = &out.back();
            piece->push_back(from);
        }
        piece->push_back(to);
        if (leave < 1.0) piece = nullptr;
    }
}

void snap_line(std::span<const geo::Point> line, PixelLine& out) {
    out.clear();
    for (const geo::Point& point : line) {
        const PixelPoint pixel = snap(point);
        if (out.empty() || out.back() != pixel) out.push_back(pixel);
    }
    if (out.size() < 2) out.clear();
}

}  // namespace wangge::tiles
