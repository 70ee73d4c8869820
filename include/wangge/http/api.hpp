#pragma once
// The routes of DESIGN §6, wired together for `wangge serve` and the tests.

#include <filesystem>

#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"

namespace wangge::http {

struct WorkflowServices;  // workflow_routes.hpp
struct DraftServices;     // draft_routes.hpp

struct ApiOptions {
    std::filesystem::path web_dir = "web-map";  ///< served under /map/
    std::filesystem::path styles_dir = "styles";  ///< served under /styles/
    /// When set, /incidents, /visits and /stats are served through it (it outlives the router).
    const WorkflowServices* workflow = nullptr;
    /// When set, /drafts… are served through it (it outlives the router).
    const DraftServices* drafts = nullptr;
};

/// Registers /health, the OGC API – Features routes, /lookup and the static
/// files. Call before the first state.publish(): routes may register derived
/// state. New modules add their add_<x>_routes() call here.
void add_api_routes(Router& router, State& state, const ApiOptions& options);

/// GET /health: {"status":"ok","store":…,"snapshot_version":…,"counts":{…}}.
void add_health_route(Router& router, const State& state);

}  // namespace wangge::http
