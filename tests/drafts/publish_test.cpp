#include "wangge/drafts/publish.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "../support/temp_dir.hpp"
#include "layout.hpp"
#include "wangge/model/duty_days.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::drafts::test {
namespace {

constexpr model::Timestamp publish_time = 1'780'000'000;  // 2026-05-28

/// A temp dir (removed afterwards) with the path of a store inside it.
class TempStore {
public:
    [[nodiscard]] std::filesystem::path path() const { return dir_ / "store.gpkg"; }

private:
    support::TempDir dir_;
};

PublishPlan moved_border_plan(const model::Snapshot& current) {
    Draft draft(layout(), 1);
    (void)draft.move_border(grid_a, grid_b,
                            std::vector<geo::Point>{{116.412, south - 0.001}, {116.412, north + 0.001}});
    return plan_publication(draft, current, publish_time);
}

TEST(Publish, PlanReassignsRowsWhoseGridChanged) {
    const auto current = model::Snapshot::build(dataset(), 1);
    const PublishPlan plan = moved_border_plan(*current);
    ASSERT_EQ(plan.moves.size(), 1u);
    const Reassignment& move = plan.moves.front();
    EXPECT_EQ(move.from, grid_b);
    EXPECT_EQ(move.to, grid_a);
    EXPECT_EQ(move.households, 2u);
    EXPECT_EQ(move.facilities, 1u);
    EXPECT_EQ(move.incidents, 1u);  // the closed incident keeps its grid
    for (const model::Grid& grid : plan.publication.grids) {
        EXPECT_EQ(grid.version, 2);
        EXPECT_EQ(grid.valid_from, publish_time);
    }
    const nlohmann::json summary = to_json(plan.moves);
    EXPECT_EQ(summary["households"], 2);
    EXPECT_EQ(summary["pairs"][0]["message"],
              "2 户、1 处设施、1 件在办事件从 110105001001002 网格划入 110105001001001 网格");
}

TEST(Publish, ApplyKeepsTheOldVersionsClosed) {
    const auto current = model::Snapshot::build(dataset(), 1);
    const PublishPlan plan = moved_border_plan(*current);
    model::SnapshotEditor editor(*current);
    apply_publication(editor, plan.publication);
    const auto next = editor.finish(2);
    EXPECT_EQ(next->data().grids.size(), 8u);
    EXPECT_EQ(next->current_grids().size(), 4u);
    EXPECT_EQ(next->data().households[2].grid_code, grid_a);
    EXPECT_EQ(next->data().incidents[1].grid_code, grid_b);
    const std::vector<const model::Grid*> before = next->grids_at(publish_time - 1);
    ASSERT_EQ(before.size(), 4u);
    for (const model::Grid* grid : before) EXPECT_EQ(grid->version, 1);
}

TEST(Publish, TheStoreHoldsBothVersionsAfterReopening) {
    const TempStore temp;
    {
        store::GeoPackageStore created = store::GeoPackageStore::create(temp.path());
        model::Dataset data = dataset();
        created.append(data);
    }
    const auto current = model::Snapshot::build(store::GeoPackageStore::open(temp.path()).load(), 1);
    const PublishPlan plan = moved_border_plan(*current);
    store::GeoPackageStore::open(temp.path(), true).publish_layout(plan.publication);

    const model::Dataset reloaded = store::GeoPackageStore::open(temp.path()).load();
    ASSERT_EQ(reloaded.grids.size(), 8u);
    int closed = 0;
    for (const model::Grid& grid : reloaded.grids) {
        if (grid.valid_to) {
            ++closed;
            EXPECT_EQ(*grid.valid_to, publish_time);
            EXPECT_EQ(grid.version, 1);
        } else {
            EXPECT_EQ(grid.version, 2);
            EXPECT_EQ(grid.valid_from, publish_time);
        }
    }
    EXPECT_EQ(closed, 4);
    for (const model::Household& h : reloaded.households) {
        EXPECT_EQ(h.grid_code, h.location.x < 116.412 ? grid_a : grid_b) << h.id;
    }
    EXPECT_EQ(reloaded.facilities[0].grid_code, grid_a);
    EXPECT_EQ(reloaded.incidents[0].grid_code, grid_a);
    EXPECT_EQ(reloaded.incidents[1].grid_code, grid_b);
}

TEST(Publish, AnotherOpenConnectionDoesNotBlockPublishing) {
    const TempStore temp;
    {
        store::GeoPackageStore created = store::GeoPackageStore::create(temp.path());
        model::Dataset data = dataset();
        created.append(data);
    }
    // Opening reads the schema version; that read must not keep SQLite's
    // shared lock, or every other connection's commit would wait and fail.
    const store::GeoPackageStore reader = store::GeoPackageStore::open(temp.path());
    const auto current = model::Snapshot::build(reader.load(), 1);
    const auto started = std::chrono::steady_clock::now();
    store::GeoPackageStore::open(temp.path(), true).publish_layout(moved_border_plan(*current).publication);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_EQ(reader.load().grids.size(), 8u);
}

TEST(Publish, AFailedPublicationStoresNothing) {
    const TempStore temp;
    {
        store::GeoPackageStore created = store::GeoPackageStore::create(temp.path());
        model::Dataset data = dataset();
        created.append(data);
    }
    store::LayoutPublication publication;
    publication.at = publish_time;
    publication.grids = layout();
    publication.households.push_back({999, grid_a});  // no such household
    EXPECT_THROW(store::GeoPackageStore::open(temp.path(), true).publish_layout(publication), store::StoreError);
    const model::Dataset reloaded = store::GeoPackageStore::open(temp.path()).load();
    EXPECT_EQ(reloaded.grids.size(), 4u);
    for (const model::Grid& grid : reloaded.grids) EXPECT_FALSE(grid.valid_to.has_value());
}

/// dataset() with staff: 1 is grid A's A岗, 2 grid B's A岗 and 3 its B岗.
model::Dataset staffed_dataset() {
    model::Dataset data = dataset();
    data.staff = {{1, "张伟", "010-1", "网格长"}, {2, "李娜", "010-2", "专职网格员"}, {3, "王芳", "010-3", "兼职网格员"}};
    data.staff_grids = {{1, grid_a, model::Duty::primary, 0x1f},
                        {2, grid_b, model::Duty::primary, 0x15},
                        {3, grid_b, model::Duty::backup, 0x60}};
    return data;
}

TEST(Publish, AMergeCarriesTheAbsorbedGridsStaffOverAsBPosts) {
    const auto current = model::Snapshot::build(staffed_dataset(), 1);
    Draft draft(layout(), 1);
    (void)draft.merge(grid_a, grid_b);
    const PublishPlan plan = plan_publication(draft, *current, publish_time);

    model::SnapshotEditor editor(*current);
    apply_publication(editor, plan.publication);
    const auto next = editor.finish(2);
    EXPECT_TRUE(next->staff_of(grid_b).empty());
    const auto staff = next->staff_of(grid_a);
    ASSERT_EQ(staff.size(), 3u);
    // Grid A keeps its A岗; B's A岗 joins as B岗, so the merged grid has exactly one.
    EXPECT_EQ(staff[0].staff->id, 1);
    EXPECT_EQ(staff[0].duty, model::Duty::primary);
    EXPECT_EQ(staff[1].duty, model::Duty::backup);
    EXPECT_EQ(staff[2].duty, model::Duty::backup);
    // Everyone keeps the days on duty posted for the old grid.
    EXPECT_EQ(model::duty_days_in(*next, 1, grid_a), 0x1f);
    EXPECT_EQ(model::duty_days_in(*next, 2, grid_a), 0x15);
    EXPECT_EQ(model::duty_days_in(*next, 3, grid_a), 0x60);
    EXPECT_TRUE(next->changes().staff);
}

TEST(Publish, ASplitsNewGridStartsWithoutStaffAndTheOldOneKeepsItsOwn) {
    const auto current = model::Snapshot::build(staffed_dataset(), 1);
    Draft draft(layout(), 1);
    const std::vector<geo::Point> line{{116.405, south - 0.001}, {116.405, north + 0.001}};
    (void)draft.split(grid_a, line, "110105001001003", "新网格");
    const PublishPlan plan = plan_publication(draft, *current, publish_time);
    EXPECT_TRUE(plan.publication.staff.empty());
}

TEST(Publish, CarriedStaffAreStoredWithTheLayout) {
    const TempStore temp;
    {
        store::GeoPackageStore created = store::GeoPackageStore::create(temp.path());
        model::Dataset data = staffed_dataset();
        created.append(data);
    }
    const auto current = model::Snapshot::build(store::GeoPackageStore::open(temp.path()).load(), 1);
    Draft draft(layout(), 1);
    (void)draft.merge(grid_b, grid_a);
    store::GeoPackageStore::open(temp.path(), true).publish_layout(plan_publication(draft, *current, publish_time).publication);

    const model::Dataset reloaded = store::GeoPackageStore::open(temp.path()).load();
    ASSERT_EQ(reloaded.staff_grids.size(), 3u);
    int primary = 0;
    for (const model::StaffGrid& link : reloaded.staff_grids) {
        EXPECT_EQ(link.grid_code, grid_b);
        if (link.duty == model::Duty::primary) ++primary;
    }
    EXPECT_EQ(primary, 1);
}

TEST(Publish, AnEmptyDraftIsRefused) {
    const auto current = model::Snapshot::build(dataset(), 1);
    EXPECT_THROW((void)plan_publication(Draft({}, 1), *current, publish_time), EditError);
}

}  // namespace
}  // namespace wangge::drafts::test
