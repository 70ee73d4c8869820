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

TEST(GeoPackageStore, CreateRefusesAnExistingFileAndOpenAMissingOne) {
    TempDir dir;
    { std::ofstream(dir / "x.gpkg") << "x"; }
    EXPECT_THROW((void)GeoPackageStore::create(dir / "x.gpkg"), StoreError);
    EXPECT_THROW((void)GeoPackageStore::open(dir / "missing.gpkg"), StoreError);
    EXPECT_THROW((void)GeoPackageStore::open(dir / "x.gpkg"), StoreError);
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

TEST_F(StoreWithSample, AnUndoneBatchWriteLeavesGdalsFeatureCountTrue) {
    {
        const std::unique_ptr<Batch> batch = store_->begin_batch();
        model::Visit visit{0, 7, 101, 1'790'000'000, "入户走访", "", "", 0, ""};
        batch->isolated([&] { batch->append_visit(visit); });
        EXPECT_THROW(batch->isolated([&] {
            model::Visit undone = visit;
            batch->append_visit(undone);
            throw InputError("refused after storing");
        }),
                     InputError);
        batch->commit();
    }
    store_.reset();
    // ogrinfo, an independent reader, counts what is stored, not what was written.
    const std::string summary = run_command("ogrinfo -ro -so " + path().string() + " visits");
    EXPECT_NE(summary.find("Feature Count: 2"), std::string::npos) << summary;
}

TEST(Layer, NamesRoundTrip) {
    for (const Layer layer : all_layers) EXPECT_EQ(parse_layer(to_string(layer)), layer);
    EXPECT_FALSE(parse_layer("household").has_value());
}

}  // namespace
}  // namespace wangge::store
