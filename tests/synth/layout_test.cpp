#include "wangge/synth/layout.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "wangge/error.hpp"
#include "wangge/geo/geos.hpp"
#include "wangge/rules/validator.hpp"

namespace wangge::synth {
namespace {

using Segment = std::pair<std::pair<double, double>, std::pair<double, double>>;

std::vector<Segment> segments(const model::Grid& grid) {
    std::vector<Segment> out;
    const geo::Ring& ring = grid.geometry.polygons.at(0).rings.at(0);
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        out.push_back({{ring[i].x, ring[i].y}, {ring[i + 1].x, ring[i + 1].y}});
    }
    return out;
}

Segment reversed(const Segment& s) { return {s.second, s.first}; }

double area(const model::Grid& grid) { return geo::signed_area(grid.geometry.polygons.at(0).rings.at(0)); }

std::map<std::string, std::vector<const model::Grid*>> children_by_parent(const std::vector<model::Grid>& grids) {
    std::map<std::string, std::vector<const model::Grid*>> children;
    for (const model::Grid& grid : grids) {
        if (!grid.parent_code.empty()) children[grid.parent_code].push_back(&grid);
    }
    return children;
}

class LayoutTest : public ::testing::Test {
protected:
    static std::vector<model::Grid> city(std::size_t grids, std::uint64_t seed = 1) {
        LayoutParams params;
        params.grids = grids;
        params.seed = seed;
        return build_layout(params);
    }
};

TEST_F(LayoutTest, EveryBorderRunsAlongANamedStreet) {
    LayoutParams params;
    params.grids = 300;
    const std::vector<Street> streets = build_streets(params);
    std::set<Segment> along_streets;
    std::set<std::string> names;
    std::size_t main_roads = 0;
    for (const Street& street : streets) {
        EXPECT_FALSE(street.name.empty());
        names.insert(street.name);
        main_roads += street.main_road ? 1 : 0;
        for (const auto& line : street.lines) {
            for (std::size_t i = 1; i < line.size(); ++i) {
                const Segment segment{{line[i - 1].x, line[i - 1].y}, {line[i].x, line[i].y}};
                along_streets.insert(segment);
                along_streets.insert(reversed(segment));
            }
        }
    }
    EXPECT_EQ(names.size(), streets.size()) << "street names are unique";
    EXPECT_GT(main_roads, 0U);
    EXPECT_LT(main_roads, streets.size() / 2);
    for (const model::Grid& grid : build_layout(params)) {
        for (const Segment& segment : segments(grid)) {
            ASSERT_TRUE(along_streets.contains(segment)) << grid.code << " has a border off the streets";
        }
    }
}

TEST_F(LayoutTest, GridCountIsExact) {
    for (const std::size_t n : {1u, 2u, 3u, 7u, 50u, 137u, 400u}) {
        std::size_t grid_level = 0;
        for (const model::Grid& grid : city(n)) grid_level += grid.level == model::GridLevel::grid ? 1 : 0;
        EXPECT_EQ(grid_level, n);
    }
}

TEST_F(LayoutTest, RejectsImpossibleCounts) {
    LayoutParams params;
    params.grids = 0;
    EXPECT_THROW((void)build_layout(params), InputError);
    params.grids = 150'001;
    EXPECT_THROW((void)build_layout(params), InputError);
}

TEST_F(LayoutTest, SameSeedSameLayoutOtherSeedOtherBorders) {
    const auto a = city(120, 5);
    const auto b = city(120, 5);
    const auto c = city(120, 6);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].code, b[i].code);
        EXPECT_EQ(a[i].name, b[i].name);
        EXPECT_EQ(a[i].geometry, b[i].geometry);
    }
    EXPECT_NE(a.back().geometry, c.back().geometry);
}

TEST_F(LayoutTest, CodesFollowTheDb11SchemeAndNumbering) {
    const auto grids = city(300);
    std::set<std::string> codes;
    std::map<std::string, std::size_t> child_count;
    for (const model::Grid& grid : grids) {
        EXPECT_TRUE(codes.insert(grid.code).second) << "duplicate " << grid.code;
        const std::size_t length = grid.level == model::GridLevel::street ? 9 : grid.level == model::GridLevel::community ? 12 : 15;
        ASSERT_EQ(grid.code.size(), length) << grid.code;
        EXPECT_EQ(grid.code.find_first_not_of("0123456789"), std::string::npos);
        EXPECT_EQ(grid.code.substr(0, 6), "110105");
        EXPECT_EQ(grid.code.substr(0, grid.parent_code.size()), grid.parent_code);
        // Children are numbered 001, 002, … without gaps.
        const std::string parent = grid.parent_code.empty() ? "110105" : grid.parent_code;
        EXPECT_EQ(std::stoul(grid.code.substr(parent.size())), ++child_count[parent]) << grid.code;
        EXPECT_FALSE(grid.name.empty());
    }
    // West→east then north→south: grid 001 of each community lies north of its last grid.
    for (const auto& [parent, children] : children_by_parent(grids)) {
        if (children.size() < 2) continue;
        const geo::Box first = geo::bounds(children.front()->geometry);
        const geo::Box last = geo::bounds(children.back()->geometry);
        EXPECT_GE(first.max_y + first.min_y, last.max_y + last.min_y) << parent;
    }
}

TEST_F(LayoutTest, GridsHaveRealisticBorderDetail) {
    const auto grids = city(200);
    std::size_t vertices = 0;
    std::size_t count = 0;
    std::set<std::size_t> distinct_corner_counts;
    for (const model::Grid& grid : grids) {
        if (grid.level != model::GridLevel::grid) continue;
        const std::size_t n = geo::vertex_count(grid.geometry);
        EXPECT_GE(n, 20u) << grid.code;
        EXPECT_LE(n, 1000u) << grid.code;
        vertices += n;
        ++count;
    }
    EXPECT_GE(vertices / count, 40u);
}

TEST_F(LayoutTest, NeighboursShareBordersVertexForVertex) {
    const auto grids = city(200);
    std::multiset<Segment> directed;
    std::set<Segment> outer;
    for (const model::Grid& grid : grids) {
        if (grid.level == model::GridLevel::street) {
            for (const Segment& s : segments(grid)) outer.insert(s);
        }
        if (grid.level != model::GridLevel::grid) continue;
        for (const Segment& s : segments(grid)) directed.insert(s);
    }
    std::size_t shared = 0;
    for (const Segment& s : directed) {
        EXPECT_EQ(directed.count(s), 1u) << "segment used twice in one direction";
        if (directed.count(reversed(s)) == 1) {
            ++shared;
        } else {
            // Not shared with a neighbour: it must be on the border of some street.
            EXPECT_EQ(outer.count(s), 1u) << "a border piece has no exact counterpart";
        }
    }
    EXPECT_GT(shared, directed.size() / 2);
}

TEST_F(LayoutTest, ChildrenTileTheirParentExactly) {
    const auto grids = city(200);
    std::map<std::string, const model::Grid*> by_code;
    for (const model::Grid& grid : grids) by_code[grid.code] = &grid;
    for (const auto& [parent_code, children] : children_by_parent(grids)) {
        const model::Grid& parent = *by_code.at(parent_code);
        const double parent_area = area(parent);
        ASSERT_GT(parent_area, 0.0) << "parent ring must be counter-clockwise";
        double sum = 0.0;
        std::multiset<Segment> directed;
        for (const model::Grid* child : children) {
            EXPECT_GT(area(*child), 0.0);
            sum += area(*child);
            for (const Segment& s : segments(*child)) directed.insert(s);
        }
        EXPECT_NEAR(sum, parent_area, 1e-9 * parent_area) << parent_code;
        const auto parent_segments = segments(parent);
        const std::set<Segment> on_parent(parent_segments.begin(), parent_segments.end());
        for (const Segment& s : parent_segments) EXPECT_EQ(directed.count(s), 1u) << parent_code;
        for (const Segment& s : directed) {
            EXPECT_TRUE(on_parent.count(s) == 1 || directed.count(reversed(s)) == 1) << parent_code;
        }
    }
}

TEST_F(LayoutTest, GeosSeesValidPolygonsWithoutGapOrOverlap) {
    const auto grids = city(60, 3);
    geo::geos::Context geos;
    std::map<std::string, const model::Grid*> by_code;
    for (const model::Grid& grid : grids) {
        by_code[grid.code] = &grid;
        const auto invalid = geos.multipolygon(grid.geometry).invalidity();
        EXPECT_FALSE(invalid.has_value()) << grid.code << ": " << (invalid ? invalid->reason : "");
    }
    for (const auto& [parent_code, children] : children_by_parent(grids)) {
        std::vector<geo::geos::Geometry> parts;
        double sum = 0.0;
        for (const model::Grid* child : children) {
            parts.push_back(geos.multipolygon(child->geometry));
            sum += parts.back().area();
        }
        const geo::geos::Geometry parent = geos.multipolygon(by_code.at(parent_code)->geometry);
        const geo::geos::Geometry united = geos.union_all(std::move(parts));
        const double tolerance = 1e-9 * parent.area();
        EXPECT_NEAR(united.area(), sum, tolerance) << parent_code << ": children overlap";
        EXPECT_NEAR(parent.difference(united).area(), 0.0, tolerance) << parent_code << ": gap";
        EXPECT_NEAR(united.difference(parent).area(), 0.0, tolerance) << parent_code << ": outside the parent";
    }
}

TEST_F(LayoutTest, BoundaryRulesEngineFindsNothing) {
    // An independent oracle: the rules engine of `wangge validate` (gaps, overlaps,
    // near-miss borders, codes) must accept the layout as it is.
    const rules::Report report = rules::validate(city(150, 4));
    EXPECT_TRUE(report.valid());
    EXPECT_TRUE(report.violations.empty()) << rules::to_text(report);
}

TEST_F(LayoutTest, CityLiesAroundBeijing) {
    for (const model::Grid& grid : city(100)) {
        const geo::Box box = geo::bounds(grid.geometry);
        EXPECT_GT(box.min_x, 116.0);
        EXPECT_LT(box.max_x, 117.0);
        EXPECT_GT(box.min_y, 39.5);
        EXPECT_LT(box.max_y, 40.3);
    }
}

}  // namespace
}  // namespace wangge::synth
