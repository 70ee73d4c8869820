// Replicas in step (issue #14 item 2, docs/replicas.md): three servers on one
// database, in-process, as `wangge serve --store postgresql://…` builds them.
// A write through one is served by the others within a second (its features,
// its tile changes: the same tiles as on the writing server, a moved
// household's old position included), for incidents, households, visits,
// staffing and a grid layout; /health's lag returns to 0; a server prunes old
// changes, keeping the newest; followers whose connections are killed
// reconnect, catch up and log it; a pruned change table is answered by a reload.

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pg.hpp"
#include "store_backends.hpp"
#include "support/test_app.hpp"
#include "wangge/drafts/draft.hpp"
#include "wangge/drafts/publish.hpp"
#include "wangge/http/replica.hpp"
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

/// The changes of `layer` in `server`'s /tiles/changes after `cursor`, as
/// `headers` may see them, without their versions (a server's own).
json tile_changes(support::TestServer& server, const support::Headers& headers, const std::string& cursor,
                  const std::string& layer) {
    json out = json::array();
    const json body = server.get("/tiles/changes?after=" + cursor, headers).json();
    for (json change : body.at("changes")) {
        if (change.at("layer") != layer) continue;
        change.erase("version");
        out.push_back(std::move(change));
    }
    return out;
}

bool covers(const json& changes, const geo::Point& point) {
    constexpr double e = 1e-9;  // the bounds are of the point as stored (binary doubles)
    return std::any_of(changes.begin(), changes.end(), [&](const json& change) {
        const json& box = change.at("bounds");
        return box[0] <= point.x + e && box[2] >= point.x - e && box[1] <= point.y + e && box[3] >= point.y - e;
    });
}

/// Publishes through `server`'s Writer (the drafts route's path; the
/// sample's layout has gaps the route would refuse) a layout that renames the west grid 幸福里.
void rename_west_grid(support::TestServer& server) {
    const auto renamed = [](const model::Snapshot& current) {
        std::vector<model::Grid> grids;
        for (const model::Grid* grid : current.current_grids()) grids.push_back(*grid);
        for (model::Grid& grid : grids) {
            if (grid.code == west_grid) grid.name = "幸福里";
        }
        const drafts::Draft draft(std::move(grids), drafts::layout_version(current.current_grids()));
        return drafts::plan_publication(draft, current, 1'790'000'000);
    };
    (void)server.writer().publish_layout(renamed, [](const drafts::PublishPlan&) {
        auth::AuditEntry entry;
        entry.at = 1'790'000'000;
        entry.user_name = "planner";
        entry.action = "layouts.publish";
        entry.collection = "grids";
        return entry;
    });
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

    // A household moved through A: B lists the tiles at its old and its new
    // position, the very tiles A lists (B applies A's write from the change table).
    const support::Headers worker = as(users::worker);  // households are not shown to everyone
    const auto cursor_of = [](support::TestServer& server) {
        return server.get("/tiles/changes").json().at("cursor").get<std::string>();
    };
    std::string on_a = cursor_of(a());
    std::string on_b = cursor_of(b());
    const geo::Point from = a().state().view()->snapshot().household(1)->location;
    const geo::Point to{116.409, 39.918};
    const Reply moved = call(a(), users::worker, Method::patch, "/households/1",
                             json{{"lon", to.x}, {"lat", to.y}}.dump());
    ASSERT_EQ(moved.status, 200U) << moved.body;
    ASSERT_TRUE(eventually([&] { return b().state().view()->snapshot().household(1)->location == to; }));
    const json households = tile_changes(b(), worker, on_b, "households");
    EXPECT_TRUE(covers(households, from)) << households.dump();
    EXPECT_TRUE(covers(households, to)) << households.dump();
    EXPECT_EQ(households, tile_changes(a(), worker, on_a, "households"));
    EXPECT_EQ(tile_changes(b(), worker, on_b, "grids"), tile_changes(a(), worker, on_a, "grids"));

    // Staffing changed through B (after the visit: the worker leaves the grid): A's card of the grid names the new staff.
    const Reply staffed = call(b(), users::planner, Method::put, "/grids/" + west_grid + "/staff",
                                   R"({"staff":[{"id":2,"duty":"A"}]})");
    ASSERT_EQ(staffed.status, 200U) << staffed.body;
    EXPECT_TRUE(eventually([&] {
        const auto staff = a().state().view()->snapshot().staff_of(west_grid);
        return staff.size() == 1 && staff[0].staff->id == 2;
    }));

    // A layout published through A, a grid renamed, is B's layout, with the same grid tiles changed.
    on_a = cursor_of(a());
    on_b = cursor_of(b());
    rename_west_grid(a());
    EXPECT_TRUE(eventually([&] {
        const model::Grid* grid = b().state().view()->snapshot().current_grid(west_grid);
        return grid != nullptr && grid->name == "幸福里";
    }));
    EXPECT_EQ(b().get("/lookup?lon=116.405&lat=39.905").json().at("grid").at("name"), "幸福里");
    const json grids = tile_changes(b(), worker, on_b, "grids");
    EXPECT_FALSE(grids.empty());
    EXPECT_EQ(grids, tile_changes(a(), worker, on_a, "grids"));

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

/// Lines a server's follower logs, kept for a test (from the follower's thread).
struct FollowerLog {
    std::mutex mutex;
    std::vector<std::string> lines;

    http::FollowerOptions options() {
        http::FollowerOptions follower;
        follower.log = [this](const std::string& line) {
            const std::lock_guard lock(mutex);
            lines.push_back(line);
        };
        return follower;
    }
    std::vector<std::string> read() {
        const std::lock_guard lock(mutex);
        return lines;
    }
};

TEST_F(ReplicaTest, ServersPruneOldChangesKeepingTheNewestAndFollowersReconnectAndLogIt) {
    // Some changes, then all of them made two days old.
    const Reply reported = call(a(), users::worker, Method::post, "/incidents", new_case_in_west_grid);
    ASSERT_EQ(reported.status, 201U) << reported.body;
    const std::int64_t newest = number("SELECT max(seq) FROM changes");
    ASSERT_GT(number("SELECT count(*) FROM changes"), 1);
    execute("UPDATE changes SET at = now() - interval '2 days'");

    // A fourth server, keeping a day, pruning often: it prunes at start.
    FollowerLog log;
    support::TestAppOptions options{.store = database_->uri()};
    options.follower = log.options();
    options.follower.retention = std::chrono::hours(24);
    options.follower.prune_every = 300ms;
    support::TestServer d(support::TestApp::quiet_options(), {}, std::move(options));
    EXPECT_TRUE(eventually([&] { return number("SELECT count(*) FROM changes") == 1; }));
    EXPECT_EQ(number("SELECT max(seq) FROM changes"), newest) << "the newest row stays";

    // The others follow on: a write through B reaches A, C and D.
    const Reply second = call(b(), users::worker, Method::post, "/incidents", new_case_in_west_grid);
    ASSERT_EQ(second.status, 201U) << second.body;
    const std::int64_t id = second.json().at("id").get<std::int64_t>();
    for (support::TestServer* other : {&a(), &c(), &d}) {
        EXPECT_TRUE(eventually([&] { return other->state().view()->snapshot().incident(id) != nullptr; }));
    }
    // Rows within the retention stay; aged, they go at the next turn.
    EXPECT_EQ(number("SELECT count(*) FROM changes WHERE seq > " + std::to_string(newest)), 2);
    const std::int64_t last = number("SELECT max(seq) FROM changes");
    execute("UPDATE changes SET at = now() - interval '2 days'");
    EXPECT_TRUE(eventually([&] { return number("SELECT count(*) FROM changes") == 1; }));
    EXPECT_EQ(number("SELECT max(seq) FROM changes"), last);

    // Every follower's connection killed: each reconnects and catches up with
    // a write made meanwhile, and D logs the loss once and its recovery once.
    const std::string followers = std::string("FROM pg_stat_activity WHERE application_name = '") +
                                  store::ChangeFeed::application_name + "' AND datname = current_database()";
    ASSERT_EQ(number("SELECT count(*) " + followers), 4);
    execute("SELECT pg_terminate_backend(pid) " + followers);
    const Reply meanwhile = call(a(), users::worker, Method::post, "/incidents", new_case_in_west_grid);
    ASSERT_EQ(meanwhile.status, 201U) << meanwhile.body;
    const std::int64_t caught = meanwhile.json().at("id").get<std::int64_t>();
    for (support::TestServer* other : {&b(), &c(), &d}) {
        EXPECT_TRUE(eventually([&] { return other->state().view()->snapshot().incident(caught) != nullptr; }, 3s));
    }
    EXPECT_TRUE(eventually([&] { return number("SELECT count(*) " + followers) == 4; }, 3s));
    EXPECT_TRUE(eventually(
        [&] {
            const std::vector<std::string> lines = log.read();
            return !lines.empty() && lines.back().find("caught up from seq") != std::string::npos;
        },
        3s));
    // (A prune the termination interrupts may log a line of its own.)
    const std::vector<std::string> lines = log.read();
    const auto count = [&](const std::string& text) {
        return std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
            EXPECT_EQ(line.find('\n'), std::string::npos) << line;
            return line.find(text) != std::string::npos;
        });
    };
    EXPECT_EQ(count("replica follower at seq " + std::to_string(last) + ": "), 1) << ::testing::PrintToString(lines);
    EXPECT_EQ(count("caught up from seq " + std::to_string(last) + " to seq "), 1) << ::testing::PrintToString(lines);
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
