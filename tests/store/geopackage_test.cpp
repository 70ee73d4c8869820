#include "wangge/store/geopackage.hpp"

#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "entity_fields.hpp"
#include "sample_dataset.hpp"
#include "run_command.hpp"
#include "../support/temp_dir.hpp"

namespace wangge::store {
namespace {

using testing::expect_same;
using testing::sample_dataset;
using support::TempDir;
using testing::run_command;

/// A store holding sample_dataset(), still open for writing.
class StoreWithSample : public ::testing::Test {
protected:
    void SetUp() override {
        data_ = sample_dataset();
        store_.emplace(GeoPackageStore::create(path()));
        store_->append(data_);
    }
    [[nodiscard]] std::filesystem::path path() const { return dir_ / "s.gpkg"; }

    TempDir dir_;
    model::Dataset data_;
    std::optional<GeoPackageStore> store_;
};

TEST_F(StoreWithSample, RoundTripsEveryEntityAndField) {
    EXPECT_EQ(store_->schema_version(), schema_version);
    store_.reset();
    const GeoPackageStore reopened = GeoPackageStore::open(path());
    expect_same(reopened.load(), data_);
}

TEST_F(StoreWithSample, LoadsInTheSameSessionAsTheWrite) { expect_same(store_->load(), data_); }

TEST_F(StoreWithSample, AssignsIdsOfZeroAfterCommit) {
    model::Dataset more;
    more.households.push_back(data_.households[0]);
    more.households[0].id = 0;
    more.visits.push_back({0, 7, 101, 1'767'250'000, "电话回访", "", "", 0, ""});
    store_->append(more);
    EXPECT_EQ(more.households[0].id, 103);
    EXPECT_EQ(more.visits[0].id, 2);
    const model::Dataset loaded = store_->load();
    ASSERT_EQ(loaded.households.size(), 3u);
    EXPECT_EQ(loaded.households[2], more.households[0]);
    EXPECT_EQ(loaded.visits[1], more.visits[0]);
}

TEST_F(StoreWithSample, LoadsOnlyTheAskedLayers) {
    const std::array layers{Layer::grids, Layer::staff};
    const model::Dataset loaded = store_->load(layers);
    EXPECT_EQ(loaded.grids, data_.grids);
    EXPECT_EQ(loaded.staff, data_.staff);
    EXPECT_TRUE(loaded.households.empty());
    EXPECT_TRUE(loaded.incidents.empty());
}

TEST_F(StoreWithSample, FailingAppendLeavesTheStoreUnchanged) {
    model::Dataset bad;
    bad.grids.push_back(data_.grids[2]);
    bad.households.push_back(data_.households[0]);
    bad.households[0].id = 0;
    bad.incidents.push_back(data_.incidents[0]);  // id 9001 exists: the write fails here
    EXPECT_THROW(store_->append(bad), StoreError);
    EXPECT_EQ(bad.households[0].id, 0);
    expect_same(store_->load(), data_);
    store_.reset();
    expect_same(GeoPackageStore::open(path()).load(), data_);
}

TEST_F(StoreWithSample, StaffUpdatesReplaceAGridsLinksAndRewriteStaffRows) {
    StaffUpdate update;
    update.grids.push_back({"110105001001001", {{8, "", model::Duty::primary, 0x15}, {7, "", model::Duty::backup}}});
    update.grids.push_back({"110105001001002", {}});  // none before, none after
    model::Staff on_leave = data_.staff[0];
    on_leave.leave_from = 1'767'196'800;  // 2026-01-01
    update.staff.push_back(on_leave);
    store_->update_staff(update);
    store_.reset();

    const model::Dataset loaded = GeoPackageStore::open(path()).load();
    ASSERT_EQ(loaded.staff_grids.size(), 2u);
    for (const model::StaffGrid& link : loaded.staff_grids) {
        EXPECT_EQ(link.grid_code, "110105001001001");
        EXPECT_EQ(link.duty, link.staff_id == 8 ? model::Duty::primary : model::Duty::backup);
        EXPECT_EQ(link.duty_days, link.staff_id == 8 ? 0x15 : 0);  // 周一、周三、周五
    }
    EXPECT_EQ(loaded.staff[0], on_leave);
    EXPECT_FALSE(loaded.staff[0].leave_until.has_value());
}

TEST_F(StoreWithSample, AStaffUpdateNamingAMissingPersonStoresNothing) {
    StaffUpdate update;
    update.grids.push_back({"110105001001001", {}});
    update.staff.push_back(model::Staff{99, "无此人", "", "志愿者"});
    EXPECT_THROW(store_->update_staff(update), StoreError);
    expect_same(store_->load(), data_);
}

TEST(GeoPackageStore, RefusesRowsItCannotStoreFaithfully) {
    TempDir dir;
    GeoPackageStore store = GeoPackageStore::create(dir / "s.gpkg");
    model::Dataset data = sample_dataset();
    data.households[1].tags = {"低保;特困"};
    EXPECT_THROW(store.append(data), StoreError);
    data = sample_dataset();
    data.facilities[0].location.x = std::numeric_limits<double>::quiet_NaN();
    EXPECT_THROW(store.append(data), StoreError);
    EXPECT_TRUE(store.load().grids.empty());
}

TEST(GeoPackageStore, CreateRefusesAnExistingFileAndOpenAMissingOne) {
    TempDir dir;
    { std::ofstream(dir / "x.gpkg") << "x"; }
    EXPECT_THROW((void)GeoPackageStore::create(dir / "x.gpkg"), StoreError);
    EXPECT_THROW((void)GeoPackageStore::open(dir / "missing.gpkg"), StoreError);
    EXPECT_THROW((void)GeoPackageStore::open(dir / "x.gpkg"), StoreError);
}

TEST(GeoPackageStore, ReadOnlyStoreRefusesWrites) {
    TempDir dir;
    (void)GeoPackageStore::create(dir / "s.gpkg");
    GeoPackageStore store = GeoPackageStore::open(dir / "s.gpkg");
    model::Dataset data = sample_dataset();
    EXPECT_THROW(store.append(data), StoreError);
}

TEST(GeoPackageStore, RefusesAnotherSchemaVersion) {
    TempDir dir;
    (void)GeoPackageStore::create(dir / "s.gpkg");
    const std::string sql = "/usr/bin/ogrinfo -q " + (dir / "s.gpkg").string() +
                            " -sql \"UPDATE wangge_meta SET value = '99' WHERE key = 'schema_version'\" 2>&1";
    (void)run_command(sql);
    try {
        (void)GeoPackageStore::open(dir / "s.gpkg");
        FAIL() << "opened a store of schema version 99";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("schema version 99"), std::string::npos) << e.what();
    }
}

TEST_F(StoreWithSample, ReadsAnOlderFileAndAddsTheNewVisitColumnsWhenOpenedForWriting) {
    store_.reset();
    // The file as the first release wrote it: visits without reason, incident_id and client_key.
    for (const std::string sql : {"DROP INDEX visits_client_key", "ALTER TABLE visits DROP COLUMN reason",
                                  "ALTER TABLE visits DROP COLUMN incident_id",
                                  "ALTER TABLE visits DROP COLUMN client_key"}) {
        (void)run_command("/usr/bin/ogrinfo -q " + path().string() + " -sql \"" + sql + "\" 2>&1");
    }
    EXPECT_EQ(run_command("/usr/bin/ogrinfo -so -q " + path().string() + " visits").find("client_key"),
              std::string::npos);
    model::Visit old_visit = data_.visits[0];
    old_visit.reason.clear();
    old_visit.incident_id = 0;
    old_visit.client_key.clear();
    EXPECT_EQ(GeoPackageStore::open(path()).load().visits, std::vector{old_visit});  // read-only: as it is

    GeoPackageStore writable = GeoPackageStore::open(path(), true);
    model::Dataset more;
    more.visits.push_back({0, 7, 101, 1'767'250'000, "回访", "", "", 0, "phone-7-0002"});
    writable.append(more);
    EXPECT_EQ(writable.load().visits.back(), more.visits[0]);
    // The key is unique in the file: a second visit with it is refused.
    model::Dataset twice;
    twice.visits.push_back({0, 7, 102, 1'767'250'100, "回访", "", "", 0, "phone-7-0002"});
    EXPECT_THROW(writable.append(twice), StoreError);
    // Visits without a key are many.
    model::Dataset unkeyed;
    unkeyed.visits = {{0, 7, 101, 1'767'250'200, "日常走访", "", "", 0, ""}, {0, 7, 102, 1'767'250'300, "日常走访", "", "", 0, ""}};
    writable.append(unkeyed);
    EXPECT_EQ(writable.load().visits.size(), 4u);
}

TEST_F(StoreWithSample, OgrinfoListsTheLayers) {
    store_.reset();
    const std::string listing = run_command("/usr/bin/ogrinfo -ro " + path().string() + " 2>&1");
    for (const char* expected :
         {"grids (Multi Polygon)", "staff", "staff_grids", "households (Point)", "facilities (Point)",
          "incidents (Point)", "incident_events", "visits", "wangge_meta"}) {
        EXPECT_NE(listing.find(expected), std::string::npos) << expected << " missing in:\n" << listing;
    }
    const std::string households =
        run_command("/usr/bin/ogrinfo -ro -al -so " + path().string() + " households 2>&1");
    EXPECT_NE(households.find("Feature Count: 2"), std::string::npos) << households;
    EXPECT_NE(households.find("FID Column = id"), std::string::npos) << households;
    EXPECT_NE(households.find("4490"), std::string::npos) << households;
}

// Issue #8: the write-ahead log while the store is open, one self-contained
// file once it is closed, and older rollback-journal stores switched over.
TEST(GeoPackageStore, UsesTheWriteAheadLogAndFoldsItBackOnClose) {
    TempDir dir;
    const std::filesystem::path path = dir / "wal.gpkg";
    const std::string wal = path.string() + "-wal";
    const auto journal_mode = [&] {
        return run_command("ogrinfo -ro -q " + path.string() + " -sql 'PRAGMA journal_mode'");
    };
    {
        GeoPackageStore store = GeoPackageStore::create(path);
        model::Dataset data = sample_dataset();
        store.append(data);
        EXPECT_TRUE(std::filesystem::exists(wal));
        // Another reader sees the committed rows while the log holds them.
        EXPECT_EQ(GeoPackageStore::open(path).load().households.size(), data.households.size());
    }
    EXPECT_FALSE(std::filesystem::exists(wal));
    EXPECT_NE(journal_mode().find("journal_mode (String) = wal"), std::string::npos) << journal_mode();

    run_command("ogrinfo -q " + path.string() + " -sql 'PRAGMA journal_mode = DELETE'");
    ASSERT_NE(journal_mode().find("= delete"), std::string::npos) << journal_mode();
    (void)GeoPackageStore::open(path);  // read-only: leaves the file as it is
    EXPECT_NE(journal_mode().find("= delete"), std::string::npos) << journal_mode();
    { GeoPackageStore store = GeoPackageStore::open(path, true); }
    EXPECT_NE(journal_mode().find("= wal"), std::string::npos) << journal_mode();
}

TEST(Layer, NamesRoundTrip) {
    for (const Layer layer : all_layers) EXPECT_EQ(parse_layer(to_string(layer)), layer);
    EXPECT_FALSE(parse_layer("household").has_value());
}

}  // namespace
}  // namespace wangge::store
