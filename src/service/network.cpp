#include "wangge/service/network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <stdexcept>
#include <unordered_map>

#include "plane.hpp"
#include "wangge/error.hpp"
#include "wangge/service/circles.hpp"

namespace wangge::service {

namespace {

using detail::LocalPlane;
using detail::metres_per_degree;
using detail::nearest_t;
using detail::plane_length;

/// Vertices this close are one node.
constexpr double merge_m = 0.5;
/// A line's vertices off the straight line between their neighbours by less than this are dropped.
constexpr double simplify_m = 1.0;
/// Side of the cells segments are indexed by, in metres (grown for a huge extent).
constexpr double cell_m = 100.0;
constexpr std::size_t max_cells = std::size_t{1} << 22;

std::uint64_t cell_key(std::int64_t c, std::int64_t r) noexcept {
    return (static_cast<std::uint64_t>(c) << 32) ^ static_cast<std::uint32_t>(r);
}

/// Nodes in the network's plane, merged within merge_m on a hash grid.
class NodeMerger {
public:
    explicit NodeMerger(const LocalPlane& plane) : plane_(plane) {}

    /// The node at plane point `p` (lon/lat `lonlat`), an existing one when within merge_m.
    std::uint32_t node(const geo::Point& p, const geo::Point& lonlat) {
        const auto c = static_cast<std::int64_t>(std::floor(p.x / merge_m));
        const auto r = static_cast<std::int64_t>(std::floor(p.y / merge_m));
        for (std::int64_t dc = -1; dc <= 1; ++dc) {
            for (std::int64_t dr = -1; dr <= 1; ++dr) {
                const auto found = cells_.find(cell_key(c + dc, r + dr));
                if (found == cells_.end()) continue;
                for (const std::uint32_t n : found->second) {
                    if (std::hypot(plane_points[n].x - p.x, plane_points[n].y - p.y) <= merge_m) return n;
                }
            }
        }
        const auto n = static_cast<std::uint32_t>(plane_points.size());
        plane_points.push_back(p);
        lonlats.push_back(lonlat);
        cells_[cell_key(c, r)].push_back(n);
        return n;
    }

    std::vector<geo::Point> plane_points;
    std::vector<geo::Point> lonlats;

private:
    const LocalPlane& plane_;
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> cells_;
};

/// Where segment ab meets segment cd, as the parameter along ab, when they
/// cross (not merely touch at an end).
std::optional<double> crossing(const geo::Point& a, const geo::Point& b, const geo::Point& c, const geo::Point& d) {
    const double rx = b.x - a.x, ry = b.y - a.y, sx = d.x - c.x, sy = d.y - c.y;
    const double denominator = rx * sy - ry * sx;
    if (std::abs(denominator) < 1e-12) return std::nullopt;  // parallel
    const double t = ((c.x - a.x) * sy - (c.y - a.y) * sx) / denominator;
    const double u = ((c.x - a.x) * ry - (c.y - a.y) * rx) / denominator;
    if (t <= 0.0 || t >= 1.0 || u <= 0.0 || u >= 1.0) return std::nullopt;
    return t;
}

}  // namespace

StreetNetwork::StreetNetwork(std::span<const std::vector<geo::Point>> lines, double snap_m) : snap_m_(snap_m) {
    if (!(snap_m > 0.0)) throw InputError("the snap distance of the street network must be positive");
    geo::Box extent;
    for (const auto& line : lines) {
        if (line.size() < 2) continue;
        for (const geo::Point& p : line) extent.expand(p);
    }
    if (extent.empty()) return;
    const LocalPlane plane({(extent.min_x + extent.max_x) / 2, (extent.min_y + extent.max_y) / 2});
    NodeMerger merger(plane);
    std::vector<std::vector<std::uint32_t>> paths;
    for (const auto& line : lines) {
        if (line.size() < 2) continue;
        std::vector<std::uint32_t>& path = paths.emplace_back();
        for (const geo::Point& p : line) {
            const std::uint32_t n = merger.node(plane.forward(p), p);
            if (path.empty() || path.back() != n) path.push_back(n);
        }
    }
    // Vertices where lines meet or end are kept; the others only where the
    // line bends by more than simplify_m (the wiggles of a drawn street would
    // otherwise make thousands of pieces of the uncovered areas).
    std::vector<std::uint32_t> uses(merger.plane_points.size(), 0);
    for (const auto& path : paths) {
        for (const std::uint32_t n : path) ++uses[n];
        uses[path.front()] += 2;
        uses[path.back()] += 2;
    }
    std::vector<std::pair<std::uint32_t, std::uint32_t>> raw;
    for (const auto& path : paths) {
        if (path.size() < 2) continue;
        std::size_t anchor = 0;
        for (std::size_t next = 1; next < path.size(); ++next) {
            const bool last = next + 1 == path.size();
            // Can the segment from the anchor reach one vertex further?
            bool reach = !last && uses[path[next]] < 2;
            if (reach) {
                const geo::Point a = merger.plane_points[path[anchor]], b = merger.plane_points[path[next + 1]];
                for (std::size_t i = anchor + 1; i <= next && reach; ++i) {
                    const geo::Point p = merger.plane_points[path[i]];
                    const double t = nearest_t(a, b, p);
                    reach = std::hypot(a.x + t * (b.x - a.x) - p.x, a.y + t * (b.y - a.y) - p.y) <= simplify_m;
                }
            }
            if (reach) continue;
            raw.emplace_back(path[anchor], path[next]);
            anchor = next;
        }
    }
    // Crossings and T-junctions: candidate pairs share a cell of a hash grid.
    const auto& at = merger.plane_points;
    constexpr double crossing_cell_m = 50.0;
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> grid;
    for (std::uint32_t s = 0; s < raw.size(); ++s) {
        const geo::Point a = at[raw[s].first], b = at[raw[s].second];
        const auto c0 = static_cast<std::int64_t>(std::floor((std::min(a.x, b.x) - merge_m) / crossing_cell_m));
        const auto c1 = static_cast<std::int64_t>(std::floor((std::max(a.x, b.x) + merge_m) / crossing_cell_m));
        const auto r0 = static_cast<std::int64_t>(std::floor((std::min(a.y, b.y) - merge_m) / crossing_cell_m));
        const auto r1 = static_cast<std::int64_t>(std::floor((std::max(a.y, b.y) + merge_m) / crossing_cell_m));
        for (std::int64_t c = c0; c <= c1; ++c) {
            for (std::int64_t r = r0; r <= r1; ++r) grid[cell_key(c, r)].push_back(s);
        }
    }
    // Per raw segment, the nodes that split it, by parameter.
    std::vector<std::vector<std::pair<double, std::uint32_t>>> splits(raw.size());
    const auto split_at_node = [&](std::uint32_t s, std::uint32_t n) {
        const auto [from, to] = raw[s];
        if (n == from || n == to) return;
        const geo::Point a = at[from], b = at[to], p = at[n];
        const double t = nearest_t(a, b, p);
        if (t <= 0.0 || t >= 1.0) return;
        if (std::hypot(a.x + t * (b.x - a.x) - p.x, a.y + t * (b.y - a.y) - p.y) <= merge_m) splits[s].emplace_back(t, n);
    };
    for (const auto& [key, members] : grid) {
        for (std::size_t i = 0; i < members.size(); ++i) {
            for (std::size_t j = i + 1; j < members.size(); ++j) {
                const std::uint32_t s = members[i], u = members[j];
                split_at_node(s, raw[u].first);
                split_at_node(s, raw[u].second);
                split_at_node(u, raw[s].first);
                split_at_node(u, raw[s].second);
                const geo::Point a = at[raw[s].first], b = at[raw[s].second];
                if (const auto t = crossing(a, b, at[raw[u].first], at[raw[u].second])) {
                    const geo::Point p{a.x + *t * (b.x - a.x), a.y + *t * (b.y - a.y)};
                    const std::uint32_t n = merger.node(p, plane.inverse(p));
                    split_at_node(s, n);
                    split_at_node(u, n);
                }
            }
        }
    }
    for (std::uint32_t s = 0; s < raw.size(); ++s) {
        auto& cuts = splits[s];
        std::sort(cuts.begin(), cuts.end());
        std::uint32_t previous = raw[s].first;
        cuts.emplace_back(1.0, raw[s].second);
        for (const auto& [t, n] : cuts) {
            if (n == previous) continue;
            segments_.push_back({previous, n, distance_m(merger.lonlats[previous], merger.lonlats[n])});
            previous = n;
        }
    }
    // Only the nodes of segments (dropped vertices are none).
    constexpr std::uint32_t unused = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::uint32_t> renumber(merger.lonlats.size(), unused);
    for (Segment& segment : segments_) {
        for (std::uint32_t* n : {&segment.from, &segment.to}) {
            if (renumber[*n] == unused) {
                renumber[*n] = static_cast<std::uint32_t>(nodes_.size());
                nodes_.push_back(merger.lonlats[*n]);
            }
            *n = renumber[*n];
        }
    }
    if (segments_.empty()) return;
    for (const geo::Point& p : nodes_) bounds_.expand(p);
    // Shared borders drawn twice would be parallel edges: keep one.
    for (Segment& segment : segments_) {
        if (segment.from > segment.to) std::swap(segment.from, segment.to);
    }
    std::sort(segments_.begin(), segments_.end(),
              [](const Segment& a, const Segment& b) { return std::pair{a.from, a.to} < std::pair{b.from, b.to}; });
    segments_.erase(std::unique(segments_.begin(), segments_.end(),
                                [](const Segment& a, const Segment& b) { return a.from == b.from && a.to == b.to; }),
                    segments_.end());
    for (const Segment& segment : segments_) length_m_ += segment.length_m;

    adjacency_start_.assign(nodes_.size() + 1, 0);
    for (const Segment& segment : segments_) {
        ++adjacency_start_[segment.from + 1];
        ++adjacency_start_[segment.to + 1];
    }
    for (std::size_t n = 0; n < nodes_.size(); ++n) adjacency_start_[n + 1] += adjacency_start_[n];
    adjacency_.resize(adjacency_start_.back());
    std::vector<std::uint32_t> fill(adjacency_start_.begin(), adjacency_start_.end() - 1);
    for (std::uint32_t s = 0; s < segments_.size(); ++s) {
        adjacency_[fill[segments_[s].from]++] = {segments_[s].to, s};
        adjacency_[fill[segments_[s].to]++] = {segments_[s].from, s};
    }

    // The segment index: a regular grid of cells about cell_m wide.
    const geo::Point scale = metres_per_degree(std::max(std::abs(bounds_.min_y), std::abs(bounds_.max_y)));
    double side_m = cell_m;
    const auto count = [&](double side) {
        return (static_cast<std::size_t>((bounds_.max_x - bounds_.min_x) * scale.x / side) + 1) *
               (static_cast<std::size_t>((bounds_.max_y - bounds_.min_y) * scale.y / side) + 1);
    };
    while (count(side_m) > max_cells) side_m *= 2;
    cell_size_ = {side_m / scale.x, side_m / scale.y};
    columns_ = static_cast<std::size_t>((bounds_.max_x - bounds_.min_x) / cell_size_.x) + 1;
    rows_ = static_cast<std::size_t>((bounds_.max_y - bounds_.min_y) / cell_size_.y) + 1;
    cell_start_.assign(columns_ * rows_ + 1, 0);
    const auto each_cell = [&](const Segment& segment, auto&& visit) {
        const geo::Point a = nodes_[segment.from], b = nodes_[segment.to];
        const auto [c0, r0] = cell_of({std::min(a.x, b.x), std::min(a.y, b.y)});
        const auto [c1, r1] = cell_of({std::max(a.x, b.x), std::max(a.y, b.y)});
        for (std::size_t r = r0; r <= r1; ++r) {
            for (std::size_t c = c0; c <= c1; ++c) visit(r * columns_ + c);
        }
    };
    for (const Segment& segment : segments_) each_cell(segment, [&](std::size_t cell) { ++cell_start_[cell + 1]; });
    for (std::size_t c = 0; c + 1 < cell_start_.size(); ++c) cell_start_[c + 1] += cell_start_[c];
    cells_.resize(cell_start_.back());
    fill.assign(cell_start_.begin(), cell_start_.end() - 1);
    for (std::uint32_t s = 0; s < segments_.size(); ++s) {
        each_cell(segments_[s], [&](std::size_t cell) { cells_[fill[cell]++] = s; });
    }
}

std::pair<std::size_t, std::size_t> StreetNetwork::cell_of(const geo::Point& p) const noexcept {
    const auto clamp = [](double v, std::size_t n) {
        return static_cast<std::size_t>(std::clamp(v, 0.0, static_cast<double>(n - 1)));
    };
    return {clamp(std::floor((p.x - bounds_.min_x) / cell_size_.x), columns_),
            clamp(std::floor((p.y - bounds_.min_y) / cell_size_.y), rows_)};
}

geo::Point StreetNetwork::point_on(std::uint32_t segment, double along_m) const noexcept {
    const Segment& s = segments_[segment];
    const double t = s.length_m > 0 ? std::clamp(along_m / s.length_m, 0.0, 1.0) : 0.0;
    const geo::Point a = nodes_[s.from], b = nodes_[s.to];
    return {a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)};
}

std::optional<Attachment> StreetNetwork::attach(const geo::Point& p) const {
    if (cells_.empty()) return std::nullopt;
    // Rings of cells around p's cell, nearest first: after ring k every
    // segment within k cells' width of p has been seen.
    const LocalPlane plane(p);
    const geo::Point cell_metres = plane.forward({p.x + cell_size_.x, p.y + cell_size_.y});
    const double ring_m = std::min(std::abs(cell_metres.x), std::abs(cell_metres.y));
    const auto [pc, pr] = cell_of(p);
    const auto rings = static_cast<std::int64_t>(std::ceil(snap_m_ / ring_m)) + 1;
    std::optional<Attachment> best;
    double best_m = snap_m_;
    for (std::int64_t k = 0; k <= rings; ++k) {
        const auto visit_cell = [&](std::int64_t c, std::int64_t r) {
            if (c < 0 || r < 0 || c >= static_cast<std::int64_t>(columns_) || r >= static_cast<std::int64_t>(rows_)) return;
            const std::size_t cell = static_cast<std::size_t>(r) * columns_ + static_cast<std::size_t>(c);
            for (std::uint32_t i = cell_start_[cell]; i < cell_start_[cell + 1]; ++i) {
                const Segment& s = segments_[cells_[i]];
                const geo::Point a = plane.forward(nodes_[s.from]), b = plane.forward(nodes_[s.to]);
                const double t = nearest_t(a, b, {0, 0});
                const double d = plane_length(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
                if (d < best_m || (d == best_m && !best)) {
                    best_m = d;
                    best = Attachment{cells_[i], t * s.length_m, d};
                }
            }
        };
        const auto c = static_cast<std::int64_t>(pc), r = static_cast<std::int64_t>(pr);
        for (std::int64_t dc = -k; dc <= k; ++dc) {
            visit_cell(c + dc, r - k);
            if (k > 0) visit_cell(c + dc, r + k);
        }
        for (std::int64_t dr = -k + 1; dr <= k - 1; ++dr) {
            visit_cell(c - k, r + dr);
            visit_cell(c + k, r + dr);
        }
        if (best && best_m <= static_cast<double>(k) * ring_m) break;
    }
    return best;
}

Walk::Walk(const StreetNetwork& network, std::span<const std::pair<std::uint32_t, Attachment>> sources, double limit_m)
    : network_(&network), limit_m_(limit_m), node_m_(network.nodes().size(), unreached),
      node_source_(network.nodes().size(), no_source) {
    using Entry = std::pair<double, std::uint32_t>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
    const auto offer = [&](std::uint32_t node, double d, std::uint32_t source) {
        if (d > limit_m_ || d >= node_m_[node]) return;
        node_m_[node] = d;
        node_source_[node] = source;
        queue.emplace(d, node);
    };
    const auto segments = network.segments();
    for (const auto& [source, at] : sources) {
        const StreetNetwork::Segment& s = segments[at.segment];
        on_segment_.push_back({at.segment, {at.along_m, at.access_m, source}});
        offer(s.from, at.access_m + at.along_m, source);
        offer(s.to, at.access_m + (s.length_m - at.along_m), source);
    }
    std::sort(on_segment_.begin(), on_segment_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    while (!queue.empty()) {
        const auto [d, node] = queue.top();
        queue.pop();
        if (d > node_m_[node]) continue;
        for (const auto& [next, segment] : network.edges(node)) offer(next, d + segments[segment].length_m, node_source_[node]);
    }
}

std::pair<double, std::uint32_t> Walk::along(std::uint32_t segment, double along_m) const noexcept {
    const StreetNetwork::Segment& s = network_->segments()[segment];
    std::pair<double, std::uint32_t> best{node_m_[s.from] + along_m, node_source_[s.from]};
    if (const double d = node_m_[s.to] + (s.length_m - along_m); d < best.first) best = {d, node_source_[s.to]};
    const auto first = std::lower_bound(on_segment_.begin(), on_segment_.end(), segment,
                                        [](const auto& entry, std::uint32_t key) { return entry.first < key; });
    for (auto it = first; it != on_segment_.end() && it->first == segment; ++it) {
        const double d = it->second.access_m + std::abs(along_m - it->second.along_m);
        if (d < best.first) best = {d, it->second.source};
    }
    return best;
}

std::pair<double, std::uint32_t> Walk::to(const Attachment& at) const noexcept {
    auto [d, source] = along(at.segment, at.along_m);
    d += at.access_m;
    if (!(d <= limit_m_ + detail::rounding_m)) return {unreached, no_source};
    return {d, source};
}

double Walk::left_m(std::uint32_t segment, double along_m) const noexcept {
    return limit_m_ - along(segment, along_m).first;
}

std::vector<double> Walk::breaks(std::uint32_t segment) const {
    const StreetNetwork::Segment& s = network_->segments()[segment];
    // left_m is the limit less the lowest of lines rising (c + x) and falling (c - x) along the segment.
    std::vector<double> rising{node_m_[s.from]}, falling{node_m_[s.to] + s.length_m};
    std::vector<double> out{0.0, s.length_m};
    const auto first = std::lower_bound(on_segment_.begin(), on_segment_.end(), segment,
                                        [](const auto& entry, std::uint32_t key) { return entry.first < key; });
    for (auto it = first; it != on_segment_.end() && it->first == segment; ++it) {
        out.push_back(it->second.along_m);
        rising.push_back(it->second.access_m - it->second.along_m);
        falling.push_back(it->second.access_m + it->second.along_m);
    }
    for (const double r : rising) {
        for (const double f : falling) {
            const double x = (f - r) / 2;
            if (std::isfinite(x) && x > 0.0 && x < s.length_m) out.push_back(x);
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool Walk::touches(std::uint32_t segment) const noexcept {
    const StreetNetwork::Segment& s = network_->segments()[segment];
    if (node_m_[s.from] < limit_m_ || node_m_[s.to] < limit_m_) return true;
    const auto first = std::lower_bound(on_segment_.begin(), on_segment_.end(), segment,
                                        [](const auto& entry, std::uint32_t key) { return entry.first < key; });
    return first != on_segment_.end() && first->first == segment;
}

}  // namespace wangge::service
