#include "wangge/drafts/draft.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
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

/// The pieces of `area` that `line` cuts it into: the faces of the noded
/// linework (area border + line) lying inside the area. Dangling line ends
/// outside the area form no face and drop out.
std::vector<geo::Polygon> cut(geos::Context& context, const geos::Geometry& area, std::span<const geo::Point> line) {
    if (line.size() < 2) throw EditError("a cutting line needs at least two points");
    const geos::Geometry linework = area.boundary().union_with(context.line(line));
    std::vector<geo::Polygon> pieces;
    for (geo::Polygon& face : context.polygonize(linework).polygons().polygons) {
        const geos::Geometry face_geometry = context.polygon(face);
        if (area.intersects(face_geometry.point_on_surface())) pieces.push_back(std::move(face));
    }
    return pieces;
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
        throw EditError("grids " + a.code + " and " + b.code + " do not share a parent");
    }
    if (geometry_a.boundary().intersection(geometry_b.boundary()).length() <= 0.0) {
        throw EditError("grids " + a.code + " and " + b.code + " share no border");
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

Draft::Draft(std::vector<model::Grid> grids, int base_version, rules::Options options)
    : grids_(std::move(grids)), base_version_(base_version), options_(std::move(options)) {}

std::size_t Draft::index_of(std::string_view code) const {
    const auto it = std::find_if(grids_.begin(), grids_.end(), [&](const model::Grid& g) { return g.code == code; });
    if (it == grids_.end()) throw EditError("no grid " + std::string(code) + " in the draft");
    return static_cast<std::size_t>(it - grids_.begin());
}

const model::Grid& Draft::grid(std::string_view code) const { return grids_[index_of(code)]; }
model::Grid& Draft::find(std::string_view code) { return grids_[index_of(code)]; }

EditResult Draft::result(std::vector<std::string> changed, std::vector<std::string> removed) const {
    const auto started = std::chrono::steady_clock::now();
    EditResult out;
    const rules::Validator validator(grids_, options_);
    std::set<std::string> seen_codes;
    std::set<std::string> seen_violations;
    const auto check = [&](const std::string& code) {
        if (!seen_codes.insert(code).second) return;
        const auto it =
            std::find_if(grids_.begin(), grids_.end(), [&](const model::Grid& g) { return g.code == code; });
        if (it == grids_.end()) return;
        for (rules::Violation& v : validator.validate_grid(code, it->geometry).violations) {
            if (seen_violations.insert(violation_key(v)).second) out.report.violations.push_back(std::move(v));
        }
    };
    for (const std::string& code : changed) check(code);
    out.changed = std::move(changed);
    out.removed = std::move(removed);
    out.report.grids = grids_.size();
    rules::sort_violations(out.report.violations);
    out.report.elapsed_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return out;
}

EditResult Draft::replace_geometry(std::string_view code, geo::MultiPolygon geometry) {
    if (geometry.empty()) throw EditError("grid " + std::string(code) + ": the geometry is empty");
    model::Grid& g = find(code);
    g.geometry = std::move(geometry);
    return result({g.code});
}

EditResult Draft::add(model::Grid grid) {
    if (grid.code.empty()) throw EditError("a new grid needs a code");
    if (grid.geometry.empty()) throw EditError("grid " + grid.code + ": the geometry is empty");
    if (std::any_of(grids_.begin(), grids_.end(), [&](const model::Grid& g) { return g.code == grid.code; })) {
        throw EditError("grid code " + grid.code + " is already in the draft");
    }
    grid.valid_to.reset();
    std::string code = grid.code;
    grids_.push_back(std::move(grid));
    return result({std::move(code)});
}

EditResult Draft::remove(std::string_view code) {
    const std::size_t index = index_of(code);
    if (std::any_of(grids_.begin(), grids_.end(), [&](const model::Grid& g) { return g.parent_code == code; })) {
        throw EditError("grid " + std::string(code) + " still has children; remove or move them first");
    }
    std::string parent = grids_[index].parent_code;
    std::string removed = grids_[index].code;
    grids_.erase(grids_.begin() + static_cast<std::ptrdiff_t>(index));
    // The parent's coverage is what a removal breaks, so that is what to show.
    std::vector<std::string> touched;
    if (!parent.empty()) touched.push_back(std::move(parent));
    return result(std::move(touched), {std::move(removed)});
}

EditResult Draft::rename(std::string_view code, std::string name) {
    if (name.empty()) throw EditError("grid " + std::string(code) + ": the name is empty");
    model::Grid& g = find(code);
    g.name = std::move(name);
    return result({g.code});
}

EditResult Draft::reparent(std::string_view code, std::string parent_code) {
    if (parent_code == code) throw EditError("grid " + std::string(code) + " cannot be its own parent");
    model::Grid& g = find(code);
    std::vector<std::string> touched{g.code};
    if (!g.parent_code.empty()) touched.push_back(g.parent_code);
    g.parent_code = std::move(parent_code);
    return result(std::move(touched));
}

EditResult Draft::move_border(std::string_view a, std::string_view b, std::span<const geo::Point> line) {
    if (a == b) throw EditError("move-border needs two different grids");
    model::Grid& grid_a = find(a);
    model::Grid& grid_b = find(b);
    geos::Context context;
    const geos::Geometry geometry_a = context.multipolygon(grid_a.geometry);
    const geos::Geometry geometry_b = context.multipolygon(grid_b.geometry);
    require_neighbours(grid_a, grid_b, geometry_a, geometry_b);
    const std::vector<geo::Polygon> pieces = cut(context, geometry_a.union_with(geometry_b), line);
    if (pieces.size() < 2) throw EditError("the new border does not cross the two grids from border to border");
    std::vector<geo::Polygon> pieces_a;
    std::vector<geo::Polygon> pieces_b;
    for (const geo::Polygon& piece : pieces) {
        const geos::Geometry piece_geometry = context.polygon(piece);
        const double in_a = piece_geometry.intersection(geometry_a).area();
        const double in_b = piece_geometry.intersection(geometry_b).area();
        (in_a >= in_b ? pieces_a : pieces_b).push_back(piece);
    }
    if (pieces_a.empty() || pieces_b.empty()) {
        throw EditError("the new border leaves grid " + (pieces_a.empty() ? grid_a.code : grid_b.code) + " no area");
    }
    grid_a.geometry = union_of(context, std::move(pieces_a));
    grid_b.geometry = union_of(context, std::move(pieces_b));
    return result({grid_a.code, grid_b.code});
}

EditResult Draft::split(std::string_view code, std::span<const geo::Point> line, std::string new_code,
                        std::string new_name) {
    if (new_code.empty()) throw EditError("split needs a code for the new grid");
    if (std::any_of(grids_.begin(), grids_.end(), [&](const model::Grid& g) { return g.code == new_code; })) {
        throw EditError("grid code " + new_code + " is already in the draft");
    }
    model::Grid& original = find(code);
    geos::Context context;
    std::vector<geo::Polygon> pieces = cut(context, context.multipolygon(original.geometry), line);
    if (pieces.size() != 2) {
        throw EditError("the line must cut grid " + original.code + " into exactly two parts, not " +
                        std::to_string(pieces.size()));
    }
    if (context.polygon(pieces[0]).area() < context.polygon(pieces[1]).area()) std::swap(pieces[0], pieces[1]);
    model::Grid part = original;
    part.code = std::move(new_code);
    part.name = new_name.empty() ? original.name + "（拆分）" : std::move(new_name);
    part.geometry = geo::MultiPolygon{{std::move(pieces[1])}};
    original.geometry = geo::MultiPolygon{{std::move(pieces[0])}};
    std::vector<std::string> changed{original.code, part.code};
    grids_.push_back(std::move(part));
    return result(std::move(changed));
}

EditResult Draft::merge(std::string_view keep, std::string_view absorb) {
    if (keep == absorb) throw EditError("merge needs two different grids");
    const std::size_t absorbed_index = index_of(absorb);
    model::Grid& kept = find(keep);
    const model::Grid& absorbed = grids_[absorbed_index];
    geos::Context context;
    const geos::Geometry geometry_keep = context.multipolygon(kept.geometry);
    const geos::Geometry geometry_absorb = context.multipolygon(absorbed.geometry);
    require_neighbours(kept, absorbed, geometry_keep, geometry_absorb);
    kept.geometry = geometry_keep.union_with(geometry_absorb).polygons();
    std::vector<std::string> changed{kept.code};
    std::string removed = absorbed.code;
    for (model::Grid& child : grids_) {
        if (child.parent_code == removed) {
            child.parent_code = kept.code;
            changed.push_back(child.code);
        }
    }
    grids_.erase(grids_.begin() + static_cast<std::ptrdiff_t>(absorbed_index));
    return result(std::move(changed), {std::move(removed)});
}

EditResult Draft::snap(std::string_view code, const geo::MultiPolygon& drawn, double tolerance_m) {
    if (!(tolerance_m > 0.0 && tolerance_m <= 100.0)) throw EditError("snap tolerance must be in (0, 100] metres");
    if (drawn.empty()) throw EditError("grid " + std::string(code) + ": the drawn geometry is empty");
    model::Grid& target = find(code);
    const geo::Box box = geo::bounds(drawn);
    const double tolerance = degrees_for_metres(tolerance_m, (box.min_y + box.max_y) / 2.0);
    geo::Box reach = box;
    reach.expand(geo::Point{box.min_x - tolerance, box.min_y - tolerance});
    reach.expand(geo::Point{box.max_x + tolerance, box.max_y + tolerance});
    // Only the reference's vertices matter to snapping, so the neighbours and
    // the parent go in as one (possibly overlapping) multipolygon.
    geo::MultiPolygon reference;
    for (const model::Grid& other : grids_) {
        const bool neighbour = other.level == target.level && other.code != target.code;
        const bool parent = other.code == target.parent_code;
        if ((neighbour || parent) && geo::bounds(other.geometry).intersects(reach)) {
            reference.polygons.insert(reference.polygons.end(), other.geometry.polygons.begin(),
                                      other.geometry.polygons.end());
        }
    }
    geos::Context context;
    geos::Geometry snapped = context.multipolygon(drawn);
    if (!reference.empty()) snapped = snapped.snap_to(context.multipolygon(reference), tolerance);
    if (snapped.invalidity()) snapped = snapped.make_valid();
    geo::MultiPolygon geometry = snapped.polygons();
    if (geometry.empty()) throw EditError("grid " + target.code + ": nothing is left after snapping");
    target.geometry = std::move(geometry);
    return result({target.code});
}

std::vector<CodeProposal> Draft::propose_codes() const {
    geos::Context context;
    std::unordered_map<std::string, std::string> new_code_of;
    std::vector<CodeProposal> proposals;
    for (const model::GridLevel level :
         {model::GridLevel::street, model::GridLevel::community, model::GridLevel::grid, model::GridLevel::subgrid}) {
        const std::size_t length = options_.scheme.length(level);
        const std::size_t parent_length = options_.scheme.parent_length(level);
        if (length == 0 || length <= parent_length) continue;
        // Children per parent; top-level grids hang off their county prefix.
        std::map<std::string, std::vector<Child>> families;
        for (const model::Grid& g : grids_) {
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
                                " children, more than " + std::to_string(digits) + " digits can number");
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
    std::vector<std::string> changed;
    for (model::Grid& g : grids_) {
        bool touched = false;
        if (const auto it = new_code_of.find(g.code); it != new_code_of.end()) {
            g.code = it->second;
            touched = true;
        }
        if (const auto it = new_code_of.find(g.parent_code); it != new_code_of.end()) {
            g.parent_code = it->second;
            touched = true;
        }
        if (touched) changed.push_back(g.code);
    }
    return result(std::move(changed));
}

rules::Report Draft::validate() const { return rules::Validator(grids_, options_).validate_all(); }

}  // namespace wangge::drafts
