#include "wangge/http/public_routes.hpp"

#include <qrencode.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <vector>

#include "contact_card.hpp"
#include "wangge/http/households.hpp"
#include "wangge/geo/geojson.hpp"
#include "wangge/geo/types.hpp"
#include "wangge/model/snapshot.hpp"

namespace wangge::http {

namespace {

struct QrDeleter {
    void operator()(QRcode* code) const noexcept { QRcode_free(code); }
};
using QrCode = std::unique_ptr<QRcode, QrDeleter>;

/// A compound, or one of its buildings, with the grids its households are in.
struct Place {
    std::string compound;
    std::string building;  ///< empty for the compound itself
    std::string key;       ///< compound + building without spaces, for matching
    double lon_sum = 0.0;
    double lat_sum = 0.0;
    int count = 0;
    std::set<std::string> grids;
};

/// Compounds and buildings of one snapshot, indexed on first use.
class PublicPlaces {
public:
    const std::vector<Place>& of(const model::Snapshot& snapshot) const {
        std::call_once(lazy_->once, [&] { lazy_->places = build(snapshot); });
        return lazy_->places;
    }

private:
    static std::vector<Place> build(const model::Snapshot& snapshot);
    struct Lazy {
        std::once_flag once;
        std::vector<Place> places;
    };
    std::shared_ptr<Lazy> lazy_ = std::make_shared<Lazy>();
};

/// `text` without ASCII and ideographic (U+3000) spaces.
std::string without_spaces(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ' ' || text[i] == '\t') continue;
        if (text.substr(i, 3) == "\u3000") {
            i += 2;
            continue;
        }
        out += text[i];
    }
    return out;
}

std::vector<Place> PublicPlaces::build(const model::Snapshot& snapshot) {
    std::map<std::pair<std::string, std::string>, Place> places;
    const auto add = [&places](const model::Household& h, const std::string& building) {
        Place& place = places[{h.compound, building}];
        if (place.count == 0) {
            place.compound = h.compound;
            place.building = building;
            place.key = without_spaces(h.compound + building);
        }
        place.lon_sum += h.location.x;
        place.lat_sum += h.location.y;
        ++place.count;
        place.grids.insert(h.grid_code);
    };
    for (const model::Household& h : snapshot.data().households) {
        if (h.compound.empty() || h.grid_code.empty()) continue;
        add(h, {});
        if (!h.building.empty()) add(h, h.building);
    }
    std::vector<Place> out;
    out.reserve(places.size());
    for (auto& [key, place] : places) out.push_back(std::move(place));
    return out;
}

void derive_public_places(State& state) {
    state.derive_incremental<PublicPlaces>([](const View& next, const View* previous) {
        if (same_households(next, previous)) {
            return std::make_shared<const PublicPlaces>(previous->derived<PublicPlaces>());
        }
        return std::make_shared<const PublicPlaces>();
    });
}

nlohmann::json grid_ref(const model::Snapshot& snapshot, std::string_view code) {
    const model::Grid* grid = snapshot.current_grid(code);
    return {{"code", code}, {"name", grid != nullptr ? grid->name : std::string()}};
}

/// Six decimals (about 0.1 m): the mean of a building's households is a
/// place on the map, not a household's exact position.
double rounded(double degrees) { return std::round(degrees * 1e6) / 1e6; }

constexpr std::size_t max_results = 20;

Response search(const Request& request, const State& state) {
    request.query().allow_only({"q"});
    const auto text = request.query().get("q");
    const std::string query = without_spaces(text.value_or(""));
    if (query.empty()) {
        throw ClientError(ErrorKind::bad_request, "missing_parameter", "parameter 'q' is required",
                          "请输入小区、楼栋或网格名称");
    }
    if (query.size() > 120) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter", "parameter 'q' is too long",
                          "搜索内容过长，请输入小区、楼栋或网格名称");
    }
    const auto view = state.view();
    const model::Snapshot& snapshot = view->snapshot();
    nlohmann::json compounds = nlohmann::json::array();
    nlohmann::json buildings = nlohmann::json::array();
    nlohmann::json grids = nlohmann::json::array();
    for (const Place& place : view->derived<PublicPlaces>().of(snapshot)) {
        if (place.key.find(query) == std::string::npos) continue;
        const bool building = !place.building.empty();
        // "阳光" finds the compound, not each of its buildings; "阳光小区3号楼" the building.
        if (building && without_spaces(place.compound).find(query) != std::string::npos) continue;
        nlohmann::json& list = building ? buildings : compounds;
        if (list.size() >= max_results) continue;
        nlohmann::json codes = nlohmann::json::array();
        for (const std::string& code : place.grids) codes.push_back(grid_ref(snapshot, code));
        list.push_back({{"kind", building ? "building" : "compound"},
                        {"label", building ? place.compound + " " + place.building : place.compound},
                        {"point", {rounded(place.lon_sum / place.count), rounded(place.lat_sum / place.count)}},
                        {"grids", std::move(codes)}});
    }
    for (const model::Grid* grid : snapshot.current_grids()) {
        if (grids.size() >= max_results) break;
        if (grid->level == model::GridLevel::street || grid->level == model::GridLevel::community) continue;
        if (without_spaces(grid->name).find(query) == std::string::npos && !grid->code.starts_with(query)) continue;
        grids.push_back({{"kind", "grid"},
                         {"label", grid->name},
                         {"grids", nlohmann::json::array({grid_ref(snapshot, grid->code)})}});
    }
    nlohmann::json results = nlohmann::json::array();
    for (nlohmann::json* list : {&compounds, &buildings, &grids}) {
        for (nlohmann::json& item : *list) {
            if (results.size() < max_results) results.push_back(std::move(item));
        }
    }
    return Response::json({{"query", *text}, {"results", std::move(results)}});
}

const model::Grid& required_grid(const model::Snapshot& snapshot, const std::string& code) {
    const model::Grid* grid = snapshot.current_grid(code);
    if (grid == nullptr) {
        throw ClientError(ErrorKind::not_found, "unknown_grid", "no grid with code " + code, "找不到编码为 " + code + " 的网格");
    }
    return *grid;
}

std::string page_url(const Request& request, const std::string& code) {
    return public_page_url(request.base_url(), code);
}

nlohmann::json ancestor(const model::Snapshot& snapshot, const model::Grid& grid, model::GridLevel level) {
    for (const model::Grid* up = snapshot.current_grid(grid.parent_code); up != nullptr;
         up = snapshot.current_grid(up->parent_code)) {
        if (up->level == level) return {{"code", up->code}, {"name", up->name}};
    }
    return nullptr;
}

Response card(const Request& request, const State& state) {
    request.query().allow_only({});
    const std::string& code = request.param("code");
    const auto view = state.view();
    const model::Snapshot& snapshot = view->snapshot();
    const model::Grid& grid = required_grid(snapshot, code);
    const geo::Box box = geo::bounds(grid.geometry);
    return Response::json({{"code", grid.code},
                           {"name", grid.name},
                           {"level", model::to_string(grid.level)},
                           {"community", ancestor(snapshot, grid, model::GridLevel::community)},
                           {"street", ancestor(snapshot, grid, model::GridLevel::street)},
                           {"staff", detail::contact_card(snapshot, grid.code)},
                           {"geometry", geo::to_geojson(grid.geometry)},
                           {"bbox", {box.min_x, box.min_y, box.max_x, box.max_y}},
                           {"page", page_url(request, grid.code)},
                           {"qr", "/public/grids/" + grid.code + "/qr.svg"}});
}

}  // namespace

QrModules qr_modules(std::string_view text) {
    const std::string input(text);
    const QrCode code(QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (!code) throw std::runtime_error("libqrencode cannot encode " + std::to_string(text.size()) + " bytes");
    QrModules modules{code->width, {}};
    const auto count = static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
    modules.dark.reserve(count);
    // Bit 0 of each byte is "dark".
    for (std::size_t i = 0; i < count; ++i) modules.dark.push_back((code->data[i] & 1) != 0);
    return modules;
}

std::string qr_svg(std::string_view text) {
    const QrModules code = qr_modules(text);
    constexpr int quiet = 4;
    const int width = code.width;
    const int size = width + 2 * quiet;
    std::string path;
    // One subpath per run of dark modules in a row.
    for (int y = 0; y < width; ++y) {
        for (int x = 0; x < width;) {
            if (!code.at(x, y)) {
                ++x;
                continue;
            }
            int run = 1;
            while (x + run < width && code.at(x + run, y)) ++run;
            path += "M" + std::to_string(x + quiet) + "," + std::to_string(y + quiet) + "h" + std::to_string(run) +
                    "v1h-" + std::to_string(run) + "z";
            x += run;
        }
    }
    const std::string side = std::to_string(size);
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + side + " " + side +
           "\" shape-rendering=\"crispEdges\" data-modules=\"" + std::to_string(width) + "\">" +
           "<rect width=\"" + side + "\" height=\"" + side + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path +
           "\"/></svg>";
}

std::string public_page_url(std::string_view base_url, std::string_view code) {
    return std::string(base_url) + "/map/public.html#grid=" + std::string(code);
}

void add_public_routes(Router& router, State& state, const AuthGate& gate) {
    derive_public_places(state);
    router.get(
        "/public/grids/search",
        [&state, &gate](const Request& request) {
            gate.permit(request, auth::Action::lookup);
            return search(request, state);
        },
        Execution::worker);  // the first search after a write indexes every household
    router.get(
        "/public/grids/{code}",
        [&state, &gate](const Request& request) {
            gate.permit(request, auth::Action::read_contact_cards);
            return card(request, state);
        },
        Execution::io);
    router.get(
        "/public/grids/{code}/qr.svg",
        [&state, &gate](const Request& request) {
            gate.permit(request, auth::Action::read_contact_cards);
            request.query().allow_only({});
            const auto view = state.view();
            const model::Grid& grid = required_grid(view->snapshot(), request.param("code"));
            return Response::bytes(qr_svg(page_url(request, grid.code)), "image/svg+xml");
        },
        Execution::io);
}

}  // namespace wangge::http
