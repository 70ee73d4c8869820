#include "wangge/rules/validator.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "planted_layout.hpp"
#include "wangge/rules/grid_source.hpp"
#include "wangge/synth/layout.hpp"

namespace wangge::rules {
namespace {

using namespace testing;
using Codes = std::vector<std::string>;

std::vector<const Violation*> of_rule(const Report& report, std::string_view id) {
    std::vector<const Violation*> found;
    for (const Violation& v : report.violations) {
        if (v.rule == id) found.push_back(&v);
    }
    return found;
}

std::string describe(const Report& report) { return to_json(report).dump(1); }

/// Only these rules, with these counts, are in the report.
void expect_rules(const Report& report, const std::map<std::string, std::size_t>& expected) {
    EXPECT_EQ(report.summary(), expected) << describe(report);
}

void expect_incremental_agrees(const std::vector<model::Grid>& grids, std::size_t edited,
                               const geo::MultiPolygon& geometry);

class Planted : public ::testing::Test {
protected:
    PlantedLayout layout;
};

TEST_F(Planted, CleanLayoutHasNoViolations) {
    const Report report = validate(layout.clean());
    EXPECT_TRUE(report.valid());
    EXPECT_TRUE(report.violations.empty()) << describe(report);
    EXPECT_EQ(report.grids, 5u);
    const nlohmann::json json = to_json(report);
    EXPECT_EQ(json["valid"], true);
    EXPECT_EQ(json["grids"], 5);
    EXPECT_TRUE(json["summary"].empty());
    EXPECT_TRUE(json["violations"].is_array());
    EXPECT_TRUE(json.contains("elapsed_ms"));
}

TEST_F(Planted, GapBetweenGridsWithRepair) {
    const Report report = validate(layout.with(grid2, layout.rectangle(110, 200)));
    expect_rules(report, {{"gap", 1}});
    const Violation& gap = report.violations.front();
    EXPECT_EQ(gap.severity, Severity::error);
    EXPECT_EQ(gap.grids, (Codes{community_code, grid1, grid2}));
    EXPECT_NEAR(*gap.area_m2, 2000.0, 1.0);
    EXPECT_EQ(gap.geometry["type"], "Polygon");
    EXPECT_NE(gap.message.find("社区 110105001001 内有 2000.0 平方米"), std::string::npos) << gap.message;
    ASSERT_TRUE(gap.repair.has_value());
    // The 10 m x 200 m piece touches grid 1 and 2 along 200 m each, and the
    // community border along 20 m: either grid is a longest-edge owner.
    EXPECT_NEAR(gap.repair->shared_edge_m, 200.0, 0.5);
    EXPECT_FALSE(report.valid());
}

TEST_F(Planted, HalfMetreSliverGapIsReported) {
    Options options;
    options.edge_tolerance_m = 0.3;  // keep the near-miss rule out of this test
    const Report report = validate(layout.with(grid2, layout.rectangle(100.5, 200)), options);
    expect_rules(report, {{"gap", 1}});
    EXPECT_NEAR(*report.violations.front().area_m2, 100.0, 0.5);
}

TEST_F(Planted, OneMetreSliverIsReportedButOneCentimetreIsNoise) {
    const Report wide = validate(layout.with(grid2, layout.rectangle(101, 200)));
    expect_rules(wide, {{"gap", 1}});
    EXPECT_NEAR(*wide.violations.front().area_m2, 200.0, 0.5);

    // 0.01 m x 200 m = 2 m², above min_area_m2 but narrower than min_width_m.
    const Report thin = validate(layout.with(grid2, layout.rectangle(100.01, 200)));
    EXPECT_TRUE(of_rule(thin, rule::gap).empty()) << describe(thin);
    EXPECT_TRUE(thin.valid());
    // Its vertices sit 1 cm from the neighbour without being shared.
    ASSERT_EQ(of_rule(thin, rule::edge_mismatch).size(), 1u) << describe(thin);
    EXPECT_EQ(of_rule(thin, rule::edge_mismatch).front()->severity, Severity::warning);
    // The message gives the real distance and the tolerance, each as what it is.
    const std::string& message = of_rule(thin, rule::edge_mismatch).front()->message;
    EXPECT_NE(message.find("最远相距 0.01 米（容差 0.5 米内应共用顶点）"), std::string::npos) << message;

    Options lenient;
    lenient.min_width_m = 2.0;
    EXPECT_TRUE(of_rule(validate(layout.with(grid2, layout.rectangle(101, 200)), lenient), rule::gap).empty());
}

TEST_F(Planted, OverlapWithAreaMessageAndRepair) {
    const Report report = validate(layout.with(grid2, layout.rectangle(90, 200)));
    expect_rules(report, {{"overlap", 1}});
    const Violation& overlap = report.violations.front();
    EXPECT_EQ(overlap.grids, (Codes{grid1, grid2}));
    EXPECT_NEAR(*overlap.area_m2, 2000.0, 1.0);
    EXPECT_EQ(overlap.message, "网格 110105001001001 与 110105001001002 重叠 2000.0 平方米");
    ASSERT_TRUE(overlap.repair.has_value());
    EXPECT_EQ(overlap.repair->remove_from.size(), 1u);
    EXPECT_NE(overlap.repair->assign_to, overlap.repair->remove_from.front());
}

TEST_F(Planted, OverlapRepairPrefersFewerHouseholdsOnATie) {
    Options options;
    options.households = std::unordered_map<std::string, int>{{grid1, 250}, {grid2, 120}, {grid3, 200}};
    const Report report = validate(layout.with(grid2, layout.rectangle(90, 200)), options);
    const auto overlaps = of_rule(report, rule::overlap);
    ASSERT_EQ(overlaps.size(), 1u);
    EXPECT_EQ(overlaps.front()->repair->assign_to, grid2);
    EXPECT_EQ(overlaps.front()->repair->remove_from, Codes{grid1});
}

TEST_F(Planted, BowtieIsInvalidWithReasonAndLocation) {
    const geo::Ring bowtie{{200, 0}, {300, 200}, {300, 0}, {200, 200}, {200, 0}};
    const Report report = validate(layout.with(grid3, bowtie));
    const auto invalid = of_rule(report, rule::invalid_geometry);
    ASSERT_EQ(invalid.size(), 1u) << describe(report);
    EXPECT_EQ(invalid.front()->grids, Codes{grid3});
    EXPECT_EQ(invalid.front()->reason, "Self-intersection");
    EXPECT_NE(invalid.front()->message.find("自相交"), std::string::npos);
    const geo::Point expected = layout.lonlat({{250, 100}}).front();
    EXPECT_EQ(invalid.front()->geometry["type"], "Point");
    EXPECT_NEAR(invalid.front()->geometry["coordinates"][0].get<double>(), expected.x, 1e-7);
    EXPECT_NEAR(invalid.front()->geometry["coordinates"][1].get<double>(), expected.y, 1e-7);
    // The bowtie's repaired shape leaves the top and bottom triangles uncovered.
    const auto gaps = of_rule(report, rule::gap);
    ASSERT_EQ(gaps.size(), 2u);
    for (const Violation* gap : gaps) EXPECT_NEAR(*gap->area_m2, 5000.0, 2.0);
    // Grid 2's vertices at y = 50, 100, 150 lie on the bowtie's straight side.
    expect_rules(report, {{"invalid_geometry", 1}, {"gap", 2}, {"edge_mismatch", 1}});
}

TEST_F(Planted, GridHalfOutsideItsCommunity) {
    const Report report = validate(layout.with(grid3, layout.rectangle(200, 400)));
    expect_rules(report, {{"outside_parent", 1}});
    const Violation& outside = report.violations.front();
    EXPECT_EQ(outside.grids, (Codes{grid3, community_code}));
    EXPECT_NEAR(*outside.area_m2, 20000.0, 5.0);
}

/// Dedicated grids (专属网格) lie over the base grids inside their community:
/// they need not cover it, must stay inside it, and never overlap each other.
TEST_F(Planted, DedicatedGridsOverlapBaseGridsButNotEachOther) {
    std::vector<model::Grid> grids = layout.clean();
    const auto dedicated = [&](std::string code, double x0, double x1) {
        model::Grid g = layout.grid(std::move(code), model::GridLevel::dedicated, community_code,
                                    layout.rectangle(x0, x1, 50, 150));
        g.purpose = "学校";
        return g;
    };
    grids.push_back(dedicated("110105001001901", 50, 150));  // over grids 1 and 2
    EXPECT_TRUE(validate(grids).violations.empty()) << describe(validate(grids));

    grids.push_back(dedicated("110105001001902", 120, 180));  // 30 m into the first one
    const Report overlapping = validate(grids);
    expect_rules(overlapping, {{"overlap", 1}});
    EXPECT_EQ(overlapping.violations.front().grids, (Codes{"110105001001901", "110105001001902"}));
    EXPECT_NEAR(*overlapping.violations.front().area_m2, 3000.0, 1.0);
    EXPECT_NE(overlapping.violations.front().message.find("专属网格"), std::string::npos);

    grids.back() = dedicated("110105001001902", 250, 350);  // half outside the community
    const Report outside = validate(grids);
    expect_rules(outside, {{"outside_parent", 1}});
    EXPECT_EQ(outside.violations.front().grids, (Codes{"110105001001902", community_code}));
    EXPECT_NEAR(*outside.violations.front().area_m2, 5000.0, 5.0);
    expect_incremental_agrees(grids, grids.size() - 1, grids.back().geometry);
    expect_incremental_agrees(grids, 3, grids[3].geometry);  // a base grid under a dedicated one

    // Staffed like a grid: exactly one A岗; counted households are the base grids' only.
    Options options;
    options.primary_staff = std::unordered_map<std::string, int>{{grid1, 1}, {grid2, 1}, {grid3, 1}};
    options.households = std::unordered_map<std::string, int>{{grid1, 150}, {grid2, 150}, {grid3, 150}};
    grids.pop_back();
    const Report staffing = validate(grids, options);
    expect_rules(staffing, {{"no_primary_staff", 1}});
    EXPECT_EQ(staffing.violations.front().grids, Codes{"110105001001901"});
}

TEST_F(Planted, DedicatedGridCodesFollowTheGridScheme) {
    std::vector<model::Grid> grids = layout.clean();
    grids.push_back(layout.grid("1101050010019", model::GridLevel::dedicated, community_code, layout.rectangle(50, 150, 50, 150)));
    const Report report = validate(grids);
    expect_rules(report, {{"code_format", 1}});
}

TEST_F(Planted, DuplicatedCode) {
    std::vector<model::Grid> grids = layout.clean();
    grids[4].code = grid2;
    const Report report = validate(grids);
    expect_rules(report, {{"duplicate_code", 1}});
    EXPECT_EQ(report.violations.front().grids, Codes{grid2});
    EXPECT_EQ(report.violations.front().geometry["type"], "MultiPolygon");
}

TEST_F(Planted, WrongPrefix) {
    std::vector<model::Grid> grids = layout.clean();
    grids[4].code = "110105001002003";
    const Report report = validate(grids);
    expect_rules(report, {{"code_format", 1}});
    EXPECT_EQ(report.violations.front().grids, (Codes{"110105001002003", community_code}));
    EXPECT_NE(report.violations.front().message.find("上级编码"), std::string::npos);
}

TEST_F(Planted, WrongLengthAndConfigurableScheme) {
    std::vector<model::Grid> grids = layout.clean();
    grids[4].code = "1101050010010003";
    expect_rules(validate(grids), {{"code_format", 1}});
    // A scheme with 4-digit grid numbers accepts 16 digits and rejects the others.
    Options options;
    options.scheme.digits = {6, 3, 3, 4};
    const Report report = validate(grids, options);
    expect_rules(report, {{"code_format", 2}});
}

TEST_F(Planted, UnknownParent) {
    std::vector<model::Grid> grids = layout.clean();
    grids[4].code = "110105001009003";
    grids[4].parent_code = "110105001009";
    const Report report = validate(grids);
    // Grid 3 left the community, whose children no longer cover it.
    expect_rules(report, {{"parent_missing", 1}, {"gap", 1}});
    const auto missing = of_rule(report, rule::parent_missing);
    EXPECT_EQ(missing.front()->grids, (Codes{"110105001009003", "110105001009"}));
    EXPECT_NEAR(*of_rule(report, rule::gap).front()->area_m2, 20000.0, 5.0);
}

TEST_F(Planted, ChildrenWithoutParentsAreNotMissingThem) {
    std::vector<model::Grid> grids = layout.clean();
    grids.erase(grids.begin(), grids.begin() + 2);
    EXPECT_TRUE(validate(grids).violations.empty());
}

TEST_F(Planted, NearMissEdgeIsAWarning) {
    // Grid 2's vertex (100, 100) moved 4 cm east: a 2 m² sliver only 4 cm wide (noise),
    // but the border no longer matches vertex for vertex.
    geo::Ring moved = layout.rectangle(100, 200);
    std::replace(moved.begin(), moved.end(), geo::Point{100, 100}, geo::Point{100.04, 100});
    const Report report = validate(layout.with(grid2, moved));
    expect_rules(report, {{"edge_mismatch", 1}});
    const Violation& mismatch = report.violations.front();
    EXPECT_EQ(mismatch.severity, Severity::warning);
    EXPECT_EQ(mismatch.grids, (Codes{grid1, grid2}));
    EXPECT_NEAR(*mismatch.length_m, 100.0, 0.5);
    EXPECT_EQ(mismatch.geometry["type"], "MultiLineString");
    EXPECT_TRUE(report.valid());
}

TEST_F(Planted, HoleInsideUnionIsAGapWithoutParent) {
    // Only grids, no community: a hole in the middle is a gap, the outside is not.
    const PlantedLayout& l = layout;
    std::vector<model::Grid> grids{
        l.grid(grid1, model::GridLevel::grid, community_code, l.rectangle(0, 300, 0, 100)),
        l.grid(grid2, model::GridLevel::grid, community_code, l.rectangle(0, 100, 100, 200)),
        l.grid(grid3, model::GridLevel::grid, community_code, l.rectangle(150, 300, 100, 200)),
        l.grid("110105001001004", model::GridLevel::grid, community_code,
               {{100, 150}, {150, 150}, {150, 200}, {100, 200}, {100, 150}}),
    };
    const Report report = validate(grids);
    const auto gaps = of_rule(report, rule::gap);
    ASSERT_EQ(gaps.size(), 1u) << describe(report);
    EXPECT_NEAR(*gaps.front()->area_m2, 2500.0, 1.0);
    EXPECT_EQ(gaps.front()->grids, (Codes{grid1, grid2, grid3, "110105001001004"}));
    EXPECT_NE(gaps.front()->message.find("之间有 2500.0 平方米空隙"), std::string::npos);
}

TEST_F(Planted, HouseholdCountIsAWarning) {
    Options options;
    options.households = std::unordered_map<std::string, int>{{grid1, 99}, {grid2, 150}, {grid3, 301}};
    const Report report = validate(layout.clean(), options);
    expect_rules(report, {{"household_count", 2}});
    EXPECT_TRUE(report.valid());
    EXPECT_EQ(report.violations[0].grids, Codes{grid1});
    EXPECT_NE(report.violations[0].message.find("99 户"), std::string::npos);
}

TEST_F(Planted, EveryGridNeedsExactlyOneAPost) {
    Options options;
    // grid1 has its one A岗, grid2 none (a split's new grid), grid3 two (an unsettled merge).
    options.primary_staff = std::unordered_map<std::string, int>{{grid1, 1}, {grid3, 2}};
    const Report report = validate(layout.clean(), options);
    expect_rules(report, {{"no_primary_staff", 2}});
    EXPECT_TRUE(report.valid());  // a warning: staffing does not make boundaries invalid
    EXPECT_EQ(report.violations[0].grids, Codes{grid2});
    EXPECT_NE(report.violations[0].message.find("没有 A岗"), std::string::npos);
    EXPECT_EQ(report.violations[1].grids, Codes{grid3});
    EXPECT_NE(report.violations[1].message.find("有 2 名 A岗"), std::string::npos);
    // Without staff counts the rule does not run (a grid file has no staff).
    EXPECT_TRUE(validate(layout.clean()).violations.empty());
}

TEST_F(Planted, ResidentsCountIsAWarningWithInclusiveBounds) {
    Options options;
    // 200 and 400 are inside the default range; 199 and 401 are not.
    options.residents = std::unordered_map<std::string, int>{{grid1, 200}, {grid2, 401}, {grid3, 400}};
    Report report = validate(layout.clean(), options);
    expect_rules(report, {{"residents_count", 1}});
    EXPECT_TRUE(report.valid());
    EXPECT_EQ(report.violations[0].grids, Codes{grid2});
    EXPECT_NE(report.violations[0].message.find("居民 401 人，不在 200–400 人"), std::string::npos)
        << report.violations[0].message;
    // The range is configurable; a grid the map has no households for has 0 residents.
    options.residents_min = 250;
    options.residents->erase(grid3);
    report = validate(layout.clean(), options);
    expect_rules(report, {{"residents_count", 3}});
    EXPECT_NE(of_rule(report, rule::residents_count)[2]->message.find("居民 0 人"), std::string::npos);
}

TEST_F(Planted, CompoundInOneGridIsFineInTwoIsAWarning) {
    Options options;
    using Buildings = std::vector<Building>;
    options.buildings = std::unordered_map<std::string, Buildings>{
        {grid1, Buildings{{"阳光小区", "1号楼"}, {"阳光小区", "2号楼"}}},
        {grid2, Buildings{{"和平里", ""}}},
        {grid3, Buildings{{"幸福苑", "3号楼"}}}};
    expect_rules(validate(layout.clean(), options), {});

    // 阳光小区 also in grid2, along its buildings: the compound is named once.
    (*options.buildings)[grid2].push_back({"阳光小区", "5号楼"});
    Report report = validate(layout.clean(), options);
    expect_rules(report, {{"compound_split", 1}});
    EXPECT_TRUE(report.valid());
    EXPECT_EQ(report.violations[0].grids, (Codes{grid1, grid2}));
    EXPECT_EQ(report.violations[0].message, "小区 阳光小区 的住户分属 2 个网格：" + std::string(grid1) + "、" + grid2);
    EXPECT_FALSE(report.violations[0].geometry.is_null());

    // 幸福苑 3号楼 split between grid2 and grid3: the building is named instead.
    (*options.buildings)[grid2].push_back({"幸福苑", "3号楼"});
    report = validate(layout.clean(), options);
    expect_rules(report, {{"compound_split", 2}});
    const auto split = of_rule(report, rule::compound_split);
    EXPECT_EQ(split[1]->grids, (Codes{grid2, grid3}));
    EXPECT_EQ(split[1]->message, "小区 幸福苑 3号楼 的住户分属 2 个网格：" + std::string(grid2) + "、" + grid3);

    // The check of one grid reports the splits it takes part in.
    const Validator validator(layout.clean(), options);
    const Report one = validator.validate_grid(grid3, layout.clean()[4].geometry);
    expect_rules(one, {{"compound_split", 1}});
    EXPECT_NE(one.violations[0].message.find("幸福苑"), std::string::npos);
    expect_rules(validator.validate_grid(grid1, layout.clean()[2].geometry), {{"compound_split", 1}});
}

TEST_F(Planted, CommunityHouseholdsAboveTheLimitOnly) {
    Options options;
    options.households_max = 5000;  // keep household_count quiet
    options.households = std::unordered_map<std::string, int>{{grid1, 1000}, {grid2, 1000}, {grid3, 1000}};
    expect_rules(validate(layout.clean(), options), {});  // exactly 3000: not above
    (*options.households)[grid3] = 1001;
    Report report = validate(layout.clean(), options);
    expect_rules(report, {{"community_households", 1}});
    EXPECT_TRUE(report.valid());
    EXPECT_EQ(report.violations[0].grids, Codes{community_code});
    EXPECT_EQ(report.violations[0].message, "社区 " + std::string(community_code) + " 有 3001 户，超过 3000 户的上限");
    // The check of one grid reports its community; the limit is configurable.
    const Validator validator(layout.clean(), options);
    expect_rules(validator.validate_grid(grid2, layout.clean()[3].geometry), {{"community_households", 1}});
    options.community_households_max = 3001;
    expect_rules(validate(layout.clean(), options), {});
}

TEST_F(Planted, SeparateParentFile) {
    std::vector<model::Grid> grids = layout.with(grid3, layout.rectangle(200, 400));
    std::vector<model::Grid> parents(grids.begin(), grids.begin() + 2);
    grids.erase(grids.begin(), grids.begin() + 2);
    const Report report = validate(grids, {}, parents);
    expect_rules(report, {{"outside_parent", 1}});
    EXPECT_EQ(report.grids, 3u);
}

TEST_F(Planted, RejectsProjectedCoordinates) {
    std::vector<model::Grid> grids = layout.clean();
    grids[2].geometry.polygons[0].rings[0][1] = {500000.0, 4400000.0};
    EXPECT_THROW(Validator{grids}, InputError);
}

TEST_F(Planted, UnclosedAndDegenerateRingsAreInvalid) {
    std::vector<model::Grid> grids = layout.clean();
    grids[4].geometry.polygons[0].rings[0].pop_back();
    const Report report = validate(grids);
    const auto invalid = of_rule(report, rule::invalid_geometry);
    ASSERT_EQ(invalid.size(), 1u) << describe(report);
    EXPECT_NE(invalid.front()->message.find("环未闭合"), std::string::npos) << invalid.front()->message;
}

TEST(SampleCommunity, ValidatesClean) {
    const GridFile file = read_grid_file(WANGGE_SOURCE_DIR "/data/grids.geojson");
    ASSERT_FALSE(file.grids.empty());
    const Report report = validate(file.grids);
    EXPECT_TRUE(report.violations.empty()) << describe(report);
}

/// The incremental check reports what a full run on the edited layout reports about that grid.
void expect_incremental_agrees(const std::vector<model::Grid>& grids, std::size_t edited,
                               const geo::MultiPolygon& geometry) {
    const Validator validator(grids);
    const Report incremental = validator.validate_grid(grids[edited].code, geometry);
    std::vector<model::Grid> changed = grids;
    changed[edited].geometry = geometry;
    const Report full = validate(changed);
    std::vector<const Violation*> expected;
    for (const Violation& v : full.violations) {
        if (std::find(v.grids.begin(), v.grids.end(), grids[edited].code) != v.grids.end()) expected.push_back(&v);
    }
    // Both runs project the same lon/lat with CRSs centred on different
    // extents, so areas agree to a few mm², not bit for bit.
    ASSERT_EQ(incremental.violations.size(), expected.size()) << describe(incremental) << describe(full);
    for (std::size_t k = 0; k < expected.size(); ++k) {
        const Violation& got = incremental.violations[k];
        EXPECT_EQ(got.rule, expected[k]->rule);
        EXPECT_EQ(got.grids, expected[k]->grids);
        EXPECT_EQ(got.severity, expected[k]->severity);
        EXPECT_NEAR(got.area_m2.value_or(0), expected[k]->area_m2.value_or(0), 0.01);
        EXPECT_NEAR(got.length_m.value_or(0), expected[k]->length_m.value_or(0), 0.01);
        EXPECT_EQ(got.repair.has_value(), expected[k]->repair.has_value());
    }
}

TEST_F(Planted, IncrementalAgreesWithFull) {
    const std::vector<model::Grid> grids = layout.clean();
    const auto edit = [&](const geo::Ring& metres) { return geo::MultiPolygon{{geo::Polygon{{layout.lonlat(metres)}}}}; };
    expect_incremental_agrees(grids, 3, edit(layout.rectangle(90, 200)));    // overlap
    expect_incremental_agrees(grids, 3, edit(layout.rectangle(110, 200)));   // gap
    expect_incremental_agrees(grids, 4, edit(layout.rectangle(200, 400)));   // outside
    expect_incremental_agrees(grids, 1, edit(layout.rectangle(0, 250)));     // community shrinks
    expect_incremental_agrees(grids, 3, grids[3].geometry);                  // unchanged
    EXPECT_THROW((void)Validator(grids).validate_grid("nope", grids[3].geometry), InputError);
    EXPECT_THROW((void)Validator(grids).validate_grid(grid2, geo::MultiPolygon{{geo::Polygon{{{{0, 0}, {500, 0}, {0, 1}, {0, 0}}}}}}), InputError);
    const Report emptied = Validator(grids).validate_grid(grid2, {});
    ASSERT_FALSE(of_rule(emptied, rule::invalid_geometry).empty()) << describe(emptied);
    EXPECT_EQ(of_rule(emptied, rule::invalid_geometry).front()->reason, "Empty geometry");
}

TEST(SyntheticCity, CleanAndIncrementalAgrees) {
    synth::LayoutParams params;
    params.grids = 300;
    params.seed = 7;
    const std::vector<model::Grid> grids = synth::build_layout(params);
    const Validator validator(grids);
    const Report report = validator.validate_all();
    EXPECT_TRUE(report.violations.empty()) << describe(report);

    // Push one vertex of a grid 3 m outwards into its neighbours.
    const std::size_t edited = grids.size() - 10;
    geo::MultiPolygon moved = grids[edited].geometry;
    geo::Ring& ring = moved.polygons.front().rings.front();
    const geo::Box box = geo::bounds(ring);
    const geo::Point centre{(box.min_x + box.max_x) / 2, (box.min_y + box.max_y) / 2};
    geo::Point& vertex = ring[1];
    vertex.x += (vertex.x - centre.x) * 3.0 / std::hypot((vertex.x - centre.x) * 85000, (vertex.y - centre.y) * 111000);
    vertex.y += (vertex.y - centre.y) * 3.0 / std::hypot((vertex.x - centre.x) * 85000, (vertex.y - centre.y) * 111000);
    const Report incremental = validator.validate_grid(grids[edited].code, moved);
    EXPECT_FALSE(incremental.violations.empty());
    expect_incremental_agrees(grids, edited, moved);
}

}  // namespace
}  // namespace wangge::rules
