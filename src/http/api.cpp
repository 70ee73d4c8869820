#include "wangge/http/api.hpp"

#include <stdexcept>

#include "wangge/http/draft_routes.hpp"
#include "wangge/http/features.hpp"
#include "wangge/http/lookup.hpp"
#include "wangge/http/static_files.hpp"
#include "wangge/http/tile_feed.hpp"
#include "wangge/http/tile_routes.hpp"
#include "wangge/http/validate_handler.hpp"
#include "wangge/http/workflow_routes.hpp"

namespace wangge::http {

void add_health_route(Router& router, const State& state) {
    router.get("/health", [&state](const Request& request) {
        request.query().allow_only({});
        const auto view = state.view();
        const model::Snapshot& snapshot = view->snapshot();
        const model::Dataset& data = snapshot.data();
        return Response::json({{"status", "ok"},
                               {"store", state.store_kind()},
                               {"snapshot_version", snapshot.version()},
                               {"counts",
                                {{"grids", snapshot.current_grids().size()},
                                 {"staff", data.staff.size()},
                                 {"households", data.households.size()},
                                 {"facilities", data.facilities.size()},
                                 {"incidents", data.incidents.size()}}}});
    }, Execution::io);
}

void add_api_routes(Router& router, State& state, const ApiOptions& options) {
    if (options.gate == nullptr) throw std::invalid_argument("add_api_routes needs the AuthGate (ApiOptions::gate)");
    const AuthGate& gate = *options.gate;
    add_health_route(router, state);
    add_feature_routes(router, state, gate);
    add_lookup_route(router, state, gate);
    add_tile_routes(router, state, gate, options.tile_cache_bytes);
    add_tile_feed_routes(router, state, gate);
    add_validate_route(router, gate);
    if (options.workflow != nullptr) add_workflow_routes(router, state, *options.workflow);
    if (options.drafts != nullptr) add_draft_routes(router, state, *options.drafts);
    add_static_routes(router, "/map", options.web_dir);
    add_static_routes(router, "/styles", options.styles_dir);
}

}  // namespace wangge::http
