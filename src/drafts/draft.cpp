#include "wangge/drafts/draft.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <numbers>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "wangge/geo/geos.hpp"

namespace wangge::drafts {

namespace {

namespace geos = geo::geos;

/// Degrees spanning at least `metres` in both directions at latitude `lat`;
/// the draft stays in lon/lat so untouched neighbours keep their exact vertices.
double degrees_for_metres(double metres, double lat) {
    constexpr double metres_per_degree = 111'320.0;
    const double cos_lat = std::max(0.01, std::cos(lat * std::numbers::pi / 180.0));
    return metres / (metres_per_degree * cos_lat);
}

/// A line drawn on the map passes this close to a border's vertex when the
/// planner meant it to go through: a few pixels at street zoom.
constexpr double line_snap_m = 2.0;

/// The pieces of `area` that `line` cuts it into: the faces of the noded
/// linework (area border + line) lying inside the area. Dangling line ends
/// outside the area form no face and drop out. The line first snaps to the
/// border's vertices within max(line_snap_m, `tolerance_m`): a line drawn just
/// past a junction goes through it, instead of leaving a new vertex within
/// the edge tolerance of the grid across the junction (an edge_mismatch).
std::vector<geo::Polygon> cut(geos::Context& context, const geos::Geometry& area, std::span<const geo::Point> line,
                              double tolerance_m) {
    if (line.size() < 2) throw EditError("a cutting line needs at least two points", "分割线至少需要两个点");
    const geo::Box box = area.box();
    const geos::Geometry border = area.boundary();
    const double snap_m = std::max(line_snap_m, tolerance_m);
    const geos::Geometry snapped =
        context.line(line).snap_to(border, degrees_for_metres(snap_m, (box.min_y + box.max_y) / 2.0));
    const geos::Geometry linework = border.union_with(snapped);
    std::vector<geo::Polygon> pieces;
    for (geo::Polygon& face : context.polygonize(linework).polygons().polygons) {
        const geos::Geometry face_geometry = context.polygon(face);
        if (area.intersects(face_geometry.point_on_surface())) pieces.push_back(std::move(face));
    }
    return pieces;
}

/// Refuses cutting off a sliver: a piece no disc `width_m` across fits in.
/// Its sides would lie within the edge tolerance of each other, so the grids
/// on either side would meet almost but not exactly (edge_mismatch).
void require_width(geos::Context& context, const std::vector<geo::Polygon>& pieces, double width_m) {
    constexpr double metres_per_degree = 111'320.0;
    for (const geo::Polygon& piece : pieces) {
        // In metres (equirectangular about the piece: it is a few hundred metres at most).
        geo::Polygon local = piece;
        const geo::Box box = geo::bounds(piece);
        const double cos_lat = std::cos((box.min_y + box.max_y) / 2.0 * std::numbers::pi / 180.0);
        for (geo::Ring& ring : local.rings) {
            for (geo::Point& p : ring) p = {(p.x - box.min_x) * metres_per_degree * cos_lat, (p.y - box.min_y) * metres_per_degree};
        }
        if (context.polygon(local).buffer(-width_m / 2.0, 2).empty()) {
            char width[32];
            std::snprintf(width, sizeof width, "%g", width_m);
            throw EditError(std::string("the line cuts off a sliver narrower than ") + width + " m",
                            std::string("分割线切出的部分过窄（不足 ") + width + " 米），请让线离开已有边界或穿过边界的拐点");
        }
    }
}

geo::MultiPolygon union_of(geos::Context& context, std::vector<geo::Polygon> pieces) {
    if (pieces.size() == 1) return geo::MultiPolygon{std::move(pieces)};
    std::vector<geos::Geometry> parts;
    for (const geo::Polygon& piece : pieces) parts.push_back(context.polygon(piece));
    return context.union_all(std::move(parts)).polygons();
}

/// Refuses grids that are not neighbours under one parent (move-border, merge).
void require_neighbours(const model::Grid& a, const model::Grid& b, const geos::Geometry& geometry_a,
                        const geos::Geometry& geometry_b) {
    if (a.parent_code != b.parent_code || a.level != b.level) {
        throw EditError("grids " + a.code + " and " + b.code + " do not share a parent",
                        "网格 " + a.code + " 与 " + b.code + " 不属于同一上级，只能合并或调整同一社区内的相邻网格");
    }
    if (geometry_a.boundary().intersection(geometry_b.boundary()).length() <= 0.0) {
        throw EditError("grids " + a.code + " and " + b.code + " share no border",
                        "网格 " + a.code + " 与 " + b.code + " 没有共用边界");
    }
}

/// A grid to number, with the point that places it on the map.
struct Child {
    geo::Point inside;
    double height = 0.0;
    const model::Grid* grid = nullptr;
};

/// Reading order on the map: west→east along a row, then the next row to the
/// south. Rows are as tall as the children are on average, counted from the
/// northernmost interior point, so grids of one row whose interior points
/// differ a little in latitude stay in it.
void sort_reading_order(std::vector<Child>& children) {
    double top = -std::numeric_limits<double>::infinity();
    double height = 0.0;
    for (const Child& child : children) {
        top = std::max(top, child.inside.y);
        height += child.height;
    }
    height /= static_cast<double>(children.size());
    const auto row = [&](const Child& child) {
        return height > 0.0 ? std::lround((top - child.inside.y) / height) : 0L;
    };
    std::sort(children.begin(), children.end(), [&](const Child& l, const Child& r) {
        return std::tuple(row(l), l.inside.x, l.grid->code) < std::tuple(row(r), r.inside.x, r.grid->code);
    });
}

std::string violation_key(const rules::Violation& v) {
    std::string key = v.rule + '|' + v.message;
    for (const std::string& code : v.grids) key += '|' + code;
    return key;
}

}  // namespace

int layout_version(std::span<const model::Grid* const> grids) noexcept {
    int version = 0;
    for (const model::Grid* grid : grids) version = std::max(version, grid->version);
    return version;
}

namespace {

std::vector<geo::Box> boxes_of(const std::vector<model::Grid>& grids) {
    std::vector<geo::Box> boxes;
    boxes.reserve(grids.size());
    for (const model::Grid& grid : grids) boxes.push_back(geo::bounds(grid.geometry));
    return boxes;
}

/// `box` grown by at least `metres` in every direction.
geo::Box widened_by_metres(const geo::Box& box, double metres) {
    const double d = degrees_for_metres(metres, (box.min_y + box.max_y) / 2.0);
    return geo::Box{box.min_x - d, box.min_y - d, box.max_x + d, box.max_y + d};
}

/// Whether `p` lies on segment a–b, between its ends and off them, within `tolerance`.
bool inside_segment(const geo::Point& p, const geo::Point& a, const geo::Point& b, double tolerance) {
    if (p == a || p == b) return false;
    const double dx = b.x - a.x;
    const double dy = b.y - a.y;
    const double length2 = dx * dx + dy * dy;
    if (length2 == 0.0) return false;
    const double t = ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2;
    if (t <= 0.0 || t >= 1.0) return false;
    return std::hypot(a.x + t * dx - p.x, a.y + t * dy - p.y) <= tolerance;
}

/// Inserts into the rings of `geometry` each of `points` that lies on one of
/// its segments without being a vertex; returns whether any was inserted.
bool insert_vertices(geo::MultiPolygon& geometry, const std::vector<geo::Point>& points, double tolerance) {
    bool inserted = false;
    for (geo::Polygon& polygon : geometry.polygons) {
        for (geo::Ring& ring : polygon.rings) {
            if (ring.size() < 2) continue;
            geo::Ring out;
            out.reserve(ring.size());
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                out.push_back(ring[i]);
                std::vector<std::pair<double, geo::Point>> on;  // (distance from ring[i], point)
                for (const geo::Point& p : points) {
                    if (inside_segment(p, ring[i], ring[i + 1], tolerance)) {
                        on.emplace_back(std::hypot(p.x - ring[i].x, p.y - ring[i].y), p);
                    }
                }
                std::sort(on.begin(), on.end(), [](const auto& l, const auto& r) { return l.first < r.first; });
                for (const auto& [distance, p] : on) {
                    if (out.back() != p) out.push_back(p);
                }
            }
            out.push_back(ring.back());
            if (out.size() != ring.size()) {
                ring = std::move(out);
                inserted = true;
            }
        }
    }
    return inserted;
}

/// A point this close to a neighbour's segment (about 0.1 mm) is on it: where
/// overlay cut the segment, up to rounding.
constexpr double on_border_degrees = 1e-9;

/// Above this many changed grids, checking each against its neighbourhood
/// costs more than validating the whole draft once (a renumbering, say).
constexpr std::size_t max_incremental_checks = 200;

}  // namespace

BaseLayout::BaseLayout(std::vector<model::Grid> grids, int version)
    : grids_(std::move(grids)), version_(version), tree_(boxes_of(grids_)) {
    for (std::size_t i = 0; i < grids_.size(); ++i) {
        index_of_.try_emplace(grids_[i].code, i);
        if (!grids_[i].parent_code.empty()) children_[grids_[i].parent_code].push_back(i);
    }
    if (!tree_.bounds().empty()) workers_.emplace(tree_.bounds());
}

const model::Grid* BaseLayout::find(std::string_view code) const {
    const auto it = index_of_.find(code);
    return it == index_of_.end() ? nullptr : &grids_[it->second];
}

std::span<const std::size_t> BaseLayout::children(const std::string& code) const {
    const auto it = children_.find(code);
    return it == children_.end() ? std::span<const std::size_t>() : std::span<const std::size_t>(it->second);
}

Draft::Draft(std::shared_ptr<const BaseLayout> base, rules::Options options,
             std::shared_ptr<const GridFacts> facts)
    : base_(std::move(base)), options_(std::move(options)), facts_(std::move(facts)) {}

Draft::Draft(std::vector<model::Grid> grids, int base_version, rules::Options options,
             std::shared_ptr<const GridFacts> facts)
    : Draft(std::make_shared<const BaseLayout>(std::move(grids), base_version), std::move(options),
            std::move(facts)) {}

std::vector<model::Grid> Draft::grids() const {
    std::vector<model::Grid> out;
    out.reserve(size());
    for (const model::Grid& grid : base_->grids()) {
        if (const model::Grid* current = find(grid.code); current != nullptr) out.push_back(*current);
    }
    for (const auto& [code, grid] : changed_) {
        if (base_->find(code) == nullptr) out.push_back(grid);
    }
    return out;
}

std::size_t Draft::size() const noexcept {
    std::size_t added = 0;
    for (const auto& [code, grid] : changed_) added += base_->find(code) == nullptr ? 1 : 0;
    return base_->grids().size() - deleted_.size() + added;
}

const model::Grid* Draft::find(std::string_view code) const {
    if (const auto it = changed_.find(code); it != changed_.end()) return &it->second;
    if (deleted_.contains(code)) return nullptr;
    return base_->find(code);
}

const model::Grid& Draft::grid(std::string_view code) const {
    const model::Grid* found = find(code);
    if (found == nullptr) throw EditError("no grid " + std::string(code) + " in the draft", "草案中没有网格 " + std::string(code));
    return *found;
}

model::Grid& Draft::edit(std::string_view code) {
    if (const auto it = changed_.find(code); it != changed_.end()) return it->second;
    model::Grid copy = grid(code);
    const std::string key = copy.code;
    put(std::move(copy));
    return changed_.find(key)->second;
}

void Draft::put(model::Grid grid) {
    deleted_.erase(grid.code);
    std::string code = grid.code;
    changed_.insert_or_assign(std::move(code), std::move(grid));
}

void Draft::drop(const std::string& code) {
    changed_.erase(code);
    if (base_->find(code) != nullptr) deleted_.insert(code);
}

std::vector<const model::Grid*> Draft::children(const std::string& code) const {
    std::vector<const model::Grid*> out;
    for (const std::size_t i : base_->children(code)) {
        const std::string& child = base_->grids()[i].code;
        if (!changed_.contains(child) && !deleted_.contains(child)) out.push_back(&base_->grids()[i]);
    }
    for (const auto& [child, grid] : changed_) {
        if (grid.parent_code == code) out.push_back(&grid);
    }
    return out;
}

void Draft::near(const geo::Box& box, const std::function<void(const model::Grid&)>& visit) const {
    base_->near(box, [&](const model::Grid& grid) {
        if (!changed_.contains(grid.code) && !deleted_.contains(grid.code)) visit(grid);
    });
    for (const auto& [code, grid] : changed_) {
        if (geo::bounds(grid.geometry).intersects(box)) visit(grid);
    }
}

std::vector<std::string> Draft::share_vertices(const std::vector<std::string>& edited) {
    std::vector<std::string> touched;
    for (const std::string& code : edited) {
        const model::Grid* grid = find(code);
        if (grid == nullptr) continue;
        std::vector<geo::Point> points;
        for (const geo::Polygon& polygon : grid->geometry.polygons) {
            for (const geo::Ring& ring : polygon.rings) points.insert(points.end(), ring.begin(), ring.end());
        }
        const geo::Box box = geo::bounds(grid->geometry);
        const geo::Box reach{box.min_x - on_border_degrees, box.min_y - on_border_degrees,
                             box.max_x + on_border_degrees, box.max_y + on_border_degrees};
        // Every level: a cut point on the outline of a community lies on the
        // community's ring (and perhaps the street's) as well as on the
        // neighbouring grids', and each ring through it must carry it, or
        // the parent's coverage and the communities' borders stop matching
        // vertex for vertex.
        std::vector<std::string> neighbours;
        near(reach, [&](const model::Grid& other) {
            if (std::find(edited.begin(), edited.end(), other.code) == edited.end()) neighbours.push_back(other.code);
        });
        for (const std::string& neighbour : neighbours) {
            geo::MultiPolygon geometry = this->grid(neighbour).geometry;
            if (!insert_vertices(geometry, points, on_border_degrees)) continue;
            edit(neighbour).geometry = std::move(geometry);
            if (std::find(touched.begin(), touched.end(), neighbour) == touched.end()) touched.push_back(neighbour);
        }
    }
    return touched;
}

namespace {

/// Gives grid `code` the households of `tally` in the rule options
/// (households, residents and buildings must be set).
void set_tally(rules::Options& options, const std::string& code, GridFacts::Tally tally) {
    (*options.households)[code] = tally.households;
    (*options.residents)[code] = tally.residents;
    (*options.buildings)[code] = std::move(tally.buildings);
}

}  // namespace

rules::Report Draft::check(const std::vector<std::string>& codes, const model::Grid* candidate) const {
    // The neighbourhood validate_grid looks at: same-level grids within its
    // focus window (the grid's box grown by its larger side), the parent and
    // all its children (the parent's coverage), and the grid's own children.
    std::map<std::string_view, const model::Grid*> local;
    const auto take = [&local](const model::Grid* grid) {
        if (grid != nullptr) local.emplace(grid->code, grid);
    };
    std::vector<const model::Grid*> checked;
    for (const std::string& code : codes) {
        const model::Grid* grid = find(code);
        if (grid == nullptr || std::find(checked.begin(), checked.end(), grid) != checked.end()) continue;
        checked.push_back(grid);
        take(grid);
        geo::Box box = geo::bounds(grid->geometry);
        // A candidate may reach grids the current geometry does not.
        if (candidate != nullptr && candidate->code == grid->code) box.expand(geo::bounds(candidate->geometry));
        if (!box.empty()) {
            const double lat = (box.min_y + box.max_y) / 2.0;
            const double metres_per_degree = 111'320.0;
            const double reach_m = std::max((box.max_x - box.min_x) * metres_per_degree *
                                                 std::cos(lat * std::numbers::pi / 180.0),
                                             (box.max_y - box.min_y) * metres_per_degree);
            near(widened_by_metres(box, reach_m + options_.edge_tolerance_m + 1.0), [&](const model::Grid& other) {
                if (other.level == grid->level) take(&other);
            });
        }
        if (!grid->parent_code.empty()) {
            take(find(grid->parent_code));
            for (const model::Grid* sibling : children(grid->parent_code)) take(sibling);
        }
        for (const model::Grid* child : children(grid->code)) take(child);
    }
    rules::Report report;
    report.grids = size();
    if (checked.empty()) return report;
    std::vector<model::Grid> layout;
    layout.reserve(local.size());
    for (const auto& [code, grid] : local) layout.push_back(*grid);
    if (candidate != nullptr) {
        // Saving the candidate would share its vertices with the grids
        // whose borders they lie on (share_vertices); so does the check.
        std::vector<geo::Point> points;
        for (const geo::Polygon& polygon : candidate->geometry.polygons) {
            for (const geo::Ring& ring : polygon.rings) points.insert(points.end(), ring.begin(), ring.end());
        }
        for (model::Grid& grid : layout) {
            if (grid.code != candidate->code) (void)insert_vertices(grid.geometry, points, on_border_degrees);
        }
    }
    rules::Options options = with_live_facts(options_, layout);
    // The candidate's households are those inside the border it would have.
    if (candidate != nullptr && facts_ && options.households) {
        set_tally(options, candidate->code, facts_->inside(candidate->geometry));
    }
    options.threads = 1;  // a neighbourhood is a few dozen grids
    const rules::Validator validator = base_->workers()
                                           ? rules::Validator(std::move(layout), options, *base_->workers())
                                           : rules::Validator(std::move(layout), options);
    std::set<std::string> seen_violations;
    for (const model::Grid* grid : checked) {
        const bool as_candidate = candidate != nullptr && candidate->code == grid->code;
        for (rules::Violation& v :
             validator.validate_grid(grid->code, as_candidate ? candidate->geometry : grid->geometry).violations) {
            if (seen_violations.insert(violation_key(v)).second) report.violations.push_back(std::move(v));
        }
    }
    rules::sort_violations(report.violations);
    return report;
}

EditResult Draft::result(std::vector<std::string> changed, std::vector<std::string> removed) const {
    const auto started = std::chrono::steady_clock::now();
    EditResult out;
    out.report = check(changed);
    out.changed = std::move(changed);
    out.removed = std::move(removed);
    out.report.elapsed_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return out;
}

EditResult Draft::refuse_new_near_misses(EditResult edit, std::map<std::string, model::Grid, std::less<>> changed_before,
                                         std::set<std::string, std::less<>> deleted_before) {
    const auto near_misses = [](const rules::Report& report) {
        std::set<std::pair<std::string, std::string>> pairs;
        for (const rules::Violation& v : report.violations) {
            if (v.rule == rules::rule::edge_mismatch) pairs.emplace(v.grids.front(), v.grids.back());
        }
        return pairs;
    };
    const std::set<std::pair<std::string, std::string>> after = near_misses(edit.report);
    if (after.empty()) return edit;
    // The draft as it was, to see which of these pairs already missed.
    std::swap(changed_, changed_before);
    std::swap(deleted_, deleted_before);
    std::vector<std::string> existed;
    for (const std::string& code : edit.changed) {
        if (contains(code)) existed.push_back(code);
    }
    const std::set<std::pair<std::string, std::string>> before = near_misses(check(existed));
    for (const auto& [first, second] : after) {
        if (before.contains({first, second})) continue;
        char tolerance[32];
        std::snprintf(tolerance, sizeof tolerance, "%g", options_.edge_tolerance_m);
        throw EditError("the new border would bring grids " + first + " and " + second + " within " + tolerance +
                            " m of each other without sharing vertices",
                        "新边界会使网格 " + first + " 与 " + second + " 的边界相距不足 " + tolerance +
                            " 米却不共用顶点（将形成狭缝），请让线穿过已有拐点，或离已有边界远一些");
    }
    std::swap(changed_, changed_before);
    std::swap(deleted_, deleted_before);
    return edit;
}

EditResult Draft::replace_geometry(std::string_view code, geo::MultiPolygon geometry) {
    if (geometry.empty()) throw EditError("grid " + std::string(code) + ": the geometry is empty", "网格 " + std::string(code) + " 的边界为空");
    model::Grid& g = edit(code);
    g.geometry = std::move(geometry);
    return result({g.code});
}

EditResult Draft::add(model::Grid grid) {
    if (grid.code.empty()) throw EditError("a new grid needs a code", "新网格需要编码");
    if (grid.geometry.empty()) throw EditError("grid " + grid.code + ": the geometry is empty", "网格 " + grid.code + " 的边界为空");
    if (contains(grid.code)) throw EditError("grid code " + grid.code + " is already in the draft", "网格编码 " + grid.code + " 已被占用");
    grid.valid_to.reset();
    std::string code = grid.code;
    put(std::move(grid));
    return result({std::move(code)});
}

EditResult Draft::remove(std::string_view code) {
    const model::Grid& removed_grid = grid(code);
    std::string removed = removed_grid.code;
    if (!children(removed).empty()) {
        throw EditError("grid " + removed + " still has children; remove or move them first",
                        "网格 " + removed + " 仍有下级网格，请先删除或移走下级网格");
    }
    std::string parent = removed_grid.parent_code;
    drop(removed);
    // The parent's coverage is what a removal breaks, so that is what to show.
    std::vector<std::string> touched;
    if (!parent.empty()) touched.push_back(std::move(parent));
    return result(std::move(touched), {std::move(removed)});
}

EditResult Draft::rename(std::string_view code, std::string name) {
    if (name.empty()) throw EditError("grid " + std::string(code) + ": the name is empty", "网格名称不能为空");
    model::Grid& g = edit(code);
    g.name = std::move(name);
    return result({g.code});
}

EditResult Draft::set_purpose(std::string_view code, std::string purpose) {
    if (!grid(code).dedicated()) {
        throw EditError("grid " + std::string(code) + " is no dedicated grid: only those have a purpose",
                        "只有专属网格才有专属类型");
    }
    model::Grid& g = edit(code);
    g.purpose = std::move(purpose);
    return result({g.code});
}

EditResult Draft::reparent(std::string_view code, std::string parent_code) {
    if (parent_code == code) throw EditError("grid " + std::string(code) + " cannot be its own parent", "网格不能以自身为上级");
    model::Grid& g = edit(code);
    std::vector<std::string> touched{g.code};
    if (!g.parent_code.empty()) touched.push_back(g.parent_code);
    g.parent_code = std::move(parent_code);
    return result(std::move(touched));
}

EditResult Draft::move_border(std::string_view a, std::string_view b, std::span<const geo::Point> line) {
    if (a == b) throw EditError("move-border needs two different grids", "调整共用边界需要两个不同的网格");
    const model::Grid& grid_a = grid(a);
    const model::Grid& grid_b = grid(b);
    geos::Context context;
    const geos::Geometry geometry_a = context.multipolygon(grid_a.geometry);
    const geos::Geometry geometry_b = context.multipolygon(grid_b.geometry);
    require_neighbours(grid_a, grid_b, geometry_a, geometry_b);
    const std::vector<geo::Polygon> pieces =
        cut(context, geometry_a.union_with(geometry_b), line, options_.edge_tolerance_m);
    if (pieces.size() < 2) throw EditError("the new border does not cross the two grids from border to border",
                        "新边界线须从两个网格的外边界一端画到另一端");
    require_width(context, pieces, options_.edge_tolerance_m);
    std::vector<geo::Polygon> pieces_a;
    std::vector<geo::Polygon> pieces_b;
    for (const geo::Polygon& piece : pieces) {
        const geos::Geometry piece_geometry = context.polygon(piece);
        const double in_a = piece_geometry.intersection(geometry_a).area();
        const double in_b = piece_geometry.intersection(geometry_b).area();
        (in_a >= in_b ? pieces_a : pieces_b).push_back(piece);
    }
    if (pieces_a.empty() || pieces_b.empty()) {
        const std::string& emptied = pieces_a.empty() ? grid_a.code : grid_b.code;
        throw EditError("the new border leaves grid " + emptied + " no area", "新边界使网格 " + emptied + " 没有剩余面积");
    }
    geo::MultiPolygon new_a = union_of(context, std::move(pieces_a));
    geo::MultiPolygon new_b = union_of(context, std::move(pieces_b));
    auto changed_before = changed_;
    auto deleted_before = deleted_;
    model::Grid& edited_a = edit(a);
    edited_a.geometry = std::move(new_a);
    model::Grid& edited_b = edit(b);
    edited_b.geometry = std::move(new_b);
    std::vector<std::string> changed{edited_a.code, edited_b.code};
    for (std::string& neighbour : share_vertices(changed)) changed.push_back(std::move(neighbour));
    return refuse_new_near_misses(result(std::move(changed)), std::move(changed_before), std::move(deleted_before));
}

EditResult Draft::split(std::string_view code, std::span<const geo::Point> line, std::string new_code,
                        std::string new_name) {
    if (new_code.empty()) throw EditError("split needs a code for the new grid", "拆分需要为新网格指定编码");
    if (contains(new_code)) throw EditError("grid code " + new_code + " is already in the draft", "网格编码 " + new_code + " 已被占用");
    const model::Grid& original = grid(code);
    geos::Context context;
    std::vector<geo::Polygon> pieces =
        cut(context, context.multipolygon(original.geometry), line, options_.edge_tolerance_m);
    if (pieces.size() != 2) {
        throw EditError("the line must cut grid " + original.code + " into exactly two parts, not " +
                            std::to_string(pieces.size()),
                        "分割线须把网格 " + original.code + " 恰好分成两块（现为 " + std::to_string(pieces.size()) + " 块）");
    }
    require_width(context, pieces, options_.edge_tolerance_m);
    if (context.polygon(pieces[0]).area() < context.polygon(pieces[1]).area()) std::swap(pieces[0], pieces[1]);
    auto changed_before = changed_;
    auto deleted_before = deleted_;
    model::Grid part = original;
    part.code = std::move(new_code);
    part.name = new_name.empty() ? original.name + "（拆分）" : std::move(new_name);
    part.geometry = geo::MultiPolygon{{std::move(pieces[1])}};
    model::Grid& kept = edit(code);
    kept.geometry = geo::MultiPolygon{{std::move(pieces[0])}};
    std::vector<std::string> changed{kept.code, part.code};
    put(std::move(part));
    // The cut points on the outline are on the neighbours' borders too.
    for (std::string& neighbour : share_vertices(changed)) changed.push_back(std::move(neighbour));
    return refuse_new_near_misses(result(std::move(changed)), std::move(changed_before), std::move(deleted_before));
}

EditResult Draft::merge(std::string_view keep, std::string_view absorb) {
    if (keep == absorb) throw EditError("merge needs two different grids", "合并需要两个不同的网格");
    const model::Grid& kept = grid(keep);
    const model::Grid& absorbed = grid(absorb);
    geos::Context context;
    const geos::Geometry geometry_keep = context.multipolygon(kept.geometry);
    const geos::Geometry geometry_absorb = context.multipolygon(absorbed.geometry);
    require_neighbours(kept, absorbed, geometry_keep, geometry_absorb);
    geo::MultiPolygon united = geometry_keep.union_with(geometry_absorb).polygons();
    std::string removed = absorbed.code;
    std::vector<std::string> moved_children;
    for (const model::Grid* child : children(removed)) moved_children.push_back(child->code);
    model::Grid& edited = edit(keep);
    edited.geometry = std::move(united);
    std::vector<std::string> changed{edited.code};
    for (const std::string& child : moved_children) {
        edit(child).parent_code = std::string(keep);
        changed.push_back(child);
    }
    drop(removed);
    return result(std::move(changed), {std::move(removed)});
}

EditResult Draft::move_vertex(const geo::Point& from, const geo::Point& to) {
    if (!std::isfinite(to.x) || !std::isfinite(to.y) || std::abs(to.x) > 180.0 || std::abs(to.y) > 90.0) {
        throw EditError("the vertex's new position is not a longitude/latitude", "顶点的新位置不是有效的经纬度");
    }
    const geo::Box reach{from.x - on_border_degrees, from.y - on_border_degrees, from.x + on_border_degrees,
                         from.y + on_border_degrees};
    std::vector<std::pair<std::string, geo::MultiPolygon>> moved;
    near(reach, [&](const model::Grid& other) {
        geo::MultiPolygon geometry = other.geometry;
        // A ring passing through `from` between its vertices gets it as a vertex first.
        (void)insert_vertices(geometry, {from}, on_border_degrees);
        bool changed = false;
        for (geo::Polygon& polygon : geometry.polygons) {
            for (geo::Ring& ring : polygon.rings) {
                for (geo::Point& p : ring) {
                    if (std::abs(p.x - from.x) <= on_border_degrees && std::abs(p.y - from.y) <= on_border_degrees) {
                        p = to;
                        changed = true;
                    }
                }
            }
        }
        if (changed) moved.emplace_back(other.code, std::move(geometry));
    });
    if (moved.empty()) {
        throw EditError("no grid has a vertex or border at the point to move", "所选位置不在任何网格的边界上");
    }
    if (from == to) return result({});
    std::vector<std::string> changed;
    for (auto& [code, geometry] : moved) {
        edit(code).geometry = std::move(geometry);
        changed.push_back(code);
    }
    // The new position may lie on a border that does not pass through it yet.
    for (std::string& neighbour : share_vertices(changed)) changed.push_back(std::move(neighbour));
    return result(std::move(changed));
}

geo::MultiPolygon Draft::snapped(std::string_view code, const geo::MultiPolygon& drawn, double tolerance_m) const {
    if (!(tolerance_m > 0.0 && tolerance_m <= 100.0)) throw EditError("snap tolerance must be in (0, 100] metres", "吸附距离须大于 0 米且不超过 100 米");
    if (drawn.empty()) throw EditError("grid " + std::string(code) + ": the drawn geometry is empty", "所画边界为空");
    const model::Grid& target = grid(code);
    const geo::Box box = geo::bounds(drawn);
    const double tolerance = degrees_for_metres(tolerance_m, (box.min_y + box.max_y) / 2.0);
    geo::Box reach = box;
    reach.expand(geo::Point{box.min_x - tolerance, box.min_y - tolerance});
    reach.expand(geo::Point{box.max_x + tolerance, box.max_y + tolerance});
    // Only the reference's vertices matter to snapping, so the neighbours and
    // the parent go in as one (possibly overlapping) multipolygon.
    geo::MultiPolygon reference;
    near(reach, [&](const model::Grid& other) {
        const bool neighbour = other.level == target.level && other.code != target.code;
        const bool parent = other.code == target.parent_code;
        if (neighbour || parent) {
            reference.polygons.insert(reference.polygons.end(), other.geometry.polygons.begin(),
                                      other.geometry.polygons.end());
        }
    });
    geos::Context context;
    geos::Geometry snapped = context.multipolygon(drawn);
    if (!reference.empty()) snapped = snapped.snap_to(context.multipolygon(reference), tolerance);
    if (snapped.invalidity()) snapped = snapped.make_valid();
    geo::MultiPolygon geometry = snapped.polygons();
    if (geometry.empty()) throw EditError("grid " + target.code + ": nothing is left after snapping", "吸附后网格 " + target.code + " 没有剩余面积");
    return geometry;
}

EditResult Draft::snap(std::string_view code, const geo::MultiPolygon& drawn, double tolerance_m) {
    geo::MultiPolygon geometry = snapped(code, drawn, tolerance_m);
    model::Grid& edited = edit(code);
    edited.geometry = std::move(geometry);
    // Vertices snapped onto a neighbour's edge become vertices of that edge.
    std::vector<std::string> changed{edited.code};
    for (std::string& neighbour : share_vertices(changed)) changed.push_back(std::move(neighbour));
    return result(std::move(changed));
}

std::vector<CodeProposal> Draft::propose_codes() const {
    geos::Context context;
    const std::vector<model::Grid> all = grids();
    std::unordered_map<std::string, std::string> new_code_of;
    std::vector<CodeProposal> proposals;
    for (const model::GridLevel level :
         {model::GridLevel::street, model::GridLevel::community, model::GridLevel::grid, model::GridLevel::subgrid}) {
        const std::size_t length = options_.scheme.length(level);
        const std::size_t parent_length = options_.scheme.parent_length(level);
        if (length == 0 || length <= parent_length) continue;
        // Children per parent; top-level grids hang off their county prefix.
        std::map<std::string, std::vector<Child>> families;
        for (const model::Grid& g : all) {
            if (g.level != level) continue;
            const std::string parent = !g.parent_code.empty() ? g.parent_code : g.code.substr(0, parent_length);
            const std::vector<geo::Point> inside = context.multipolygon(g.geometry).point_on_surface().points();
            const geo::Box box = geo::bounds(g.geometry);
            families[parent].push_back({inside.empty() ? geo::Point{} : inside.front(), box.max_y - box.min_y, &g});
        }
        const std::size_t digits = length - parent_length;
        const auto capacity = static_cast<std::size_t>(std::pow(10.0, static_cast<double>(digits))) - 1;
        for (auto& [parent, children] : families) {
            if (children.size() > capacity) {
                throw EditError("parent " + parent + " has " + std::to_string(children.size()) +
                                    " children, more than " + std::to_string(digits) + " digits can number",
                                "上级 " + parent + " 有 " + std::to_string(children.size()) + " 个下级网格，超出 " +
                                    std::to_string(digits) + " 位编码的容量");
            }
            sort_reading_order(children);
            const auto renamed = new_code_of.find(parent);
            const std::string prefix = renamed != new_code_of.end() ? renamed->second : parent;
            for (std::size_t i = 0; i < children.size(); ++i) {
                std::string number = std::to_string(i + 1);
                std::string code = prefix + std::string(digits - number.size(), '0') + number;
                const model::Grid& child = *children[i].grid;
                if (code != child.code) proposals.push_back({child.code, code});
                new_code_of.emplace(child.code, std::move(code));
            }
        }
    }
    return proposals;
}

EditResult Draft::renumber() {
    const std::vector<CodeProposal> proposals = propose_codes();
    std::unordered_map<std::string, std::string> new_code_of;
    for (const CodeProposal& p : proposals) new_code_of.emplace(p.old_code, p.new_code);
    std::vector<model::Grid> touched;
    for (model::Grid g : grids()) {
        bool renamed = false;
        if (const auto it = new_code_of.find(g.code); it != new_code_of.end()) {
            g.code = it->second;
            renamed = true;
        }
        if (const auto it = new_code_of.find(g.parent_code); it != new_code_of.end()) {
            g.parent_code = it->second;
            renamed = true;
        }
        if (renamed) touched.push_back(std::move(g));
    }
    // Old codes go first: a grid may take the code another one gives up.
    for (const CodeProposal& p : proposals) drop(p.old_code);
    std::vector<std::string> changed;
    for (model::Grid& g : touched) {
        changed.push_back(g.code);
        put(std::move(g));
    }
    return result(std::move(changed));
}

rules::Report Draft::check_geometry(std::string_view code, const geo::MultiPolygon& candidate) const {
    const auto started = std::chrono::steady_clock::now();
    if (candidate.empty()) throw EditError("grid " + std::string(code) + ": the geometry is empty", "网格 " + std::string(code) + " 的边界为空");
    model::Grid proposed = grid(code);
    proposed.geometry = candidate;
    rules::Report report = check({proposed.code}, &proposed);
    report.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return report;
}

rules::Options Draft::with_live_facts(rules::Options options, const std::vector<model::Grid>& layout) const {
    if (!facts_) return options;
    // A changed grid's households are those inside its new border (a split
    // takes some from the grid it cut); an unchanged one keeps its own. Staff
    // stay with the code: a new code has none until a planner assigns them.
    options.households.emplace();
    options.residents.emplace();
    options.buildings.emplace();
    std::unordered_map<std::string, int> primary;
    bool staffed = true;
    for (const model::Grid& grid : layout) {
        if (!grid.staffed_level()) continue;
        if (!grid.dedicated()) {  // households belong to base grids only
            set_tally(options, grid.code,
                      changed_.contains(grid.code) ? facts_->inside(grid.geometry) : facts_->in_grid(grid.code));
        }
        const std::optional<int> staff = facts_->primary_staff(grid.code);
        staffed = staffed && staff.has_value();
        if (staff) primary.emplace(grid.code, *staff);
    }
    if (staffed) options.primary_staff = std::move(primary);
    return options;
}

rules::Report Draft::validate() const {
    std::vector<model::Grid> layout = grids();
    rules::Options options = with_live_facts(options_, layout);
    return rules::Validator(std::move(layout), std::move(options)).validate_all();
}

rules::Report Draft::validate_changes() const {
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::string> codes;
    for (const auto& [code, grid] : changed_) codes.push_back(code);
    for (const std::string& code : deleted_) {
        const model::Grid* parent = find(base_->find(code)->parent_code);
        if (parent != nullptr) codes.push_back(parent->code);
    }
    rules::Report report;
    if (codes.size() <= max_incremental_checks) {
        report = check(codes);
    } else {
        report = validate();
        const std::set<std::string_view> involved(codes.begin(), codes.end());
        std::erase_if(report.violations, [&](const rules::Violation& v) {
            return std::none_of(v.grids.begin(), v.grids.end(),
                                [&](const std::string& code) { return involved.contains(code); });
        });
    }
    report.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace wangge::drafts
