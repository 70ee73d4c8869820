#include "wangge/app/app.hpp"

#include <span>
#include <utility>

#include "wangge/auth/service.hpp"
#include "wangge/basemap/vector_tile.hpp"
#include "wangge/http/api.hpp"
#include "wangge/http/assessment_routes.hpp"
#include "wangge/http/department_routes.hpp"
#include "wangge/http/draft_routes.hpp"
#include "wangge/http/escalation_routes.hpp"
#include "wangge/http/features.hpp"
#include "wangge/http/households.hpp"
#include "wangge/http/import_routes.hpp"
#include "wangge/http/lookup.hpp"
#include "wangge/http/household_routes.hpp"
#include "wangge/http/photo_routes.hpp"
#include "wangge/http/public_routes.hpp"
#include "wangge/http/replica.hpp"
#include "wangge/http/service_circle_routes.hpp"
#include "wangge/http/staff_routes.hpp"
#include "wangge/http/static_files.hpp"
#include "wangge/http/tile_feed.hpp"
#include "wangge/http/tile_routes.hpp"
#include "wangge/http/validate_handler.hpp"
#include "wangge/http/workflow_routes.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/print/routes.hpp"
#include "wangge/service/circles.hpp"
#include "wangge/store/departments.hpp"
#include "wangge/store/records.hpp"
#include "wangge/store/store.hpp"

namespace wangge::app {

// Members in construction order: each refers only to those above it, and
// they are destroyed in reverse.
struct App::Parts {
    explicit Parts(AppConfig app_config)
        : config(std::move(app_config)), writer(config.store, state),
          auth(store::open_auth_store(config.store.string()), auth_config(writer)), gate(auth, config.gate),
          records(store::open_records(config.store.string())) {}

    /// Audit rows (of reads, sign-ins) are committed with the writes, on the Writer's connection.
    static auth::AuthConfig auth_config(http::Writer& writer) {
        auth::AuthConfig auth;
        auth.audit_commit = [&writer](std::span<auth::AuditEntry> entries) { writer.append_audit(entries); };
        return auth;
    }

    AppConfig config;
    http::State state{store::is_database_location(config.store.string()) ? "postgresql" : "geopackage"};
    http::Writer writer;
    auth::AuthService auth;
    http::AuthGate gate;
    std::unique_ptr<store::Records> records;
    std::optional<store::DepartmentStore> departments;
    std::optional<http::WorkflowServices> workflow;
    std::optional<http::DraftServices> drafts;
    /// On a database store: where the follower is in the change table.
    std::optional<http::ReplicationStatus> replication;
    http::Router router;
    /// Last: stopped and joined before anything it uses (the Writer) goes.
    std::optional<http::Follower> follower;
};

std::unique_ptr<App> App::open(AppConfig config) {
    // Read the store before anything else opens it: a bad path fails here,
    // not in the auth service's schema setup.
    // With the last change it includes: a replica follows the others from there.
    store::TablesAtChange loaded = store::open_store(config.store.string())->load_tables_at_change();
    auto parts = std::make_unique<Parts>(std::move(config));
    Parts& p = *parts;
    const bool database = store::is_database_location(p.config.store.string());
    if (database) p.replication.emplace();
    if (p.config.workflow) {
        p.departments.emplace(store::open_department_table(p.config.store.string()));
        p.workflow.emplace(http::WorkflowServices{p.writer, p.gate, *p.config.workflow,
                                                  p.config.open311_clients ? &*p.config.open311_clients : nullptr,
                                                  &*p.departments, *p.records});
    }
    p.drafts.emplace(http::DraftServices{p.writer, p.gate, p.config.rules, http::live_grid_facts(p.state)});
    // Every route of DESIGN §6; a new module adds its add_<x>_routes() call
    // here. The routes register what State derives from each snapshot
    // (tile indexes, the change feed), so they come before the first publish.
    http::Router& router = p.router;
    http::add_health_route(router, p.state, p.replication ? &*p.replication : nullptr);
    http::add_feature_routes(router, p.state, p.gate);
    http::add_lookup_route(router, p.state, p.gate);
    http::add_public_routes(router, p.state, p.gate);
    http::add_tile_routes(router, p.state, p.gate, p.config.tile_cache_bytes);
    http::add_tile_feed_routes(router, p.state, p.gate, p.config.max_anonymous_streams);
    http::derive_household_counts(p.state);
    http::add_validate_route(router, p.state, p.gate, p.config.rules, p.config.validate_limits);
    // Along the streets of a vector basemap (read once, here, unless straight lines are asked), else straight.
    const std::filesystem::path& basemap_file = p.config.basemap.file;
    service::StreetReader read_streets;
    if (!basemap_file.empty()) read_streets = [&] { return basemap::read_street_lines(basemap_file); };
    http::add_service_circle_routes(router, p.state, p.gate, p.config.service_circles,
                                    service::walking_network(p.config.service_circles, read_streets));
    if (p.workflow) http::add_escalation_routes(router, p.state, p.gate, p.workflow->config.escalation);
    if (p.workflow) http::add_workflow_routes(router, p.state, *p.workflow);
    if (p.workflow) http::add_photo_routes(router, p.state, p.writer, p.gate, *p.records, p.config.photo_limits);
    if (p.departments) http::add_department_routes(router, p.state, p.gate, *p.departments);
    if (p.workflow) http::add_assessment_routes(router, p.state, *p.workflow);
    const http::DraftFromGrids draft_from_grids = http::add_draft_routes(router, p.state, *p.drafts);
    http::add_import_routes(router, p.state, p.writer, p.gate, draft_from_grids);
    http::add_staff_routes(router, p.state, p.writer, p.gate);
    http::add_household_routes(router, p.state, p.writer, p.gate, *p.records);
    http::add_static_routes(router, "/map", p.config.web_dir, p.config.basemap.origin());
    http::add_static_routes(router, "/styles", p.config.styles_dir);
    basemap::add_basemap_routes(router, p.gate, p.config.basemap);
    print::add_print_routes(router, p.state, p.gate, p.config.basemap);
    http::add_auth_routes(router, p.gate);
    p.state.publish(model::Snapshot::build(std::move(loaded.tables), p.config.first_version));
    // Other servers' writes come in from here on (docs/replicas.md); a file has one server.
    if (database) {
        p.follower.emplace(p.config.store.string(), loaded.change_seq, p.writer, *p.replication, p.config.follower);
    }
    return std::unique_ptr<App>(new App(std::move(parts)));
}

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
App::~App() = default;

std::unique_ptr<http::Server> App::server(const http::ServerOptions& options) const {
    return std::make_unique<http::Server>(parts_->router, options);
}

const http::Router& App::router() const noexcept { return parts_->router; }
http::State& App::state() noexcept { return parts_->state; }
http::Writer& App::writer() noexcept { return parts_->writer; }
auth::AuthService& App::auth() noexcept { return parts_->auth; }
const http::AuthGate& App::gate() const noexcept { return parts_->gate; }
const AppConfig& App::config() const noexcept { return parts_->config; }

}  // namespace wangge::app
