#include "wangge/http/api.hpp"

#include "wangge/http/replica.hpp"

namespace wangge::http {

void add_health_route(Router& router, const State& state, const ReplicationStatus* replication) {
    router.get("/health", [&state, replication](const Request& request) {
        request.query().allow_only({});
        const auto view = state.view();
        const model::Snapshot& snapshot = view->snapshot();
        const model::Tables& data = snapshot.data();
        nlohmann::json health{{"status", "ok"},
                              {"store", state.store_kind()},
                              {"snapshot_version", snapshot.version()},
                              {"counts",
                               {{"grids", snapshot.current_grids().size()},
                                {"staff", data.staff.size()},
                                {"households", data.households.size()},
                                {"facilities", data.facilities.size()},
                                {"incidents", data.incidents.size()}}}};
        if (replication != nullptr) health["replication"] = replication->to_json();
        return Response::json(health);
    }, Execution::io);
}

}  // namespace wangge::http
