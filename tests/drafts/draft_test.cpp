#include "wangge/drafts/draft.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "layout.hpp"
#include "wangge/rules/grid_source.hpp"

namespace wangge::drafts::test {
namespace {

std::size_t errors(const rules::Report& report) {
    return static_cast<std::size_t>(
        std::count_if(report.violations.begin(), report.violations.end(),
                      [](const rules::Violation& v) { return v.severity == rules::Severity::error; }));
}

bool has_rule(const rules::Report& report, std::string_view rule) {
    return std::any_of(report.violations.begin(), report.violations.end(),
                       [&](const rules::Violation& v) { return v.rule == rule; });
}

std::vector<geo::Point> meridian(double x) { return {{x, south - 0.001}, {x, north + 0.001}}; }

TEST(Draft, TheSampleLayoutIsClean) {
    const Draft draft(layout(), 1);
    const rules::Report report = draft.validate();
    EXPECT_TRUE(report.valid()) << rules::to_text(report);
}

TEST(Draft, LayoutVersionIsTheHighestGridVersion) {
    std::vector<model::Grid> grids = layout();
    grids[2].version = 3;
    std::vector<const model::Grid*> pointers;
    for (const model::Grid& g : grids) pointers.push_back(&g);
    EXPECT_EQ(layout_version(pointers), 3);
    EXPECT_EQ(layout_version({}), 0);
}

TEST(Draft, MoveBorderRebuildsBothNeighboursAndKeepsCoverage) {
    Draft draft(layout(), 1);
    const EditResult edit = draft.move_border(grid_a, grid_b, meridian(116.412));
    // The new border's ends are on the community's and the street's rings too.
    EXPECT_EQ(edit.changed, (std::vector<std::string>{grid_a, grid_b, community, street}));
    EXPECT_EQ(geo::vertex_count(draft.grid(community).geometry), 9u);
    EXPECT_EQ(errors(edit.report), 0u) << rules::to_text(edit.report);
    EXPECT_NEAR(geo::bounds(draft.grid(grid_a).geometry).max_x, 116.412, 1e-12);
    EXPECT_NEAR(geo::bounds(draft.grid(grid_b).geometry).min_x, 116.412, 1e-12);
    const rules::Report full = draft.validate();
    EXPECT_EQ(errors(full), 0u) << rules::to_text(full);
}

TEST(Draft, MoveBorderRefusesLinesThatDoNotCrossAndNonNeighbours) {
    Draft draft(layout(), 1);
    const std::vector<geo::Point> short_line{{116.412, 39.902}, {116.412, 39.905}};
    EXPECT_THROW((void)draft.move_border(grid_a, grid_b, short_line), EditError);
    EXPECT_THROW((void)draft.move_border(grid_a, community, meridian(116.412)), EditError);
    EXPECT_THROW((void)draft.move_border(grid_a, "110105001001009", meridian(116.412)), EditError);
    EXPECT_NEAR(geo::bounds(draft.grid(grid_a).geometry).max_x, middle, 1e-12);
}

TEST(Draft, SplitCutsOneGridIntoTwoThatCoverIt) {
    Draft draft(layout(), 1);
    const EditResult edit = draft.split(grid_a, meridian(116.403), "110105001001003", "新网格");
    EXPECT_EQ(edit.changed, (std::vector<std::string>{grid_a, "110105001001003", community, street}));
    EXPECT_EQ(draft.grids().size(), 5u);
    // The larger part keeps the code.
    EXPECT_NEAR(geo::bounds(draft.grid(grid_a).geometry).min_x, 116.403, 1e-12);
    EXPECT_NEAR(geo::bounds(draft.grid("110105001001003").geometry).max_x, 116.403, 1e-12);
    EXPECT_EQ(draft.grid("110105001001003").parent_code, community);
    const rules::Report full = draft.validate();
    EXPECT_EQ(errors(full), 0u) << rules::to_text(full);
    EXPECT_THROW(
        (void)draft.split(grid_b, std::vector<geo::Point>{{116.50, 39.0}, {116.51, 39.1}}, "110105001001004", ""),
        EditError);
    EXPECT_THROW((void)draft.split(grid_b, meridian(116.415), grid_a, ""), EditError);
}

TEST(Draft, MergeUnitesNeighbours) {
    Draft draft(layout(), 1);
    const EditResult edit = draft.merge(grid_a, grid_b);
    EXPECT_EQ(edit.removed, (std::vector<std::string>{grid_b}));
    EXPECT_EQ(draft.grids().size(), 3u);
    const geo::Box box = geo::bounds(draft.grid(grid_a).geometry);
    EXPECT_EQ(box.min_x, west);
    EXPECT_EQ(box.max_x, east);
    EXPECT_EQ(draft.grid(grid_a).geometry.polygons.size(), 1u);
    const rules::Report full = draft.validate();
    EXPECT_EQ(errors(full), 0u) << rules::to_text(full);
    EXPECT_THROW((void)draft.merge(grid_a, grid_a), EditError);
}

TEST(Draft, SnapRemovesAPlantedSliver) {
    Draft draft(layout(), 1);
    // A border drawn 0.3 m short of the neighbour's leaves a gap 1.1 km long.
    const double short_x = middle - metres_east(0.3);
    const geo::MultiPolygon drawn = rectangle(west, south, short_x, north);
    const EditResult planted = draft.replace_geometry(grid_a, drawn);
    EXPECT_TRUE(has_rule(planted.report, rules::rule::gap)) << rules::to_text(planted.report);
    EXPECT_FALSE(draft.validate().valid());

    const EditResult snapped = draft.snap(grid_a, drawn, 1.0);
    EXPECT_EQ(errors(snapped.report), 0u) << rules::to_text(snapped.report);
    EXPECT_EQ(geo::bounds(draft.grid(grid_a).geometry).max_x, middle);
    EXPECT_TRUE(draft.validate().valid()) << rules::to_text(draft.validate());
    EXPECT_THROW((void)draft.snap(grid_a, drawn, 0.0), EditError);
}

TEST(Draft, EditsReportTheirViolations) {
    Draft draft(layout(), 1);
    const EditResult overlap = draft.replace_geometry(grid_a, rectangle(west, south, 116.415, north));
    EXPECT_TRUE(has_rule(overlap.report, rules::rule::overlap)) << rules::to_text(overlap.report);

    Draft removal(layout(), 1);
    const EditResult removed = removal.remove(grid_b);
    EXPECT_EQ(removed.removed, (std::vector<std::string>{grid_b}));
    EXPECT_TRUE(has_rule(removed.report, rules::rule::gap)) << rules::to_text(removed.report);
    EXPECT_THROW((void)removal.remove(community), EditError);  // it still has grid A

    Draft renamed(layout(), 1);
    (void)renamed.rename(grid_a, "幸福里网格");
    EXPECT_EQ(renamed.grid(grid_a).name, "幸福里网格");
    EXPECT_THROW((void)renamed.rename(grid_a, ""), EditError);
    const EditResult moved = renamed.reparent(grid_a, "110105001002");
    EXPECT_TRUE(has_rule(moved.report, rules::rule::parent_missing)) << rules::to_text(moved.report);
}

TEST(Draft, KeepsOnlyItsChangesOverTheBase) {
    Draft draft(layout(), 1);
    EXPECT_TRUE(draft.changed().empty());
    EXPECT_EQ(draft.size(), 4u);
    EXPECT_TRUE(draft.validate_changes().violations.empty());
    (void)draft.move_border(grid_a, grid_b, meridian(116.412));
    std::vector<std::string> changed;
    for (const auto& [code, grid] : draft.changed()) changed.push_back(code);
    EXPECT_EQ(changed, (std::vector<std::string>{street, community, grid_a, grid_b}));
    (void)draft.merge(grid_a, grid_b);
    EXPECT_EQ(draft.deleted(), (std::set<std::string, std::less<>>{grid_b}));
    EXPECT_EQ(draft.changed().size(), 3u);
    EXPECT_EQ(draft.size(), 3u);
    EXPECT_EQ(draft.grids().size(), 3u);
    EXPECT_THROW((void)draft.grid(grid_b), EditError);
    // A code given up comes back as a new grid over the deleted one.
    model::Grid again = layout()[3];
    again.geometry = rectangle(east, south, east + 0.01, north);
    (void)draft.add(again);
    EXPECT_TRUE(draft.deleted().empty());
    EXPECT_EQ(draft.size(), 4u);
}

/// A community of `count` strips side by side, sharing their vertices.
std::vector<model::Grid> strips(int count) {
    const double width = (east - west) / count;
    std::vector<geo::Point> outline;
    for (int i = 0; i <= count; ++i) outline.push_back({west + i * width, south});
    for (int i = count; i >= 0; --i) outline.push_back({west + i * width, north});
    std::vector<model::Grid> grids{grid(street, "", model::GridLevel::street, ring(outline)),
                                   grid(community, street, model::GridLevel::community, ring(outline))};
    for (int i = 0; i < count; ++i) {
        std::string code = community + (i + 1 < 10 ? "00" : "0") + std::to_string(i + 1);
        grids.push_back(grid(std::move(code), community, model::GridLevel::grid,
                             rectangle(west + i * width, south, west + (i + 1) * width, north)));
    }
    return grids;
}

std::set<std::string> keys(const std::vector<rules::Violation>& violations, std::string_view code) {
    std::set<std::string> out;
    for (const rules::Violation& v : violations) {
        if (std::find(v.grids.begin(), v.grids.end(), code) == v.grids.end()) continue;
        std::string key = v.rule;
        for (const std::string& g : v.grids) key += ' ' + g;
        out.insert(key);
    }
    return out;
}

TEST(Draft, TheCheckOfAnEditAgreesWithTheWholeLayout) {
    Draft draft(strips(12), 1);
    const std::string fourth = community + "004";
    const double width = (east - west) / 12;
    // Over the fifth strip, short of the third: an overlap and a gap.
    const EditResult edit =
        draft.replace_geometry(fourth, rectangle(west + 3.2 * width, south, west + 4.5 * width, north));
    const rules::Report full = draft.validate();
    EXPECT_TRUE(has_rule(edit.report, rules::rule::overlap)) << rules::to_text(edit.report);
    EXPECT_TRUE(has_rule(edit.report, rules::rule::gap)) << rules::to_text(edit.report);
    EXPECT_EQ(keys(edit.report.violations, fourth), keys(full.violations, fourth)) << rules::to_text(full);
    EXPECT_EQ(keys(draft.validate_changes().violations, fourth), keys(full.violations, fourth));
    EXPECT_EQ(edit.report.grids, 14u);
}

TEST(Draft, SplitSharesItsCutPointsWithTheNeighbours) {
    Draft draft(strips(3), 1);
    const std::string middle_strip = community + "002";
    const double mid_y = (south + north) / 2.0;
    const EditResult edit =
        draft.split(middle_strip, std::vector<geo::Point>{{west, mid_y}, {east, mid_y}}, community + "004", "");
    // The line runs on through the side strips: their borders get the cut points, not new parts.
    std::vector<std::string> changed = edit.changed;
    std::sort(changed.begin(), changed.end());
    EXPECT_EQ(changed, (std::vector<std::string>{community + "001", middle_strip, community + "003", community + "004"}));
    EXPECT_TRUE(edit.report.violations.empty()) << rules::to_text(edit.report);
    const rules::Report full = draft.validate();
    EXPECT_TRUE(full.violations.empty()) << rules::to_text(full);
    EXPECT_EQ(geo::vertex_count(draft.grid(community + "001").geometry), 6u);
}

TEST(Draft, ASplitOfASampleGridLeavesNoWarnings) {
    const std::vector<model::Grid> sample =
        rules::read_grid_file(std::filesystem::path(WANGGE_SOURCE_DIR) / "data" / "grids.geojson").grids;
    ASSERT_TRUE(Draft(sample, 1).validate().violations.empty());
    int splits = 0;
    for (const model::Grid& g : sample) {
        if (g.level != model::GridLevel::grid || splits == 4) continue;
        // Across the middle of the grid's box, overshooting into the neighbours.
        const geo::Box box = geo::bounds(g.geometry);
        const double y = (box.min_y + box.max_y) / 2.0;
        const double overshoot = (box.max_x - box.min_x) * 0.2;
        const std::vector<geo::Point> line{{box.min_x - overshoot, y}, {box.max_x + overshoot, y}};
        Draft draft(sample, 1);
        try {
            const EditResult edit = draft.split(g.code, line, g.parent_code + "900", "");
            EXPECT_TRUE(edit.report.violations.empty()) << g.code << ": " << rules::to_text(edit.report);
            const rules::Report full = draft.validate();
            EXPECT_TRUE(full.violations.empty()) << g.code << ": " << rules::to_text(full);
            ++splits;
        } catch (const EditError&) {
            // A concave grid the line cuts into three parts: not a split this test can make.
        }
    }
    EXPECT_EQ(splits, 4);
}

TEST(Draft, AddRefusesCodesInUse) {
    Draft draft(layout(), 1);
    model::Grid extra = draft.grid(grid_a);
    EXPECT_THROW((void)draft.add(extra), EditError);
    extra.code = "110105001001003";
    const EditResult added = draft.add(extra);
    EXPECT_TRUE(has_rule(added.report, rules::rule::overlap));
}

TEST(Draft, ADedicatedGridLiesOverTheBaseGridsAndKeepsItsPurpose) {
    Draft draft(layout(), 1);
    model::Grid school = grid("110105001001901", community, model::GridLevel::dedicated,
                              rectangle(116.405, 39.903, 116.415, 39.907));
    school.purpose = "学校";
    const EditResult added = draft.add(school);
    EXPECT_EQ(errors(added.report), 0u) << rules::to_text(added.report);
    EXPECT_TRUE(draft.validate().valid()) << rules::to_text(draft.validate());
    (void)draft.set_purpose(school.code, "外来人口聚居区");
    EXPECT_EQ(draft.grid(school.code).purpose, "外来人口聚居区");
    EXPECT_THROW((void)draft.set_purpose(grid_a, "学校"), EditError);  // base grids have none
    // Moved half out of the community: outside_parent, still no gap below it.
    const EditResult moved = draft.replace_geometry(school.code, rectangle(116.415, 39.903, 116.425, 39.907));
    EXPECT_TRUE(has_rule(moved.report, rules::rule::outside_parent)) << rules::to_text(moved.report);
    EXPECT_FALSE(has_rule(draft.validate(), rules::rule::gap));
}

TEST(Draft, RenumberProposesWestToEastCodesInsideTheParent) {
    Draft draft(layout(), 1);
    EXPECT_TRUE(draft.propose_codes().empty());
    // Swap the two shapes: the west grid now carries code 002.
    const geo::MultiPolygon a = draft.grid(grid_a).geometry;
    const geo::MultiPolygon b = draft.grid(grid_b).geometry;
    (void)draft.replace_geometry(grid_a, b);
    (void)draft.replace_geometry(grid_b, a);
    const std::vector<CodeProposal> proposals = draft.propose_codes();
    ASSERT_EQ(proposals.size(), 2u);
    EXPECT_EQ(proposals[0].old_code, grid_b);
    EXPECT_EQ(proposals[0].new_code, grid_a);
    EXPECT_EQ(proposals[1].old_code, grid_a);
    EXPECT_EQ(proposals[1].new_code, grid_b);
    (void)draft.renumber();
    EXPECT_EQ(geo::bounds(draft.grid(grid_a).geometry).max_x, middle);
    EXPECT_TRUE(draft.propose_codes().empty());
    EXPECT_TRUE(draft.validate().valid());
}

TEST(Draft, RenumberRowsRunFromNorthToSouth) {
    const double mid_y = (south + north) / 2.0;
    // Codes scrambled: 001 south-east, 002 north-west, 003 south-west, 004 north-east.
    std::vector<model::Grid> grids = layout();
    grids.resize(2);
    grids.push_back(grid(grid_a, community, model::GridLevel::grid, rectangle(middle, south, east, mid_y)));
    grids.push_back(grid(grid_b, community, model::GridLevel::grid, rectangle(west, mid_y, middle, north)));
    grids.push_back(grid("110105001001003", community, model::GridLevel::grid, rectangle(west, south, middle, mid_y)));
    grids.push_back(grid("110105001001004", community, model::GridLevel::grid, rectangle(middle, mid_y, east, north)));
    Draft draft(std::move(grids), 1);
    (void)draft.renumber();
    const auto code_at = [&](double x, double y) {
        for (const model::Grid& g : draft.grids()) {
            if (g.level == model::GridLevel::grid && geo::contains(g.geometry, {x, y})) return g.code;
        }
        return std::string();
    };
    EXPECT_EQ(code_at(116.405, 39.908), "110105001001001");  // north-west
    EXPECT_EQ(code_at(116.415, 39.908), "110105001001002");  // north-east
    EXPECT_EQ(code_at(116.405, 39.902), "110105001001003");  // south-west
    EXPECT_EQ(code_at(116.415, 39.902), "110105001001004");  // south-east
}

}  // namespace
}  // namespace wangge::drafts::test
