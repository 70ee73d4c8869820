#include "wangge/service/circles.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <exception>
#include <mutex>
#include <numbers>
#include <thread>
#include <unordered_map>

#include "wangge/geo/geos.hpp"

namespace wangge::service {

namespace {

// The CGCS2000 ellipsoid (EPSG:1024): semi-major axis and flattening.
constexpr double semi_major_m = 6378137.0;
constexpr double flattening = 1.0 / 298.257222101;
constexpr double eccentricity2 = flattening * (2.0 - flattening);
constexpr double radians_per_degree = std::numbers::pi / 180.0;
/// Rounding of stored coordinates: a household this far beyond the distance still counts as covered.
constexpr double rounding_m = 0.001;
/// Sides of the polygon standing for a circle in the uncovered areas.
constexpr int circle_sides = 64;
/// More changed facilities than this and recomputing everything is cheaper than the edits.
constexpr std::size_t incremental_limit = 2000;

/// Metres per degree of longitude (x) and latitude (y) at latitude `lat` (degrees).
geo::Point metres_per_degree(double lat) noexcept {
    const double phi = lat * radians_per_degree;
    const double sin_phi = std::sin(phi);
    const double w2 = 1.0 - eccentricity2 * sin_phi * sin_phi;
    const double prime_vertical = semi_major_m / std::sqrt(w2);
    const double meridian = semi_major_m * (1.0 - eccentricity2) / (w2 * std::sqrt(w2));
    return {prime_vertical * std::cos(phi) * radians_per_degree, meridian * radians_per_degree};
}

/// The plane tangent to the ellipsoid at a centre point: metres east and north of it.
class LocalPlane {
public:
    explicit LocalPlane(const geo::Point& centre) : centre_(centre), scale_(metres_per_degree(centre.y)) {}
    [[nodiscard]] geo::Point forward(const geo::Point& p) const noexcept {
        return {(p.x - centre_.x) * scale_.x, (p.y - centre_.y) * scale_.y};
    }
    [[nodiscard]] geo::Point inverse(const geo::Point& p) const noexcept {
        return {centre_.x + p.x / scale_.x, centre_.y + p.y / scale_.y};
    }
    template <class Map>
    [[nodiscard]] static geo::MultiPolygon map(const geo::MultiPolygon& multi, Map&& each) {
        geo::MultiPolygon out = multi;
        for (geo::Polygon& polygon : out.polygons) {
            for (geo::Ring& ring : polygon.rings) {
                for (geo::Point& p : ring) p = each(p);
            }
        }
        return out;
    }

private:
    geo::Point centre_;
    geo::Point scale_;
};

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

/// Runs job(i, context) for i in [0, count) on `threads` threads, each with
/// its own GEOS context; rethrows the first exception once all stopped.
template <class Job>
void run_parallel(std::size_t count, unsigned threads, Job&& job) {
    if (count == 0) return;
    threads = std::max(1U, std::min<unsigned>(threads, static_cast<unsigned>((count + 63) / 64)));
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    const auto work = [&] {
        try {
            geo::geos::Context context;
            for (std::size_t i = next++; i < count; i = next++) job(i, context);
        } catch (...) {
            const std::lock_guard lock(failure_mutex);
            if (!failure) failure = std::current_exception();
            next = count;
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& thread : pool) thread.join();
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
                const double dx = b.x - a.x, dy = b.y - a.y;
                const double length2 = dx * dx + dy * dy;
                const double t = length2 > 0 ? std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / length2, 0.0, 1.0) : 0.0;
                best = std::min(best, std::hypot(p.x - a.x - t * dx, p.y - a.y - t * dy));
            }
        }
    }
    return best;
}

/// The uncovered part of one finest-level grid.
GridArea grid_area(const model::Grid& grid, const FacilityCells& cells, double distance_m,
                   geo::geos::Context& context) {
    const geo::Box box = geo::bounds(grid.geometry);
    const LocalPlane plane({(box.min_x + box.max_x) / 2, (box.min_y + box.max_y) / 2});
    const geo::MultiPolygon shape = LocalPlane::map(grid.geometry, [&](const geo::Point& p) { return plane.forward(p); });
    GridArea out;
    out.area_m2 = plane_area(shape);
    // The circles reaching the grid; a grid whose every vertex lies within
    // the 64-gon's inner radius of one centre is inside that circle.
    const double inner = distance_m * std::cos(std::numbers::pi / circle_sides);
    std::vector<geo::Point> centres;
    bool inside_one = false;
    cells.visit(box, [&](const geo::Point& facility) {
        const geo::Point centre = plane.forward(facility);
        if (!geo::contains(shape, centre) && distance_to_edges(shape, centre) > distance_m) return true;
        double farthest = 0.0;
        for (const geo::Polygon& polygon : shape.polygons) {
            for (const geo::Point& v : polygon.rings.front()) farthest = std::max(farthest, std::hypot(v.x - centre.x, v.y - centre.y));
        }
        inside_one = farthest <= inner;
        centres.push_back(centre);
        return !inside_one;
    });
    if (inside_one) {
        out.reach = Reach::full;
        return out;
    }
    if (centres.empty()) {
        out.reach = Reach::none;
        out.uncovered_m2 = out.area_m2;
        out.uncovered = grid.geometry;
        return out;
    }
    std::vector<geo::geos::Geometry> circles;
    circles.reserve(centres.size());
    for (const geo::Point& centre : centres) {
        geo::Polygon circle;
        geo::Ring& ring = circle.rings.emplace_back();
        for (int i = 0; i <= circle_sides; ++i) {
            const double angle = 2 * std::numbers::pi * (i % circle_sides) / circle_sides;
            ring.push_back({centre.x + distance_m * std::cos(angle), centre.y + distance_m * std::sin(angle)});
        }
        circles.push_back(context.polygon(circle));
    }
    const geo::geos::Geometry reach = context.union_all(std::move(circles));
    geo::geos::Geometry rest = [&] {
        const geo::geos::Geometry polygon = context.multipolygon(shape);
        try {
            return polygon.difference(reach);
        } catch (const geo::geos::GeosError&) {
            // An imported grid GEOS finds invalid: its repaired shape still has an area to report.
            return polygon.make_valid().difference(reach);
        }
    }();
    out.uncovered_m2 = rest.empty() ? 0.0 : rest.area();
    if (out.uncovered_m2 <= 0.0) {
        out.reach = Reach::full;
        out.uncovered_m2 = 0.0;
    } else if (out.uncovered_m2 >= out.area_m2 * (1 - 1e-9)) {
        out.reach = Reach::none;
        out.uncovered = grid.geometry;
    } else {
        out.reach = Reach::partial;
        out.uncovered = LocalPlane::map(rest.polygons(), [&](const geo::Point& p) { return plane.inverse(p); });
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
    return std::hypot((b.x - a.x) * scale.x, (b.y - a.y) * scale.y);
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

Coverage Coverage::compute(const model::Snapshot& snapshot, const ServiceKind& kind, const Coverage* base,
                           unsigned threads) {
    if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
    const model::Tables& data = snapshot.data();
    Coverage out;
    out.kind_ = kind;
    out.households_ = data.households;
    out.grids_ = data.grids;
    for (const model::Facility& facility : data.facilities) {
        if (kind.provided_by(facility.kind)) out.facilities_.emplace_back(facility.id, facility.location);
    }
    // Ids are unique in a snapshot; a stable sort keeps the result deterministic regardless.
    std::stable_sort(out.facilities_.begin(), out.facilities_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    const FacilityCells cells(out.facilities_, kind.distance_m);

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
    const bool same_kind = base != nullptr && base->kind_ == kind;
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
    const auto around = [&](const geo::Point& p) {
        const double dy = kind.distance_m / metres_per_degree(0.0).y;
        const double dx = kind.distance_m / metres_per_degree(std::min(89.0, std::abs(p.y) + dy)).x;
        return geo::Box{p.x - dx, p.y - dy, p.x + dx, p.y + dy};
    };

    // Households.
    if (incremental && base->households_.shares_all(data.households)) {
        out.work_.incremental_households = true;
        out.state_ = base->state_;
        out.tallies_ = base->tallies_;
        out.total_ = base->total_;
        for (const geo::Point& p : changed) {
            snapshot.household_index().query(around(p), [&](std::size_t position) {
                std::uint8_t& state = out.state_[position];
                if (state == not_counted) return true;
                ++out.work_.households_checked;
                const std::uint8_t now = cells.reaches(data.households[position].location) ? covered_state : uncovered_state;
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
                    const bool covered = cells.reaches(household.location);
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
            snapshot.grid_index().query(around(p), [&](std::size_t position) {
                if (leaf[position] && !marked[position]) {
                    marked[position] = true;
                    redo.push_back(position);
                }
                return true;
            });
        }
    } else {
        out.areas_.assign(grids.size(), nullptr);
        for (std::size_t g = 0; g < grids.size(); ++g) {
            if (leaf[g]) redo.push_back(g);
        }
    }
    run_parallel(redo.size(), threads, [&](std::size_t i, geo::geos::Context& context) {
        out.areas_[redo[i]] = std::make_shared<const GridArea>(grid_area(*grids[redo[i]], cells, kind.distance_m, context));
    });
    out.work_.grids_computed = redo.size();
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
            rows.push_back({current[g]->code, current[g]->name, coverage->kind().name, tally ? *tally : Tally{},
                            coverage->area(g)->uncovered_m2});
        }
    }
    return rows;
}

}  // namespace wangge::service
