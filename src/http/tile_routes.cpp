#include "wangge/http/tile_routes.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/http/compression.hpp"
#include "wangge/http/features.hpp"
#include "wangge/model/time.hpp"
#include "wangge/tiles/change_log.hpp"
#include "wangge/tiles/tile_cache.hpp"
#include "wangge/tiles/tile_changes.hpp"
#include "wangge/tiles/tile_index.hpp"
#include "wangge/workflow/states.hpp"

namespace wangge::http {

namespace {

using nlohmann::json;

constexpr std::string_view mvt_type = "application/vnd.mapbox-vector-tile";
constexpr std::string_view json_type = "application/json";

/// The route parameters naming a tile: /tiles/{layer}/{z}/{x}/{y}.mvt, or
/// OGC API Tiles' /collections/{collection}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}.
struct TilePattern {
    std::string_view layer, z, x, y;
    /// OGC paths name collections, and heat is none (it lives under /tiles only).
    bool collections;
};
constexpr TilePattern xyz_pattern{"layer", "z", "x", "y", false};
constexpr TilePattern ogc_pattern{"collection", "tileMatrix", "tileCol", "tileRow", true};

tiles::Layer layer_parameter(const Request& request, const TilePattern& pattern = xyz_pattern) {
    const std::string& name = request.param(pattern.layer);
    const auto layer = tiles::parse_layer(name);
    if (!layer || (pattern.collections && *layer == tiles::Layer::heat)) {
        throw ClientError(ErrorKind::not_found, "not_found",
                          pattern.collections
                              ? "no tiles for collection '" + name + "' (grids, households, facilities, incidents)"
                              : "no tile layer '" + name + "' (grids, households, facilities, incidents, heat)",
                          "没有名为 " + name + " 的瓦片图层");
    }
    return *layer;
}

// ---------------------------------------------------------------- OGC API Tiles

constexpr std::string_view tile_matrix_set_id = "WebMercatorQuad";
constexpr std::string_view tile_matrix_set_title = "Web Mercator 四叉树瓦片（与 Google Maps 兼容）";
constexpr std::string_view tile_matrix_set_uri = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
constexpr std::string_view web_mercator_uri = "http://www.opengis.net/def/crs/EPSG/0/3857";
constexpr std::string_view tiling_scheme_rel = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";

std::string tile_matrix_set_url(const std::string& base) {
    return base + "/tileMatrixSets/" + std::string(tile_matrix_set_id);
}

/// 404 for any tile matrix set but the one served.
void check_tile_matrix_set(const Request& request) {
    const std::string& id = request.param("tileMatrixSetId");
    if (id != tile_matrix_set_id) {
        throw ClientError(ErrorKind::not_found, "not_found",
                          "no tile matrix set '" + id + "' (only WebMercatorQuad)",
                          "没有名为 " + id + " 的瓦片矩阵集（只提供 WebMercatorQuad）");
    }
}

/// WebMercatorQuad as OGC Two Dimensional Tile Matrix Set 2.0 defines it,
/// from zoom 0 to the deepest zoom the tile routes serve, with the members of
/// TMS 1.0 (OGC 17-083r2: type, identifier, supportedCRS, boundingBox,
/// topLeftCorner) beside them: GDAL up to 3.6 reads only those.
json web_mercator_quad(const std::string& base) {
    constexpr double half_extent = 20037508.3427892;  // pi * 6378137
    constexpr int tile_size = 256;
    constexpr double metres_per_pixel_at_scale_1 = 0.00028;  // the standard 0.28 mm rendering pixel
    json matrices = json::array();
    for (int z = 0; z <= tiles::max_zoom; ++z) {
        const std::int64_t tiles_across = std::int64_t{1} << z;
        const double cell = 2.0 * half_extent / tile_size / static_cast<double>(tiles_across);
        matrices.push_back({{"type", "TileMatrixType"},
                            {"identifier", std::to_string(z)},
                            {"topLeftCorner", {-half_extent, half_extent}},
                            {"id", std::to_string(z)},
                            {"scaleDenominator", cell / metres_per_pixel_at_scale_1},
                            {"cellSize", cell},
                            {"cornerOfOrigin", "topLeft"},
                            {"pointOfOrigin", {-half_extent, half_extent}},
                            {"tileWidth", tile_size},
                            {"tileHeight", tile_size},
                            {"matrixWidth", tiles_across},
                            {"matrixHeight", tiles_across}});
    }
    return {{"type", "TileMatrixSetType"},
            {"identifier", tile_matrix_set_id},
            {"supportedCRS", web_mercator_uri},
            {"boundingBox",
             {{"type", "BoundingBoxType"},
              {"crs", web_mercator_uri},
              {"lowerCorner", {-half_extent, -half_extent}},
              {"upperCorner", {half_extent, half_extent}}}},
            {"id", tile_matrix_set_id},
            {"title", tile_matrix_set_title},
            {"uri", tile_matrix_set_uri},
            {"crs", web_mercator_uri},
            {"orderedAxes", {"X", "Y"}},
            {"wellKnownScaleSet", "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible"},
            {"links", json::array({ogc_link(tile_matrix_set_url(base), "self", json_type)})},
            {"tileMatrices", std::move(matrices)}};
}

constexpr std::string_view layer_title(tiles::Layer layer) noexcept {
    switch (layer) {
        case tiles::Layer::grids: return "网格";
        case tiles::Layer::households: return "户";
        case tiles::Layer::facilities: return "设施";
        case tiles::Layer::incidents: return "事件";
        case tiles::Layer::heat: return "事件热力";
    }
    return "";
}

std::string tileset_url(const std::string& base, tiles::Layer layer) {
    return base + "/collections/" + std::string(tiles::to_string(layer)) + "/tiles/WebMercatorQuad";
}

/// A tileset's entry in a tileset list: what it is and where its metadata is.
json tileset_summary(const std::string& base, tiles::Layer layer) {
    return {{"title", layer_title(layer)},
            {"dataType", "vector"},
            {"crs", web_mercator_uri},
            {"tileMatrixSetURI", tile_matrix_set_uri},
            {"links", json::array({ogc_link(tileset_url(base, layer), "self", json_type),
                                   ogc_link(tile_matrix_set_url(base), tiling_scheme_rel, json_type)})}};
}

/// The tileset metadata: the link template of the tiles, the MVT layers
/// in them and the data's bounds.
json tileset(const std::string& base, tiles::Layer layer, const model::Snapshot& snapshot) {
    const std::string name(tiles::to_string(layer));
    json result = tileset_summary(base, layer);
    result["links"].push_back(ogc_link(base + "/collections/" + name, "http://www.opengis.net/def/rel/ogc/1.0/geodata",
                                   json_type));
    json item = ogc_link(tileset_url(base, layer) + "/{tileMatrix}/{tileRow}/{tileCol}", "item", mvt_type);
    item["templated"] = true;
    result["links"].push_back(std::move(item));
    json layers = json::array();
    for (const tiles::VectorLayerSchema& schema : tiles::vector_layers(layer)) {
        layers.push_back({{"id", schema.id},
                          {"description", schema.description},
                          {"dataType", "vector"},
                          {"minTileMatrix", "0"},
                          {"maxTileMatrix", std::to_string(tiles::max_zoom)}});
    }
    result["layers"] = std::move(layers);
    const geo::Box box = snapshot.extent();
    if (!box.empty()) {
        result["boundingBox"] = {{"lowerLeft", {box.min_x, box.min_y}},
                                 {"upperRight", {box.max_x, box.max_y}},
                                 {"crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}};
    }
    return result;
}

std::optional<model::Timestamp> time_parameter(const Query& query, std::string_view name) {
    const auto text = query.get(name);
    if (!text) return std::nullopt;
    const auto time = model::parse_iso8601(*text);
    if (!time) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter",
                        "parameter '" + std::string(name) + "' must be an ISO 8601 date or date-time, got '" +
                            std::string(*text) + "'",
                        "参数 " + std::string(name) + " 应为日期或日期时间（ISO 8601），收到的是 " + std::string(*text));
    }
    return time;
}

/// The heat filter of a request; other layers take no parameters.
tiles::HeatFilter filter_parameters(const Query& query, tiles::Layer layer) {
    if (layer != tiles::Layer::heat) {
        query.allow_only({});
        return {};
    }
    query.allow_only({"from", "to", "category", "state"});
    tiles::HeatFilter filter;
    filter.from = time_parameter(query, "from");
    filter.to = time_parameter(query, "to");
    if (filter.from && filter.to && *filter.from >= *filter.to) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter", "parameter 'from' must be earlier than 'to'",
                          "开始时间（from）应早于结束时间（to）");
    }
    if (const auto category = query.get("category")) filter.category = std::string(*category);
    if (const auto state = query.get("state")) {
        if (!workflow::parse_state(*state)) {
            throw ClientError(ErrorKind::bad_request, "invalid_parameter", "unknown incident state '" + std::string(*state) + "'",
                              "未知的事件状态 " + std::string(*state));
        }
        filter.state = std::string(*state);
    }
    return filter;
}

/// 64-bit FNV-1a: a short, stable fingerprint of the filter for the ETag.
std::uint64_t fingerprint(std::string_view text) noexcept {
    std::uint64_t hash = 0xcbf29ce484222325ull;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ull;
    }
    return hash;
}

std::string hex_fingerprint(std::string_view text) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fingerprint(text)));
    return hex;
}

/// The caller, or 401/403 when the layer is not theirs; public layers skip the session lookup.
auth::Principal caller(const AuthGate& gate, const Request& request, tiles::Layer layer) {
    const auth::Action action = tile_read_action(layer);
    if (auth::is_public(action)) {
        gate.permit(request, auth::Action::read_contact_cards);  // grid tiles name the grid's staff
        return {};
    }
    return gate.require(request, action);
}

/// The grids whose special-group tags the caller sees, as a stable text:
/// household tiles differ by it, so it goes into their ETag.
std::string tag_scope(const auth::Principal& who) {
    switch (auth::reach(who, auth::Action::read_household_personal)) {
        case auth::Reach::none: return "none";
        case auth::Reach::all: return "all";
        case auth::Reach::scoped: break;
    }
    std::vector<std::string> codes = who.user->grid_codes;
    std::ranges::sort(codes);
    std::string text = "scoped";
    for (const std::string& code : codes) text += "," + code;
    return text;
}

/// The start of an ETag: "<kind><layer>-<instance>.<version> (the caller
/// closes the quote). ETags are appended piece by piece: GCC 12 warns
/// (-Wrestrict, falsely) on "literal" + std::string temporaries at -O3.
std::string tag_start(std::string_view kind, tiles::Layer layer, std::string_view instance, std::uint64_t version) {
    std::string tag = "\"";
    tag += kind;
    tag += tiles::to_string(layer);
    tag += '-';
    tag += instance;
    tag += '.';
    tag += std::to_string(version);
    return tag;
}

/// `tile_version` is the version of the newest change touching the tile
/// (tiles::ChangeLog), so a write elsewhere leaves the ETag as it was; the
/// server instance keeps ETags of an earlier run (and its data) from matching.
std::string entity_tag(tiles::Layer layer, std::string_view instance, std::uint64_t tile_version,
                       const tiles::HeatFilter& filter, model::Timestamp now, const auth::Principal& who) {
    std::string tag = tag_start("", layer, instance, tile_version);
    if (layer == tiles::Layer::households) {
        tag += "-s";
        tag += hex_fingerprint(tag_scope(who));
    } else if (layer == tiles::Layer::heat) {
        const std::string canonical = (filter.from ? std::to_string(*filter.from) : "") + "|" +
                                      (filter.to ? std::to_string(*filter.to) : "") + "|" +
                                      filter.category.value_or("") + "|" + filter.state.value_or("");
        tag += '-';
        tag += hex_fingerprint(canonical);
    } else if (layer == tiles::Layer::incidents) {
        tag += "-m";  // the deadline lights move with the clock
        tag += std::to_string(now / 60);
    }
    tag += '"';
    return tag;
}

/// Public layers may sit in shared caches; the others only in the caller's
/// own. Caches revalidate every time (a 304 costs microseconds): a map
/// told by the change feed to refresh a tile must not get a stale copy.
void set_cache_headers(Response& response, tiles::Layer layer) {
    if (auth::is_public(tile_read_action(layer))) {
        response.set_header("Cache-Control", "public, no-cache");
    } else {
        vary_by_session(response, "private, no-cache");
    }
}

Response tile_response(std::string mvt, const std::string& etag, tiles::Layer layer) {
    const Status status = mvt.empty() ? Status::no_content : Status::ok;
    Response response = Response::bytes(std::move(mvt), mvt_type, status);
    response.set_header("ETag", etag);
    set_cache_headers(response, layer);
    return response;
}

model::Timestamp wall_clock_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A tile request read against the current view: what every answer to it needs.
struct TileRequest {
    tiles::TileQuery query;
    auth::Principal who;
    std::shared_ptr<const View> view;
    std::uint64_t tile_version = 0;
    std::string etag;
    /// Households the caller may see some tags of: rendered per caller, audited.
    bool shows_tags = false;

    [[nodiscard]] const tiles::TileIndex& index() const { return view->derived<tiles::TileIndex>(); }
    /// Only tiles the same for every caller allowed to see them are cached,
    /// with their gzip, so a hit neither renders nor compresses; the server
    /// gzips the others when the client accepts it (compression.hpp).
    [[nodiscard]] bool cacheable() const { return !shows_tags && tiles::is_cacheable(query); }
    [[nodiscard]] tiles::TileKey cache_key() const {
        return {query.layer, query.tile, tile_version, query.layer == tiles::Layer::incidents ? query.now / 60 : 0};
    }
};

TileRequest read_tile_request(const Request& request, const State& state, const AuthGate& gate,
                              const TilePattern& pattern) {
    TileRequest tile;
    if (pattern.collections) check_tile_matrix_set(request);
    const tiles::Layer layer = layer_parameter(request, pattern);
    tile.who = caller(gate, request, layer);
    const std::int64_t z = parse_int(request.param(pattern.z), pattern.z, 0, tiles::max_zoom);
    const std::int64_t last = (std::int64_t{1} << z) - 1;
    tile.query.layer = layer;
    tile.query.tile = *tiles::make_tile(z, parse_int(request.param(pattern.x), pattern.x, 0, last),
                                        parse_int(request.param(pattern.y), pattern.y, 0, last));
    tile.query.heat = filter_parameters(request.query(), layer);
    tile.query.now = wall_clock_now();
    // Lights of the minute's start, as the ETag says: one render per tile and minute.
    if (layer == tiles::Layer::incidents) tile.query.now -= tile.query.now % 60;
    tile.shows_tags = layer == tiles::Layer::households &&
                      auth::reach(tile.who, auth::Action::read_household_personal) != auth::Reach::none;
    tile.view = state.view();
    tile.tile_version = tile.view->derived<tiles::ChangeLog>().tile_version(layer, tile.query.tile);
    tile.etag = entity_tag(layer, state.instance(), tile.tile_version, tile.query.heat, tile.query.now, tile.who);
    return tile;
}

Response not_modified(const TileRequest& tile) {
    Response response = Response::not_modified(tile.etag);
    set_cache_headers(response, tile.query.layer);
    return response;
}

Response cached_response(const Request& request, const TileRequest& tile, const tiles::EncodedTile& stored) {
    Response response = tile_response(stored.mvt, tile.etag, tile.query.layer);
    use_precompressed(request, response, stored.gzipped);
    return response;
}

/// The tile route at `path`, whose parameters `pattern` names.
void add_tile_route(Router& router, std::string_view path, const TilePattern& pattern, const State& state,
                    const AuthGate& gate, const std::shared_ptr<tiles::TileCache>& cache) {
    // A tile already rendered, or unchanged for the caller, is answered on the
    // I/O thread; only renders go to the workers.
    router.get(
        path,
        [&state, &gate, cache, pattern](const Request& request) -> std::optional<Response> {
            const TileRequest tile = read_tile_request(request, state, gate, pattern);
            if (etag_matches(request, tile.etag)) return not_modified(tile);
            if (!tile.cacheable()) return std::nullopt;
            const tiles::SharedTile stored = cache->find(tile.cache_key());
            if (stored == nullptr) return std::nullopt;
            return cached_response(request, tile, *stored);
        },
        [&state, &gate, cache, pattern](const Request& request) {
            TileRequest tile = read_tile_request(request, state, gate, pattern);
            if (etag_matches(request, tile.etag)) return not_modified(tile);
            if (tile.cacheable()) {
                const tiles::SharedTile stored = cache->get_or_render(tile.cache_key(), [&] {
                    std::string mvt = tile.index().render(tile.query);
                    // Incident tiles live a minute at most: compressed as fast as a single response.
                    std::string gzipped = gzip_for_cache(mvt, tile.query.layer == tiles::Layer::incidents
                                                                  ? per_response_gzip_level
                                                                  : cached_gzip_level);
                    return tiles::EncodedTile{std::move(mvt), std::move(gzipped)};
                });
                return cached_response(request, tile, *stored);
            }
            std::vector<std::string> tagged;  // households whose tags the tile shows
            if (tile.shows_tags) {
                tile.query.show_tags = [&who = tile.who, &tagged](const model::Household& household) {
                    if (auth::personal_view(who, household.grid_code, false) == auth::PersonalView::none) return false;
                    tagged.push_back(std::to_string(household.id));
                    return true;
                };
            }
            std::string mvt = tile.index().render(tile.query);
            if (!tagged.empty()) {
                gate.audit(request, tile.who, "households.tags", "households", std::move(tagged), auth::Outcome::ok,
                           std::string(request.target()));
            }
            return tile_response(std::move(mvt), tile.etag, tile.query.layer);
        },
        Execution::worker);
}

/// OGC API Tiles over the same tiles: the tile matrix set, each
/// collection's tileset list and tileset, and the tiles at the OGC path.
/// Metadata of a layer is public only where its tiles are.
void add_ogc_tile_routes(Router& router, const State& state, const AuthGate& gate,
                         const std::shared_ptr<tiles::TileCache>& cache) {
    router.get("/tileMatrixSets", [](const Request& request) {
        request.query().allow_only({"f"});
        const std::string base = request.base_url();
        json entry{{"id", tile_matrix_set_id},
                   {"title", tile_matrix_set_title},
                   {"uri", tile_matrix_set_uri},
                   {"links", json::array({ogc_link(tile_matrix_set_url(base), "self", json_type)})}};
        return Response::json({{"tileMatrixSets", json::array({std::move(entry)})}});
    }, Execution::io);
    router.get("/tileMatrixSets/{tileMatrixSetId}", [](const Request& request) {
        request.query().allow_only({"f"});
        check_tile_matrix_set(request);
        return Response::json(web_mercator_quad(request.base_url()));
    }, Execution::io);
    // The dataset's tilesets: one per collection the caller may read.
    router.get("/tiles", [&gate](const Request& request) {
        request.query().allow_only({"f"});
        const auth::Principal who = gate.principal(request);
        const std::string base = request.base_url();
        json list = json::array();
        for (const tiles::Layer layer : tiles::all_layers) {
            if (layer == tiles::Layer::heat || auth::decide(who, tile_read_action(layer)) != auth::Decision::allowed) {
                continue;
            }
            list.push_back(tileset_summary(base, layer));
        }
        Response response = Response::json({{"links", json::array({ogc_link(base + "/tiles", "self", json_type)})},
                                            {"tilesets", std::move(list)}});
        vary_by_session(response);
        return response;
    }, Execution::worker);
    const auto private_unless_public = [](Response& response, tiles::Layer layer) {
        if (!auth::is_public(tile_read_action(layer))) vary_by_session(response);
    };
    router.get("/collections/{collection}/tiles", [&gate, private_unless_public](const Request& request) {
        const tiles::Layer layer = layer_parameter(request, ogc_pattern);
        request.query().allow_only({"f"});
        (void)caller(gate, request, layer);
        const std::string base = request.base_url();
        Response response = Response::json(
            {{"links", json::array({ogc_link(base + "/collections/" + std::string(tiles::to_string(layer)) + "/tiles",
                                         "self", json_type)})},
             {"tilesets", json::array({tileset_summary(base, layer)})}});
        private_unless_public(response, layer);
        return response;
    }, Execution::worker);
    router.get("/collections/{collection}/tiles/{tileMatrixSetId}",
               [&state, &gate, private_unless_public](const Request& request) {
                   const tiles::Layer layer = layer_parameter(request, ogc_pattern);
                   check_tile_matrix_set(request);
                   request.query().allow_only({"f"});
                   (void)caller(gate, request, layer);
                   Response response =
                       Response::json(tileset(request.base_url(), layer, state.view()->snapshot()));
                   private_unless_public(response, layer);
                   return response;
               },
               Execution::worker);
    add_tile_route(router, "/collections/{collection}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
                   ogc_pattern, state, gate, cache);
}

}  // namespace

auth::Action tile_read_action(tiles::Layer layer) noexcept {
    switch (layer) {
        case tiles::Layer::grids: return auth::Action::read_grid_outlines;
        case tiles::Layer::households: return auth::Action::read_households;
        case tiles::Layer::facilities: return auth::Action::read_facilities;
        case tiles::Layer::incidents: return auth::Action::read_incidents;
        case tiles::Layer::heat: return auth::Action::read_heat_tiles;
    }
    return auth::Action::read_heat_tiles;
}

void add_tile_routes(Router& router, State& state, const AuthGate& gate, std::size_t tile_cache_bytes) {
    auto cache = std::make_shared<tiles::TileCache>(tile_cache_bytes);
    state.derive_incremental<tiles::TileIndex>([](const View& next, const View* previous) {
        if (previous == nullptr) return std::make_shared<const tiles::TileIndex>(next.snapshot());
        return std::make_shared<const tiles::TileIndex>(next.snapshot(), previous->derived<tiles::TileIndex>());
    });
    state.derive_incremental<tiles::ChangeLog>([](const View& next, const View* previous) {
        const std::uint64_t version = next.snapshot().version();
        if (previous == nullptr) return std::make_shared<const tiles::ChangeLog>(version);
        const tiles::TileChanges changes =
            tiles::changed_areas(previous->derived<tiles::TileIndex>(), next.derived<tiles::TileIndex>());
        return std::make_shared<const tiles::ChangeLog>(previous->derived<tiles::ChangeLog>().next(version, changes));
    });

    router.get("/tiles/{layer}.json", [&state, &gate](const Request& request) {
        const tiles::Layer layer = layer_parameter(request);
        (void)caller(gate, request, layer);
        filter_parameters(request.query(), layer);
        const auto view = state.view();
        const auto& index = view->derived<tiles::TileIndex>();
        std::string url = request.base_url() + "/tiles/" + std::string(tiles::to_string(layer)) + "/{z}/{x}/{y}.mvt";
        std::string etag = tag_start("tilejson-", layer, state.instance(), index.version());
        // A heat filter given here carries over to every tile (and the host into the URL).
        if (!request.query().items().empty()) {
            url += '?';
            url += request.query().encode();
        }
        etag += '-';
        etag += hex_fingerprint(url);
        etag += '"';
        if (etag_matches(request, etag)) return Response::not_modified(etag);
        Response response = Response::json(index.tilejson(layer, url));
        response.set_header("ETag", etag);
        if (auth::is_public(tile_read_action(layer))) {
            response.set_header("Cache-Control", "no-cache");
        } else {
            vary_by_session(response, "private, no-cache");
        }
        return response;
    }, Execution::io);

    add_tile_route(router, "/tiles/{layer}/{z}/{x}/{y}.mvt", xyz_pattern, state, gate, cache);
    add_ogc_tile_routes(router, state, gate, cache);
}

}  // namespace wangge::http
