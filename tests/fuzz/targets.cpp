#include "targets.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../store/sample_dataset.hpp"
#include "support/test_app.hpp"
#include "wangge/basemap/pmtiles.hpp"
#include "wangge/geo/geojson.hpp"
#include "wangge/http/static_files.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/workflow/photos.hpp"

namespace wangge::fuzz {

namespace {

using nlohmann::json;

void require(bool property, const std::string& what) {
    if (!property) throw PropertyViolation(what);
}

void write_file(const std::filesystem::path& path, std::string_view text) {
    std::ofstream(path, std::ios::binary) << text;
}

void require_no_server_error(const http::Response& response, std::string_view where) {
    require(static_cast<unsigned>(response.status()) < 500,
            std::string(where) + " answered " + std::to_string(static_cast<unsigned>(response.status())) + ": " +
                response.body());
}

}  // namespace

void geojson_input(std::string_view input) {
    const json document = json::parse(input, nullptr, false);
    if (document.is_discarded()) return;
    try {
        const geo::MultiPolygon polygons = geo::polygons_from_geojson(document);
        require(!polygons.polygons.empty(), "an accepted multipolygon has no polygon");
        require(geo::polygons_from_geojson(geo::to_geojson(polygons)) == polygons,
                "a polygon changed on its GeoJSON round trip");
    } catch (const InputError&) {
    }
    try {
        const geo::Point point = geo::point_from_geojson(document);
        require(std::isfinite(point.x) && std::isfinite(point.y), "an accepted point is not finite");
        require(geo::point_from_geojson(geo::to_geojson(point)) == point, "a point changed on its round trip");
    } catch (const InputError&) {
    }
}

void photo_input(std::string_view input) {
    try {
        const workflow::ImageInfo info = workflow::inspect_photo(
            std::span(reinterpret_cast<const unsigned char*>(input.data()), input.size()));
        require(info.content_type == "image/jpeg" || info.content_type == "image/png", "a photo of another type");
        require(info.width > 0 && info.height > 0, "a photo without a size");
        if (info.location) {
            require(std::abs(info.location->x) <= 180 && std::abs(info.location->y) <= 90, "an EXIF place off the earth");
        }
    } catch (const ClientError& e) {
        const ErrorKind kind = e.kind();
        require(kind == ErrorKind::bad_request || kind == ErrorKind::too_large || kind == ErrorKind::unsupported_media ||
                    kind == ErrorKind::unprocessable,
                std::string("a photo refusal that is not a client error: ") + e.what());
    }
}

void PmtilesTarget::run(std::string_view input) const {
    const std::filesystem::path path = dir_ / "input.pmtiles";
    write_file(path, input);
    // Stops the walk: a damaged run length may claim billions of tiles, all legal to visit.
    struct Enough {};
    try {
        const basemap::PmtilesReader reader(path);
        require(reader.min_zoom() <= reader.max_zoom(), "zooms out of order");
        for (int z = 0; z <= 4; ++z) {
            for (std::uint32_t x = 0; x < (1u << z); ++x) {
                for (std::uint32_t y = 0; y < (1u << z); ++y) (void)reader.tile({z, x, y});
            }
        }
        int visited = 0;
        reader.for_each_tile([&](const tiles::TileId&, std::string_view) {
            if (++visited == 1000) throw Enough{};
        });
    } catch (const basemap::MbtilesError&) {
    } catch (const Enough&) {
    }
}

void query_input(std::string_view input) {
    const auto only_bad_request = [](const ClientError& e) {
        require(e.kind() == ErrorKind::bad_request, std::string("a query error is not 400: ") + e.what());
    };
    try {
        const http::Query query = http::Query::parse(input);
        // encode() leaves out parameters with an empty value.
        auto kept = query.items();
        std::erase_if(kept, [](const auto& item) { return item.second.empty(); });
        require(http::Query::parse(query.encode()).items() == kept, "a query changed on its round trip");
    } catch (const ClientError& e) {
        only_bad_request(e);
    }
    try {
        const double value = http::parse_double(input, "x", -1e300, 1e300);
        require(std::isfinite(value) && value >= -1e300 && value <= 1e300, "parse_double left its range");
    } catch (const ClientError& e) {
        only_bad_request(e);
    }
    try {
        const std::int64_t value = http::parse_int(input, "x", -1000, 1000);
        require(value >= -1000 && value <= 1000, "parse_int left its range");
    } catch (const ClientError& e) {
        only_bad_request(e);
    }
}

PathTarget::PathTarget() {
    std::filesystem::create_directories(web_ / "js");
    write_file(web_ / "index.html", "<!doctype html>");
    write_file(web_ / "js" / "main.js", "export {};");
    write_file(dir_ / "secret.txt", "outside web-map");
    std::filesystem::create_directory_symlink(dir_.path(), web_ / "link");
    std::filesystem::create_symlink(dir_ / "secret.txt", web_ / "outside-link");
    std::filesystem::create_symlink(web_ / "index.html", web_ / "inside-link");
    http::add_static_routes(router_, "/map", web_);
    // Parameters arrive decoded and must never carry a '/' (router.hpp).
    const auto echo = [](std::vector<std::string> names) {
        return [names = std::move(names)](const http::Request& request) {
            for (const std::string& name : names) {
                require(request.param(name).find('/') == std::string::npos, "a path parameter holds '/'");
            }
            request.query().allow_only({"f", "limit"});
            return http::Response::json({{"ok", true}});
        };
    };
    router_.get("/collections/{c}/items/{id}", echo({"c", "id"}), http::Execution::io);
    router_.get("/tiles/{layer}/{z}/{x}/{y}.mvt", [tile = echo({"layer"})](const http::Request& request) {
        const std::int64_t z = http::parse_int(request.param("z"), "z", 0, 24);
        (void)http::parse_int(request.param("x"), "x", 0, (std::int64_t{1} << z) - 1);
        return tile(request);
    }, http::Execution::io);
}

void PathTarget::run(std::string_view target) const {
    for (const http::Method method : {http::Method::get, http::Method::head, http::Method::post}) {
        http::Request request(method, std::string(target), {}, {});
        const http::Response response = router_.handle(request);
        require_no_server_error(response, "path '" + std::string(target) + "'");
        if (const auto& file = response.file_path()) {
            const std::filesystem::path served = std::filesystem::canonical(*file);
            const std::filesystem::path root = std::filesystem::canonical(web_);
            require(std::mismatch(root.begin(), root.end(), served.begin(), served.end()).first == root.end(),
                    "path '" + std::string(target) + "' served " + served.string() + " outside web-map/");
        }
    }
}

struct WriteTarget::Impl {
    model::Dataset initial = store::testing::sample_dataset();
    // Every route, as `wangge serve` wires them, over `initial` in a temp GeoPackage.
    support::TestApp app{{.data = initial}};
    std::string worker_token;
    std::string supervisor_token;
    std::string planner_token;
    std::string draft_id;
    std::size_t incidents_stored = 0;
    std::size_t transitions_stored = 0;
    std::size_t visits_stored = 0;

    http::Response handle(http::Method method, const std::string& target, const std::string& token, std::string body) {
        return app.handle(method, target, {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}},
                          std::move(body));
    }
};

WriteTarget::WriteTarget() : impl_(std::make_unique<Impl>()) {
    Impl& s = *impl_;
    support::Accounts& accounts = s.app.accounts();
    s.worker_token = accounts.token({"worker", auth::Role::grid_worker, {"110105001001001"}, 7});
    s.supervisor_token = accounts.token({"chief", auth::Role::supervisor, {"110105001"}});
    s.planner_token = accounts.token({"planner", auth::Role::planner});
    const http::Response draft = s.handle(http::Method::post, "/drafts", s.planner_token, {});
    require(draft.status() == http::Status::created, "cannot create a draft: " + draft.body());
    s.draft_id = json::parse(draft.body()).at("id").get<std::string>();
}

WriteTarget::~WriteTarget() = default;

http::Status WriteTarget::run(Route route, std::string body) {
    Impl& s = *impl_;
    const std::string draft = "/drafts/" + s.draft_id;
    const auto send = [&](http::Method method, const std::string& target, const std::string& token) {
        const http::Response response = s.handle(method, target, token, std::move(body));
        require_no_server_error(response, target);
        return response.status();
    };
    switch (route) {
        case Route::incident: {
            const http::Status status = send(http::Method::post, "/incidents", s.worker_token);
            if (status == http::Status::created) ++s.incidents_stored;
            return status;
        }
        case Route::transition: {
            const http::Status status = send(http::Method::post, "/incidents/9001/transitions", s.supervisor_token);
            if (status == http::Status::ok) ++s.transitions_stored;
            return status;
        }
        case Route::visit: {
            const http::Status status = send(http::Method::post, "/visits", s.worker_token);
            if (status == http::Status::created) ++s.visits_stored;
            return status;
        }
        case Route::draft_add: return send(http::Method::post, draft + "/grids", s.planner_token);
        case Route::draft_update: return send(http::Method::put, draft + "/grids/110105001001001", s.planner_token);
        case Route::draft_split: return send(http::Method::post, draft + "/split", s.planner_token);
        case Route::draft_move_border: return send(http::Method::post, draft + "/move-border", s.planner_token);
        case Route::draft_snap: return send(http::Method::post, draft + "/snap", s.planner_token);
        case Route::draft_move_vertex: return send(http::Method::post, draft + "/move-vertex", s.planner_token);
        case Route::draft_check:
            return send(http::Method::post, draft + "/grids/110105001001001/check", s.planner_token);
        case Route::validate: break;
    }
    return send(http::Method::post, "/validate", s.planner_token);
}

void WriteTarget::check_store() const {
    const Impl& s = *impl_;
    const model::Dataset stored = store::GeoPackageStore::open(s.app.store_path()).load();
    require(stored.incidents.size() == s.initial.incidents.size() + s.incidents_stored,
            "the store holds another number of incidents than were acknowledged");
    require(stored.incident_events.size() ==
                s.initial.incident_events.size() + s.incidents_stored + s.transitions_stored,
            "the store holds another number of incident events than were acknowledged");
    require(stored.visits.size() == s.initial.visits.size() + s.visits_stored,
            "the store holds another number of visits than were acknowledged");
    for (const model::IncidentEvent& event : stored.incident_events) {
        require(std::ranges::any_of(stored.incidents, [&](const model::Incident& i) { return i.id == event.incident_id; }),
                "an event refers to no incident");
    }
}

}  // namespace wangge::fuzz
