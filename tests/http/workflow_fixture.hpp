#pragma once
// The workflow and tile routes over a real GeoPackage store in a temp dir,
// with the Writer, sessions from the auth module and the Beast server on an
// ephemeral port; shared by workflow_routes_test.cpp, open311_test.cpp and
// tile_feed_test.cpp.
//
// Accounts (password `password`): li, grid worker of the west grid (staff 1,
// its A岗 worker); wang, grid worker of 110105001002001 (staff 3); chief,
// supervisor of community 110105001001. One Open311 app, "citizen-app", with
// key `app_key`.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_server.hpp"
#include "wangge/auth/service.hpp"
#include "wangge/http/open311_routes.hpp"
#include "wangge/http/server.hpp"
#include "wangge/http/tile_feed.hpp"
#include "wangge/http/tile_routes.hpp"
#include "wangge/http/workflow_routes.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/workflow/config.hpp"

namespace wangge::http::test {

inline constexpr const char* password = "good password";
inline constexpr const char* west_grid = "110105001001001";  // staff 1 (张伟) is its A岗 worker
inline constexpr const char* app_key = "k3y-of-the-citizen-app-0123456789abcdef";

class WorkflowFixture : public ::testing::Test {
protected:
    WorkflowFixture() {
        {
            store::GeoPackageStore store = store::GeoPackageStore::create(store_path_);
            model::Dataset data = sample_dataset();
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
        service_->add_user({.name = "root", .role = auth::Role::admin}, password, cli, now);

        // The tile routes too, as `wangge serve` has them: writes move tile ETags and feed /tiles/changes.
        Router router;
        add_tile_routes(router, state_, *gate_);
        add_tile_feed_routes(router, state_, *gate_);
        state_.publish(model::Snapshot::build(store::GeoPackageStore::open(store_path_).load(), 1));
        writer_.emplace(store_path_, state_);
        config_.emplace(
            workflow::WorkflowConfig::load(std::filesystem::path(WANGGE_SOURCE_DIR) / "data/categories.json"));
        clients_ = Open311Clients::from_json({{"clients", {{{"name", "citizen-app"}, {"api_key", app_key}}}}});
        services_ = std::make_unique<WorkflowServices>(WorkflowServices{*writer_, *gate_, *config_, &clients_});

        add_workflow_routes(router, state_, *services_);
        server_ = std::make_unique<Server>(std::move(router), TestServer::quiet_options());
        port_ = server_->listen();
        thread_ = std::thread([this] { server_->run(); });
    }

    ~WorkflowFixture() override { stop(); }

    void stop() {
        if (!thread_.joinable()) return;
        server_->stop();
        thread_.join();
    }

    /// Stops the server and drops the Writer, so the file alone can be reopened.
    model::Dataset stored_data() {
        stop();
        writer_.reset();
        return store::GeoPackageStore::open(store_path_).load();
    }

    std::string token_of(const std::string& name) { return service_->login(name, password, "", gate_->now()).token; }

    Reply call(Method method, const std::string& target, const std::string& token,
               const nlohmann::json& body = nullptr) {
        Headers headers{{"Content-Type", "application/json"}};
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        return Client(port_).request(method, target, headers, body.is_null() ? std::string() : body.dump());
    }

    Reply transition(std::int64_t id, const std::string& token, const nlohmann::json& body) {
        return call(Method::post, "/incidents/" + std::to_string(id) + "/transitions", token, body);
    }

    /// The audit log's entries of one action, newest first.
    auth::AuditPage audit_of(const std::string& action) const {
        auth::AuditQuery query;
        query.action = action;
        return service_->audit_log(query);
    }

    TempDir dir_;
    std::filesystem::path store_path_ = dir_.path() / "city.gpkg";
    std::optional<auth::AuthService> service_;
    std::optional<AuthGate> gate_;
    State state_{"geopackage"};
    std::optional<Writer> writer_;
    std::optional<workflow::WorkflowConfig> config_;
    Open311Clients clients_;
    std::unique_ptr<WorkflowServices> services_;
    std::unique_ptr<Server> server_;
    unsigned short port_ = 0;
    std::thread thread_;
};

}  // namespace wangge::http::test
