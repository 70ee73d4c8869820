#include "wangge/tiles/grid_shapes.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "wangge/tiles/tile_math.hpp"

namespace wangge::tiles {
namespace {

double squared_segment_distance(const geo::Point& p, const geo::Point& a, const geo::Point& b) noexcept {
    double x = a.x;
    double y = a.y;
    const double dx = b.x - a.x;
    const double dy = b.y - a.y;
    if (dx != 0.0 || dy != 0.0) {
        const double t = ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy);
        if (t > 1.0) {
            x = b.x;
            y = b.y;
        } else if (t > 0.0) {
            x += dx * t;
            y += dy * t;
        }
    }
    return (p.x - x) * (p.x - x) + (p.y - y) * (p.y - y);
}

std::uint64_t edge_key(std::uint32_t from, std::uint32_t to) noexcept {
    return (std::uint64_t{from} << 32) | to;
}

/// splitmix64's finaliser: every input bit reaches every output bit, which
/// the bucket index (hash modulo a prime) needs for nearby coordinates.
std::uint64_t mix(std::uint64_t v) noexcept {
    v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9ull;
    v = (v ^ (v >> 27)) * 0x94D049BB133111EBull;
    return v ^ (v >> 31);
}

struct PointHash {
    std::size_t operator()(const geo::Point& p) const noexcept {
        return static_cast<std::size_t>(mix(std::bit_cast<std::uint64_t>(p.x) ^ mix(std::bit_cast<std::uint64_t>(p.y))));
    }
};

/// Builds the arc graph; a helper object so the steps can share state.
class ArcBuilder {
public:
    /// Vertex ids of one ring, open, repeated vertices removed.
    std::vector<std::uint32_t> ring_ids(const geo::Ring& ring) {
        std::vector<std::uint32_t> ids;
        ids.reserve(ring.size());
        for (const geo::Point& lonlat : ring) {
            const geo::Point world = lonlat_to_world(lonlat);
            const auto [found, added] = vertex_ids_.try_emplace(world, static_cast<std::uint32_t>(vertices_.size()));
            if (added) vertices_.push_back(world);
            if (ids.empty() || ids.back() != found->second) ids.push_back(found->second);
        }
        while (ids.size() > 1 && ids.back() == ids.front()) ids.pop_back();
        if (ids.size() < 3) ids.clear();
        return ids;
    }

    void find_junctions(const std::vector<std::vector<std::uint32_t>>& rings) {
        std::vector<std::uint64_t> edges;
        for (const auto& ids : rings) {
            for (std::size_t i = 0; i < ids.size(); ++i) {
                const std::uint32_t a = ids[i];
                const std::uint32_t b = ids[(i + 1) % ids.size()];
                edges.push_back(edge_key(a, b));
                edges.push_back(edge_key(b, a));
            }
        }
        std::sort(edges.begin(), edges.end());
        edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
        std::vector<std::uint32_t> degree(vertices_.size(), 0);
        for (const std::uint64_t edge : edges) ++degree[edge >> 32];
        junction_.resize(vertices_.size());
        for (std::size_t v = 0; v < vertices_.size(); ++v) junction_[v] = degree[v] != 2;
    }

    /// Appends the arc references of one ring to `refs`.
    void add_ring(const std::vector<std::uint32_t>& ids, std::vector<std::uint32_t>& refs) {
        if (ids.empty()) return;
        const std::size_t n = ids.size();
        std::size_t start = n;
        for (std::size_t i = 0; i < n; ++i) {
            if (junction_[ids[i]]) {
                start = i;
                break;
            }
        }
        std::vector<std::uint32_t> chain;
        if (start == n) {
            // A loop without junctions starts at its smallest vertex id, so every
            // ring running along it finds the same arc.
            start = static_cast<std::size_t>(std::min_element(ids.begin(), ids.end()) - ids.begin());
            for (std::size_t k = 0; k <= n; ++k) chain.push_back(ids[(start + k) % n]);
            refs.push_back(arc_ref(chain, chain[1] < chain[n - 1]));
            return;
        }
        chain.push_back(ids[start]);
        for (std::size_t k = 1; k <= n; ++k) {
            const std::uint32_t v = ids[(start + k) % n];
            chain.push_back(v);
            if (junction_[v]) {
                refs.push_back(arc_ref(chain, true));
                chain.assign(1, v);
            }
        }
    }

    [[nodiscard]] const std::vector<geo::Point>& vertices() const noexcept { return vertices_; }
    [[nodiscard]] std::size_t arc_count() const noexcept { return arc_starts_.size() - 1; }
    /// The vertex ids of one arc, in its stored direction.
    [[nodiscard]] std::span<const std::uint32_t> arc(std::size_t index) const noexcept {
        return std::span(arc_vertices_).subspan(arc_starts_[index], arc_starts_[index + 1] - arc_starts_[index]);
    }
    void reserve(std::size_t vertices) {
        vertex_ids_.reserve(vertices);
        vertices_.reserve(vertices);
    }

private:
    /// The reference (index << 1 | reversed) of the arc that `chain` runs
    /// along; a new arc is stored forwards when `forwards_is_canonical`.
    std::uint32_t arc_ref(const std::vector<std::uint32_t>& chain, bool forwards_is_canonical) {
        const std::size_t last = chain.size() - 1;
        if (const auto found = first_edges_.find(edge_key(chain[0], chain[1])); found != first_edges_.end()) {
            return found->second;
        }
        const auto index = static_cast<std::uint32_t>(arc_count());
        const std::uint32_t forwards = index << 1;
        const std::uint32_t backwards = forwards | 1u;
        first_edges_.emplace(edge_key(chain[0], chain[1]), forwards_is_canonical ? forwards : backwards);
        first_edges_.emplace(edge_key(chain[last], chain[last - 1]), forwards_is_canonical ? backwards : forwards);
        if (forwards_is_canonical) {
            arc_vertices_.insert(arc_vertices_.end(), chain.begin(), chain.end());
        } else {
            arc_vertices_.insert(arc_vertices_.end(), chain.rbegin(), chain.rend());
        }
        arc_starts_.push_back(static_cast<std::uint32_t>(arc_vertices_.size()));
        return forwards_is_canonical ? forwards : backwards;
    }

    std::unordered_map<geo::Point, std::uint32_t, PointHash> vertex_ids_;
    std::vector<geo::Point> vertices_;
    std::vector<bool> junction_;
    std::unordered_map<std::uint64_t, std::uint32_t> first_edges_;
    std::vector<std::uint32_t> arc_vertices_;  // all arcs back to back
    std::vector<std::uint32_t> arc_starts_{0};
};

}  // namespace

std::vector<double> douglas_peucker_importance(std::span<const geo::Point> line) {
    constexpr double infinity = std::numeric_limits<double>::infinity();
    std::vector<double> importance(line.size(), 0.0);
    if (line.empty()) return importance;
    importance.front() = infinity;
    importance.back() = infinity;
    struct Span {
        std::size_t first;
        std::size_t last;
        double cap;
    };
    std::vector<Span> stack{{0, line.size() - 1, infinity}};
    while (!stack.empty()) {
        const Span span = stack.back();
        stack.pop_back();
        if (span.last - span.first < 2) continue;
        double farthest = -1.0;
        std::size_t index = span.first;
        for (std::size_t i = span.first + 1; i < span.last; ++i) {
            const double d = squared_segment_distance(line[i], line[span.first], line[span.last]);
            if (d > farthest) {
                farthest = d;
                index = i;
            }
        }
        importance[index] = std::min(farthest, span.cap);
        stack.push_back({span.first, index, importance[index]});
        stack.push_back({index, span.last, importance[index]});
    }
    return importance;
}

GridShapes::GridShapes(std::span<const model::Grid* const> grids) {
    ArcBuilder builder;
    std::size_t vertices = 0;
    for (const model::Grid* grid : grids) vertices += geo::vertex_count(grid->geometry);
    builder.reserve(vertices / 2);  // most vertices are shared by two rings or more
    std::vector<std::vector<std::uint32_t>> rings;
    for (const model::Grid* grid : grids) {
        for (const geo::Polygon& polygon : grid->geometry.polygons) {
            for (const geo::Ring& ring : polygon.rings) rings.push_back(builder.ring_ids(ring));
            polygon_rings_.push_back(static_cast<std::uint32_t>(rings.size()));
        }
        grid_polygons_.push_back(static_cast<std::uint32_t>(polygon_rings_.size() - 1));
    }
    builder.find_junctions(rings);
    for (const auto& ids : rings) {
        builder.add_ring(ids, arc_refs_);
        ring_arcs_.push_back(static_cast<std::uint32_t>(arc_refs_.size()));
    }

    zoom_arcs_.resize(detail_zoom + 1);
    for (ArcPoints& level : zoom_arcs_) level.offsets.push_back(0);
    std::vector<geo::Point> line;
    for (std::size_t a = 0; a < builder.arc_count(); ++a) {
        line.clear();
        for (const std::uint32_t v : builder.arc(a)) line.push_back(builder.vertices()[v]);
        const std::vector<double> importance = douglas_peucker_importance(line);
        for (int z = 0; z <= detail_zoom; ++z) {
            ArcPoints& level = zoom_arcs_[static_cast<std::size_t>(z)];
            const double tolerance = tolerance_px / std::ldexp(double{tile_extent}, z);
            const double squared = z == detail_zoom ? -1.0 : tolerance * tolerance;
            for (std::size_t i = 0; i < line.size(); ++i) {
                if (importance[i] > squared) level.points.push_back(line[i]);
            }
            level.offsets.push_back(static_cast<std::uint32_t>(level.points.size()));
        }
    }
}

template <class Map>
void GridShapes::assemble_ring(std::size_t grid, std::size_t polygon, std::size_t ring_index, int z, Map map,
                               std::vector<geo::Point>& out) const {
    const ArcPoints& level = zoom_arcs_[static_cast<std::size_t>(std::clamp(z, 0, detail_zoom))];
    const std::size_t r = polygon_rings_[grid_polygons_[grid] + polygon] + ring_index;
    // Each arc's last vertex is the next arc's first: each adds all but it.
    // Sized first, so that the vertices are written without growing `out`.
    std::size_t size = 0;
    for (std::uint32_t k = ring_arcs_[r]; k < ring_arcs_[r + 1]; ++k) {
        const std::uint32_t arc = arc_refs_[k] >> 1;
        size += level.offsets[arc + 1] - level.offsets[arc] - 1;
    }
    out.resize(size);
    auto at = out.begin();
    for (std::uint32_t k = ring_arcs_[r]; k < ring_arcs_[r + 1]; ++k) {
        const std::uint32_t ref = arc_refs_[k];
        const std::uint32_t arc = ref >> 1;
        const auto first = level.points.begin() + level.offsets[arc];
        const auto last = level.points.begin() + level.offsets[arc + 1];
        if ((ref & 1u) == 0) {
            at = std::transform(first, last - 1, at, map);
        } else {
            at = std::transform(std::make_reverse_iterator(last), std::make_reverse_iterator(first + 1), at, map);
        }
    }
}

void GridShapes::ring(std::size_t grid, std::size_t polygon, std::size_t ring_index, int z,
                      std::vector<geo::Point>& out) const {
    assemble_ring(grid, polygon, ring_index, z, [](const geo::Point& world) { return world; }, out);
}

void GridShapes::ring(std::size_t grid, std::size_t polygon, std::size_t ring_index, const TileTransform& tile, int z,
                      std::vector<geo::Point>& out) const {
    assemble_ring(grid, polygon, ring_index, z, [&tile](const geo::Point& world) { return tile.to_pixel(world); }, out);
}

}  // namespace wangge::tiles
