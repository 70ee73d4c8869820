// The workflow's store writes: one transaction each, ids from the store,
// nothing stored when a write is refused.

#include <algorithm>

#include <gtest/gtest.h>

#include "sample_dataset.hpp"
#include "../support/temp_dir.hpp"
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
    model::Visit visit{0, 7, 101, 1'790'000'000, "入户走访", "身体状况良好"};
    store.append_visit(visit);
    EXPECT_GT(visit.id, 0);
    const model::Dataset stored = GeoPackageStore::open(path_).load();
    EXPECT_TRUE(std::any_of(stored.visits.begin(), stored.visits.end(),
                            [&](const model::Visit& v) { return v.id == visit.id && v.note == "身体状况良好"; }));

    GeoPackageStore read_only = GeoPackageStore::open(path_);
    model::Visit another{0, 7, 102, 1'790'000'100, "电话回访", ""};
    EXPECT_THROW(read_only.append_visit(another), StoreError);
    model::Incident incident = new_incident();
    model::IncidentEvent event{0, 0, incident.reported_at, "li", "", "reported", ""};
    EXPECT_THROW(read_only.insert_incident(incident, event), StoreError);
    EXPECT_EQ(incident.id, 0);
}

}  // namespace
}  // namespace wangge::store
