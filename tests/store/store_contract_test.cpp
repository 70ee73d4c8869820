// The store contract: what every store::Store does, run on each store (a
// fresh GeoPackage file, a fresh PostGIS database), the same tests. The
// PostGIS instances are skipped without WANGGE_TEST_PG (scripts/test sets it).

#include "wangge/store/store.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "entity_fields.hpp"
#include "postgis_schema.hpp"
#include "sample_dataset.hpp"
#include "store_backends.hpp"
#include "wangge/model/tables.hpp"
#include "wangge/store/departments.hpp"
#include "wangge/store/photos.hpp"
#include "wangge/store/records.hpp"
#include "wangge/workflow/household_changes.hpp"

namespace wangge::store {
namespace {

using testing::expect_same;
using testing::sample_dataset;

/// A store of the parameter's kind holding sample_dataset(), open for writing.
class StoreContract : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (GetParam() == "postgis") {
            if (!testing::test_pg()) {
                GTEST_SKIP() << "WANGGE_TEST_PG is not set: the PostGIS store's tests need a PostgreSQL/PostGIS "
                                "address (scripts/pg-test start DIR prints one)";
            }
            backend_ = std::make_unique<testing::PostgisBackend>();
        } else {
            backend_ = std::make_unique<testing::GeoPackageBackend>();
        }
        data_ = sample_dataset();
        store_ = create_store(backend_->location());
        store_->append(data_);
    }

    [[nodiscard]] std::unique_ptr<Store> reopen(bool writable = false) const {
        return open_store(backend_->location(), writable);
    }

    std::unique_ptr<testing::Backend> backend_;
    model::Dataset data_;
    std::unique_ptr<Store> store_;
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

TEST_P(StoreContract, RoundTripsEveryEntityAndField) {
    EXPECT_EQ(store_->schema_version(), GetParam() == "postgis" ? detail::postgis_schema_version() : schema_version);
    store_.reset();
    const std::unique_ptr<Store> reopened = reopen();
    expect_same(reopened->load(), data_);
    expect_same(model::to_dataset(reopened->load_tables()), data_);
}

TEST_P(StoreContract, LoadsInTheSameSessionAsTheWrite) { expect_same(store_->load(), data_); }

TEST_P(StoreContract, LoadsWithProgressLayerByLayer) {
    std::vector<std::string> layers;
    expect_same(store_->load([&](std::string_view layer, std::size_t done, std::size_t total) {
        EXPECT_LE(done, total);
        if (layers.empty() || layers.back() != layer) layers.emplace_back(layer);
    }),
                data_);
    EXPECT_EQ(layers.front(), "grids");
}

TEST_P(StoreContract, AssignsIdsOfZeroAfterCommit) {
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

TEST_P(StoreContract, LoadsOnlyTheAskedLayers) {
    const std::array layers{Layer::grids, Layer::staff};
    const model::Dataset loaded = store_->load(layers);
    EXPECT_EQ(loaded.grids, data_.grids);
    EXPECT_EQ(loaded.staff, data_.staff);
    EXPECT_TRUE(loaded.households.empty());
    EXPECT_TRUE(loaded.incidents.empty());
}

TEST_P(StoreContract, FailingAppendLeavesTheStoreUnchanged) {
    model::Dataset bad;
    bad.grids.push_back(data_.grids[2]);
    bad.households.push_back(data_.households[0]);
    bad.households[0].id = 0;
    bad.incidents.push_back(data_.incidents[0]);  // id 9001 exists: the write fails here
    EXPECT_THROW(store_->append(bad), StoreError);
    EXPECT_EQ(bad.households[0].id, 0);
    expect_same(store_->load(), data_);
    store_.reset();
    expect_same(reopen()->load(), data_);
}

TEST_P(StoreContract, RefusesRowsItCannotStoreFaithfully) {
    model::Dataset tags;
    tags.households.push_back(data_.households[1]);
    tags.households[0].id = 0;
    tags.households[0].tags = {"低保;特困"};
    EXPECT_THROW(store_->append(tags), StoreError);
    model::Dataset nan;
    nan.facilities.push_back(data_.facilities[0]);
    nan.facilities[0].id = 0;
    nan.facilities[0].location.x = std::numeric_limits<double>::quiet_NaN();
    EXPECT_THROW(store_->append(nan), StoreError);
    expect_same(store_->load(), data_);
}

TEST_P(StoreContract, CreateRefusesWhereAStoreExists) {
    EXPECT_THROW((void)create_store(backend_->location()), StoreError);
    expect_same(reopen()->load(), data_);
}

TEST_P(StoreContract, ReadOnlyStoreRefusesWrites) {
    const std::unique_ptr<Store> read_only = reopen();
    model::Dataset data;
    data.staff.push_back({0, "赵六", "", "志愿者"});
    EXPECT_THROW(read_only->append(data), StoreError);
    EXPECT_THROW((void)read_only->begin_batch(), StoreError);
    EXPECT_THROW(read_only->prepare_audit_log(), StoreError);
    model::Visit visit{0, 7, 102, 1'790'000'100, "电话回访", "", "", 0, ""};
    EXPECT_THROW(read_only->append_visit(visit), StoreError);
    model::Incident incident = new_incident();
    model::IncidentEvent event{0, 0, incident.reported_at, "li", "", "reported", ""};
    EXPECT_THROW(read_only->insert_incident(incident, event), StoreError);
    EXPECT_EQ(incident.id, 0);
    expect_same(store_->load(), data_);
}

TEST_P(StoreContract, UpsertReplacesRowsByIdAndAppendsWithItsAuditRows) {
    model::Dataset added;
    added.households.push_back(data_.households[1]);
    added.households[0].id = 0;
    added.households[0].room = "503";
    model::Dataset replaced;
    replaced.households.push_back(data_.households[0]);
    replaced.households[0].tags = {"低保"};
    replaced.households[0].moved_out = 1'790'000'000;
    replaced.households[0].location = {116.4, 39.9};
    replaced.incidents.push_back(data_.incidents[1]);
    replaced.incidents[0].state = "verified";
    replaced.incidents[0].closed_at.reset();
    std::vector<auth::AuditEntry> audit{audit_of("import.households", 101)};
    store_->upsert(added, replaced, audit);
    EXPECT_EQ(added.households[0].id, 103);
    EXPECT_GT(audit[0].id, 0);

    model::Dataset expected = data_;
    expected.households[0] = replaced.households[0];
    expected.households.push_back(added.households[0]);
    expected.incidents[1] = replaced.incidents[0];
    expect_same(reopen()->load(), expected);
    const std::vector<auth::AuditEntry> stored = backend_->audit();
    ASSERT_EQ(stored.size(), 1U);
    EXPECT_EQ(stored[0].action, "import.households");
}

TEST_P(StoreContract, UpsertNamingAMissingIdStoresNothing) {
    model::Dataset added;
    added.staff.push_back({0, "赵六", "", "志愿者"});
    model::Dataset replaced;
    replaced.households.push_back(data_.households[0]);
    replaced.households[0].id = 4242;
    std::vector<auth::AuditEntry> audit{audit_of("import.households", 4242)};
    try {
        store_->upsert(added, replaced, audit);
        FAIL() << "replaced a missing row";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("4242"), std::string::npos) << e.what();
    }
    EXPECT_EQ(added.staff[0].id, 0);
    expect_same(reopen()->load(), data_);
    EXPECT_TRUE(backend_->audit().empty());
}

TEST_P(StoreContract, StaffUpdatesReplaceAGridsLinksAndRewriteStaffRows) {
    StaffUpdate update;
    update.grids.push_back({"110105001001001", {{8, "", model::Duty::primary, 0x15}, {7, "", model::Duty::backup}}});
    update.grids.push_back({"110105001001002", {}});  // none before, none after
    model::Staff on_leave = data_.staff[0];
    on_leave.leave_from = 1'767'196'800;  // 2026-01-01
    update.staff.push_back(on_leave);
    store_->update_staff(update);
    store_.reset();

    const model::Dataset loaded = reopen()->load();
    ASSERT_EQ(loaded.staff_grids.size(), 2u);
    for (const model::StaffGrid& link : loaded.staff_grids) {
        EXPECT_EQ(link.grid_code, "110105001001001");
        EXPECT_EQ(link.duty, link.staff_id == 8 ? model::Duty::primary : model::Duty::backup);
        EXPECT_EQ(link.duty_days, link.staff_id == 8 ? 0x15 : 0);  // 周一、周三、周五
    }
    EXPECT_EQ(loaded.staff[0], on_leave);
    EXPECT_FALSE(loaded.staff[0].leave_until.has_value());
}

TEST_P(StoreContract, AStaffUpdateNamingAMissingPersonStoresNothing) {
    StaffUpdate update;
    update.grids.push_back({"110105001001001", {}});
    update.staff.push_back(model::Staff{99, "无此人", "", "志愿者"});
    EXPECT_THROW(store_->update_staff(update), StoreError);
    expect_same(store_->load(), data_);
}

TEST_P(StoreContract, PublishingALayoutClosesTheCurrentGridsAndMovesRows) {
    LayoutPublication publication;
    publication.at = 1'790'000'000;
    model::Grid split = data_.grids[2];
    split.code = "110105001001003";
    split.valid_from = publication.at;
    split.version = 3;
    publication.grids = {data_.grids[0], split};
    publication.grids[0].valid_from = publication.at;
    publication.households = {{101, "110105001001003"}};
    publication.incidents = {{9002, "110105001001003"}};
    publication.staff = {{"110105001001003", {{7, "", model::Duty::primary, 0x1f}}}};
    publication.base_layout_version = 2;  // the sample's grids in force
    store_->publish_layout(publication);

    const model::Dataset loaded = reopen()->load();
    ASSERT_EQ(loaded.grids.size(), 5U);
    for (std::size_t i = 0; i < 3; ++i) {
        // Closed at the publication, except the row that already was.
        EXPECT_EQ(loaded.grids[i].valid_to, i == 1 ? data_.grids[1].valid_to : publication.at) << i;
    }
    EXPECT_EQ(loaded.grids[3], publication.grids[0]);
    EXPECT_EQ(loaded.grids[4], split);
    EXPECT_EQ(loaded.households[0].grid_code, "110105001001003");
    EXPECT_EQ(loaded.incidents[1].grid_code, "110105001001003");
    EXPECT_EQ(loaded.staff_grids.size(), 3U);
}

TEST_P(StoreContract, APublicationNamingAMissingRowStoresNothing) {
    LayoutPublication publication;
    publication.at = 1'790'000'000;
    publication.grids = {data_.grids[0]};
    publication.facilities = {{77, "110105001001003"}};
    EXPECT_THROW(store_->publish_layout(publication), StoreError);
    expect_same(reopen()->load(), data_);
}

TEST_P(StoreContract, APublicationPlannedOnAnOlderLayoutIsRefusedAsAConflict) {
    LayoutPublication publication;
    publication.at = 1'790'000'000;
    publication.grids = {data_.grids[0]};
    publication.grids[0].version = 2;
    publication.base_layout_version = 1;  // version 2 is in force
    EXPECT_THROW(store_->publish_layout(publication), ConflictError);
    expect_same(reopen()->load(), data_);
}

TEST_P(StoreContract, AnIncidentUpdateFromAnOutdatedStateIsRefusedAsAConflict) {
    model::Incident incident = data_.incidents[0];  // dispatched, latest event 2
    incident.state = "in_progress";
    model::IncidentEvent event{0, 0, 1'790'000'000, "7", "dispatched", "in_progress", ""};
    EXPECT_THROW(store_->update_incident(incident, event, {"reported", 2}), ConflictError);
    EXPECT_THROW(store_->update_incident(incident, event, {"dispatched", 1}), ConflictError);
    EXPECT_EQ(event.id, 0);
    expect_same(reopen()->load(), data_);
}

TEST_P(StoreContract, InsertsAnIncidentWithItsFirstEventAndUpdatesIt) {
    model::Incident incident = new_incident();
    model::IncidentEvent reported{0, 0, incident.reported_at, "li", "", "reported", "垃圾堆积"};
    store_->insert_incident(incident, reported);
    EXPECT_GT(incident.id, 9002);  // after the sample's ids
    EXPECT_EQ(reported.incident_id, incident.id);
    EXPECT_GT(reported.id, 2);

    incident.state = "filed";
    incident.deadline = incident.reported_at + 86400;
    model::IncidentEvent filed{0, 0, incident.reported_at + 60, "chief", "reported", "filed", ""};
    store_->update_incident(incident, filed, {"reported", reported.id});
    EXPECT_EQ(filed.incident_id, incident.id);
    EXPECT_GT(filed.id, reported.id);

    const model::Dataset stored = reopen()->load();
    ASSERT_EQ(stored.incidents.size(), 3U);
    EXPECT_EQ(stored.incidents[2], incident);
    ASSERT_EQ(stored.incident_events.size(), 4U);
    EXPECT_EQ(stored.incident_events[2], reported);
    EXPECT_EQ(stored.incident_events[3], filed);
}

TEST_P(StoreContract, UpdatingAMissingIncidentStoresNothing) {
    model::Incident ghost = new_incident();
    ghost.id = 424242;
    model::IncidentEvent event{0, 0, ghost.reported_at, "li", "reported", "filed", ""};
    EXPECT_THROW(store_->update_incident(ghost, event, {"reported", 0}), StoreError);
    EXPECT_EQ(event.id, 0);
    expect_same(reopen()->load(), data_);
}

TEST_P(StoreContract, AppendsVisits) {
    model::Visit visit{0, 7, 101, 1'790'000'000, "入户走访", "身体状况良好", "", 0, ""};
    store_->append_visit(visit);
    EXPECT_EQ(visit.id, 2);
    const model::Dataset stored = reopen()->load();
    ASSERT_EQ(stored.visits.size(), 2U);
    EXPECT_EQ(stored.visits[1], visit);
}

TEST_P(StoreContract, ABatchCommitsItsWritesWithTheirAuditRowsAndUndoesAFailingOneAlone) {
    store_->prepare_audit_log();
    model::Incident first = new_incident();
    model::IncidentEvent first_event{0, 0, first.reported_at, "li", "", "reported", ""};
    model::Incident failed = new_incident();
    failed.description = "never stored";
    model::IncidentEvent failed_event{0, 0, failed.reported_at, "li", "", "reported", ""};
    model::Visit visit{0, 7, 101, 1'790'000'000, "入户走访", "batch", "", 0, ""};
    {
        const std::unique_ptr<Batch> owned_batch = store_->begin_batch();
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
        // A statement the store refuses (a missing row) is undone alone too.
        model::IncidentEvent ghost_event{0, 0, 1'790'000'000, "li", "reported", "filed", ""};
        model::Incident ghost = new_incident();
        ghost.id = 424242;
        EXPECT_THROW(batch.isolated([&] { batch.update_incident(ghost, ghost_event, {"reported", 0}); }), StoreError);
        batch.isolated([&] {
            batch.append_visit(visit);
            auth::AuditEntry entry = audit_of("visits.record", visit.id);
            batch.append_audit(entry);
        });
        // Uncommitted: another connection sees none of it yet.
        EXPECT_EQ(reopen()->load().incidents.size(), data_.incidents.size());
        batch.commit();
        EXPECT_THROW(batch.commit(), StoreError);  // over
    }
    const model::Dataset stored = reopen()->load();
    EXPECT_EQ(stored.incidents.size(), data_.incidents.size() + 1);
    EXPECT_EQ(stored.incident_events.size(), data_.incident_events.size() + 1);
    EXPECT_EQ(stored.visits.size(), data_.visits.size() + 1);
    EXPECT_TRUE(std::none_of(stored.incidents.begin(), stored.incidents.end(),
                             [](const model::Incident& i) { return i.description == "never stored"; }));
    EXPECT_EQ(stored.visits.back(), visit);
    const std::vector<auth::AuditEntry> audit = backend_->audit();
    ASSERT_EQ(audit.size(), 2U);
    EXPECT_EQ(audit[0].action, "incidents.report");
    EXPECT_EQ(audit[0].record_ids, std::vector<std::string>{std::to_string(first.id)});
    EXPECT_EQ(audit[0].client, "10.0.0.1");
    EXPECT_EQ(audit[1].action, "visits.record");
    EXPECT_EQ(audit[1].record_ids, std::vector<std::string>{std::to_string(visit.id)});
}

TEST_P(StoreContract, ABatchThatIsNotCommittedStoresNothing) {
    store_->prepare_audit_log();
    {
        const std::unique_ptr<Batch> owned_batch = store_->begin_batch();
        Batch& batch = *owned_batch;
        model::Incident incident = new_incident();
        model::IncidentEvent event{0, 0, incident.reported_at, "li", "", "reported", ""};
        batch.isolated([&] {
            batch.insert_incident(incident, event);
            auth::AuditEntry entry = audit_of("incidents.report", incident.id);
            batch.append_audit(entry);
        });
    }
    expect_same(reopen()->load(), data_);
    EXPECT_TRUE(backend_->audit().empty());
    // The connection is free again: a single write goes through.
    model::Visit visit{0, 7, 101, 1'790'000'000, "入户走访", "", "", 0, ""};
    store_->append_visit(visit);
    EXPECT_GT(visit.id, 0);
}

TEST_P(StoreContract, AVisitsClientKeyIsStoredOnce) {
    const std::unique_ptr<Batch> batch = store_->begin_batch();
    model::Visit replay = data_.visits[0];  // client key "phone-7-0001" again
    replay.id = 0;
    EXPECT_THROW(batch->isolated([&] { batch->append_visit(replay); }), StoreError);
    batch->commit();
    expect_same(reopen()->load(), data_);
}

TEST_P(StoreContract, AuditRowsAreAppendOnly) {
    store_->prepare_audit_log();
    const std::unique_ptr<Batch> batch = store_->begin_batch();
    auth::AuditEntry entry = audit_of("incidents.report", 9001);
    batch->append_audit(entry);
    batch->commit();
    EXPECT_FALSE(backend_->try_sql("UPDATE audit_log SET action = 'forged'"));
    EXPECT_FALSE(backend_->try_sql("DELETE FROM audit_log"));
    const std::vector<auth::AuditEntry> audit = backend_->audit();
    ASSERT_EQ(audit.size(), 1U);
    EXPECT_EQ(audit[0].action, "incidents.report");
}

TEST_P(StoreContract, AnAuditRowWithANulCharacterIsRefusedAlone) {
    store_->prepare_audit_log();
    const std::unique_ptr<Batch> batch = store_->begin_batch();
    auth::AuditEntry bad = audit_of("incidents.report", 9001);
    bad.detail = std::string("a\0b", 3);
    EXPECT_THROW(batch->isolated([&] { batch->append_audit(bad); }), InputError);
    auth::AuditEntry good = audit_of("incidents.view", 9001);
    batch->isolated([&] { batch->append_audit(good); });
    batch->commit();
    const std::vector<auth::AuditEntry> audit = backend_->audit();
    ASSERT_EQ(audit.size(), 1U);
    EXPECT_EQ(audit[0].action, "incidents.view");
}

TEST_P(StoreContract, StoresPhotosAndHouseholdVersionsWithTheirRows) {
    workflow::HouseholdChange added;
    added.kind = workflow::HouseholdChangeKind::added;
    added.at = 1'790'000'000;
    added.user = "li";
    added.source = "map";
    added.after = data_.households[1];
    added.after.id = 0;
    added.after.room = "601";
    Photo photo{{0, 9001, "report", 1'790'000'000, "li", "image/jpeg", 4, 3, 0, geo::Point{116.4, 39.9}},
                std::string("\xff\xd8\0\xff", 4)};
    {
        const std::unique_ptr<Batch> batch = store_->begin_batch();
        batch->isolated([&] { batch->write_household(added); });
        batch->isolated([&] { batch->append_photo(photo); });
        workflow::HouseholdChange missing = added;
        missing.kind = workflow::HouseholdChangeKind::edited;
        missing.before = missing.after;
        missing.after.id = 4242;
        EXPECT_THROW(batch->isolated([&] { batch->write_household(missing); }), StoreError);
        batch->commit();
    }
    EXPECT_EQ(added.after.id, 103);
    EXPECT_GT(added.id, 0);
    EXPECT_GT(photo.info.id, 0);
    EXPECT_EQ(photo.info.size, 4U);
    const model::Dataset stored = reopen()->load();
    ASSERT_EQ(stored.households.size(), 3U);
    EXPECT_EQ(stored.households[2], added.after);
    EXPECT_EQ(backend_->count("incident_photos"), 1);
    // Read back as a server does, through the store's Records.
    const std::unique_ptr<Records> records = open_records(backend_->location());
    const std::vector<workflow::HouseholdChange> versions = records->household_versions_between(added.at, added.at + 1);
    ASSERT_EQ(versions.size(), 1U);
    EXPECT_EQ(versions[0].id, added.id);
    EXPECT_EQ(versions[0].kind, workflow::HouseholdChangeKind::added);
    EXPECT_EQ(versions[0].user, "li");
    EXPECT_FALSE(versions[0].before.has_value());
    EXPECT_EQ(versions[0].after, added.after);
    EXPECT_TRUE(records->household_versions_between(added.at + 1, added.at + 2).empty());
    const std::vector<workflow::HouseholdChange> history = records->household_history(added.after.id);
    ASSERT_EQ(history.size(), 1U);
    EXPECT_EQ(history[0].after, added.after);
    EXPECT_TRUE(records->household_history(4242).empty());

    const std::vector<PhotoInfo> photos = records->list_photos(9001);
    ASSERT_EQ(photos.size(), 1U);
    EXPECT_EQ(photos[0].id, photo.info.id);
    EXPECT_EQ(photos[0].stage, "report");
    EXPECT_EQ(photos[0].at, 1'790'000'000);
    EXPECT_EQ(photos[0].size, 4U);
    EXPECT_EQ(photos[0].width, 4U);
    ASSERT_TRUE(photos[0].location);
    EXPECT_EQ(photos[0].location->x, 116.4);
    EXPECT_EQ(photos[0].location->y, 39.9);
    EXPECT_TRUE(records->list_photos(9002).empty());
    const std::optional<Photo> read = records->read_photo(9001, photo.info.id);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->bytes, photo.bytes);
    EXPECT_EQ(read->info.content_type, "image/jpeg");
    EXPECT_FALSE(records->read_photo(9002, photo.info.id));
}

TEST_P(StoreContract, DepartmentsStartWithTheDefaultsAndKeepChangesForEveryReader) {
    const std::span<const workflow::Department> defaults = workflow::default_departments();
    store_->prepare_audit_log();
    std::unique_ptr<DepartmentTable> table = open_department_table(backend_->location());
    std::vector<workflow::Department> stored = table->read_all();
    ASSERT_EQ(stored.size(), defaults.size());
    for (const workflow::Department& department : defaults) {
        EXPECT_NE(std::find(stored.begin(), stored.end(), department), stored.end()) << department.code;
    }
    workflow::Department parks{"yuanlin", "园林绿化", 3, {72, 120, 24}};
    std::vector<bool> audited;  // `added` as each write's audit entry was made
    const DepartmentAudit audit = [&](bool added) {
        audited.push_back(added);
        auth::AuditEntry entry = audit_of("departments.put", 0);
        entry.collection = "departments";
        entry.record_ids = {parks.code};
        entry.detail = added ? "added" : "replaced";
        return entry;
    };
    EXPECT_TRUE(table->write(parks, audit));
    parks.name = "园林绿化局";
    EXPECT_FALSE(table->write(parks, audit));
    EXPECT_EQ(audited, (std::vector<bool>{true, false}));
    const std::vector<auth::AuditEntry> rows = backend_->audit();  // each write's row, with it
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].detail, "added");
    EXPECT_EQ(rows[1].detail, "replaced");
    EXPECT_EQ(rows[1].record_ids, (std::vector<std::string>{"yuanlin"}));
    // An audit row that cannot be made leaves the department as it was.
    workflow::Department renamed = parks;
    renamed.name = "不应保存";
    EXPECT_THROW(table->write(renamed, [](bool) -> auth::AuditEntry { throw StoreError("no audit row"); }),
                 StoreError);
    // Another opener (another server on the store) sees the change and does not refill the defaults.
    stored = open_department_table(backend_->location())->read_all();
    ASSERT_EQ(stored.size(), defaults.size() + 1);
    EXPECT_TRUE(std::is_sorted(stored.begin(), stored.end(),
                               [](const auto& a, const auto& b) { return a.code < b.code; }));
    EXPECT_NE(std::find(stored.begin(), stored.end(), parks), stored.end());
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract, ::testing::Values("geopackage", "postgis"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

}  // namespace
}  // namespace wangge::store
