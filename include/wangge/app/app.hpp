#pragma once
// The composition root of the server (DESIGN §2 "Composition"): one object
// that owns everything a served store needs — the State, the Writer, the auth
// service and its gate, the workflow and draft services, the Open311 clients —
// and wires every route once. `wangge serve` and the tests build the server
// through it, so a test runs exactly the wiring users get.
//
// Usage:
//     app::AppConfig config;
//     config.store = "city.gpkg";
//     config.workflow = workflow::WorkflowConfig::load("data/categories.json");
//     const std::unique_ptr<app::App> app = app::App::open(config);  // loads the store, publishes version 1
//     const std::unique_ptr<http::Server> server = app->server(options);
//     server->listen();
//     server->run();
//
// Ownership: the App outlives every Server it made (the handlers refer to
// its members). It is neither copied nor moved, hence open() returns it on
// the heap.
//
// Thread safety: open() from one thread; afterwards the members are those of
// the owned objects (State, Writer, AuthService and AuthGate are safe from any
// thread; the Router is read-only).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "wangge/basemap/routes.hpp"
#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/open311_routes.hpp"
#include "wangge/http/replica.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/server.hpp"
#include "wangge/http/state.hpp"
#include "wangge/http/writer.hpp"
#include "wangge/rules/grid_source.hpp"
#include "wangge/rules/validator.hpp"
#include "wangge/service/config.hpp"
#include "wangge/tiles/tile_cache.hpp"
#include "wangge/workflow/config.hpp"
#include "wangge/workflow/photos.hpp"

namespace wangge::app {

struct AppConfig {
    /// The GeoPackage served: entities, and the accounts, sessions and audit log.
    std::filesystem::path store{};
    std::filesystem::path web_dir = "web-map";    ///< served under /map/
    std::filesystem::path styles_dir = "styles";  ///< served under /styles/
    /// The basemap under the grids (basemap/routes.hpp): a local MBTiles or an online source; none by default.
    basemap::BasemapSource basemap{};
    /// Incident categories and deadlines; without them /incidents, /visits,
    /// /stats and /open311 are not served (read-only serving).
    std::optional<workflow::WorkflowConfig> workflow{};
    /// Apps that may submit Open311 requests with an api_key; without it only signed-in users may.
    std::optional<http::Open311Clients> open311_clients{};
    /// Budget of the cache of grid and facility tiles; 0 turns it off.
    std::size_t tile_cache_bytes = tiles::TileCache::default_budget_bytes;
    /// /tiles/events streams open at once without a session (tile_feed.hpp).
    std::size_t max_anonymous_streams = 100;
    /// The clock and proxy settings of every session check.
    http::AuthGateOptions gate{};
    /// The one set of rule options (thresholds): POST /validate and the
    /// drafts check with them, GET /rules shows them to the map. Their
    /// household_count counts the served households.
    rules::Options rules{};
    /// The 15-minute living circles' service kinds (the rules config's
    /// "service_circles"): GET /service-circles and the workbook's sheet.
    service::CirclesConfig service_circles{};
    /// The largest layout POST /validate accepts (larger: 413).
    rules::FeatureLimits validate_limits{};
    /// The size limit of a case photo (POST /incidents/{id}/photos).
    workflow::PhotoLimits photo_limits{};
    /// Version of the snapshot loaded at open (later writes count up from it).
    std::uint64_t first_version = 1;
    /// On a database store: the follower of the change table (its pruning, its log).
    http::FollowerOptions follower{};
};

class App {
public:
    /// Opens the store, builds the services and routes, and publishes the
    /// store's content as the first snapshot. Throws wangge::Error (or the
    /// store's errors) when the store cannot be read.
    [[nodiscard]] static std::unique_ptr<App> open(AppConfig config);

    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    /// A server over every route; the App must outlive it.
    [[nodiscard]] std::unique_ptr<http::Server> server(const http::ServerOptions& options) const;

    /// Every route, as the server dispatches them (for in-process requests and route tables).
    [[nodiscard]] const http::Router& router() const noexcept;
    [[nodiscard]] http::State& state() noexcept;
    [[nodiscard]] http::Writer& writer() noexcept;
    [[nodiscard]] auth::AuthService& auth() noexcept;
    [[nodiscard]] const http::AuthGate& gate() const noexcept;
    [[nodiscard]] const AppConfig& config() const noexcept;

private:
    struct Parts;
    explicit App(std::unique_ptr<Parts> parts);
    std::unique_ptr<Parts> parts_;
};

}  // namespace wangge::app
