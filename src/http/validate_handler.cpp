#include "wangge/http/validate_handler.hpp"

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

    const nlohmann::json body = nlohmann::json::parse(request.body(), nullptr, false);
    if (body.is_discarded()) throw HttpError(Status::bad_request, "invalid_json", "the body is not valid JSON");
    std::vector<model::Grid> grids;
    try {
        grids = rules::grids_from_geojson(body, limits);
    } catch (const rules::TooLargeError& e) {
        throw HttpError(Status::payload_too_large, "too_large", e.what());
    } catch (const rules::GridSourceError& e) {
        throw HttpError(Status::bad_request, "invalid_features", e.what());
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
