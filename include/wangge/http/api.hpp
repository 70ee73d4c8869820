#pragma once
// The routes of DESIGN §6, wired together for `wangge serve` and the tests.
//
// Who may call what (auth/policy.hpp; 401 login_required, 403 forbidden or
// out_of_scope): public — /health, /, /conformance, /collections (lists what
// the caller may read), grids (items, tiles), /lookup, /map/, /styles/,
// /auth/login, /auth/logout; any signed-in user — households (personal
// fields per scope, see features.hpp), facilities, incidents, heat tiles,
// POST /validate; the workflow, draft, audit and account routes check their
// own actions.

#include <cstddef>
#include <filesystem>

#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/tiles/tile_cache.hpp"

namespace wangge::http {

class AuthGate;           // auth_handlers.hpp
struct WorkflowServices;  // workflow_routes.hpp
struct DraftServices;     // draft_routes.hpp

struct ApiOptions {
    std::filesystem::path web_dir = "web-map";  ///< served under /map/
    std::filesystem::path styles_dir = "styles";  ///< served under /styles/
    /// When set, /incidents, /visits and /stats are served through it (it outlives the router).
    const WorkflowServices* workflow = nullptr;
    /// When set, /drafts… are served through it (it outlives the router).
    const DraftServices* drafts = nullptr;
    /// Required: the session checks of every route (it outlives the router).
    const AuthGate* gate = nullptr;
    /// Budget of the cache of grid and facility tiles; 0 turns it off.
    std::size_t tile_cache_bytes = tiles::TileCache::default_budget_bytes;
    /// /tiles/events streams open at once without a session (tile_feed.hpp).
    std::size_t max_anonymous_streams = 100;
};

/// Registers /health, the OGC API – Features routes, /lookup, the tiles,
/// /validate and the static files. Call before the first state.publish():
/// routes may register derived state. New modules add their add_<x>_routes()
/// call here. Throws std::invalid_argument without options.gate.
void add_api_routes(Router& router, State& state, const ApiOptions& options);

/// GET /health: {"status":"ok","store":…,"snapshot_version":…,"counts":{…}}.
void add_health_route(Router& router, const State& state);

}  // namespace wangge::http
