#include "wangge/basemap/routes.hpp"

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/basemap/tile_archive.hpp"

namespace wangge::basemap {

namespace {

using http::Request;
using http::Response;
using http::Status;

std::string_view content_type(std::string_view format) {
    if (format == "pbf") return "application/vnd.mapbox-vector-tile";
    if (format == "png") return "image/png";
    if (format == "webp") return "image/webp";
    return "image/jpeg";
}

std::string etag_of(std::string_view bytes) {
    char text[40];
    std::snprintf(text, sizeof text, "\"b%016zx-%zx\"", std::hash<std::string_view>{}(bytes), bytes.size());
    return text;
}

[[noreturn]] void no_basemap() {
    throw ClientError(ErrorKind::not_found, "no_basemap", "this server has no basemap (serve --basemap FILE)",
                      "服务器未配置底图");
}

/// An online source's TileJSON: the browser takes the tiles from it.
nlohmann::json online_tilejson(const BasemapSource& source) {
    return {{"tilejson", "3.0.0"}, {"name", "online basemap"}, {"scheme", "xyz"},    {"format", "png"},
            {"tiles", {source.url}},  {"minzoom", 0},               {"maxzoom", 18},
            {"attribution", source.attribution}, {"vector_layers", nlohmann::json::array()}};
}

nlohmann::json tilejson(const TileArchive& reader, const Request& request) {
    const MbtilesMetadata& metadata = reader.metadata();
    nlohmann::json out{{"tilejson", "3.0.0"},
                       {"name", metadata.get("name")},
                       {"scheme", "xyz"},
                       {"format", metadata.format()},
                       {"tiles", {request.base_url() + "/basemap/{z}/{x}/{y}"}},
                       {"minzoom", reader.min_zoom()},
                       {"maxzoom", reader.max_zoom()}};
    if (const auto bounds = metadata.numbers("bounds", 4); !bounds.empty()) out["bounds"] = bounds;
    if (const auto center = metadata.numbers("center", 3); !center.empty()) out["center"] = center;
    for (const char* text : {"attribution", "description", "version"}) {
        if (!metadata.get(text).empty()) out[text] = metadata.get(text);
    }
    // The vector layers sit in the "json" metadata row (MBTiles 1.3); a raster file has none.
    const nlohmann::json extra = nlohmann::json::parse(metadata.get("json"), nullptr, false);
    out["vector_layers"] = extra.is_object() && extra.contains("vector_layers") && extra["vector_layers"].is_array()
                               ? extra["vector_layers"]
                               : nlohmann::json::array();
    return out;
}

}  // namespace

std::string BasemapSource::origin() const {
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return {};
    return url.substr(0, url.find_first_of("/?#", scheme_end + 3));
}

void BasemapSource::check() const {
    if (url.empty()) return;
    if (!file.empty()) throw InputError("give --basemap or --basemap-url, not both");
    if (!url.starts_with("https://") && !url.starts_with("http://")) {
        throw InputError("--basemap-url must start with http:// or https://");
    }
    // The origin goes into the map pages' Content-Security-Policy: a host name and port, nothing else.
    const std::string host = origin().substr(origin().find("://") + 3);
    if (host.empty() || host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
                            std::string::npos) {
        throw InputError("--basemap-url must name a plain host (letters, digits, dots, hyphens, a port)");
    }
    for (const char* part : {"{z}", "{x}", "{y}"}) {
        if (url.find(part) == std::string::npos) throw InputError("--basemap-url must contain {z}, {x} and {y}");
    }
    if (attribution.empty()) throw InputError("--basemap-url needs --basemap-attribution (the credit its source requires)");
}

void add_basemap_routes(http::Router& router, const http::AuthGate& gate, const BasemapSource& source) {
    source.check();
    std::shared_ptr<const TileArchive> reader;
    if (!source.file.empty()) reader = open_tile_archive(source.file);
    const std::optional<nlohmann::json> online =
        source.url.empty() ? std::nullopt : std::optional<nlohmann::json>(online_tilejson(source));

    router.get("/basemap.json", [reader, online, &gate](const Request& request) {
        request.query().allow_only({});
        gate.permit(request, auth::Action::read_basemap);
        if (online) return Response::json(*online);
        if (!reader) no_basemap();
        Response response = Response::json(tilejson(*reader, request));
        response.set_header("Cache-Control", "public, no-cache");
        return response;
    }, http::Execution::io);

    router.get("/basemap/{z}/{x}/{y}", [reader, &gate](const Request& request) {
        request.query().allow_only({});
        gate.permit(request, auth::Action::read_basemap);
        if (!reader) no_basemap();
        const auto z = http::parse_int(request.param("z"), "z", 0, tiles::max_zoom);
        const auto tile = tiles::make_tile(z, http::parse_int(request.param("x"), "x", 0, (std::int64_t{1} << z) - 1),
                                           http::parse_int(request.param("y"), "y", 0, (std::int64_t{1} << z) - 1));
        if (!tile || z < reader->min_zoom() || z > reader->max_zoom()) {
            throw ClientError(ErrorKind::not_found, "tile_not_found", "no basemap tiles at this zoom",
                              "该缩放级别没有底图瓦片");
        }
        std::optional<std::string> bytes = reader->tile(*tile);
        const std::string_view type = content_type(reader->metadata().format());
        if (!bytes || bytes->empty()) {
            Response empty = Response::bytes({}, type, Status::no_content);
            empty.set_header("Cache-Control", "public, max-age=3600");
            return empty;
        }
        const std::string etag = etag_of(*bytes);
        if (http::etag_matches(request, etag)) return Response::not_modified(etag);
        const bool gzipped = is_gzip(*bytes);
        const bool send_gzipped = gzipped && http::accepts_encoding(request, "gzip");
        Response response = Response::bytes(gzipped && !send_gzipped ? gunzip(*bytes, reader->path()) : std::move(*bytes), type);
        if (send_gzipped) response.set_header("Content-Encoding", "gzip");
        if (gzipped) response.set_header("Vary", "Accept-Encoding");
        response.set_header("ETag", etag);
        response.set_header("Cache-Control", "public, max-age=3600");
        return response;
    }, http::Execution::worker);
}

}  // namespace wangge::basemap
