#include "wangge/http/service_circle_routes.hpp"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>

#include "wangge/auth/policy.hpp"
#include "wangge/geo/geojson.hpp"
#include "workflow_common.hpp"

namespace wangge::http {

namespace {

using nlohmann::json;

/// The ?kind= parameter as a position in the config; 400 when missing or unknown.
std::size_t kind_param(const Request& request, const service::CirclesConfig& config) {
    const std::optional<std::string_view> text = request.query().get("kind");
    if (!text) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter", "parameter kind (a service kind) is required",
                          "缺少参数 kind（服务类型，如 health 或 卫生服务站）");
    }
    const service::ServiceKind* kind = config.find(*text);
    if (kind == nullptr) {
        std::string ids;
        for (const service::ServiceKind& k : config.kinds) ids += (ids.empty() ? "" : ", ") + k.id;
        throw ClientError(ErrorKind::bad_request, "invalid_parameter",
                          "unknown service kind \"" + std::string(*text) + "\" (one of " + ids + ")",
                          "服务类型 " + std::string(*text) + " 不存在");
    }
    return static_cast<std::size_t>(kind - config.kinds.data());
}

/// The units of one request: the current grids in its area that the caller may see.
struct Units {
    const model::Snapshot& snapshot;
    std::vector<std::size_t> shown;  // positions in current_grids()
    std::unordered_set<std::string_view> codes;  // of those
};

/// The grids in force in `area` (all when empty) and below it that `who` may read statistics of.
Units visible_units(const model::Snapshot& snapshot, const auth::Principal& who, const std::string& area) {
    const auto grids = snapshot.current_grids();
    const bool scoped = auth::reach(who, auth::Action::read_statistics) == auth::Reach::scoped;
    Units units{snapshot, {}, {}};
    for (std::size_t g = 0; g < grids.size(); ++g) {
        if (scoped && !auth::covers(*who.user, grids[g]->code)) continue;
        bool inside = area.empty();
        for (const model::Grid* up = grids[g]; !inside && up != nullptr; up = snapshot.current_grid(up->parent_code)) {
            inside = up->code == area;
            if (up->parent_code.empty()) break;
        }
        if (!inside) continue;
        units.shown.push_back(g);
        units.codes.insert(grids[g]->code);
    }
    return units;
}

json share_json(const service::Tally& tally) {
    const auto share = tally.share();
    return share ? json(*share) : json(nullptr);
}

json unit_json(const model::Grid& grid, const service::Tally& tally) {
    return {{"code", grid.code},
            {"name", grid.name},
            {"level", model::to_string(grid.level)},
            {"parent_code", grid.parent_code},
            {"households", tally.households},
            {"covered", tally.covered},
            {"share", share_json(tally)}};
}

json kind_json(const service::ServiceKind& kind) {
    return {{"id", kind.id}, {"name", kind.name}, {"facility_kinds", kind.facility_kinds}, {"distance_m", kind.distance_m}};
}

/// GET /service-circles/kinds: the kinds and how distances are walked.
json kinds_body(const service::CirclesConfig& config, const service::StreetNetwork* network) {
    json body = service::to_json(config);
    const auto method = network != nullptr ? service::Method::network : service::Method::straight;
    body["method"] = service::method_id(method);
    body["method_name"] = service::method_name(method);
    if (network != nullptr) body["snap_distance_m"] = network->snap_m();
    return body;
}

/// What both routes start with: the caller, the area, the kind's coverage and the units shown.
struct Asked {
    std::shared_ptr<const View> view;
    std::shared_ptr<const service::Coverage> coverage;
    std::string area;
};

Asked ask(const Request& request, const State& state, const AuthGate& gate, auth::Principal& who) {
    request.query().allow_only({"kind", "area"});
    const auto view = state.view();
    const ServiceCircles& circles = view->derived<ServiceCircles>();
    const std::size_t kind = kind_param(request, circles.config());
    std::string area(request.query().get("area").value_or(""));
    if (area.empty()) {
        who = gate.require(request, auth::Action::read_statistics);
    } else {
        (void)detail::current_grid(view->snapshot(), area);  // 404 for an unknown area
        who = gate.require(request, auth::Action::read_statistics, area);
    }
    return {view, circles.of(kind, view->snapshot()), std::move(area)};
}

Response shares(const Request& request, const State& state, const AuthGate& gate) {
    auth::Principal who;
    const Asked asked = ask(request, state, gate, who);
    const model::Snapshot& snapshot = asked.view->snapshot();
    const service::Coverage& coverage = *asked.coverage;
    const Units units = visible_units(snapshot, who, asked.area);
    const auto grids = snapshot.current_grids();

    json streets = json::array(), communities = json::array(), finest = json::array();
    service::Tally total;
    geo::Box extent;
    for (const std::size_t g : units.shown) {
        const model::Grid& grid = *grids[g];
        const service::Tally* tally = coverage.unit(grid.code);
        json row = unit_json(grid, *tally);
        // The top units shown add up to the whole answer.
        if (!units.codes.contains(grid.parent_code)) total += *tally;
        extent.expand(geo::bounds(grid.geometry));
        if (const service::GridArea* area = coverage.area(g)) {
            row["area_m2"] = area->area_m2;
            row["uncovered_m2"] = area->uncovered_m2;
            finest.push_back(std::move(row));
        } else if (grid.level == model::GridLevel::street) {
            streets.push_back(std::move(row));
        } else {
            communities.push_back(std::move(row));
        }
    }
    // Worst first, as the map's table lists them; grids without households last.
    std::stable_sort(finest.begin(), finest.end(), [](const json& a, const json& b) {
        const double sa = a["share"].is_null() ? 2.0 : a["share"].get<double>();
        const double sb = b["share"].is_null() ? 2.0 : b["share"].get<double>();
        return sa != sb ? sa < sb : a["code"].get<std::string>() < b["code"].get<std::string>();
    });

    // The kind's facilities whose circles reach the area (read_facilities: every signed-in role).
    json facilities = json::array();
    if (!extent.empty()) {
        const geo::Point centre{(extent.min_x + extent.max_x) / 2, (extent.min_y + extent.max_y) / 2};
        const double reach = coverage.kind().distance_m;
        const geo::Point corner = service::offset(centre, reach, reach);
        const double dx = std::abs(corner.x - centre.x) * 1.5, dy = std::abs(corner.y - centre.y) * 1.5;
        const geo::Box near{extent.min_x - dx, extent.min_y - dy, extent.max_x + dx, extent.max_y + dy};
        for (const auto& [id, location] : coverage.facilities()) {
            if (!near.contains(location)) continue;
            const model::Facility* facility = snapshot.facility(id);
            facilities.push_back({{"id", id},
                                  {"name", facility ? facility->name : ""},
                                  {"kind", facility ? facility->kind : ""},
                                  {"lon", location.x},
                                  {"lat", location.y}});
        }
    }
    Response response = Response::json({{"kind", kind_json(coverage.kind())},
                                        {"method", service::method_id(coverage.method())},
                                        {"area", asked.area.empty() ? json(nullptr) : json(asked.area)},
                                        {"version", snapshot.version()},
                                        {"total", {{"households", total.households},
                                                   {"covered", total.covered},
                                                   {"share", share_json(total)}}},
                                        {"streets", std::move(streets)},
                                        {"communities", std::move(communities)},
                                        {"grids", std::move(finest)},
                                        {"facilities", std::move(facilities)}});
    vary_by_session(response);
    return response;
}

Response uncovered(const Request& request, const State& state, const AuthGate& gate) {
    auth::Principal who;
    const Asked asked = ask(request, state, gate, who);
    const model::Snapshot& snapshot = asked.view->snapshot();
    const service::Coverage& coverage = *asked.coverage;
    const auto grids = snapshot.current_grids();
    json features = json::array();
    for (const std::size_t g : visible_units(snapshot, who, asked.area).shown) {
        const service::GridArea* area = coverage.area(g);
        if (area == nullptr || area->reach == service::Reach::full) continue;
        const service::Tally* tally = coverage.unit(grids[g]->code);
        features.push_back({{"type", "Feature"},
                            {"geometry", geo::to_geojson(coverage.uncovered(snapshot, g)->geometry)},
                            {"properties", {{"code", grids[g]->code},
                                            {"name", grids[g]->name},
                                            {"kind", coverage.kind().id},
                                            {"households", tally->households},
                                            {"covered", tally->covered},
                                            {"share", share_json(*tally)},
                                            {"uncovered_m2", area->uncovered_m2},
                                            {"whole", area->reach == service::Reach::none}}}});
    }
    Response response = Response::bytes(json{{"type", "FeatureCollection"},
                                             {"method", service::method_id(coverage.method())},
                                             {"features", std::move(features)}}
                                            .dump(),
                                        "application/geo+json");
    vary_by_session(response);
    return response;
}

}  // namespace

ServiceCircles::ServiceCircles(std::shared_ptr<const service::CirclesConfig> config,
                               std::shared_ptr<const service::StreetNetwork> network,
                               std::vector<std::shared_ptr<const service::Coverage>> bases)
    : config_(std::move(config)), network_(std::move(network)) {
    for (std::size_t k = 0; k < config_->kinds.size(); ++k) {
        auto slot = std::make_unique<Slot>();
        if (k < bases.size()) slot->base = std::move(bases[k]);
        slots_.push_back(std::move(slot));
    }
}

std::shared_ptr<const service::Coverage> ServiceCircles::of(std::size_t index, const model::Snapshot& snapshot) const {
    Slot& slot = *slots_.at(index);
    if (auto done = slot.computed.load()) return done;
    const std::lock_guard lock(slot.computing);
    if (auto done = slot.computed.load()) return done;
    auto coverage = std::make_shared<const service::Coverage>(
        service::Coverage::compute(snapshot, config_->kinds[index], slot.base.get(), 0, network_));
    slot.computed.store(coverage);
    return coverage;
}

std::shared_ptr<const service::Coverage> ServiceCircles::latest(std::size_t index) const {
    const Slot& slot = *slots_.at(index);
    if (auto done = slot.computed.load()) return done;
    return slot.base;
}

std::vector<std::shared_ptr<const service::Coverage>> all_service_circles(const View& view) {
    const ServiceCircles& circles = view.derived<ServiceCircles>();
    std::vector<std::shared_ptr<const service::Coverage>> all;
    for (std::size_t k = 0; k < circles.config().kinds.size(); ++k) all.push_back(circles.of(k, view.snapshot()));
    return all;
}

void add_service_circle_routes(Router& router, State& state, const AuthGate& gate,
                               const service::CirclesConfig& config,
                               std::shared_ptr<const service::StreetNetwork> network) {
    // Only what a kind's coverage can start from is carried to the next
    // version (at most one earlier coverage per kind), never the chain of views.
    state.derive_incremental<ServiceCircles>(
        [config = std::make_shared<const service::CirclesConfig>(config), network](const View&, const View* previous) {
            std::vector<std::shared_ptr<const service::Coverage>> bases;
            if (previous != nullptr) {
                const ServiceCircles& before = previous->derived<ServiceCircles>();
                for (std::size_t k = 0; k < config->kinds.size(); ++k) bases.push_back(before.latest(k));
            }
            return std::make_shared<const ServiceCircles>(config, network, std::move(bases));
        });
    router.get(
        "/service-circles/kinds",
        [body = kinds_body(config, network.get())](const Request& request) {
            request.query().allow_only({});
            return Response::json(body);
        },
        Execution::io);
    // A kind's first request in a version computes it (seconds at city size): on the worker pool.
    router.get(
        "/service-circles",
        [&state, &gate](const Request& request) { return shares(request, state, gate); }, Execution::worker);
    router.get(
        "/service-circles/uncovered.geojson",
        [&state, &gate](const Request& request) { return uncovered(request, state, gate); }, Execution::worker);
}

}  // namespace wangge::http
