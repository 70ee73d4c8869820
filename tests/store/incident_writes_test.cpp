// The workflow's store writes: one transaction each, ids from the store,
// nothing stored when a write is refused; batches of writes with their audit
// rows, one commit, a failing write undone alone (savepoints).

#include <memory>
#include <algorithm>

#include <gtest/gtest.h>

#include "sample_dataset.hpp"
#include "../support/temp_dir.hpp"
#include "run_command.hpp"
#include "wangge/auth/auth_store.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {
namespace {

class IncidentWritesTest : public ::testing::Test {
protected:
    IncidentWritesTest() {
        GeoPackageStore store = GeoPackageStore::create(path_);
        model::Dataset data = testing::sample_dataset();
        store.append(data);
    }

    support::TempDir dir_;
    std::filesystem::path path_ = dir_ / "city.gpkg";
};

model::Incident new_incident() {
    model::Incident incident;
    incident.category = "环境卫生";
    incident.source = "热线";
    incident.triage = "general";
    incident.state = "reported";
    incident.description = "垃圾堆积";
    incident.location = {116.4051, 39.9051};
    incident.grid_code = "110105001001001";
    incident.assignee = "7";
    incident.reported_at = 1'790'000'000;
    return incident;
}

TEST_F(IncidentWritesTest, InsertsAnIncidentWithItsFirstEventAndUpdatesIt) {
    GeoPackageStore store = GeoPackageStore::open(path_, true);
    model::Incident incident = new_incident();
    model::IncidentEvent reported{0, 0, incident.reported_at, "li", "", "reported", "垃圾堆积"};
    store.insert_incident(incident, reported);
    EXPECT_GT(incident.id, 9002);  // after the sample's ids
    EXPECT_EQ(reported.incident_id, incident.id);
    EXPECT_GT(reported.id, 0);

    incident.state = "filed";
    incident.deadline = incident.reported_at + 86400;
    model::IncidentEvent filed{0, 0, incident.reported_at + 60, "chief", "reported", "filed", ""};
    store.update_incident(incident, filed);
    EXPECT_EQ(filed.incident_id, incident.id);
    EXPECT_GT(filed.id, reported.id);

    const model::Dataset stored = GeoPackageStore::open(path_).load();
    const auto found = std::find_if(stored.incidents.begin(), stored.incidents.end(),
                                    [&](const model::Incident& i) { return i.id == incident.id; });
    ASSERT_NE(found, stored.incidents.end());
    EXPECT_EQ(found->state, "filed");
    EXPECT_EQ(found->deadline, incident.deadline);
    EXPECT_EQ(found->location.x, incident.location.x);
    EXPECT_EQ(stored.incidents.size(), 3U);
    const auto events = std::count_if(stored.incident_events.begin(), stored.incident_events.end(),
                                      [&](const model::IncidentEvent& e) { return e.incident_id == incident.id; });
    EXPECT_EQ(events, 2);
}

TEST_F(IncidentWritesTest, UpdatingAMissingIncidentStoresNothing) {
    GeoPackageStore store = GeoPackageStore::open(path_, true);
    const std::size_t events_before = store.load().incident_events.size();
    model::Incident ghost = new_incident();
    ghost.id = 424242;
    model::IncidentEvent event{0, 0, ghost.reported_at, "li", "reported", "filed", ""};
    EXPECT_THROW(store.update_incident(ghost, event), StoreError);
    EXPECT_EQ(event.id, 0);
    EXPECT_EQ(GeoPackageStore::open(path_).load().incident_events.size(), events_before);
}

TEST_F(IncidentWritesTest, AppendsVisitsAndRefusesWritesToAReadOnlyStore) {
    GeoPackageStore store = GeoPackageStore::open(path_, true);
    model::Visit visit{0, 7, 101, 1'790'000'000, "入户走访", "身体状况良好", "", 0, ""};
    store.append_visit(visit);
    EXPECT_GT(visit.id, 0);
    const model::Dataset stored = GeoPackageStore::open(path_).load();
    EXPECT_TRUE(std::any_of(stored.visits.begin(), stored.visits.end(),
                            [&](const model::Visit& v) { return v.id == visit.id && v.note == "身体状况良好"; }));

    GeoPackageStore read_only = GeoPackageStore::open(path_);
    model::Visit another{0, 7, 102, 1'790'000'100, "电话回访", "", "", 0, ""};
    EXPECT_THROW(read_only.append_visit(another), StoreError);
    model::Incident incident = new_incident();
    model::IncidentEvent event{0, 0, incident.reported_at, "li", "", "reported", ""};
    EXPECT_THROW(read_only.insert_incident(incident, event), StoreError);
    EXPECT_EQ(incident.id, 0);
}

auth::AuditEntry audit_of(std::string action, std::int64_t id) {
    auth::AuditEntry entry;
    entry.at = 1'790'000'000;
    entry.user_name = "li";
    entry.action = std::move(action);
    entry.collection = "incidents";
    entry.record_ids = {std::to_string(id)};
    entry.client = "10.0.0.1";
    return entry;
}

TEST_F(IncidentWritesTest, ABatchCommitsItsWritesWithTheirAuditRowsAndUndoesAFailingOneAlone) {
    GeoPackageStore store = GeoPackageStore::open(path_, true);
    store.prepare_audit_log();
    const model::Dataset before = store.load();
    model::Incident first = new_incident();
    model::IncidentEvent first_event{0, 0, first.reported_at, "li", "", "reported", ""};
    model::Incident failed = new_incident();
    failed.description = "never stored";
    model::IncidentEvent failed_event{0, 0, failed.reported_at, "li", "", "reported", ""};
    model::Visit visit{0, 7, 101, 1'790'000'000, "入户走访", "batch", "", 0, ""};
    {
        const std::unique_ptr<Batch> owned_batch = store.begin_batch();
        Batch& batch = *owned_batch;
        batch.isolated([&] {
            batch.insert_incident(first, first_event);
            auth::AuditEntry entry = audit_of("incidents.report", first.id);
            batch.append_audit(entry);
            EXPECT_GT(entry.id, 0);
        });
        // Stored both rows and its audit row, then failed: all of it undone.
        EXPECT_THROW(batch.isolated([&] {
            batch.insert_incident(failed, failed_event);
            auth::AuditEntry entry = audit_of("incidents.report", failed.id);
            batch.append_audit(entry);
            throw InputError("refused after storing");
        }),
                     InputError);
        batch.isolated([&] {
            batch.append_visit(visit);
            auth::AuditEntry entry = audit_of("visits.record", visit.id);
            batch.append_audit(entry);
        });
        // Uncommitted: another connection sees none of it yet.
        EXPECT_EQ(GeoPackageStore::open(path_).load().incidents.size(), before.incidents.size());
        batch.commit();
        EXPECT_THROW(batch.commit(), StoreError);  // over
    }
    const model::Dataset stored = GeoPackageStore::open(path_).load();
    EXPECT_EQ(stored.incidents.size(), before.incidents.size() + 1);
    EXPECT_EQ(stored.incident_events.size(), before.incident_events.size() + 1);
    EXPECT_EQ(stored.visits.size(), before.visits.size() + 1);
    EXPECT_TRUE(std::none_of(stored.incidents.begin(), stored.incidents.end(),
                             [](const model::Incident& i) { return i.description == "never stored"; }));
    EXPECT_TRUE(std::any_of(stored.visits.begin(), stored.visits.end(),
                            [&](const model::Visit& v) { return v.id == visit.id && v.note == "batch"; }));
    const auth::AuditPage audit = auth::GeoPackageAuthStore(path_).query_audit({});
    ASSERT_EQ(audit.total, 2U);
    EXPECT_EQ(audit.entries[0].action, "visits.record");
    EXPECT_EQ(audit.entries[0].record_ids, std::vector<std::string>{std::to_string(visit.id)});
    EXPECT_EQ(audit.entries[1].action, "incidents.report");
    EXPECT_EQ(audit.entries[1].record_ids, std::vector<std::string>{std::to_string(first.id)});
    EXPECT_EQ(audit.entries[1].client, "10.0.0.1");
    // The undone write left GDAL's feature count true: ogrinfo, an independent
    // reader, sees it once the store is closed.
    store = GeoPackageStore::open(path_);
    const std::string summary = testing::run_command("ogrinfo -ro -so " + path_.string() + " incidents");
    EXPECT_NE(summary.find("Feature Count: " + std::to_string(stored.incidents.size())), std::string::npos) << summary;
}

TEST_F(IncidentWritesTest, ABatchThatIsNotCommittedStoresNothing) {
    GeoPackageStore store = GeoPackageStore::open(path_, true);
    store.prepare_audit_log();
    const std::size_t incidents_before = store.load().incidents.size();
    {
        const std::unique_ptr<Batch> owned_batch = store.begin_batch();
        Batch& batch = *owned_batch;
        model::Incident incident = new_incident();
        model::IncidentEvent event{0, 0, incident.reported_at, "li", "", "reported", ""};
        batch.isolated([&] {
            batch.insert_incident(incident, event);
            auth::AuditEntry entry = audit_of("incidents.report", incident.id);
            batch.append_audit(entry);
        });
    }
    EXPECT_EQ(GeoPackageStore::open(path_).load().incidents.size(), incidents_before);
    EXPECT_EQ(auth::GeoPackageAuthStore(path_).query_audit({}).total, 0U);
    // The connection is free again: a single write goes through.
    model::Visit visit{0, 7, 101, 1'790'000'000, "入户走访", "", "", 0, ""};
    store.append_visit(visit);
    EXPECT_GT(visit.id, 0);
}

}  // namespace
}  // namespace wangge::store
