#include "wangge/http/lookup.hpp"

#include "contact_card.hpp"

namespace wangge::http {

namespace {

nlohmann::json summary(const model::Grid& grid) {
    return {{"code", grid.code}, {"name", grid.name}, {"level", model::to_string(grid.level)}};
}

/// The dedicated grid over the point, with its purpose and contact card; null for none.
nlohmann::json dedicated_card(const model::Snapshot& snapshot, const model::Grid* dedicated) {
    if (dedicated == nullptr) return nullptr;
    nlohmann::json card = summary(*dedicated);
    card["purpose"] = dedicated->purpose;
    card["staff"] = detail::contact_card(snapshot, dedicated->code);
    return card;
}

nlohmann::json level_in_chain(const model::LookupResult& found, model::GridLevel level) {
    for (const model::Grid* grid : found.chain) {
        if (grid->level == level) return summary(*grid);
    }
    return nullptr;
}

double required_coordinate(const Query& query, std::string_view name, double limit) {
    const auto text = query.get(name);
    if (!text) {
        throw ClientError(ErrorKind::bad_request, "missing_parameter", "parameter '" + std::string(name) + "' is required",
                          "缺少参数 " + std::string(name));
    }
    return parse_double(*text, name, -limit, limit);
}

}  // namespace

void add_lookup_route(Router& router, const State& state, const AuthGate& gate) {
    router.get("/lookup", [&state, &gate](const Request& request) {
        const Query& query = request.query();
        query.allow_only({"lon", "lat"});
        gate.permit(request, auth::Action::lookup);
        gate.permit(request, auth::Action::read_contact_cards);
        const geo::Point point{required_coordinate(query, "lon", 180.0), required_coordinate(query, "lat", 90.0)};
        const auto view = state.view();
        const model::Snapshot& snapshot = view->snapshot();
        const auto found = snapshot.lookup(point);
        if (!found) {
            throw ClientError(ErrorKind::not_found, "outside", "the point " + nlohmann::json(point.x).dump() + "," +
                                                             nlohmann::json(point.y).dump() + " lies in no grid",
                              "该位置不在任何网格内");
        }
        nlohmann::json chain = nlohmann::json::array();
        for (const model::Grid* grid : found->chain) chain.push_back(summary(*grid));
        return Response::json({{"point", {point.x, point.y}},
                               {"grid", summary(found->grid())},
                               {"community", level_in_chain(*found, model::GridLevel::community)},
                               {"street", level_in_chain(*found, model::GridLevel::street)},
                               {"chain", std::move(chain)},
                               {"staff", detail::contact_card(snapshot, found->grid().code)},
                               {"dedicated", dedicated_card(snapshot, found->dedicated)},
                               {"near_boundary", found->near_boundary},
                               {"distance_to_boundary_m", found->distance_to_boundary_m}});
    }, Execution::io);
}

}  // namespace wangge::http
