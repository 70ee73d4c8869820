#pragma once
// The test app (support/test_app.hpp: every route as `wangge serve` wires
// them, over a GeoPackage store in a temp dir) served on an ephemeral port,
// with the workflow's accounts; shared by workflow_routes_test.cpp,
// open311_test.cpp and tile_feed_test.cpp.
//
// Accounts (password `password`): li, grid worker of the west grid (staff 1,
// its A岗 worker); wang, grid worker of 110105001002001 (staff 3); chief,
// supervisor of community 110105001001. One Open311 app, "citizen-app", with
// key `app_key`.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_app.hpp"
#include "wangge/auth/service.hpp"
#include "wangge/http/open311_routes.hpp"
#include "wangge/workflow/config.hpp"

namespace wangge::http::test {
using namespace wangge::support;

inline constexpr const char* password = "good password";
inline constexpr const char* west_grid = "110105001001001";  // staff 1 (张伟) is its A岗 worker
inline constexpr const char* app_key = "k3y-of-the-citizen-app-0123456789abcdef";

class WorkflowFixture : public ::testing::Test {
protected:
    /// `clock`: the server's clock (seconds UTC); the system clock unless set.
    explicit WorkflowFixture(std::function<model::Timestamp()> clock = {})
        : server_(TestApp::quiet_options(), {},
                  {.open311_clients =
                       Open311Clients::from_json({{"clients", {{{"name", "citizen-app"}, {"api_key", app_key}}}}}),
                   .gate = {.clock = std::move(clock)}}) {
        auth::AuthService& service = server_.app().auth();
        const auth::Actor cli{std::nullopt, "cli:test", "local"};
        const model::Timestamp now = gate_->now();
        service.add_user({.name = "li", .role = auth::Role::grid_worker, .grid_codes = {west_grid}, .staff_id = 1},
                         password, cli, now);
        service.add_user({.name = "wang", .role = auth::Role::grid_worker, .grid_codes = {"110105001002001"},
                          .staff_id = 3},
                         password, cli, now);
        service.add_user({.name = "chief", .role = auth::Role::supervisor, .grid_codes = {"110105001001"}}, password,
                         cli, now);
        service.add_user({.name = "root", .role = auth::Role::admin}, password, cli, now);
    }

    void stop() { server_.stop(); }

    /// Stops the server and closes the app, so the file alone can be reopened.
    model::Dataset stored_data() { return server_.stored_data(); }

    std::string token_of(const std::string& name) {
        return server_.app().auth().login(name, password, "", gate_->now()).token;
    }

    Reply call(Method method, const std::string& target, const std::string& token,
               const nlohmann::json& body = nullptr) {
        Headers headers{{"Content-Type", "application/json"}};
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        return Client(port_).request(method, target, headers, body.is_null() ? std::string() : body.dump());
    }

    /// POST /incidents: a case of `triage` in the west grid.
    Reply report_west(const std::string& token, const std::string& triage, const std::string& description) {
        return call(Method::post, "/incidents", token,
                    {{"category", "违法建设"},
                     {"triage", triage},
                     {"source", "网格员巡查"},
                     {"description", description},
                     {"lon", 116.405},
                     {"lat", 39.905}});
    }

    Reply transition(std::int64_t id, const std::string& token, const nlohmann::json& body) {
        return call(Method::post, "/incidents/" + std::to_string(id) + "/transitions", token, body);
    }

    /// The audit log's entries of one action, newest first.
    auth::AuditPage audit_of(const std::string& action) {
        auth::AuditQuery query;
        query.action = action;
        return server_.app().auth().audit_log(query);
    }

    TestServer server_;
    const AuthGate* gate_ = &server_.gate();  // the system clock, as in `wangge serve`, unless set
    const State& state_ = server_.state();
    const workflow::WorkflowConfig* config_ = &*server_.app().config().workflow;
    const unsigned short port_ = server_.port();
};

}  // namespace wangge::http::test
