// The workflow routes end to end: a real GeoPackage store in a temp dir, the
// Writer, sessions from the auth module, and the Beast server on an ephemeral port.

#include "wangge/http/workflow_routes.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_server.hpp"
#include "wangge/auth/service.hpp"
#include "wangge/http/server.hpp"
#include "wangge/model/time.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/workflow/config.hpp"
#include "wangge/workflow/month.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;

constexpr const char* password = "good password";
constexpr const char* west_grid = "110105001001001";  // staff 1 (张伟) is its A岗 worker

class WorkflowRoutesTest : public ::testing::Test {
protected:
    WorkflowRoutesTest() {
        {
            store::GeoPackageStore store = store::GeoPackageStore::create(store_path_);
            model::Dataset data = test::sample_dataset();
            store.append(data);
        }
        service_.emplace(store_path_);
        gate_.emplace(*service_);  // the system clock, as in `wangge serve`
        const auth::Actor cli{std::nullopt, "cli:test", "local"};
        const model::Timestamp now = gate_->now();
        service_->add_user({.name = "li", .role = auth::Role::grid_worker, .grid_codes = {west_grid}, .staff_id = 1},
                           password, cli, now);
        service_->add_user({.name = "wang", .role = auth::Role::grid_worker, .grid_codes = {"110105001002001"},
                            .staff_id = 3},
                           password, cli, now);
        service_->add_user({.name = "chief", .role = auth::Role::supervisor, .grid_codes = {"110105001001"}}, password,
                           cli, now);

        state_.publish(model::Snapshot::build(store::GeoPackageStore::open(store_path_).load(), 1));
        writer_.emplace(store_path_, state_);
        config_.emplace(workflow::WorkflowConfig::load(std::filesystem::path(WANGGE_SOURCE_DIR) / "data/categories.json"));
        services_ = std::make_unique<WorkflowServices>(WorkflowServices{*writer_, *gate_, *config_});

        Router router;
        add_workflow_routes(router, state_, *services_);
        server_ = std::make_unique<Server>(std::move(router), test::TestServer::quiet_options());
        port_ = server_->listen();
        thread_ = std::thread([this] { server_->run(); });
    }

    ~WorkflowRoutesTest() override { stop(); }

    void stop() {
        if (!thread_.joinable()) return;
        server_->stop();
        thread_.join();
    }

    std::string token_of(const std::string& name) {
        return service_->login(name, password, "", gate_->now()).token;
    }

    test::Reply call(Method method, const std::string& target, const std::string& token, const json& body = nullptr) {
        test::Headers headers{{"Content-Type", "application/json"}};
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        return test::Client(port_).request(method, target, headers, body.is_null() ? std::string() : body.dump());
    }

    test::Reply transition(std::int64_t id, const std::string& token, const json& body) {
        return call(Method::post, "/incidents/" + std::to_string(id) + "/transitions", token, body);
    }

    /// Reports a general case in the west grid.
    test::Reply report_in_west_grid(const std::string& token) {
        return call(Method::post, "/incidents", token,
                    {{"category", "违法建设"},
                     {"triage", "general"},
                     {"source", "网格员巡查"},
                     {"description", "楼顶私搭乱建"},
                     {"lon", 116.405},
                     {"lat", 39.905}});
    }

    std::int64_t id_of_new_case(const std::string& token) {
        const test::Reply reply = report_in_west_grid(token);
        EXPECT_EQ(reply.status, 201U) << reply.body;
        return reply.json().at("id").get<std::int64_t>();
    }

    test::TempDir dir_;
    std::filesystem::path store_path_ = dir_.path() / "city.gpkg";
    std::optional<auth::AuthService> service_;
    std::optional<AuthGate> gate_;
    State state_{"geopackage"};
    std::optional<Writer> writer_;
    std::optional<workflow::WorkflowConfig> config_;
    std::unique_ptr<WorkflowServices> services_;
    std::unique_ptr<Server> server_;
    unsigned short port_ = 0;
    std::thread thread_;
};

TEST_F(WorkflowRoutesTest, IncidentGoesFromReportToClosureAndIsStoredDurably) {
    const std::string worker = token_of("li");
    const std::string supervisor = token_of("chief");

    const test::Reply reported = report_in_west_grid(worker);
    ASSERT_EQ(reported.status, 201U) << reported.body;
    const json created = reported.json();
    const auto id = created.at("id").get<std::int64_t>();
    EXPECT_GT(id, 3);  // the sample's incidents keep 1–3
    EXPECT_EQ(created.at("grid_code"), west_grid);
    EXPECT_EQ(created.at("assignee"), "1");
    EXPECT_EQ(created.at("state"), "reported");
    EXPECT_TRUE(created.at("light").is_null());  // no clock before dispatch
    EXPECT_EQ(created.at("history").size(), 1U);
    EXPECT_EQ(reported.header("Location"), "/incidents/" + std::to_string(id));

    // A grid worker may not file: the engine's role table answers 403.
    const test::Reply refused = transition(id, worker, {{"action", "file"}});
    EXPECT_EQ(refused.status, 403U) << refused.body;
    EXPECT_EQ(refused.json()["error"]["code"], "forbidden");
    EXPECT_FALSE(refused.json()["error"]["message_zh"].get<std::string>().empty());

    const std::vector<std::pair<std::string, std::string>> steps{
        {"file", supervisor},   {"dispatch", supervisor}, {"accept", worker},
        {"resolve", worker},    {"verify", supervisor},   {"close", supervisor}};
    const std::vector<std::string> states{"filed", "dispatched", "in_progress", "resolved", "verified", "closed"};
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const test::Reply reply = transition(id, steps[i].second, {{"action", steps[i].first}, {"note", "第" + std::to_string(i + 1) + "步"}});
        ASSERT_EQ(reply.status, 200U) << steps[i].first << ": " << reply.body;
        EXPECT_EQ(reply.json().at("state"), states[i]);
        if (steps[i].first == "dispatch") {
            EXPECT_FALSE(reply.json().at("deadline").is_null());
            EXPECT_EQ(reply.json().at("light"), "green");
        }
    }

    const test::Reply illegal = transition(id, worker, {{"action", "accept"}});
    EXPECT_EQ(illegal.status, 409U) << illegal.body;
    EXPECT_EQ(illegal.json()["error"]["code"], "illegal_transition");

    const test::Reply read = call(Method::get, "/incidents/" + std::to_string(id), worker);
    ASSERT_EQ(read.status, 200U) << read.body;
    EXPECT_EQ(read.json().at("state"), "closed");
    ASSERT_EQ(read.json().at("history").size(), 7U);
    EXPECT_EQ(read.json()["history"][6]["actor"], "chief");

    const std::string month = workflow::Month::of(gate_->now()).to_string();
    const test::Reply stats = call(Method::get, "/stats?month=" + month + "&level=grid", supervisor);
    ASSERT_EQ(stats.status, 200U) << stats.body;
    EXPECT_FALSE(stats.json().contains("workers"));
    bool counted = false;
    const json statistics = stats.json();
    for (const json& unit : statistics.at("grids")) {
        if (unit.at("key").get<std::string>() != west_grid) continue;
        counted = true;
        EXPECT_EQ(unit.at("reported"), 1);
        EXPECT_EQ(unit.at("closed"), 1);
        EXPECT_EQ(unit.at("closed_on_time"), 1);
    }
    EXPECT_TRUE(counted) << stats.body;

    // Durability: the file alone, reopened, holds the case and every event.
    stop();
    writer_.reset();
    const model::Dataset stored = store::GeoPackageStore::open(store_path_).load();
    const auto incident = std::find_if(stored.incidents.begin(), stored.incidents.end(),
                                       [&](const model::Incident& i) { return i.id == id; });
    ASSERT_NE(incident, stored.incidents.end());
    EXPECT_EQ(incident->state, "closed");
    EXPECT_EQ(incident->assignee, "1");
    EXPECT_TRUE(incident->closed_at.has_value());
    std::vector<std::string> to_states;
    for (const model::IncidentEvent& event : stored.incident_events) {
        if (event.incident_id == id) to_states.push_back(event.to_state);
    }
    EXPECT_EQ(to_states, (std::vector<std::string>{"reported", "filed", "dispatched", "in_progress", "resolved",
                                                   "verified", "closed"}));
}

TEST_F(WorkflowRoutesTest, RefusesAnonymousOutOfScopeAndBadInput) {
    const std::string worker = token_of("li");
    const std::string other_worker = token_of("wang");
    const std::int64_t id = id_of_new_case(worker);

    EXPECT_EQ(call(Method::post, "/incidents/" + std::to_string(id) + "/transitions", "", {{"action", "accept"}}).status,
              401U);
    const test::Reply outside = transition(id, other_worker, {{"action", "accept"}});
    EXPECT_EQ(outside.status, 403U) << outside.body;
    EXPECT_EQ(outside.json()["error"]["code"], "out_of_scope");

    const test::Reply off_map = call(Method::post, "/incidents", worker,
                                     {{"category", "违法建设"},
                                      {"source", "网格员巡查"},
                                      {"description", "城外"},
                                      {"lon", 100.0},
                                      {"lat", 30.0}});
    EXPECT_EQ(off_map.status, 400U) << off_map.body;
    EXPECT_EQ(off_map.json()["error"]["code"], "outside_grids");
    EXPECT_TRUE(off_map.json()["error"].contains("message_zh"));

    const test::Reply not_json = test::Client(port_).request(
        Method::post, "/incidents", {{"Authorization", "Bearer " + worker}}, "{not json");
    EXPECT_EQ(not_json.status, 400U);
    EXPECT_EQ(transition(id, worker, {{"action", "fly"}}).status, 400U);
    EXPECT_EQ(transition(id, worker, {{"action", "accept"}, {"colour", "red"}}).status, 400U);
    EXPECT_EQ(call(Method::get, "/incidents/999999", worker).status, 404U);
    EXPECT_EQ(call(Method::get, "/stats?level=street", worker).status, 400U);
    EXPECT_EQ(call(Method::get, "/stats?month=2026-13", worker).status, 400U);
}

TEST_F(WorkflowRoutesTest, ListsOverdueIncidentsOfAnArea) {
    const std::string worker = token_of("li");
    const std::string supervisor = token_of("chief");
    const std::int64_t id = id_of_new_case(worker);
    ASSERT_EQ(transition(id, supervisor, {{"action", "file"}}).status, 200U);
    ASSERT_EQ(transition(id, supervisor, {{"action", "dispatch"}}).status, 200U);

    const test::Reply today = call(Method::get, "/incidents/overdue?area=110105001001", supervisor);
    ASSERT_EQ(today.status, 200U) << today.body;
    EXPECT_EQ(today.json().at("count"), 0);

    // 违法建设 general allows 120 h; thirty days on, the case is overdue in its grid, community and street.
    const std::string later = model::format_iso8601(gate_->now() + 30 * 86400);
    for (const std::string area : {"110105001001001", "110105001001", "110105001"}) {
        const test::Reply overdue =
            call(Method::get, "/incidents/overdue?area=" + area + "&now=" + percent_encode(later), supervisor);
        ASSERT_EQ(overdue.status, 200U) << overdue.body;
        ASSERT_EQ(overdue.json().at("count"), 1) << area;
        EXPECT_EQ(overdue.json()["incidents"][0]["id"], id);
        EXPECT_EQ(overdue.json()["incidents"][0]["clock"]["light"], "red");
    }
    EXPECT_EQ(call(Method::get, "/incidents/overdue?area=999", supervisor).status, 404U);
}

TEST_F(WorkflowRoutesTest, RecordsVisitsAndListsWhatIsStillDue) {
    const std::string worker = token_of("li");
    const test::Reply visit = call(Method::post, "/visits", worker, {{"household_id", 1}, {"kind", "入户走访"}});
    ASSERT_EQ(visit.status, 201U) << visit.body;
    EXPECT_EQ(visit.json().at("staff_id"), 1);
    EXPECT_GT(visit.json().at("id").get<std::int64_t>(), 0);

    // Household 8 lies in another grid, and a grid worker records only their own visits.
    EXPECT_EQ(call(Method::post, "/visits", worker, {{"household_id", 8}, {"kind", "入户走访"}}).status, 403U);
    EXPECT_EQ(call(Method::post, "/visits", worker, {{"household_id", 2}, {"kind", "入户走访"}, {"staff_id", 3}}).status,
              403U);

    const test::Reply due = call(Method::get, "/visits/due?staff=1", worker);
    ASSERT_EQ(due.status, 200U) << due.body;
    EXPECT_EQ(due.json().at("households_visited"), 1);
    EXPECT_EQ(due.json().at("quota_remaining"), 14);
    std::vector<std::int64_t> due_ids;
    const json due_body = due.json();
    for (const json& household : due_body.at("due")) due_ids.push_back(household.at("household_id"));
    EXPECT_EQ(due_ids, std::vector<std::int64_t>{3}) << due.body;  // 1 was visited; 3 is 低保/残疾人
    EXPECT_EQ(call(Method::get, "/visits/due?staff=3", worker).status, 403U);

    stop();
    writer_.reset();
    const model::Dataset stored = store::GeoPackageStore::open(store_path_).load();
    ASSERT_EQ(stored.visits.size(), 1U);
    EXPECT_EQ(stored.visits[0].household_id, 1);
    EXPECT_EQ(stored.visits[0].kind, "入户走访");
}

}  // namespace
}  // namespace wangge::http
