// Household versions: each add, edit and move-out stored with its row in one
// transaction, read back as the household's history and by time.

#include "wangge/store/household_versions.hpp"

#include <memory>
#include <algorithm>

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "sample_dataset.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {
namespace {

using workflow::HouseholdChange;
using workflow::HouseholdChangeKind;

class HouseholdVersionsTest : public ::testing::Test {
protected:
    HouseholdVersionsTest() {
        GeoPackageStore store = GeoPackageStore::create(path_);
        model::Dataset data = testing::sample_dataset();
        store.append(data);
    }

    void write(HouseholdChange& change) {
        GeoPackageStore store = GeoPackageStore::open(path_, true);
        const std::unique_ptr<Batch> owned_batch = store.begin_batch();
        Batch& batch = *owned_batch;
        batch.write_household(change);
        batch.commit();
    }

    support::TempDir dir_;
    std::filesystem::path path_ = dir_ / "city.gpkg";
};

model::Household newcomer() {
    model::Household household;
    household.compound = "幸福里";
    household.building = "3号楼";
    household.unit = "1单元";
    household.room = "502";
    household.location = {116.4052, 39.9052};
    household.grid_code = "110105001001001";
    household.members = 3;
    household.tags = {"新入住", "出租房"};
    household.head_name = "赵六";
    household.moved_in = 1'790'000'000;
    return household;
}

TEST_F(HouseholdVersionsTest, AnAddAnEditAndAMoveOutAreTheHouseholdsHistory) {
    EXPECT_TRUE(household_history(path_, 1).empty());  // no table yet: no versions

    HouseholdChange added{.id = 0, .kind = HouseholdChangeKind::added, .at = 1'790'000'100, .user = "wang",
                          .source = "map", .before = std::nullopt, .after = newcomer()};
    write(added);
    const std::int64_t id = added.after.id;
    EXPECT_GT(id, 0);
    EXPECT_GT(added.id, 0);

    model::Household edited_row = added.after;
    edited_row.members = 4;
    edited_row.tags = {"出租房"};
    HouseholdChange edited{.id = 0, .kind = HouseholdChangeKind::edited, .at = 1'790'000'200, .user = "li",
                           .source = "map", .before = added.after, .after = edited_row};
    write(edited);
    model::Household gone = edited_row;
    gone.moved_out = 1'790'086'400;
    HouseholdChange moved{.id = 0, .kind = HouseholdChangeKind::moved_out, .at = 1'790'000'300, .user = "li",
                          .source = "map", .before = edited_row, .after = gone};
    write(moved);

    const std::vector<HouseholdChange> history = household_history(path_, id);
    ASSERT_EQ(history.size(), 3U);
    EXPECT_EQ(history[0].kind, HouseholdChangeKind::added);
    EXPECT_FALSE(history[0].before);
    EXPECT_EQ(history[0].after, added.after);
    EXPECT_EQ(history[1].user, "li");
    EXPECT_EQ(history[1].before, added.after);
    EXPECT_EQ(history[1].after, edited_row);
    EXPECT_EQ(history[2].after, gone);

    // The row itself, as the last change left it (moved_in/moved_out columns included).
    const model::Dataset stored = GeoPackageStore::open(path_).load();
    const auto row = std::find_if(stored.households.begin(), stored.households.end(),
                                  [&](const model::Household& h) { return h.id == id; });
    ASSERT_NE(row, stored.households.end());
    EXPECT_EQ(*row, gone);
    EXPECT_FALSE(row->resident());

    EXPECT_EQ(household_versions_between(path_, 1'790'000'150, 1'790'000'300).size(), 1U);
    EXPECT_EQ(household_versions_between(path_, 0, 2'000'000'000).size(), 3U);
}

TEST_F(HouseholdVersionsTest, AnEditOfAMissingHouseholdStoresNothing) {
    model::Household ghost = newcomer();
    ghost.id = 987654;
    HouseholdChange edit{.id = 0, .kind = HouseholdChangeKind::edited, .at = 1'790'000'100, .user = "wang",
                         .source = "map", .before = ghost, .after = ghost};
    EXPECT_THROW(write(edit), StoreError);
    EXPECT_TRUE(household_history(path_, 987654).empty());
    EXPECT_TRUE(household_versions_between(path_, 0, 2'000'000'000).empty());
}

}  // namespace
}  // namespace wangge::store
