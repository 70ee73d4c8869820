#include "wangge/http/api.hpp"

namespace wangge::http {

void add_health_route(Router& router, const State& state) {
    router.get("/health", [&state](const Request& request) {
        request.query().allow_only({});
        const auto view = state.view();
        const model::Snapshot& snapshot = view->snapshot();
        const model::Tables& data = snapshot.data();
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

}  // namespace wangge::http
