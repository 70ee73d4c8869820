#include "wangge/http/validate_handler.hpp"

#include "wangge/http/body.hpp"
#include "wangge/http/households.hpp"
#include "wangge/rules/rules_config.hpp"

namespace wangge::http {

namespace {

/// Validates the body of one request; throws ClientError for client mistakes.
Response validate_layout(const Request& request, const State& state, rules::Options options,
                         const rules::FeatureLimits& limits) {
    request.query().allow_only({"min_width_m", "min_area_m2", "edge_tolerance_m"});
    const auto metres = [&request](std::string_view name, double fallback) {
        const auto text = request.query().get(name);
        return text ? parse_double(*text, name, 0.0, 1000.0) : fallback;
    };
    options.min_width_m = metres("min_width_m", options.min_width_m);
    options.min_area_m2 = metres("min_area_m2", options.min_area_m2);
    options.edge_tolerance_m = metres("edge_tolerance_m", options.edge_tolerance_m);

    const nlohmann::json body = parse_json_body(request);
    std::vector<model::Grid> grids;
    try {
        grids = rules::grids_from_geojson(body, limits);
    } catch (const rules::TooLargeError& e) {
        throw ClientError(ErrorKind::too_large, "too_large", e.what(), "网格数量或顶点数超过上限");
    } catch (const rules::GridSourceError& e) {
        throw ClientError(ErrorKind::bad_request, "invalid_features", e.what(), "网格数据格式不正确");
    }
    const auto view = state.view();
    const HouseholdCounts::Tallies& tallies = view->derived<HouseholdCounts>().tallies(view->snapshot());
    options.households = tallies.households;
    options.residents = tallies.residents;
    options.buildings = tallies.buildings;
    options.primary_staff = primary_staff_counts(view->snapshot(), grids);
    const rules::Report report = rules::validate(std::move(grids), options);
    return Response::json(rules::to_json(report));
}

}  // namespace

nlohmann::json rules_json(const rules::Options& rules) { return rules::thresholds_json(rules); }

void add_validate_route(Router& router, const State& state, const AuthGate& gate, const rules::Options& rules,
                        const rules::FeatureLimits& limits) {
    router.post(
        "/validate",
        [&state, &gate, rules, limits](const Request& request) {
            gate.permit(request, auth::Action::validate_layout);
            return validate_layout(request, state, rules, limits);
        },
        Execution::worker);
    router.get(
        "/rules",
        [body = rules_json(rules)](const Request& request) {
            request.query().allow_only({});
            return Response::json(body);
        },
        Execution::io);
}

}  // namespace wangge::http
