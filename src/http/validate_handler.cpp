#include "wangge/http/validate_handler.hpp"

#include "wangge/http/body.hpp"
#include "wangge/rules/validator.hpp"

namespace wangge::http {

Response validate_layout(const Request& request, const rules::FeatureLimits& limits) {
    request.query().allow_only({"min_width_m", "min_area_m2", "edge_tolerance_m"});
    rules::Options options;
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
        throw ClientError(ErrorKind::too_large, "too_large", e.what());
    } catch (const rules::GridSourceError& e) {
        throw ClientError(ErrorKind::bad_request, "invalid_features", e.what());
    }
    const rules::Report report = rules::validate(std::move(grids), options);
    return Response::json(rules::to_json(report));
}

void add_validate_route(Router& router, const AuthGate& gate, const rules::FeatureLimits& limits) {
    router.post(
        "/validate",
        [&gate, limits](const Request& request) {
            gate.permit(request, auth::Action::validate_layout);
            return validate_layout(request, limits);
        },
        Execution::worker);
}

}  // namespace wangge::http
