#include "wangge/rules/validator.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "attribute_rules.hpp"
#include "border_contact.hpp"
#include "parallel.hpp"
#include "wangge/geo/geojson.hpp"
#include "wangge/geo/geos.hpp"
#include "wangge/geo/packed_rtree.hpp"
#include "wangge/geo/projection.hpp"

namespace wangge::rules {

namespace geos = geo::geos;

std::size_t CodeScheme::length(model::GridLevel level) const noexcept {
    // A dedicated grid is numbered like a base grid of its community.
    const model::GridLevel numbered_as = level == model::GridLevel::dedicated ? model::GridLevel::grid : level;
    const auto depth = static_cast<std::size_t>(numbered_as) + 2;  // county digits + levels down to this one
    if (depth > digits.size()) return 0;
    std::size_t total = 0;
    for (std::size_t i = 0; i < depth; ++i) total += digits[i];
    return total;
}

std::size_t CodeScheme::parent_length(model::GridLevel level) const noexcept {
    const auto above = detail::parent_level(level);
    return above ? length(*above) : (digits.empty() ? 0 : digits.front());
}

namespace {

using detail::BorderContact;
using detail::level_name;
using detail::widened;

/// One grid of the layout or the parent file, projected to metres.
struct Entry {
    const model::Grid* grid = nullptr;
    geo::MultiPolygon metres;  // rings oriented by orient_rings()
    geo::Box box;
    std::size_t vertices = 0;
};


std::string decimal(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    return text;
}

std::string label(const model::Grid& grid) { return std::string(level_name(grid.level)) + " " + grid.code; }

/// GEOS's reasons in Chinese, for the message; the report keeps GEOS's text too.
std::string reason_in_chinese(std::string_view reason) {
    static constexpr std::pair<std::string_view, std::string_view> names[] = {
        {"Ring Self-intersection", "环自相交"},   {"Self-intersection", "自相交"},
        {"Too few points", "顶点过少"},            {"Invalid number of points", "顶点过少"},
        {"closed linestring", "环未闭合"},         {"Invalid Coordinate", "坐标无效"},
        {"Hole lies outside shell", "洞在外环之外"}, {"Holes are nested", "洞相互嵌套"},
        {"Interior is disconnected", "内部不连通"}, {"Nested shells", "外环相互嵌套"},
        {"Duplicate Rings", "环重复"},              {"Empty geometry", "几何为空"},
    };
    for (const auto& [english, chinese] : names) {
        if (reason.find(english) != std::string_view::npos) return std::string(chinese);
    }
    return "几何无效";
}

nlohmann::json lines_to_geojson(const geo::LocalProjection& projection, const std::vector<detail::Segment>& a,
                                const std::vector<detail::Segment>& b) {
    nlohmann::json lines = nlohmann::json::array();
    for (const auto* list : {&a, &b}) {
        for (const detail::Segment& s : *list) {
            const geo::Point p = projection.inverse(s.p);
            const geo::Point q = projection.inverse(s.q);
            lines.push_back({{p.x, p.y}, {q.x, q.y}});
        }
    }
    return {{"type", "MultiLineString"}, {"coordinates", std::move(lines)}};
}

double total_length(const std::vector<detail::Segment>& segments) {
    double sum = 0.0;
    for (const detail::Segment& s : segments) sum += std::hypot(s.q.x - s.p.x, s.q.y - s.p.y);
    return sum;
}

}  // namespace

namespace detail {

/// Per-thread state: GEOS objects never cross threads, PROJ transforms neither.
struct Worker {
    geos::Context geos;
    geo::LocalProjection projection;
    explicit Worker(const geo::Box& lonlat_extent) : projection(lonlat_extent) {}
};

/// Workers kept between calls: creating a PROJ transform costs tens of
/// milliseconds, more than an incremental check may take. Every worker
/// projects for the one extent the pool was made for. Thread-safe.
class WorkerPool {
public:
    explicit WorkerPool(const geo::Box& lonlat_extent) : extent_(lonlat_extent) {}

    /// Workers on loan to one call; they go back to the pool when it ends.
    class Lease {
    public:
        Lease(WorkerPool& pool, std::vector<Worker> workers) : pool_(pool), workers_(std::move(workers)) {}
        ~Lease() { pool_.give_back(std::move(workers_)); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        [[nodiscard]] std::vector<Worker>& workers() noexcept { return workers_; }

    private:
        WorkerPool& pool_;
        std::vector<Worker> workers_;
    };

    [[nodiscard]] const geo::Box& extent() const noexcept { return extent_; }

    [[nodiscard]] Lease take(std::size_t count) {
        std::vector<Worker> workers;
        {
            const std::lock_guard lock(mutex_);
            while (!idle_.empty() && workers.size() < count) {
                workers.push_back(std::move(idle_.back()));
                idle_.pop_back();
            }
        }
        while (workers.size() < count) workers.emplace_back(extent_);
        return Lease(*this, std::move(workers));
    }

private:
    void give_back(std::vector<Worker> workers) noexcept {
        const std::lock_guard lock(mutex_);
        for (Worker& worker : workers) idle_.push_back(std::move(worker));
    }
    const geo::Box extent_;
    std::mutex mutex_;
    std::vector<Worker> idle_;
};

}  // namespace detail

namespace {

using detail::Worker;
using detail::WorkerPool;

/// Everything a Validator keeps about its layout.
struct Layout {
    Options options;
    std::vector<model::Grid> grids;  // the layout, then the parent file
    std::size_t layout_size = 0;
    geo::Box extent;                 // lon/lat
    std::vector<Entry> entries;      // parallel to grids
    std::size_t vertex_count = 0;
    std::unordered_map<std::string, std::size_t> index_of;                 // first entry per code, layout first
    std::map<std::string, std::vector<std::size_t>> children;              // parent code → base layout entries
    std::map<std::string, std::vector<std::size_t>> dedicated_children;    // parent code → dedicated grids in it
    std::map<model::GridLevel, std::vector<std::size_t>> level_members;    // level → layout entries
    std::map<model::GridLevel, geo::PackedRTree> level_trees;              // over level_members' boxes

    std::optional<detail::AttributeRules> attributes;  // over grids and options above
    std::shared_ptr<WorkerPool> pool;  // shared with other validators through SharedWorkers

    [[nodiscard]] WorkerPool::Lease workers(std::size_t work_items) const {
        const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
        const std::size_t wanted = options.threads == 0 ? hardware : options.threads;
        return pool->take(std::max<std::size_t>(1, std::min(wanted, work_items)));
    }
};

/// The layout as one validation sees it: the stored entries, one of which may
/// be replaced by an edit; validity is computed once per entry.
class Scope {
public:
    Scope(const Layout& impl, const Entry* edited, std::size_t edited_index)
        : impl_(impl), edited_(edited), edited_index_(edited_index), validity_(impl.entries.size(), unknown) {}

    [[nodiscard]] const Layout& impl() const noexcept { return impl_; }
    [[nodiscard]] const Entry& at(std::size_t i) const noexcept {
        return edited_ != nullptr && i == edited_index_ ? *edited_ : impl_.entries[i];
    }

    /// Sets the validity of entry i; each i is written by one thread only.
    void set_valid(std::size_t i, bool valid) noexcept { validity_[i] = valid ? yes : no; }

    /// GEOS geometry for overlay; invalid input is repaired first (its own
    /// violation is reported separately) so the other rules still run, unless
    /// it is too large to repair safely (Options::max_repair_vertices).
    [[nodiscard]] std::optional<geos::Geometry> overlay_geometry(Worker& worker, std::size_t i) {
        ensure_validity(worker, i);
        const Entry& entry = at(i);
        if (validity_[i] == broken || entry.metres.empty()) return std::nullopt;
        geos::Geometry geometry = worker.geos.multipolygon(entry.metres);
        if (validity_[i] == yes) return geometry;
        if (geo::vertex_count(entry.metres) > impl_.options.max_repair_vertices) return std::nullopt;
        return worker.geos.multipolygon(geometry.make_valid().polygons());
    }
    /// Validity of entries the caller has not checked yet (incremental runs).
    void ensure_validity(Worker& worker, std::size_t i) {
        if (validity_[i] != unknown) return;
        try {
            set_valid(i, !at(i).metres.empty() && !worker.geos.multipolygon(at(i).metres).invalidity().has_value());
        } catch (const geos::GeosError&) {
            validity_[i] = broken;
        }
    }
    [[nodiscard]] bool valid(std::size_t i) const noexcept { return validity_[i] == yes; }
    void set_broken(std::size_t i) noexcept { validity_[i] = broken; }

private:
    static constexpr signed char unknown = -1, no = 0, yes = 1, broken = 2;  // broken: GEOS cannot build it
    const Layout& impl_;
    const Entry* edited_;
    std::size_t edited_index_;
    std::vector<signed char> validity_;
};

/// invalid_geometry for entry i, or nothing when it is valid.
std::optional<Violation> check_validity(Worker& worker, Scope& scope, std::size_t i) {
    const Entry& entry = scope.at(i);
    std::string reason;
    geo::Point location;
    try {
        const geos::Geometry geometry = worker.geos.multipolygon(entry.metres);
        if (const auto invalid = geometry.invalidity()) {
            reason = invalid->reason;
            location = invalid->location;
        } else if (entry.metres.empty()) {
            reason = "Empty geometry";
        }
        scope.set_valid(i, reason.empty());
    } catch (const geos::GeosError& e) {
        reason = e.what();
        scope.set_broken(i);
        if (!entry.metres.empty() && !entry.metres.polygons.front().rings.front().empty()) {
            location = entry.metres.polygons.front().rings.front().front();
        }
    }
    if (reason.empty()) return std::nullopt;
    Violation v;
    v.rule = std::string(rule::invalid_geometry);
    v.grids = {entry.grid->code};
    v.reason = reason;
    if (!entry.metres.empty()) v.geometry = geo::to_geojson(worker.projection.inverse(location));
    v.message = label(*entry.grid) + " 几何无效：" + reason_in_chinese(reason) + "（" + reason + "）";
    return v;
}

/// Pieces that are not noise: at least min_area_m2 and wider than min_width_m somewhere.
std::vector<geo::Polygon> significant(Worker& worker, const geo::MultiPolygon& pieces, const Options& options) {
    std::vector<geo::Polygon> kept;
    for (const geo::Polygon& piece : pieces.polygons) {
        const geos::Geometry g = worker.geos.polygon(piece);
        if (g.area() < options.min_area_m2) continue;
        if (g.buffer(-options.min_width_m / 2.0, 2).empty()) continue;
        kept.push_back(piece);
    }
    return kept;
}

double area_of(Worker& worker, const std::vector<geo::Polygon>& pieces) {
    double sum = 0.0;
    for (const geo::Polygon& piece : pieces) sum += worker.geos.polygon(piece).area();
    return sum;
}

struct Claim {
    std::size_t entry;
    const geos::Geometry* geometry;
};

/// Proposes who should own a gap or overlap piece: the candidate sharing the
/// longest border with it. Households decide (fewer wins) for overlaps, where
/// both grids border the piece, and for gap neighbours within 10 % of each other.
std::optional<Repair> propose_owner(Worker& worker, const Scope& scope, const geos::Geometry& piece,
                                    const std::vector<Claim>& claims, bool overlap) {
    const double snap = scope.impl().options.min_width_m / 2.0;
    // Opening by the noise width drops hairline spikes that overlay glues to pieces.
    const geos::Geometry outline = piece.buffer(-snap, 2).buffer(snap, 2).boundary();
    const geos::Geometry near = worker.geos.polygon(geo::Polygon{{[&] {
        const geo::Box b = widened(piece.box(), 2.0 * snap);
        return geo::Ring{{b.min_x, b.min_y}, {b.max_x, b.min_y}, {b.max_x, b.max_y}, {b.min_x, b.max_y}, {b.min_x, b.min_y}};
    }()}});
    std::vector<std::pair<double, std::size_t>> shared;  // (length, claim position)
    for (std::size_t k = 0; k < claims.size(); ++k) {
        // Overlay results are not bit-exact, so borders within half the noise
        // width of each other count as shared.
        const geos::Geometry border = claims[k].geometry->boundary().intersection(near).buffer(snap, 2);
        const double length = outline.intersection(border).length();
        if (length > 0.0) shared.emplace_back(length, k);
    }
    if (shared.empty()) return std::nullopt;
    std::sort(shared.begin(), shared.end(), std::greater<>());
    std::size_t chosen = shared.front().second;
    std::string basis = "longest_shared_edge";
    const auto& households = scope.impl().options.households;
    if (households && shared.size() > 1 && (overlap || shared[1].first >= 0.9 * shared[0].first)) {
        const auto count = [&](std::size_t k) {
            const auto found = households->find(scope.at(claims[k].entry).grid->code);
            return found == households->end() ? 0 : found->second;
        };
        if (count(shared[1].second) < count(chosen)) {
            chosen = shared[1].second;
            basis = "fewer_households";
        }
    }
    Repair repair;
    repair.assign_to = scope.at(claims[chosen].entry).grid->code;
    repair.basis = basis;
    for (const auto& [length, k] : shared) {
        if (k == chosen) repair.shared_edge_m = length;
    }
    if (overlap) {
        for (std::size_t k = 0; k < claims.size(); ++k) {
            if (k != chosen) repair.remove_from.push_back(scope.at(claims[k].entry).grid->code);
        }
    }
    return repair;
}

struct PairOutcome {
    bool interiors_apart = false;  // proven without overlay, both grids valid
    std::vector<Violation> violations;
};

PairOutcome check_pair(Worker& worker, Scope& scope, std::size_t i, std::size_t j) {
    const Options& options = scope.impl().options;
    if (scope.at(j).grid->code < scope.at(i).grid->code) std::swap(i, j);
    const Entry& a = scope.at(i);
    const Entry& b = scope.at(j);
    PairOutcome outcome;
    const BorderContact contact = detail::compare_borders(a.metres, a.box, b.metres, b.box, options.edge_tolerance_m);
    if (contact.near_miss_vertices > 0) {
        Violation v;
        v.rule = std::string(rule::edge_mismatch);
        v.severity = Severity::warning;
        v.grids = {a.grid->code, b.grid->code};
        v.length_m = std::max(total_length(contact.near_miss_segments_a), total_length(contact.near_miss_segments_b));
        v.geometry = lines_to_geojson(worker.projection, contact.near_miss_segments_a, contact.near_miss_segments_b);
        // Near misses are centimetres apart, so the distance gets two decimals.
        char distance[32];
        std::snprintf(distance, sizeof distance, "%.2f", contact.near_miss_distance);
        const std::string apart = contact.near_miss_distance < 0.005 ? "不足 0.01" : distance;
        v.message = label(*a.grid) + " 与 " + b.grid->code + " 的边界有 " + std::to_string(contact.near_miss_vertices) +
                    " 个顶点不重合：最远相距 " + apart + " 米（容差 " + decimal(options.edge_tolerance_m) +
                    " 米内应共用顶点），涉及边界约 " + decimal(*v.length_m) + " 米，易产生缝隙或重叠";
        outcome.violations.push_back(std::move(v));
    }
    // An overlap of the pair is reported instead: its near misses are part of it.
    const auto with_overlap = [&outcome](Violation overlap) {
        outcome.violations.clear();
        outcome.violations.push_back(std::move(overlap));
        return std::move(outcome);
    };
    scope.ensure_validity(worker, i);
    scope.ensure_validity(worker, j);
    outcome.interiors_apart = contact.interiors_apart && scope.valid(i) && scope.valid(j);
    if (contact.interiors_apart) return outcome;
    const auto ga = scope.overlay_geometry(worker, i);
    const auto gb = scope.overlay_geometry(worker, j);
    if (!ga || !gb) return outcome;

    const std::vector<geo::Polygon> pieces = significant(worker, ga->intersection(*gb).polygons(), options);
    if (pieces.empty()) return outcome;
    const geo::MultiPolygon piece_set{pieces};
    Violation v;
    v.rule = std::string(rule::overlap);
    v.grids = {a.grid->code, b.grid->code};
    v.area_m2 = area_of(worker, pieces);
    v.geometry = geo::to_geojson(worker.projection.inverse(piece_set));
    v.message = label(*a.grid) + " 与 " + b.grid->code + " 重叠 " + decimal(*v.area_m2) + " 平方米";
    v.repair = propose_owner(worker, scope, worker.geos.multipolygon(piece_set), {{i, &*ga}, {j, &*gb}}, true);
    return with_overlap(std::move(v));
}

/// Limits a coverage check to the surroundings of one edited grid.
struct Focus {
    geo::Box window;  // metres; only gaps wholly inside it are judged
};

/// The children of one parent as overlay geometries (those outside the focus
/// window left out when there is no parent to bound them), and the parent's.
struct Family {
    std::vector<std::size_t> used;
    std::vector<geos::Geometry> geometries;
    std::optional<std::size_t> parent_at;
    std::optional<geos::PreparedGeometry> parent;
    double parent_area = 0.0;
    bool broken_parent = false;  ///< reported as invalid_geometry itself

    Family(Worker& worker, Scope& scope, const std::string& parent_code, const std::vector<std::size_t>& members,
           const Focus* focus) {
        const Layout& impl = scope.impl();
        if (const auto found = impl.index_of.find(parent_code); !parent_code.empty() && found != impl.index_of.end()) {
            parent_at = found->second;
        }
        for (std::size_t m : members) {
            if (focus != nullptr && !parent_at && !scope.at(m).box.intersects(focus->window)) continue;
            if (auto g = scope.overlay_geometry(worker, m)) {
                used.push_back(m);
                geometries.push_back(std::move(*g));
            }
        }
        if (!parent_at) return;
        if (auto g = scope.overlay_geometry(worker, *parent_at)) {
            parent_area = g->area();
            parent.emplace(std::move(*g));
        } else {
            broken_parent = true;
        }
    }
};

/// outside_parent for each child of `family` not inside its parent; true when all are inside.
bool check_inside_parent(Worker& worker, Scope& scope, const Family& family, std::vector<Violation>& out) {
    const Options& options = scope.impl().options;
    const model::Grid& parent_grid = *scope.at(*family.parent_at).grid;
    const Entry& parent_entry = scope.at(*family.parent_at);
    bool all_inside = true;
    for (std::size_t k = 0; k < family.used.size(); ++k) {
        const Entry& child_entry = scope.at(family.used[k]);
        const bool exact = scope.valid(family.used[k]) && scope.valid(*family.parent_at);
        if (exact && detail::covered_by(child_entry.metres, child_entry.box, parent_entry.metres)) continue;
        if (family.parent->covers(family.geometries[k])) continue;
        all_inside = false;
        const std::vector<geo::Polygon> pieces =
            significant(worker, family.geometries[k].difference(family.parent->geometry()).polygons(), options);
        if (pieces.empty()) continue;
        const model::Grid& child = *child_entry.grid;
        Violation v;
        v.rule = std::string(rule::outside_parent);
        v.grids = {child.code, parent_grid.code};
        v.area_m2 = area_of(worker, pieces);
        v.geometry = geo::to_geojson(worker.projection.inverse(geo::MultiPolygon{pieces}));
        v.message = label(child) + " 有 " + decimal(*v.area_m2) + " 平方米超出所属" + label(parent_grid);
        out.push_back(std::move(v));
    }
    return all_inside;
}

/// outside_parent for dedicated grids: they lie inside their parent but need not cover it.
std::vector<Violation> check_dedicated(Worker& worker, Scope& scope, const std::string& parent_code,
                                       const std::vector<std::size_t>& members) {
    std::vector<Violation> out;
    const Family family(worker, scope, parent_code, members, nullptr);
    if (family.parent) (void)check_inside_parent(worker, scope, family, out);
    return out;
}

/// gap and outside_parent for the children of one parent (or, without a
/// parent polygon, holes in the union of the siblings).
std::vector<Violation> check_coverage(Worker& worker, Scope& scope, const std::string& parent_code,
                                      const std::vector<std::size_t>& members, bool clean, const Focus* focus) {
    const Layout& impl = scope.impl();
    const Options& options = impl.options;
    std::vector<Violation> out;
    const Family family(worker, scope, parent_code, members, focus);
    if (family.broken_parent) return out;
    const bool has_parent = family.parent_at.has_value();
    const std::vector<std::size_t>& used = family.used;
    const std::vector<geos::Geometry>& geometries = family.geometries;
    const std::optional<geos::PreparedGeometry>& parent = family.parent;
    const double parent_area = family.parent_area;
    if (parent) {
        const bool all_inside = check_inside_parent(worker, scope, family, out);
        if (clean && all_inside) {
            // Children inside the parent that do not overlap: the uncovered
            // area is the difference of areas, so tiny totals need no union.
            double children_area = 0.0;
            for (const geos::Geometry& g : geometries) children_area += g.area();
            if (parent_area - children_area < options.min_area_m2) return out;
        }
    }

    std::vector<geos::Geometry> copies;
    copies.reserve(geometries.size());
    for (const geos::Geometry& g : geometries) copies.push_back(g.clone());
    std::optional<geos::Geometry> covered;
    if (clean) {
        try {
            covered = worker.geos.coverage_union(std::move(copies));
        } catch (const geos::GeosError&) {
            copies.clear();
            for (const geos::Geometry& g : geometries) copies.push_back(g.clone());
        }
    }
    if (!covered) covered = worker.geos.union_all(std::move(copies));

    geo::MultiPolygon holes;
    if (parent) {
        holes = parent->geometry().difference(*covered).polygons();
    } else {
        for (const geo::Polygon& part : covered->polygons().polygons) {
            for (std::size_t r = 1; r < part.rings.size(); ++r) holes.polygons.push_back(geo::Polygon{{part.rings[r]}});
        }
    }
    for (const geo::Polygon& piece : significant(worker, holes, options)) {
        const geo::Box box = geo::bounds(piece);
        if (focus != nullptr && !has_parent &&
            !(box.min_x > focus->window.min_x && box.max_x < focus->window.max_x && box.min_y > focus->window.min_y &&
              box.max_y < focus->window.max_y)) {
            continue;  // it may reach grids outside the window
        }
        const geos::Geometry piece_geometry = worker.geos.polygon(piece);
        // Neighbours touch the piece's body, not noise slivers glued to it:
        // opening (erode, then dilate) by half the noise width drops those.
        const double half_width = options.min_width_m / 2.0;
        const geos::Geometry body = piece_geometry.buffer(-half_width, 2).buffer(2.0 * half_width, 2);
        std::vector<Claim> claims;
        std::vector<std::string> neighbours;
        for (std::size_t k = 0; k < used.size(); ++k) {
            if (!scope.at(used[k]).box.intersects(widened(box, options.edge_tolerance_m))) continue;
            if (!geometries[k].intersects(body)) continue;
            claims.push_back({used[k], &geometries[k]});
            neighbours.push_back(scope.at(used[k]).grid->code);
        }
        std::sort(neighbours.begin(), neighbours.end());
        Violation v;
        v.rule = std::string(rule::gap);
        if (parent) v.grids.push_back(parent_code);
        v.grids.insert(v.grids.end(), neighbours.begin(), neighbours.end());
        v.area_m2 = piece_geometry.area();
        v.geometry = geo::to_geojson(worker.projection.inverse(geo::MultiPolygon{{piece}}));
        if (parent) {
            v.message = label(*scope.at(*family.parent_at).grid) + " 内有 " + decimal(*v.area_m2) +
                        " 平方米未被任何下级网格覆盖";
        } else {
            std::string names;
            for (const std::string& code : neighbours) names += (names.empty() ? "" : "、") + code;
            v.message = "网格 " + names + " 之间有 " + decimal(*v.area_m2) + " 平方米空隙";
        }
        v.repair = propose_owner(worker, scope, piece_geometry, claims, false);
        out.push_back(std::move(v));
    }
    return out;
}

}  // namespace

struct Validator::Impl : Layout {};

namespace {

Entry project(const model::Grid& grid, const geo::LocalProjection& projection) {
    Entry entry;
    entry.grid = &grid;
    entry.metres = projection.forward(grid.geometry);
    detail::orient_rings(entry.metres);
    entry.box = geo::bounds(entry.metres);
    entry.vertices = geo::vertex_count(entry.metres);
    return entry;
}

void require_lonlat(std::string_view code, const geo::MultiPolygon& geometry) {
    for (const geo::Polygon& polygon : geometry.polygons) {
        for (const geo::Ring& ring : polygon.rings) {
            for (const geo::Point& p : ring) {
                if (!std::isfinite(p.x) || !std::isfinite(p.y) || std::abs(p.x) > 180 || std::abs(p.y) > 90) {
                    throw InputError("grid " + std::string(code) + " has a coordinate that is not longitude/latitude");
                }
            }
        }
    }
}

bool mentions(const Violation& v, std::string_view code) {
    return std::find(v.grids.begin(), v.grids.end(), code) != v.grids.end();
}

}  // namespace

SharedWorkers::SharedWorkers(const geo::Box& lonlat_extent)
    : pool_(std::make_shared<detail::WorkerPool>(lonlat_extent)) {
    // Made now, so that the first validation does not pay for it.
    (void)pool_->take(1);
}

Validator::Validator(std::vector<model::Grid> layout, Options options, std::vector<model::Grid> parents)
    : Validator(std::move(layout), std::move(options), std::move(parents), nullptr) {}

Validator::Validator(std::vector<model::Grid> layout, Options options, const SharedWorkers& workers)
    : Validator(std::move(layout), std::move(options), {}, workers.pool_) {}

Validator::Validator(std::vector<model::Grid> layout, Options options, std::vector<model::Grid> parents,
                     std::shared_ptr<detail::WorkerPool> pool)
    : impl_(std::make_unique<Impl>()) {
    Impl& impl = *impl_;
    impl.options = std::move(options);
    impl.layout_size = layout.size();
    impl.grids = std::move(layout);
    impl.grids.insert(impl.grids.end(), std::make_move_iterator(parents.begin()), std::make_move_iterator(parents.end()));
    for (const model::Grid& grid : impl.grids) {
        require_lonlat(grid.code, grid.geometry);
        impl.extent.expand(geo::bounds(grid.geometry));
    }
    impl.pool = pool ? std::move(pool) : std::make_shared<WorkerPool>(impl.extent);
    impl.entries.resize(impl.grids.size());
    if (!impl.extent.empty()) {
        WorkerPool::Lease lease = impl.workers(impl.grids.size());
        detail::parallel_for(impl.grids.size(), lease.workers(), [&impl](Worker& worker, std::size_t i) {
            impl.entries[i] = project(impl.grids[i], worker.projection);
        });
    }
    for (std::size_t i = 0; i < impl.grids.size(); ++i) {
        const model::Grid& grid = *impl.entries[i].grid;
        impl.index_of.try_emplace(grid.code, i);
        if (i >= impl.layout_size) continue;
        impl.vertex_count += impl.entries[i].vertices;
        (grid.dedicated() ? impl.dedicated_children : impl.children)[grid.parent_code].push_back(i);
        impl.level_members[grid.level].push_back(i);
    }
    impl.attributes.emplace(std::span(impl.grids).first(impl.layout_size), std::span(impl.grids).subspan(impl.layout_size),
                            impl.options);
    for (const auto& [level, members] : impl.level_members) {
        std::vector<geo::Box> boxes;
        boxes.reserve(members.size());
        for (std::size_t m : members) boxes.push_back(impl.entries[m].box);
        impl.level_trees.emplace(level, geo::PackedRTree(boxes));
    }
}

Validator::~Validator() = default;
Validator::Validator(Validator&&) noexcept = default;
Validator& Validator::operator=(Validator&&) noexcept = default;

std::size_t Validator::grid_count() const noexcept { return impl_->layout_size; }
std::size_t Validator::vertex_count() const noexcept { return impl_->vertex_count; }

Report Validator::validate_all(const Progress& progress) const {
    const auto started = std::chrono::steady_clock::now();
    const Impl& impl = *impl_;
    Report report;
    report.grids = impl.layout_size;
    report.violations = impl.attributes->check_all();
    if (impl.extent.empty()) return report;

    // Candidate pairs: same level, boxes within the edge tolerance.
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    for (const auto& [level, members] : impl.level_members) {
        const geo::PackedRTree& tree = impl.level_trees.at(level);
        for (std::size_t k = 0; k < members.size(); ++k) {
            tree.query(widened(impl.entries[members[k]].box, impl.options.edge_tolerance_m), [&](std::size_t other) {
                if (other > k) pairs.emplace_back(members[k], members[other]);
                return true;
            });
        }
    }
    std::vector<std::pair<const std::string*, const std::vector<std::size_t>*>> groups;
    for (const auto& [parent, members] : impl.children) groups.emplace_back(&parent, &members);
    std::vector<std::pair<const std::string*, const std::vector<std::size_t>*>> dedicated_groups;
    for (const auto& [parent, members] : impl.dedicated_children) dedicated_groups.emplace_back(&parent, &members);

    const std::size_t total = impl.grids.size() + pairs.size() + groups.size() + dedicated_groups.size();
    std::size_t finished_phases = 0;
    const std::function<void(std::size_t)> step = [&](std::size_t done) {
        if (progress) progress(finished_phases + done, total);
    };
    WorkerPool::Lease lease = impl.workers(total);
    std::vector<Worker>& workers = lease.workers();
    Scope scope(impl, nullptr, 0);

    std::vector<std::optional<Violation>> invalid(impl.grids.size());
    detail::parallel_for(
        impl.grids.size(), workers,
        [&](Worker& worker, std::size_t i) { invalid[i] = check_validity(worker, scope, i); }, step);
    for (std::size_t i = 0; i < impl.layout_size; ++i) {
        if (invalid[i]) report.violations.push_back(std::move(*invalid[i]));
    }
    finished_phases += impl.grids.size();

    std::vector<PairOutcome> outcomes(pairs.size());
    detail::parallel_for(
        pairs.size(), workers,
        [&](Worker& worker, std::size_t p) { outcomes[p] = check_pair(worker, scope, pairs[p].first, pairs[p].second); },
        step);
    finished_phases += pairs.size();
    std::map<std::string_view, bool> clean;  // per parent code: no overlap proven impossible, all valid
    for (const auto& [parent, members] : impl.children) {
        clean[parent] = std::all_of(members.begin(), members.end(), [&](std::size_t m) { return scope.valid(m); });
    }
    for (std::size_t p = 0; p < pairs.size(); ++p) {
        const model::Grid& a = *impl.entries[pairs[p].first].grid;
        if (!outcomes[p].interiors_apart && !a.dedicated() &&
            a.parent_code == impl.entries[pairs[p].second].grid->parent_code) {
            clean[a.parent_code] = false;
        }
        for (Violation& v : outcomes[p].violations) report.violations.push_back(std::move(v));
    }

    std::vector<std::vector<Violation>> coverage(groups.size());
    detail::parallel_for(
        groups.size(), workers,
        [&](Worker& worker, std::size_t g) {
            coverage[g] = check_coverage(worker, scope, *groups[g].first, *groups[g].second, clean[*groups[g].first],
                                         nullptr);
        },
        step);
    finished_phases += groups.size();
    coverage.resize(groups.size() + dedicated_groups.size());
    detail::parallel_for(
        dedicated_groups.size(), workers,
        [&](Worker& worker, std::size_t g) {
            coverage[groups.size() + g] =
                check_dedicated(worker, scope, *dedicated_groups[g].first, *dedicated_groups[g].second);
        },
        step);
    for (std::vector<Violation>& list : coverage) {
        for (Violation& v : list) report.violations.push_back(std::move(v));
    }
    sort_violations(report.violations);
    report.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return report;
}

Report Validator::validate_grid(std::string_view code, const geo::MultiPolygon& lonlat) const {
    const auto started = std::chrono::steady_clock::now();
    const Impl& impl = *impl_;
    const auto found = impl.index_of.find(std::string(code));
    if (found == impl.index_of.end() || found->second >= impl.layout_size) {
        throw InputError("no grid with code " + std::string(code) + " in the layout");
    }
    const std::size_t index = found->second;
    require_lonlat(code, lonlat);
    model::Grid edited_grid = impl.grids[index];
    edited_grid.geometry = lonlat;
    WorkerPool::Lease lease = impl.workers(1);
    Worker& worker = lease.workers().front();
    const Entry edited = project(edited_grid, worker.projection);
    Scope scope(impl, &edited, index);

    Report report;
    report.grids = impl.layout_size;
    for (Violation& v : impl.attributes->check_one(index)) {
        // Rules about the edited grid alone show its new border; those over
        // several grids (duplicates, split compounds, a community) keep theirs.
        const bool shared = v.rule == rule::duplicate_code || v.rule == rule::compound_split ||
                            v.rule == rule::community_households;
        if (!shared) v.geometry = lonlat.empty() ? nlohmann::json() : geo::to_geojson(lonlat);
        report.violations.push_back(std::move(v));
    }
    if (auto invalid = check_validity(worker, scope, index)) report.violations.push_back(std::move(*invalid));

    const auto level = impl.level_members.find(edited_grid.level);
    const std::vector<std::size_t>& members = level->second;
    impl.level_trees.at(edited_grid.level)
        .query(widened(edited.box, impl.options.edge_tolerance_m), [&](std::size_t k) {
            if (members[k] == index) return true;
            for (Violation& v : check_pair(worker, scope, index, members[k]).violations) {
                report.violations.push_back(std::move(v));
            }
            return true;
        });

    const double reach = std::max(edited.box.max_x - edited.box.min_x, edited.box.max_y - edited.box.min_y);
    const Focus focus{widened(edited.box, reach)};
    std::vector<Violation> coverage =
        edited_grid.dedicated()
            ? check_dedicated(worker, scope, edited_grid.parent_code, {index})
            : check_coverage(worker, scope, edited_grid.parent_code, impl.children.at(edited_grid.parent_code), false,
                             &focus);
    if (const auto own_children = impl.children.find(edited_grid.code); own_children != impl.children.end()) {
        for (Violation& v : check_coverage(worker, scope, edited_grid.code, own_children->second, false, nullptr)) {
            coverage.push_back(std::move(v));
        }
    }
    for (Violation& v : coverage) {
        if (mentions(v, code)) report.violations.push_back(std::move(v));
    }
    sort_violations(report.violations);
    report.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return report;
}

Report validate(std::vector<model::Grid> layout, const Options& options, std::vector<model::Grid> parents) {
    return Validator(std::move(layout), options, std::move(parents)).validate_all();
}

}  // namespace wangge::rules
