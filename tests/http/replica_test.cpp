// Replicas in step (issue #14 item 2, docs/replicas.md): three servers on one
// database, in-process, as `wangge serve --store postgresql://…` builds them.
// A write through one is served by the others within a second (its features,
// its tile changes), for incidents, households, visits, staffing and a grid
// layout; /health's lag returns to 0; a follower whose connection is killed
// reconnects and catches up; a pruned change table is answered by a reload.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pg.hpp"
#include "store_backends.hpp"
#include "support/test_app.hpp"
#include "wangge/drafts/draft.hpp"
#include "wangge/drafts/publish.hpp"
#include "wangge/store/change_feed.hpp"

namespace wangge {
namespace {

using http::Method;
using nlohmann::json;
using support::Reply;
namespace users = support::users;
using namespace std::chrono_literals;

const std::string west_grid = "110105001001001";
const std::string new_case_in_west_grid =
    R"({"category":"违法建设","triage":"general","source":"网格员巡查","description":"楼顶私搭乱建","lon":116.405,"lat":39.905})";

/// Polls `check` every 20 ms until it holds or `limit` has passed.
bool eventually(const std::function<bool()>& check, std::chrono::milliseconds limit = 1s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!check()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

class ReplicaTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!store::testing::test_pg()) {
            GTEST_SKIP() << "WANGGE_TEST_PG is not set: the replica tests need a PostgreSQL/PostGIS address "
                            "(scripts/pg-test start DIR prints one)";
        }
        database_.emplace();
        for (auto& server : servers_) {
            server = std::make_unique<support::TestServer>(support::TestApp::quiet_options(),
                                                           std::function<void(http::Router&)>{},
                                                           support::TestAppOptions{.store = database_->uri()});
        }
    }

    /// Accounts are made once, through A; a session is valid on every server.
    support::Headers as(const support::Account& user) {
        return {{"Authorization", "Bearer " + servers_[0]->accounts().token(user)}};
    }
    Reply get(support::TestServer& server, const support::Account& user, const std::string& target) {
        return server.get(target, as(user));
    }
    Reply call(support::TestServer& server, const support::Account& user, Method method, const std::string& target,
               const std::string& body = {}) {
        return server.call(std::nullopt, method, target, body, as(user));
    }

    support::TestServer& a() { return *servers_[0]; }
    support::TestServer& b() { return *servers_[1]; }
    support::TestServer& c() { return *servers_[2]; }

    void execute(const std::string& sql) const {
        store::detail::PgConnection connection(database_->uri());
        (void)connection.execute(sql);
    }
    [[nodiscard]] std::int64_t number(const std::string& sql) const {
        store::detail::PgConnection connection(database_->uri());
        return connection.execute(sql).text_int(0, 0);
    }

    std::optional<store::testing::PgDatabase> database_;
    std::unique_ptr<support::TestServer> servers_[3];
};

TEST_F(ReplicaTest, WritesThroughOneServerAreServedByTheOthersWithinASecond) {
    const std::string cursor = get(b(), users::worker, "/tiles/changes").json().at("cursor").get<std::string>();

    // An incident reported through A: its page and its feature through B and C.
    const Reply reported = call(a(), users::worker, Method::post, "/incidents", new_case_in_west_grid);
    ASSERT_EQ(reported.status, 201U) << reported.body;
    const std::string id = std::to_string(reported.json().at("id").get<std::int64_t>());
    for (support::TestServer* other : {&b(), &c()}) {
        EXPECT_TRUE(eventually([&] { return get(*other, users::worker, "/incidents/" + id).status == 200U; }))
            << "not served by another server within 1 s";
        const Reply feature = get(*other, users::worker, "/collections/incidents/items/" + id);
        ASSERT_EQ(feature.status, 200U) << feature.body;
        EXPECT_EQ(feature.json().at("properties").at("description"), "楼顶私搭乱建");
    }
    // B's tile feed lists an incidents change covering it (from B's own publish).
    const json changes = get(b(), users::worker, "/tiles/changes?after=" + cursor).json();
    bool covered = false;
    for (const json& change : changes.at("changes")) {
        const json& box = change.at("bounds");
        const auto contains = [&](double lon, double lat) {
            constexpr double e = 1e-9;  // the bounds are of the point as stored (binary doubles)
            return box[0] <= lon + e && box[2] >= lon - e && box[1] <= lat + e && box[3] >= lat - e;
        };
        covered = covered || (change.at("layer") == "incidents" && contains(116.405, 39.905));
    }
    EXPECT_TRUE(covered) << changes.dump();
    // A household added through A.
    const json household{{"lon", 116.4071}, {"lat", 39.9071}, {"compound", "吉庆里"}, {"building", "9号楼"},
                         {"unit", "1单元"},  {"room", "301"},   {"members", 3},       {"tags", {"出租房"}}};
    const Reply added = call(a(), users::worker, Method::post, "/households", household.dump());
    ASSERT_EQ(added.status, 201U) << added.body;
    const std::int64_t household_id = added.json().at("id").get<std::int64_t>();
    EXPECT_TRUE(eventually([&] {
        const model::Household* row = c().state().view()->snapshot().household(household_id);
        return row != nullptr && row->room == "301";
    }));

    // A visit recorded through C.
    const std::size_t visits = a().state().view()->snapshot().data().visits.size();
    const Reply visit =
        call(c(), users::worker, Method::post, "/visits", R"({"household_id":1,"kind":"日常走访"})");
    ASSERT_EQ(visit.status, 201U) << visit.body;
    EXPECT_TRUE(eventually([&] { return a().state().view()->snapshot().data().visits.size() == visits + 1; }));

    // Staffing changed through B (after the visit: the worker leaves the grid): A's card of the grid names the new staff.
    const Reply staffed = call(b(), users::planner, Method::put, "/grids/" + west_grid + "/staff",
                                   R"({"staff":[{"id":2,"duty":"A"}]})");
    ASSERT_EQ(staffed.status, 200U) << staffed.body;
    EXPECT_TRUE(eventually([&] {
        const auto staff = a().state().view()->snapshot().staff_of(west_grid);
        return staff.size() == 1 && staff[0].staff->id == 2;
    }));

    // A layout published through A's Writer (the drafts route's path; the
    // sample's layout has gaps the route would refuse), a grid renamed, is B's layout.
    const auto renamed = [](const model::Snapshot& current) {
        std::vector<model::Grid> grids;
        for (const model::Grid* grid : current.current_grids()) grids.push_back(*grid);
        for (model::Grid& grid : grids) {
            if (grid.code == west_grid) grid.name = "幸福里";
        }
        const drafts::Draft draft(std::move(grids), drafts::layout_version(current.current_grids()));
        return drafts::plan_publication(draft, current, 1'790'000'000);
    };
    (void)a().writer().publish_layout(renamed, [](const drafts::PublishPlan&) {
        auth::AuditEntry entry;
        entry.at = 1'790'000'000;
        entry.user_name = "planner";
        entry.action = "layouts.publish";
        entry.collection = "grids";
        return entry;
    });
    EXPECT_TRUE(eventually([&] {
        const model::Grid* grid = b().state().view()->snapshot().current_grid(west_grid);
        return grid != nullptr && grid->name == "幸福里";
    }));
    EXPECT_EQ(b().get("/lookup?lon=116.405&lat=39.905").json().at("grid").at("name"), "幸福里");

    // Every server has applied everything: lag 0, at the database's last seq.
    const std::int64_t last = number("SELECT max(seq) FROM changes");
    for (support::TestServer* server : {&a(), &b(), &c()}) {
        EXPECT_TRUE(eventually([&] {
            const json replication = server->get("/health").json().at("replication");
            return replication.at("lag") == 0 && replication.at("applied_seq") == last;
        })) << server->get("/health").body;
    }
    EXPECT_FALSE(b().get("/health").json().at("replication").at("last_applied_at").is_null());
}

TEST_F(ReplicaTest, AFollowerWhoseConnectionIsKilledReconnectsAndCatchesUp) {
    const std::string followers = std::string("FROM pg_stat_activity WHERE application_name = '") +
                                  store::ChangeFeed::application_name + "' AND datname = current_database()";
    ASSERT_EQ(number("SELECT count(*) " + followers), 3);
    execute("SELECT pg_terminate_backend(pid) " + followers);
    // Written while the followers reconnect: caught up from the table.
    const Reply reported = call(a(), users::worker, Method::post, "/incidents", new_case_in_west_grid);
    ASSERT_EQ(reported.status, 201U) << reported.body;
    const std::int64_t id = reported.json().at("id").get<std::int64_t>();
    for (support::TestServer* other : {&b(), &c()}) {
        EXPECT_TRUE(eventually([&] { return other->state().view()->snapshot().incident(id) != nullptr; }, 3s));
    }
    EXPECT_TRUE(eventually([&] { return number("SELECT count(*) " + followers) == 3; }, 3s));
}

TEST_F(ReplicaTest, AChangeTableThatNoLongerReachesBackIsAnsweredByAReload) {
    const std::uint64_t version = b().state().view()->snapshot().version();
    // A change no follower is told of, then the table pruned past the followers' seq.
    execute("BEGIN; UPDATE households SET members = 42 WHERE id = 1; DELETE FROM changes; "
            "SELECT nextval(pg_get_serial_sequence('changes', 'seq')); "
            "INSERT INTO changes (origin, layer, ids) VALUES ('pruning test', 'visits', '{}'); "
            "NOTIFY wangge_changes; COMMIT");
    // A reload reads every layer again: slower than applying a change.
    EXPECT_TRUE(eventually(
        [&] {
            const model::Household* row = b().state().view()->snapshot().household(1);
            return row != nullptr && row->members == 42;
        },
        5s))
        << b().get("/health").body;
    EXPECT_GT(b().state().view()->snapshot().version(), version);
    EXPECT_TRUE(b().state().view()->snapshot().changes().rebuilt);
}

}  // namespace
}  // namespace wangge
