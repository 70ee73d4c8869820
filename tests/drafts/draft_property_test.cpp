// Property test of the draft operations (issue #19): thousands of random,
// seeded edits on the sample community (data/grids.geojson) and on a
// 500-grid synthetic city, each checked by the validator as the oracle. Both
// layouts start without overlap, gap, edge_mismatch, outside_parent or
// invalid_geometry, so any of these after an operation is one the operation
// introduced (the "before" set is empty); an edit the draft refuses
// (EditError) must leave the draft as it was.
//
// Reproduce a failure with WANGGE_PROPERTY_SEED=<seed printed>; search longer
// with WANGGE_PROPERTY_OPS=<operations per layout>.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <numbers>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "wangge/drafts/draft.hpp"
#include "wangge/rules/grid_source.hpp"
#include "wangge/synth/layout.hpp"

namespace wangge::drafts::test {
namespace {

/// The rules an operation must never break by itself.
bool topological(const rules::Violation& v) {
    return v.rule == rules::rule::overlap || v.rule == rules::rule::gap || v.rule == rules::rule::edge_mismatch ||
           v.rule == rules::rule::outside_parent || v.rule == rules::rule::invalid_geometry;
}

std::string broken(const rules::Report& report) {
    std::string out;
    for (const rules::Violation& v : report.violations) {
        if (topological(v)) out += v.rule + ": " + v.message + "\n";
    }
    return out;
}

std::uint64_t from_environment(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    return text != nullptr && *text != '\0' ? std::stoull(text) : fallback;
}

std::uint64_t seed_from_environment(std::uint64_t fallback) { return from_environment("WANGGE_PROPERTY_SEED", fallback); }

/// Operations per run: kept to about half a minute under ASan on two cores;
/// WANGGE_PROPERTY_OPS=<n> runs n for a longer search.
int operations(int fallback) { return static_cast<int>(from_environment("WANGGE_PROPERTY_OPS", fallback)); }

std::string point_text(const geo::Point& p) {
    std::ostringstream out;
    out.precision(10);
    out << '(' << p.x << ' ' << p.y << ')';
    return out.str();
}

std::string line_text(const std::vector<geo::Point>& line) {
    std::string out;
    for (const geo::Point& p : line) out += point_text(p);
    return out;
}

/// Metres between two lon/lat points (equirectangular: a few metres apart).
double metres(const geo::Point& a, const geo::Point& b) {
    const double cos_lat = std::cos((a.y + b.y) / 2.0 * std::numbers::pi / 180.0);
    return std::hypot((a.x - b.x) * 111'320.0 * cos_lat, (a.y - b.y) * 111'320.0);
}

double metres_to_segment(const geo::Point& p, const geo::Point& a, const geo::Point& b) {
    const double cos_lat = std::cos(p.y * std::numbers::pi / 180.0);
    const auto local = [&](const geo::Point& q) {
        return geo::Point{(q.x - p.x) * 111'320.0 * cos_lat, (q.y - p.y) * 111'320.0};
    };
    const geo::Point la = local(a);
    const geo::Point lb = local(b);
    const double dx = lb.x - la.x;
    const double dy = lb.y - la.y;
    const double length2 = dx * dx + dy * dy;
    const double t = length2 == 0.0 ? 0.0 : std::clamp(-(la.x * dx + la.y * dy) / length2, 0.0, 1.0);
    return std::hypot(la.x + t * dx, la.y + t * dy);
}

bool shares_border(const model::Grid& a, const model::Grid& b) {
    if (!geo::bounds(a.geometry).intersects(geo::bounds(b.geometry))) return false;
    std::set<std::pair<double, double>> points;
    for (const geo::Polygon& polygon : a.geometry.polygons) {
        for (const geo::Ring& ring : polygon.rings) {
            for (const geo::Point& p : ring) points.emplace(p.x, p.y);
        }
    }
    std::size_t common = 0;
    for (const geo::Polygon& polygon : b.geometry.polygons) {
        for (const geo::Ring& ring : polygon.rings) {
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) common += points.contains({ring[i].x, ring[i].y}) ? 1 : 0;
        }
    }
    return common >= 2;
}

/// Drives random operations on one draft and checks each with the oracle.
class RandomEdits {
public:
    RandomEdits(std::vector<model::Grid> layout, std::uint64_t seed, bool whole_layout_oracle)
        : draft_(layout, 1), random_(seed), seed_(seed), whole_layout_oracle_(whole_layout_oracle) {
        const geo::Box extent = [&] {
            geo::Box box;
            for (const model::Grid& g : layout) box.expand(geo::bounds(g.geometry));
            return box;
        }();
        workers_.emplace(extent);
    }

    /// Applies `count` operations; stops at the first defect (reported once, with seed and operation).
    void apply(int count) {
        const rules::Report start = oracle(draft_.grids());
        ASSERT_EQ(broken(start), "") << "the layout must start clean";
        grids_ = draft_.grids();
        start_leaves_ = leaves().size();
        for (int i = 0; i < count; ++i) {
            grids_ = draft_.grids();
            std::string op;
            std::vector<std::string> involved;
            try {
                involved = step(op);
            } catch (const EditError& e) {
                ++refused_;
                // A refused edit changes nothing.
                const std::vector<model::Grid> after = draft_.grids();
                ASSERT_EQ(after.size(), grids_.size()) << describe(i, op) << "refused (" << e.what() << ") but changed the draft";
                continue;
            }
            if (involved.empty()) continue;
            ++applied_;
            const rules::Report report = check(involved);
            if (!broken(report).empty()) {
                FAIL() << describe(i, op) << "introduced:\n" << broken(report) << vertices_near(report);
                return;
            }
        }
        const rules::Report end = validate_whole();
        EXPECT_EQ(broken(end), "") << "seed " << seed_ << ": the whole draft after " << count << " operations";
        std::cout << "seed " << seed_ << ": " << applied_ << " operations applied, " << refused_ << " refused, "
                  << draft_.size() << " grids at the end\n";
        for (const auto& [name, n] : counts_) std::cout << "  " << name << ' ' << n << '\n';
    }

    [[nodiscard]] int applied() const noexcept { return applied_; }

private:
    std::string describe(int i, const std::string& op) const {
        return "seed " + std::to_string(seed_) + ", operation " + std::to_string(i) + ": " + op + "\n";
    }

    /// The vertices of the grids of each broken rule near its geometry, before and after: what a failure needs to be understood.
    std::string vertices_near(const rules::Report& report) const {
        std::ostringstream out;
        out.precision(10);
        for (const rules::Violation& v : report.violations) {
            if (!topological(v) || v.geometry.is_null()) continue;
            geo::Box box;
            const std::function<void(const nlohmann::json&)> expand = [&](const nlohmann::json& c) {
                if (c.is_array() && c.size() >= 2 && c[0].is_number()) {
                    box.expand(geo::Point{c[0].get<double>(), c[1].get<double>()});
                } else if (c.is_array()) {
                    for (const nlohmann::json& item : c) expand(item);
                }
            };
            expand(v.geometry["coordinates"]);
            box = geo::Box{box.min_x - 1e-5, box.min_y - 1e-5, box.max_x + 1e-5, box.max_y + 1e-5};
            for (const std::string& code : v.grids) {
                for (const auto& [when, grid] : {std::pair{"before", find(grids_, code)}, std::pair{"after", find(draft_.grids(), code)}}) {
                    if (!grid) continue;
                    out << code << ' ' << when << ':';
                    for (const geo::Polygon& polygon : grid->geometry.polygons) {
                        for (const geo::Ring& ring : polygon.rings) {
                            for (const geo::Point& p : ring) {
                                if (box.contains(p)) out << ' ' << point_text(p);
                            }
                        }
                    }
                    out << '\n';
                }
            }
        }
        return out.str();
    }

    static std::optional<model::Grid> find(const std::vector<model::Grid>& grids, const std::string& code) {
        for (const model::Grid& g : grids) {
            if (g.code == code) return g;
        }
        return std::nullopt;
    }

    double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(random_); }
    std::size_t index(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_); }

    std::vector<const model::Grid*> leaves() const {
        std::set<std::string> parents;
        for (const model::Grid& g : grids_) parents.insert(g.parent_code);
        std::vector<const model::Grid*> out;
        for (const model::Grid& g : grids_) {
            if (g.level == model::GridLevel::grid && !parents.contains(g.code)) out.push_back(&g);
        }
        return out;
    }

    const model::Grid& random_leaf() {
        const std::vector<const model::Grid*> all = leaves();
        return *all[index(all.size())];
    }

    /// A sibling sharing a border with `grid`, if any.
    const model::Grid* random_neighbour(const model::Grid& grid) {
        std::vector<const model::Grid*> found;
        for (const model::Grid& other : grids_) {
            if (other.code != grid.code && other.level == grid.level && other.parent_code == grid.parent_code &&
                shares_border(grid, other)) {
                found.push_back(&other);
            }
        }
        return found.empty() ? nullptr : found[index(found.size())];
    }

    /// An unused code under `parent`.
    std::string fresh_code(const std::string& parent) const {
        std::set<std::string> used;
        for (const model::Grid& g : grids_) used.insert(g.code);
        for (int n = 999; n > 0; --n) {
            std::string number = std::to_string(n);
            std::string code = parent + std::string(3 - number.size(), '0') + number;
            if (!used.contains(code)) return code;
        }
        return parent + "000";
    }

    /// A straight line through a random point of `box`, at a random angle, overshooting it.
    std::vector<geo::Point> random_line(const geo::Box& box) {
        const geo::Point through{uniform(box.min_x, box.max_x), uniform(box.min_y, box.max_y)};
        const double angle = uniform(0.0, std::numbers::pi);
        const double reach = 2.0 * std::max(box.max_x - box.min_x, box.max_y - box.min_y);
        return {{through.x - reach * std::cos(angle), through.y - reach * std::sin(angle)},
                {through.x + reach * std::cos(angle), through.y + reach * std::sin(angle)}};
    }

    /// Runs one random operation; returns the codes to check (empty: nothing happened).
    std::vector<std::string> step(std::string& op) {
        double pick = uniform(0.0, 1.0);
        const model::Grid& grid = random_leaf();
        // Splits outnumber merges (merges need a neighbour); past twice the
        // grids of the start, merge instead, so the oracle's work stays bounded.
        if (pick < 0.25 && leaves().size() > 2 * start_leaves_) pick = 0.5;
        std::vector<std::string> involved;
        const auto take = [&](const EditResult& edit) {
            involved.insert(involved.end(), edit.changed.begin(), edit.changed.end());
            for (const std::string& removed : edit.removed) involved.push_back(removed);
        };
        if (pick < 0.25) {
            const std::vector<geo::Point> line = random_line(geo::bounds(grid.geometry));
            const std::string code = fresh_code(grid.parent_code);
            op = "split " + grid.code + " into " + code + " along " + line_text(line);
            ++counts_["split"];
            take(draft_.split(grid.code, line, code, ""));
        } else if (pick < 0.45) {
            const model::Grid* other = random_neighbour(grid);
            if (other == nullptr) return {};
            geo::Box box = geo::bounds(grid.geometry);
            box.expand(geo::bounds(other->geometry));
            const std::vector<geo::Point> line = random_line(box);
            op = "move-border " + grid.code + " | " + other->code + " along " + line_text(line);
            ++counts_["move-border"];
            take(draft_.move_border(grid.code, other->code, line));
        } else if (pick < 0.55) {
            const model::Grid* other = random_neighbour(grid);
            if (other == nullptr || leaves().size() < 4) return {};
            op = "merge " + other->code + " into " + grid.code;
            ++counts_["merge"];
            take(draft_.merge(grid.code, other->code));
        } else if (pick < 0.70) {
            return move_vertex(grid, op);
        } else if (pick < 0.82) {
            // The grid redrawn a few centimetres off its vertices, snapped back.
            geo::MultiPolygon drawn = grid.geometry;
            for (geo::Polygon& polygon : drawn.polygons) {
                for (geo::Ring& ring : polygon.rings) {
                    for (geo::Point& p : ring) {
                        p.x += uniform(-3e-7, 3e-7);
                        p.y += uniform(-3e-7, 3e-7);
                    }
                    ring.back() = ring.front();
                }
            }
            op = "snap " + grid.code + " drawn within 3e-7 degrees of its vertices, tolerance 0.3 m";
            ++counts_["snap"];
            take(draft_.snap(grid.code, drawn, 0.3));
        } else if (pick < 0.92) {
            // Deleted and drawn again under a new code: the coverage of the pair is unchanged.
            const std::string code = fresh_code(grid.parent_code);
            op = "remove " + grid.code + ", add it again as " + code;
            ++counts_["remove+add"];
            model::Grid again = grid;
            again.code = code;
            take(draft_.remove(grid.code));
            take(draft_.add(std::move(again)));
        } else if (pick < 0.97) {
            // Out to another community and back.
            std::string other;
            for (const model::Grid& g : grids_) {
                if (g.level == model::GridLevel::community && g.code != grid.parent_code) other = g.code;
            }
            if (other.empty()) return {};
            const std::string parent = grid.parent_code;
            op = "reparent " + grid.code + " to " + other + " and back to " + parent;
            ++counts_["reparent"];
            (void)draft_.reparent(grid.code, other);
            take(draft_.reparent(grid.code, parent));
        } else {
            op = "rename " + grid.code;
            ++counts_["rename"];
            take(draft_.rename(grid.code, grid.name + "（改）"));
        }
        return involved;
    }

    /// Moves a random vertex of `grid` by less than its distance to every
    /// other vertex and segment around it (less 1 m, so no border comes
    /// within the edge tolerance): no ring can fold, so the only way to
    /// break the coverage is to move it in some rings and not in others.
    std::vector<std::string> move_vertex(const model::Grid& grid, std::string& op) {
        const geo::Ring& ring = grid.geometry.polygons[index(grid.geometry.polygons.size())].rings.front();
        const geo::Point from = ring[index(ring.size() - 1)];
        // The vertices and segments around `from`, and the segments that move with it.
        std::vector<geo::Point> vertices;
        std::vector<std::pair<geo::Point, geo::Point>> fixed;
        std::vector<geo::Point> moving_to;  // the far ends of the segments from `from`
        const double near_degrees = 0.01;
        for (const model::Grid& other : grids_) {
            const geo::Box box = geo::bounds(other.geometry);
            if (from.x < box.min_x - near_degrees || from.x > box.max_x + near_degrees ||
                from.y < box.min_y - near_degrees || from.y > box.max_y + near_degrees) {
                continue;
            }
            for (const geo::Polygon& polygon : other.geometry.polygons) {
                for (const geo::Ring& r : polygon.rings) {
                    for (std::size_t i = 0; i + 1 < r.size(); ++i) {
                        if (r[i] != from) vertices.push_back(r[i]);
                        if (r[i] == from) {
                            moving_to.push_back(r[i + 1]);
                        } else if (r[i + 1] == from) {
                            moving_to.push_back(r[i]);
                        } else {
                            fixed.emplace_back(r[i], r[i + 1]);
                        }
                    }
                }
            }
        }
        double room = std::numeric_limits<double>::infinity();
        for (const geo::Point& p : vertices) room = std::min(room, metres(from, p));
        for (const auto& [a, b] : fixed) room = std::min(room, metres_to_segment(from, a, b));
        for (const geo::Point& far : moving_to) {
            for (const geo::Point& p : vertices) {
                if (p != far) room = std::min(room, metres_to_segment(p, from, far));
            }
        }
        if (!(room > 3.0)) return {};
        const double distance = std::min(uniform(0.1, 0.5) * (room - 1.0), 50.0);
        const double angle = uniform(0.0, 2.0 * std::numbers::pi);
        const double cos_lat = std::cos(from.y * std::numbers::pi / 180.0);
        const geo::Point to{from.x + distance * std::cos(angle) / (111'320.0 * cos_lat),
                            from.y + distance * std::sin(angle) / 111'320.0};
        op = "move-vertex of " + grid.code + " " + point_text(from) + " to " + point_text(to);
        ++counts_["move-vertex"];
        const EditResult edit = draft_.move_vertex(from, to);
        return edit.changed;
    }

    /// The oracle on the part of the draft an operation can reach: every
    /// community near the involved grids with all its grids, and every
    /// community of their streets, so each parent checked has all its children.
    rules::Report check(const std::vector<std::string>& involved) {
        std::vector<model::Grid> all = draft_.grids();
        if (whole_layout_oracle_) return oracle(std::move(all));
        std::map<std::string, const model::Grid*> by_code;
        for (const model::Grid& g : all) by_code.emplace(g.code, &g);
        geo::Box reach;
        for (const std::string& code : involved) {
            const auto it = by_code.find(code);
            if (it != by_code.end()) reach.expand(geo::bounds(it->second->geometry));
            for (const model::Grid& g : grids_) {
                if (g.code == code) reach.expand(geo::bounds(g.geometry));  // as it was before
            }
        }
        const double margin = 0.002;  // ~200 m: the grids across the street from the involved ones
        reach = geo::Box{reach.min_x - margin, reach.min_y - margin, reach.max_x + margin, reach.max_y + margin};
        std::set<std::string> communities;
        std::set<std::string> streets;
        for (const model::Grid& g : all) {
            if (!geo::bounds(g.geometry).intersects(reach)) continue;
            if (g.level == model::GridLevel::community) communities.insert(g.code);
            if (g.level == model::GridLevel::grid) communities.insert(g.parent_code);
        }
        for (const std::string& c : communities) {
            if (const auto it = by_code.find(c); it != by_code.end()) streets.insert(it->second->parent_code);
        }
        std::vector<model::Grid> part;
        for (model::Grid& g : all) {
            const bool keep = (g.level == model::GridLevel::street && streets.contains(g.code)) ||
                              (g.level == model::GridLevel::community && streets.contains(g.parent_code)) ||
                              (g.level == model::GridLevel::grid && communities.contains(g.parent_code));
            if (keep) part.push_back(std::move(g));
        }
        return oracle(std::move(part));
    }

    rules::Report oracle(std::vector<model::Grid> layout) const {
        return rules::Validator(std::move(layout), {}, *workers_).validate_all();
    }

    rules::Report validate_whole() const { return oracle(draft_.grids()); }

    Draft draft_;
    std::vector<model::Grid> grids_;  // the draft before the current operation
    std::mt19937_64 random_;
    std::uint64_t seed_;
    bool whole_layout_oracle_;
    std::optional<rules::SharedWorkers> workers_;
    std::map<std::string, int> counts_;
    std::size_t start_leaves_ = 0;
    int applied_ = 0;
    int refused_ = 0;
};

std::vector<model::Grid> sample_layout() {
    std::vector<model::Grid> grids =
        rules::read_grid_file(std::filesystem::path(WANGGE_SOURCE_DIR) / "data" / "grids.geojson").grids;
    for (model::Grid& g : grids) g.version = 1;
    return grids;
}

TEST(DraftProperty, RandomEditsOnTheSampleKeepTheCoverageExact) {
    RandomEdits run(sample_layout(), seed_from_environment(19), true);
    const int count = operations(500);
    run.apply(count);
    EXPECT_GT(run.applied(), count / 2);
}

TEST(DraftProperty, RandomEditsOnASyntheticCityKeepTheCoverageExact) {
    synth::LayoutParams params;
    params.grids = 500;
    params.seed = 7;
    RandomEdits run(synth::build_layout(params), seed_from_environment(2026), false);
    const int count = operations(150);
    run.apply(count);
    EXPECT_GT(run.applied(), count / 2);
}

}  // namespace
}  // namespace wangge::drafts::test
