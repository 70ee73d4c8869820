// What only the PostGIS store has: its schema (versions, migrations, GiST
// indexes, SRID 4490, column encodings) and locations without passwords.
// The store's behaviour is in store_contract_test.cpp, run on both stores.

#include "wangge/store/postgis.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pg.hpp"
#include "postgis_schema.hpp"
#include "sample_dataset.hpp"
#include "store_backends.hpp"
#include "wangge/model/duty_days.hpp"
#include "wangge/store/change_feed.hpp"

namespace wangge::store {
namespace {

using testing::PgDatabase;

class PostgisStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!testing::test_pg()) GTEST_SKIP() << "WANGGE_TEST_PG is not set (scripts/pg-test start DIR prints one)";
        database_.emplace();
    }
    [[nodiscard]] std::string uri() const { return database_->uri(); }
    /// A store holding sample_dataset().
    void create_sample() {
        model::Dataset data = testing::sample_dataset();
        create_store(uri())->append(data);
    }
    [[nodiscard]] std::string query(const std::string& sql) const {
        detail::PgConnection connection(uri());
        return std::string(connection.execute(sql).bytes(0, 0));
    }

    std::optional<PgDatabase> database_;
};

std::string message_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const StoreError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST_F(PostgisStoreTest, OpenRefusesADatabaseWithoutAStore) {
    const std::string message = message_of([&] { (void)open_store(uri()); });
    EXPECT_EQ(message.find("no store at " + uri()), 0U) << message;
}

TEST_F(PostgisStoreTest, CreateMakesThePostgisExtensionWhenMissing) {
    PgDatabase bare(false);
    (void)create_store(bare.uri());
    detail::PgConnection connection(bare.uri());
    EXPECT_EQ(connection.execute("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'").bytes(0, 0), "1");
}

TEST_F(PostgisStoreTest, ANewStoreIsRemovedWholeWhenItsFirstWriteFails) {
    (void)create_store(uri());
    // schema_tables() is what remove_new_store() drops: it must name every table the migrations make.
    const std::string tables_sql =
        "SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '') FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename <> 'spatial_ref_sys'";
    std::vector<std::string> expected = detail::schema_tables();
    std::ranges::sort(expected);
    std::string listed;
    for (const std::string& table : expected) listed += (listed.empty() ? "" : ",") + table;
    EXPECT_EQ(query(tables_sql), listed);
    remove_new_store(uri());
    EXPECT_EQ(query(tables_sql), "");
    EXPECT_FALSE(store_exists(uri()));
}

TEST_F(PostgisStoreTest, RefusesASchemaNewerThanThisBuild) {
    create_sample();
    (void)query("UPDATE wangge_schema SET version = 99 RETURNING version");
    const std::string message = message_of([&] { (void)open_store(uri(), true); });
    EXPECT_NE(message.find("has schema version 99; this build reads version " +
                           std::to_string(detail::postgis_schema_version())),
              std::string::npos)
        << message;
}

std::vector<std::string> add_a_column() { return {"ALTER TABLE visits ADD COLUMN mood text"}; }
std::vector<std::string> add_a_column_then_fail() {
    return {"ALTER TABLE visits ADD COLUMN mood text", "SELECT * FROM no_such_table"};
}

/// This build's migrations and then `last`.
std::vector<detail::Migration> migrations_and(detail::Migration last) {
    std::vector<detail::Migration> steps(detail::migrations().begin(), detail::migrations().end());
    steps.push_back(last);
    return steps;
}

TEST_F(PostgisStoreTest, MigratesAnOlderSchemaForwardInOneTransaction) {
    create_sample();
    const int current = detail::postgis_schema_version();
    const std::string current_text = std::to_string(current);
    const std::string next_text = std::to_string(current + 1);
    {
        detail::PgConnection connection(uri());
        EXPECT_THROW((void)detail::open_schema(connection, migrations_and(add_a_column_then_fail)), StoreError);
    }
    EXPECT_EQ(query("SELECT version FROM wangge_schema"), current_text);
    EXPECT_EQ(query("SELECT count(*) FROM information_schema.columns WHERE table_name = 'visits' AND "
                    "column_name = 'mood'"),
              "0");

    const std::vector<detail::Migration> next = migrations_and(add_a_column);
    {
        detail::PgConnection connection(uri());
        EXPECT_EQ(detail::open_schema(connection, next), current + 1);
        EXPECT_EQ(detail::open_schema(connection, next), current + 1);  // nothing left to do
    }
    EXPECT_EQ(query("SELECT version FROM wangge_schema"), next_text);
    EXPECT_EQ(query("SELECT count(*) FROM information_schema.columns WHERE table_name = 'visits' AND "
                    "column_name = 'mood'"),
              "1");
    // This build reads its own version only.
    EXPECT_NE(message_of([&] { (void)open_store(uri()); }).find("has schema version " + next_text), std::string::npos);
}

TEST_F(PostgisStoreTest, GeometryIsSrid4490WithGistIndexes) {
    (void)create_store(uri());
    detail::PgConnection connection(uri());
    const detail::PgResult columns = connection.execute(
        "SELECT f_table_name, type, srid FROM geometry_columns WHERE f_table_schema = 'public' ORDER BY f_table_name");
    ASSERT_EQ(columns.rows(), 4);
    const std::vector<std::pair<std::string, std::string>> expected{
        {"facilities", "POINT"}, {"grids", "MULTIPOLYGON"}, {"households", "POINT"}, {"incidents", "POINT"}};
    for (int r = 0; r < columns.rows(); ++r) {
        EXPECT_EQ(columns.bytes(r, 0), expected[static_cast<std::size_t>(r)].first);
        EXPECT_EQ(columns.bytes(r, 1), expected[static_cast<std::size_t>(r)].second);
        EXPECT_EQ(columns.bytes(r, 2), "4490");
        const std::string table(columns.bytes(r, 0));
        EXPECT_EQ(connection
                      .execute("SELECT count(*) FROM pg_indexes WHERE tablename = '" + table +
                               "' AND indexdef LIKE '%USING gist (geom)%'")
                      .bytes(0, 0),
                  "1")
            << table;
    }
    EXPECT_EQ(connection.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'visits_client_key'").bytes(0, 0),
              "1");
}

TEST_F(PostgisStoreTest, StoresTimesAsTimestamptzAndTheFileEncodings) {
    create_sample();
    EXPECT_EQ(query("SELECT reported_at = '2026-01-01T08:00:00+08:00'::timestamptz FROM incidents WHERE id = 9001"),
              "t");
    EXPECT_EQ(query("SELECT data_type FROM information_schema.columns WHERE table_name = 'incidents' AND "
                    "column_name = 'deadline'"),
              "timestamp with time zone");
    EXPECT_EQ(query("SELECT tags FROM households WHERE id = 101"), "独居老人;低保");
    EXPECT_EQ(query("SELECT duty_days FROM staff_grids WHERE staff_id = 7"), model::format_duty_days(0x1f));
    EXPECT_EQ(query("SELECT level FROM grids ORDER BY fid LIMIT 1"), "street");
    EXPECT_EQ(query("SELECT ST_AsText(geom) FROM households WHERE id = 101"), "POINT(116.4051 39.9052)");
}

TEST_F(PostgisStoreTest, TextWithANulCharacterIsRefusedAndTheStoreGoesOn) {
    create_sample();
    const std::unique_ptr<Store> store = open_store(uri(), true);
    model::Dataset bad;
    bad.households.push_back(testing::sample_dataset().households[1]);
    bad.households[0].id = 0;
    bad.households[0].head_name = std::string("张\0三", 7);
    EXPECT_THROW(store->append(bad), InputError);  // in the middle of a COPY
    bad.households[0].head_name = "张三";
    store->append(bad);
    EXPECT_GT(bad.households[0].id, 102);  // the failed COPY may have used up ids: sequences leave gaps
    EXPECT_EQ(store->load().households.size(), 3U);
}

/// A visit of the sample's household 101 by staff 7.
model::Visit new_visit(const std::string& note) {
    model::Visit visit = testing::sample_dataset().visits[0];
    visit.id = 0;
    visit.note = note;
    visit.client_key.clear();
    return visit;
}

TEST_F(PostgisStoreTest, ABatchListsWhatItWroteInTheChangeTableWithItsCommit) {
    create_sample();
    const std::unique_ptr<Store> store = open_store(uri(), true);
    ASSERT_EQ(store->change_origin().size(), 16U);
    ChangeFeed feed(uri());
    const TablesAtChange loaded = store->load_tables_at_change();
    EXPECT_EQ(loaded.change_seq, feed.latest()) << "the import of the sample is listed";
    EXPECT_EQ(loaded.tables.households.size(), 2U);
    // The import listed its rows: grids whole, households by id.
    const std::vector<Change> imported = feed.after(0);
    ASSERT_FALSE(imported.empty());
    for (const Change& change : imported) {
        if (change.change.layer == Layer::grids) {
            EXPECT_FALSE(change.change.ids);
        }
        if (change.change.layer == Layer::households) {
            EXPECT_EQ(change.change.ids, (std::vector<std::int64_t>{101, 102}));
        }
    }

    model::Incident incident = testing::sample_dataset().incidents[0];
    incident.id = 0;
    model::IncidentEvent event = testing::sample_dataset().incident_events[0];
    event.id = 0;
    model::Visit undone = new_visit("undone");
    {
        const std::unique_ptr<Batch> batch = store->begin_batch();
        batch->isolated([&] { batch->insert_incident(incident, event); });
        // A write undone by its savepoint lists nothing.
        EXPECT_THROW(batch->isolated([&] {
            batch->append_visit(undone);
            throw StoreError("refused");
        }),
                     StoreError);
        model::Incident missing = incident;
        missing.id = 999'999;
        model::IncidentEvent missing_event = event;
        EXPECT_THROW(batch->isolated([&] { batch->update_incident(missing, missing_event, {"reported", 0}); }), StoreError);
        // Nothing is listed before the commit.
        EXPECT_EQ(feed.latest(), loaded.change_seq);
        batch->commit();
    }
    EXPECT_GT(feed.wait(std::chrono::seconds(5), -1), loaded.change_seq) << "NOTIFY with the last seq";
    const std::vector<Change> written = feed.after(loaded.change_seq);
    ASSERT_EQ(written.size(), 2U);
    EXPECT_EQ(written[0].origin, store->change_origin());
    EXPECT_EQ(written[0].change.layer, Layer::incidents);
    EXPECT_EQ(written[0].change.ids, (std::vector<std::int64_t>{incident.id}));
    EXPECT_EQ(written[1].change.layer, Layer::incident_events);
    EXPECT_EQ(written[1].change.ids, (std::vector<std::int64_t>{event.id}));

    // The rows listed are read back by id, on the store's connection.
    const std::vector<LayerChange> listed{written[0].change, written[1].change, {Layer::staff, std::nullopt, std::nullopt}};
    const model::Dataset read = store->read_changed(listed);
    ASSERT_EQ(read.incidents.size(), 1U);
    EXPECT_EQ(read.incidents[0].description, incident.description);
    ASSERT_EQ(read.incident_events.size(), 1U);
    EXPECT_EQ(read.staff.size(), 2U);
    EXPECT_TRUE(read.households.empty());
    EXPECT_TRUE(feed.reaches_back_to(loaded.change_seq));
    (void)query("WITH pruned AS (DELETE FROM changes WHERE seq <= " + std::to_string(written[0].seq) +
                " RETURNING 1) SELECT count(*) FROM pruned");
    EXPECT_FALSE(feed.reaches_back_to(loaded.change_seq)) << "pruned past it";
    EXPECT_TRUE(feed.reaches_back_to(written[0].seq));
}

/// The change row of `layer` among `changes`.
const LayerChange& change_of(const std::vector<Change>& changes, Layer layer) {
    const auto found = std::find_if(changes.begin(), changes.end(),
                                    [&](const Change& change) { return change.change.layer == layer; });
    if (found == changes.end()) throw std::runtime_error("no change of " + std::string(to_string(layer)));
    return found->change;
}

/// `bounds` covers [w, s, e, n] and is no more than `slack` larger on any side.
void expect_bounds(const std::optional<geo::Box>& bounds, double w, double s, double e, double n, double slack = 0) {
    ASSERT_TRUE(bounds.has_value());
    EXPECT_LE(bounds->min_x, w);
    EXPECT_LE(bounds->min_y, s);
    EXPECT_GE(bounds->max_x, e);
    EXPECT_GE(bounds->max_y, n);
    EXPECT_GE(bounds->min_x, w - slack);
    EXPECT_GE(bounds->min_y, s - slack);
    EXPECT_LE(bounds->max_x, e + slack);
    EXPECT_LE(bounds->max_y, n + slack);
}

TEST_F(PostgisStoreTest, EachChangeRowCarriesTheBoxOfWhatItWroteOldPositionsIncluded) {
    create_sample();
    const std::unique_ptr<Store> store = open_store(uri(), true);
    ChangeFeed feed(uri());
    std::int64_t seen = feed.latest();
    const auto commit = [&](const std::function<void(Batch&)>& write) {
        const std::unique_ptr<Batch> batch = store->begin_batch();
        batch->isolated([&] { write(*batch); });
        batch->commit();
        std::vector<Change> written = feed.after(seen);
        if (!written.empty()) seen = written.back().seq;
        return written;
    };
    const model::Dataset sample = testing::sample_dataset();

    // A new incident: its point (exact); its event has no geometry.
    model::Incident incident = sample.incidents[0];
    incident.id = 0;
    model::IncidentEvent event = sample.incident_events[0];
    event.id = 0;
    std::vector<Change> written = commit([&](Batch& batch) { batch.insert_incident(incident, event); });
    const geo::Point reported = incident.location;
    expect_bounds(change_of(written, Layer::incidents).bounds, reported.x, reported.y, reported.x, reported.y);
    EXPECT_FALSE(change_of(written, Layer::incident_events).bounds);

    // A transition that moves it: where it was and where it is.
    incident.location = {reported.x + 0.003, reported.y - 0.002};
    model::IncidentEvent moved_event{0, incident.id, 1'767'300'000, "7", incident.state, incident.state, "位置更正"};
    written = commit([&](Batch& batch) { batch.update_incident(incident, moved_event, {incident.state, event.id}); });
    expect_bounds(change_of(written, Layer::incidents).bounds, reported.x, reported.y - 0.002, reported.x + 0.003,
                  reported.y);

    // A household moved (an upload's replaced row): old and new position.
    model::Household household = sample.households[0];
    const geo::Point before = household.location;
    household.location = {before.x + 0.005, before.y + 0.004};
    written = commit([&](Batch& batch) {
        model::Dataset added;
        model::Dataset replaced;
        replaced.households.push_back(household);
        batch.upsert(added, replaced);
    });
    expect_bounds(change_of(written, Layer::households).bounds, before.x, before.y, before.x + 0.005,
                  before.y + 0.004);

    // A layout published: the grids listed whole, over the grids closed (the
    // street's square, 116.40–116.42, 39.90–39.92) and the one opened; the
    // household whose grid code it re-derived, where it lies. Polygon boxes
    // are PostGIS's float boxes, rounded outward.
    LayoutPublication publication;
    publication.at = 1'767'400'000;
    model::Grid opened = sample.grids[2];
    opened.version = 3;
    opened.valid_from = publication.at;
    opened.geometry = {};
    opened.geometry.polygons.push_back({{testing::square(116.50, 39.95, 0.01)}});
    publication.grids = {opened};
    publication.households = {{household.id, opened.code}};
    written = commit([&](Batch& batch) { batch.publish_layout(publication); });
    EXPECT_FALSE(change_of(written, Layer::grids).ids);
    expect_bounds(change_of(written, Layer::grids).bounds, 116.40, 39.90, 116.51, 39.96, 1e-4);
    expect_bounds(change_of(written, Layer::households).bounds, before.x + 0.005, before.y + 0.004, before.x + 0.005,
                  before.y + 0.004);

    // Staffing touches no geometry.
    written = commit([&](Batch& batch) { batch.update_staff({}); });
    EXPECT_FALSE(change_of(written, Layer::staff).bounds);
}

TEST_F(PostgisStoreTest, ChangesAreNumberedInCommitOrderAcrossConnections) {
    create_sample();
    const std::unique_ptr<Store> first = open_store(uri(), true);
    const std::unique_ptr<Store> second = open_store(uri(), true);
    ChangeFeed feed(uri());
    const std::int64_t start = feed.latest();
    model::Visit early = new_visit("begun first, committed second");
    model::Visit late = new_visit("begun second, committed first");
    const std::unique_ptr<Batch> a = first->begin_batch();
    a->append_visit(early);
    {
        const std::unique_ptr<Batch> b = second->begin_batch();
        b->append_visit(late);
        b->commit();
    }
    a->commit();
    const std::vector<Change> changes = feed.after(start);
    ASSERT_EQ(changes.size(), 2U);
    EXPECT_EQ(changes[0].origin, second->change_origin());
    EXPECT_EQ(changes[0].change.ids, (std::vector<std::int64_t>{late.id}));
    EXPECT_EQ(changes[1].origin, first->change_origin());
    EXPECT_EQ(changes[1].change.ids, (std::vector<std::int64_t>{early.id}));
    EXPECT_LT(changes[0].seq, changes[1].seq);
}

TEST_F(PostgisStoreTest, MessagesAndLocationsNameTheAddressWithoutItsPassword) {
    create_sample();
    std::string with_password = uri();
    with_password.insert(with_password.find('@'), ":s3cret");
    const std::unique_ptr<Store> store = open_store(with_password);  // trust authentication ignores it
    EXPECT_EQ(store->location(), uri());
    const std::string missing = testing::with_database(with_password, "no_such_database");
    const std::string message = message_of([&] { (void)open_store(missing); });
    EXPECT_NE(message.find("no_such_database"), std::string::npos) << message;
    EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
    EXPECT_EQ(detail::redacted_location("postgresql://u@h/db?password=s3cret&sslmode=disable"),
              "postgresql://u@h/db?sslmode=disable");
    EXPECT_EQ(detail::redacted_location("postgres://u:p@ss@h:5432/db"), "postgres://u@h:5432/db");
}

}  // namespace
}  // namespace wangge::store
