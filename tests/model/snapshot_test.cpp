#include "wangge/model/snapshot.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

using namespace wangge;
using namespace wangge::model;

namespace {

geo::MultiPolygon rectangle(double x0, double y0, double x1, double y1) {
    return {{geo::Polygon{{geo::Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}}};
}

/// One street, one community, two grids side by side sharing the border x = 116.45.
Dataset two_grid_dataset() {
    Dataset data;
    data.grids.push_back({"110105001", "示例街道", GridLevel::street, "", rectangle(116.44, 39.92, 116.46, 39.93), 0, {}, 1});
    data.grids.push_back({"110105001001", "示例社区", GridLevel::community, "110105001", rectangle(116.44, 39.92, 116.46, 39.93), 0, {}, 1});
    data.grids.push_back({"110105001001001", "第一网格", GridLevel::grid, "110105001001", rectangle(116.44, 39.92, 116.45, 39.93), 0, {}, 1});
    data.grids.push_back({"110105001001002", "第二网格", GridLevel::grid, "110105001001", rectangle(116.45, 39.92, 116.46, 39.93), 0, {}, 1});
    // An old version of grid 1, closed at t = 100.
    data.grids.push_back({"110105001001001", "旧第一网格", GridLevel::grid, "110105001001", rectangle(116.44, 39.92, 116.455, 39.93), -100, 0, 0});
    data.staff.push_back({1, "张伟", "13800000001", "专职网格员"});
    data.staff.push_back({2, "李娜", "13800000002", "兼职网格员"});
    data.staff_grids.push_back({2, "110105001001001", Duty::backup});
    data.staff_grids.push_back({1, "110105001001001", Duty::primary});
    data.households.push_back({1, "示例小区", "1", "1", "101", {116.445, 39.925}, "110105001001001", 3, {"低保"}, "", "", ""});
    return data;
}

}  // namespace

TEST(Snapshot, IndexesCurrentGridsOnly) {
    const auto snapshot = Snapshot::build(two_grid_dataset(), 7);
    EXPECT_EQ(snapshot->version(), 7U);
    EXPECT_EQ(snapshot->current_grids().size(), 4U);
    ASSERT_NE(snapshot->current_grid("110105001001001"), nullptr);
    EXPECT_EQ(snapshot->current_grid("110105001001001")->name, "第一网格");
    EXPECT_EQ(snapshot->children("110105001001").size(), 2U);
    EXPECT_EQ(snapshot->grids_at(-50).size(), 1U);
    EXPECT_EQ(snapshot->grids_at(-50).front()->name, "旧第一网格");
    EXPECT_EQ(snapshot->grids_at(50).size(), 4U);
}

TEST(Snapshot, StaffPrimaryFirst) {
    const auto snapshot = Snapshot::build(two_grid_dataset(), 1);
    const auto staff = snapshot->staff_of("110105001001001");
    ASSERT_EQ(staff.size(), 2U);
    EXPECT_EQ(staff[0].staff->name, "张伟");
    EXPECT_EQ(staff[0].duty, Duty::primary);
    EXPECT_TRUE(snapshot->staff_of("110105001001002").empty());
}

TEST(Snapshot, EditedStaffAndLinksMakeANewDirectoryAndLeaveTheBaseAlone) {
    const auto base = Snapshot::build(two_grid_dataset(), 1);
    SnapshotEditor editor(*base);
    Staff on_leave = *base->staff(1);
    on_leave.leave_from = 1000;
    editor.replace_staff(on_leave);
    // 李娜 becomes grid 2's A岗 and leaves grid 1.
    const std::vector<StaffGrid> grid2{{2, "ignored: set to the grid's code", Duty::primary}};
    editor.set_grid_staff("110105001001002", grid2);
    const std::vector<StaffGrid> grid1{{1, "", Duty::primary}};
    editor.set_grid_staff("110105001001001", grid1);
    const auto next = editor.finish(2);

    EXPECT_TRUE(next->changes().staff);
    EXPECT_FALSE(next->changes().layout);
    EXPECT_TRUE(next->staff(1)->on_leave(1000));
    EXPECT_FALSE(next->staff(1)->on_leave(999));
    ASSERT_EQ(next->staff_of("110105001001001").size(), 1U);
    ASSERT_EQ(next->staff_of("110105001001002").size(), 1U);
    EXPECT_EQ(next->staff_of("110105001001002")[0].staff->name, "李娜");
    ASSERT_EQ(next->links_of(2).size(), 1U);
    EXPECT_EQ(next->links_of(2)[0]->grid_code, "110105001001002");

    EXPECT_FALSE(base->staff(1)->leave_from.has_value());
    EXPECT_EQ(base->staff_of("110105001001001").size(), 2U);
    EXPECT_TRUE(base->staff_of("110105001001002").empty());
    EXPECT_THROW(SnapshotEditor(*next).replace_staff(Staff{99, "无此人", "", "志愿者"}), std::out_of_range);
}

TEST(Snapshot, AnEditWithoutStaffSharesTheDirectory) {
    const auto base = Snapshot::build(two_grid_dataset(), 1);
    SnapshotEditor editor(*base);
    editor.append_visit(Visit{});
    const auto next = editor.finish(2);
    EXPECT_FALSE(next->changes().staff);
    EXPECT_EQ(next->staff(1), base->staff(1));  // the same row: nothing was rebuilt
}

TEST(Snapshot, LookupReturnsChainAndDistance) {
    const auto snapshot = Snapshot::build(two_grid_dataset(), 1);
    const auto inside = snapshot->lookup({116.445, 39.925});
    ASSERT_TRUE(inside.has_value());
    ASSERT_EQ(inside->chain.size(), 3U);
    EXPECT_EQ(inside->chain[0]->code, "110105001");
    EXPECT_EQ(inside->grid().code, "110105001001001");
    EXPECT_FALSE(inside->near_boundary);
    // 0.005° of longitude at 39.925° is about 427 m; the nearest border is 0.005° of latitude (555 m) or that.
    EXPECT_NEAR(inside->distance_to_boundary_m, 427.2, 1.0);

    // 10 m east of the shared border, inside grid 2.
    const auto near = snapshot->lookup({116.45 + 10.0 / 85440.0, 39.925});
    ASSERT_TRUE(near.has_value());
    EXPECT_EQ(near->grid().code, "110105001001002");
    EXPECT_TRUE(near->near_boundary);
    EXPECT_NEAR(near->distance_to_boundary_m, 10.0, 0.1);

    EXPECT_FALSE(snapshot->lookup({116.0, 39.0}).has_value());
}

TEST(Snapshot, LookupGivesTheBaseChainAndTheDedicatedGridOverIt) {
    Dataset data = two_grid_dataset();
    Grid market{"110105001001901", "示例市场专属网格", GridLevel::dedicated, "110105001001",
                rectangle(116.448, 39.924, 116.452, 39.926), 0, {}, 1};
    market.purpose = "市场";
    data.grids.push_back(market);
    const auto snapshot = Snapshot::build(std::move(data), 1);
    const auto inside = snapshot->lookup({116.449, 39.925});
    ASSERT_TRUE(inside.has_value());
    EXPECT_EQ(inside->grid().code, "110105001001001");  // the base grid still ends the chain
    ASSERT_EQ(inside->chain.size(), 3U);
    ASSERT_NE(inside->dedicated, nullptr);
    EXPECT_EQ(inside->dedicated->code, "110105001001901");
    EXPECT_EQ(inside->dedicated->purpose, "市场");
    // The distance is to the base grid's border (the shared one, 0.001° away), not the dedicated grid's.
    EXPECT_NEAR(inside->distance_to_boundary_m, 85.4, 0.5);

    const auto outside = snapshot->lookup({116.445, 39.925});
    ASSERT_TRUE(outside.has_value());
    EXPECT_EQ(outside->dedicated, nullptr);
    EXPECT_TRUE(market.dedicated() && market.staffed_level());
}

TEST(Snapshot, PointOnSharedBorderGoesToSmallerCode) {
    const auto snapshot = Snapshot::build(two_grid_dataset(), 1);
    const auto on_border = snapshot->lookup({116.45, 39.925});
    ASSERT_TRUE(on_border.has_value());
    EXPECT_EQ(on_border->grid().code, "110105001001001");
    EXPECT_NEAR(on_border->distance_to_boundary_m, 0.0, 1e-9);
}

TEST(Snapshot, PointIndexesCoverEntities) {
    const auto snapshot = Snapshot::build(two_grid_dataset(), 1);
    int hits = 0;
    snapshot->household_index().query(geo::Box{116.44, 39.92, 116.45, 39.93}, [&](std::size_t) { return ++hits, true; });
    EXPECT_EQ(hits, 1);
}
