#pragma once
// Walking along the streets for the 15-minute living circles (circles.hpp):
// a graph of street segments, the points where households and facilities
// join it, and the walking distances from a kind's facilities.
//
// The graph: line vertices within 0.5 m of each other are one node (a
// street read back from tiles has its pieces' ends a few centimetres apart,
// basemap/vector_tile.hpp); a vertex where lines meet or end is a node, and
// so is any other vertex off the straight line between its kept neighbours
// by more than 1 m (a drawn street's wiggles are not worth a node each); two
// segments that cross, or one ending inside another, are split there. Segments keep their length on the
// ellipsoid (circles.hpp's distance_m). Streets are walked both ways.
//
// Joining it: a point joins at the nearest point of the nearest segment
// (its access leg, a straight line, counts towards the walk), but only
// within the snap distance: farther from every street there are no streets
// there (the basemap lacks them), and the point keeps the straight-line
// distance instead (see circles.hpp).
//
// Walking distances: a multi-source Dijkstra from the facilities' joining
// points, each starting at its access leg, bounded by the kind's distance;
// each node remembers which facility reached it first.
//
// Thread safety: a StreetNetwork and a Walk are immutable once built; any
// number of threads may read them.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "wangge/geo/types.hpp"

namespace wangge::service {

/// Where a point joins the network.
struct Attachment {
    std::uint32_t segment = 0;
    double along_m = 0.0;   ///< from the segment's first node to the joining point
    double access_m = 0.0;  ///< straight line from the point to the joining point
};

class StreetNetwork {
public:
    struct Segment {
        std::uint32_t from = 0;
        std::uint32_t to = 0;
        double length_m = 0.0;
    };

    /// The graph of lon/lat line strings (lines of fewer than two points are
    /// skipped); points join it within `snap_m` metres (> 0).
    StreetNetwork(std::span<const std::vector<geo::Point>> lines, double snap_m);

    [[nodiscard]] double snap_m() const noexcept { return snap_m_; }
    [[nodiscard]] std::span<const geo::Point> nodes() const noexcept { return nodes_; }
    [[nodiscard]] std::span<const Segment> segments() const noexcept { return segments_; }
    /// The total length of the segments.
    [[nodiscard]] double length_m() const noexcept { return length_m_; }
    /// The lon/lat box of the nodes.
    [[nodiscard]] const geo::Box& bounds() const noexcept { return bounds_; }

    /// Where `p` joins the network; nullopt when every street is farther than snap_m().
    [[nodiscard]] std::optional<Attachment> attach(const geo::Point& p) const;
    /// The lon/lat point at `along_m` on a segment.
    [[nodiscard]] geo::Point point_on(std::uint32_t segment, double along_m) const noexcept;
    /// Calls each(segment) for the segments whose box meets `box` (lon/lat),
    /// some more than once; each returns false to stop.
    template <class Visitor>
    void visit(const geo::Box& box, Visitor&& each) const {
        if (cells_.empty() || box.max_x < bounds_.min_x || box.min_x > bounds_.max_x || box.max_y < bounds_.min_y ||
            box.min_y > bounds_.max_y) {
            return;
        }
        const auto [c0, r0] = cell_of({box.min_x, box.min_y});
        const auto [c1, r1] = cell_of({box.max_x, box.max_y});
        for (std::size_t r = r0; r <= r1; ++r) {
            for (std::size_t c = c0; c <= c1; ++c) {
                const std::size_t cell = r * columns_ + c;
                for (std::uint32_t i = cell_start_[cell]; i < cell_start_[cell + 1]; ++i) {
                    if (!each(cells_[i])) return;
                }
            }
        }
    }

    /// (neighbour node, segment) pairs of each node.
    [[nodiscard]] std::span<const std::pair<std::uint32_t, std::uint32_t>> edges(std::uint32_t node) const noexcept {
        return {adjacency_.data() + adjacency_start_[node], adjacency_.data() + adjacency_start_[node + 1]};
    }

private:
    [[nodiscard]] std::pair<std::size_t, std::size_t> cell_of(const geo::Point& p) const noexcept;

    double snap_m_;
    std::vector<geo::Point> nodes_;
    std::vector<Segment> segments_;
    double length_m_ = 0.0;
    geo::Box bounds_;
    // Adjacency in compressed rows: node n's edges are [start[n], start[n+1]).
    std::vector<std::uint32_t> adjacency_start_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> adjacency_;
    // Segments by cell of a regular lon/lat grid over bounds_, compressed rows likewise.
    geo::Point cell_size_;  // degrees
    std::size_t columns_ = 0, rows_ = 0;
    std::vector<std::uint32_t> cell_start_;
    std::vector<std::uint32_t> cells_;
};

/// The walking distances from a set of facilities up to a limit.
class Walk {
public:
    static constexpr double unreached = std::numeric_limits<double>::infinity();
    static constexpr std::uint32_t no_source = std::numeric_limits<std::uint32_t>::max();

    /// From `sources` (a facility's index and where it joins), walking at most `limit_m`.
    Walk(const StreetNetwork& network, std::span<const std::pair<std::uint32_t, Attachment>> sources, double limit_m);

    /// The walk from the nearest source to a node (unreached beyond the limit).
    [[nodiscard]] double node_m(std::uint32_t node) const noexcept { return node_m_[node]; }
    /// The walk to a point joining the network at `at`, its access leg
    /// included, and the source's index; {unreached, no_source} beyond the limit.
    [[nodiscard]] std::pair<double, std::uint32_t> to(const Attachment& at) const noexcept;
    /// The walk left at `along_m` on a segment before the limit (negative: none),
    /// access legs of the sources included, that of the destination not.
    [[nodiscard]] double left_m(std::uint32_t segment, double along_m) const noexcept;
    /// Points along a segment where left_m changes slope: its ends, the
    /// sources on it, and where the walks from either end meet.
    [[nodiscard]] std::vector<double> breaks(std::uint32_t segment) const;
    /// Whether any point of the segment is reached within the limit.
    [[nodiscard]] bool touches(std::uint32_t segment) const noexcept;
    [[nodiscard]] double limit_m() const noexcept { return limit_m_; }

private:
    struct OnSegment {
        double along_m;
        double access_m;
        std::uint32_t source;
    };
    /// The walk and source at `along_m` on a segment, without any access leg of the destination.
    [[nodiscard]] std::pair<double, std::uint32_t> along(std::uint32_t segment, double along_m) const noexcept;

    const StreetNetwork* network_;
    double limit_m_;
    std::vector<double> node_m_;
    std::vector<std::uint32_t> node_source_;
    // Sources by the segment they join, sorted by segment.
    std::vector<std::pair<std::uint32_t, OnSegment>> on_segment_;
};

}  // namespace wangge::service
