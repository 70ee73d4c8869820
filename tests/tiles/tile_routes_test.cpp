#include "wangge/http/tile_routes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "gdal_mvt.hpp"
#include "support/test_app.hpp"
#include "tile_fixture.hpp"
#include "wangge/http/compression.hpp"

using namespace wangge;
using namespace wangge::http;

namespace {

using support::Account;
using support::Accounts;
using support::Headers;
using support::TestApp;
using support::TestAppOptions;

const Account planner{"planner", auth::Role::planner};
const Account admin{"admin", auth::Role::admin};
/// Household 1 (tags 独居老人, 低保) lives in grid 001; households 2 and 3 in grid 002.
const Account worker_001{"worker001", auth::Role::grid_worker, {"110101001001001"}};
const Account worker_002{"worker002", auth::Role::grid_worker, {"110101001001002"}};
const Account supervisor{"supervisor", auth::Role::supervisor, {"110101001001"}};

class TileRoutes : public ::testing::Test {
protected:
    // One app for the suite: each account costs Argon2 hashing.
    static void SetUpTestSuite() {
        app_ = std::make_unique<TestApp>(TestAppOptions{.data = tiles::test::community(), .first_version = 9});
    }
    static void TearDownTestSuite() { app_.reset(); }
    TileRoutes() : audited_before_(tag_reads().total) {}

    /// Anonymous unless `who` is given.
    Response get(std::string target, Headers headers = {}, const std::optional<Account>& who = std::nullopt) {
        headers.emplace_back("Host", "evil.example");  // never copied into links
        for (auto& header : accounts().bearer(who)) headers.push_back(std::move(header));
        Request request(Method::get, std::move(target), std::move(headers), {});
        request.set_base_url("http://maps.example:8080");  // as the server sets it (ServerOptions::public_url)
        return app_->handle(request);
    }

    static std::string error_code(const Response& response) {
        return nlohmann::json::parse(response.body())["error"]["code"];
    }

    /// The special-group tags of household 1 in the tile `who` gets; empty when left out.
    std::string tags_of_household_1(const Account& who) {
        const Response response = get("/tiles/households" + path_of(household_tile), {}, who);
        EXPECT_EQ(response.status(), Status::ok) << response.body();
        const auto features = tiles::test::decode_with_gdal(response.body(), household_tile);
        const auto first = std::ranges::find_if(features, [](const tiles::test::GdalFeature& feature) {
            return feature.fields.contains("building") && feature.fields.at("building") == "3号楼";
        });
        EXPECT_NE(first, features.end());
        if (first == features.end() || !first->fields.contains("tags")) return {};
        return first->fields.at("tags");
    }

    static auth::AuditPage tag_reads() {
        auth::AuditQuery query;
        query.action = "households.tags";
        return accounts().service().audit_log(query);
    }

    /// "user:first household id" of the tag reads logged during this test, newest first.
    std::vector<std::string> audited_tag_reads() const {
        const auth::AuditPage page = tag_reads();
        std::vector<std::string> users;
        for (std::size_t i = 0; i < page.total - audited_before_; ++i) {
            const auth::AuditEntry& entry = page.entries.at(i);
            users.push_back(entry.user_name + ":" + (entry.record_ids.empty() ? "" : entry.record_ids.front()));
        }
        return users;
    }

    static std::string path_of(const tiles::TileId& id) {
        return "/" + std::to_string(id.z) + "/" + std::to_string(id.x) + "/" + std::to_string(id.y) + ".mvt";
    }

    static std::unique_ptr<TestApp> app_;
    static Accounts& accounts() { return app_->accounts(); }
    std::size_t audited_before_;
    const tiles::TileId household_tile = tiles::tile_containing({116.392, 39.94}, 14);
    const tiles::TileId tile = tiles::tile_containing({tiles::test::middle, 39.94}, 14);
    const std::string path =
        "/" + std::to_string(tile.z) + "/" + std::to_string(tile.x) + "/" + std::to_string(tile.y) + ".mvt";
};

std::unique_ptr<TestApp> TileRoutes::app_;

}  // namespace

TEST_F(TileRoutes, ServesDecodableTilesWithETag) {
    const Response response = get("/tiles/grids" + path);
    ASSERT_EQ(response.status(), Status::ok) << response.body();
    EXPECT_EQ(response.header("Content-Type"), "application/vnd.mapbox-vector-tile");
    // The tile's version (the first snapshot's: nothing changed since) and this server run.
    const std::string etag = "\"grids-" + app_->state().instance() + ".9\"";
    EXPECT_EQ(response.header("ETag"), etag);
    EXPECT_EQ(response.header("Cache-Control"), "public, no-cache");
    const auto features = tiles::test::decode_with_gdal(response.body(), tile);
    EXPECT_FALSE(features.empty());

    const Response again = get("/tiles/grids" + path, {{"If-None-Match", etag}});
    EXPECT_EQ(again.status(), Status::not_modified);
    EXPECT_TRUE(again.body().empty());
}

TEST_F(TileRoutes, EmptyTileIsNoContent) {
    EXPECT_EQ(get("/tiles/grids/3/0/0.mvt").status(), Status::no_content);
}

TEST_F(TileRoutes, HeatFiltersChangeTheETagAndTheCounts) {
    const Response all = get("/tiles/heat" + path, {}, planner);
    const Response window = get("/tiles/heat" + path +
                                    "?from=2026-06-01&to=2026-07-01T12:00"
                                    "&category=%E9%82%BB%E9%87%8C%E7%BA%A0%E7%BA%B7&state=closed",
                                {}, planner);
    ASSERT_EQ(all.status(), Status::ok) << all.body();
    ASSERT_EQ(window.status(), Status::ok) << window.body();
    EXPECT_NE(all.header("ETag"), window.header("ETag"));
    EXPECT_LT(window.body().size(), all.body().size());
    EXPECT_EQ(all.header("Cache-Control"), "private, no-cache");
    EXPECT_EQ(all.header("Vary"), "Authorization, Cookie");
}

TEST_F(TileRoutes, LayersBeyondGridOutlinesNeedALogin) {
    for (const char* layer : {"households", "facilities", "incidents", "heat"}) {
        const std::string name(layer);
        const Response anonymous = get("/tiles/" + name + path);
        EXPECT_EQ(anonymous.status(), Status::unauthorized) << name;
        EXPECT_EQ(error_code(anonymous), "login_required") << name;
        EXPECT_EQ(get("/tiles/" + name + ".json").status(), Status::unauthorized) << name;
        const Response signed_in = get("/tiles/" + name + path, {}, planner);
        EXPECT_TRUE(signed_in.status() == Status::ok || signed_in.status() == Status::no_content) << name;
        EXPECT_EQ(get("/tiles/" + name + ".json", {}, planner).status(), Status::ok) << name;
    }
    EXPECT_EQ(get("/tiles/grids.json").status(), Status::ok);
    // Public: varies by encoding only (its gzip is cached with it), never by session.
    EXPECT_EQ(get("/tiles/grids" + path).header("Vary"), "Accept-Encoding");
}

TEST_F(TileRoutes, CachedTilesAreGzippedOnceForClientsThatAcceptIt) {
    const Response plain = get("/tiles/grids" + path);
    ASSERT_GE(plain.body().size(), min_gzip_size);  // this tile is worth compressing
    EXPECT_EQ(plain.header("Content-Encoding"), "");
    const Response packed = get("/tiles/grids" + path, {{"Accept-Encoding", "gzip"}});
    EXPECT_EQ(packed.header("Content-Encoding"), "gzip");
    EXPECT_EQ(packed.body(), gzip_for_cache(plain.body()));
    EXPECT_EQ(packed.header("ETag"), plain.header("ETag"));
}

TEST_F(TileRoutes, HouseholdTagsOnlyForGridsInTheCallersScope) {
    EXPECT_EQ(tags_of_household_1(worker_001), "独居老人,低保");
    EXPECT_EQ(tags_of_household_1(supervisor), "独居老人,低保");
    EXPECT_EQ(tags_of_household_1(admin), "独居老人,低保");
    EXPECT_EQ(tags_of_household_1(worker_002), "");
    EXPECT_EQ(tags_of_household_1(planner), "");
    // Names, ID numbers and phones never go into a tile.
    const Response full = get("/tiles/households" + path_of(household_tile), {}, admin);
    for (const char* personal : {"王秀英", "110101194001011234", "13900000001"}) {
        EXPECT_EQ(full.body().find(personal), std::string::npos) << personal;
    }
    // Newest first: each tile that showed tags, with the household shown.
    EXPECT_EQ(audited_tag_reads(),
              (std::vector<std::string>{"admin:1", "admin:1", "supervisor:1", "worker001:1"}));
}

TEST_F(TileRoutes, CallersWhoMaySeeNoTagsShareOneCachedHouseholdTile) {
    const std::string target = "/tiles/households" + path_of(household_tile);
    const Response first = get(target, {}, planner);
    ASSERT_EQ(first.status(), Status::ok);
    const Response second = get(target, {}, planner);
    EXPECT_EQ(second.body(), first.body());
    // Tagged tiles are never served from the shared cache.
    EXPECT_EQ(tags_of_household_1(worker_001), "独居老人,低保");
    EXPECT_EQ(tags_of_household_1(planner), "");
    EXPECT_EQ(audited_tag_reads(), (std::vector<std::string>{"worker001:1"}));
}

TEST_F(TileRoutes, HouseholdTileETagsDifferByScope) {
    const std::string target = "/tiles/households" + path_of(household_tile);
    const std::string in_scope(get(target, {}, worker_001).header("ETag"));
    const std::string out_of_scope(get(target, {}, worker_002).header("ETag"));
    EXPECT_NE(in_scope, out_of_scope);
    EXPECT_NE(in_scope, std::string(get(target, {}, planner).header("ETag")));
    // A copy made for another scope is never confirmed as current.
    EXPECT_EQ(get(target, {{"If-None-Match", in_scope}}, worker_002).status(), Status::ok);
    const Response same = get(target, {{"If-None-Match", in_scope}}, worker_001);
    EXPECT_EQ(same.status(), Status::not_modified);
    EXPECT_EQ(same.header("Vary"), "Authorization, Cookie");
}

TEST_F(TileRoutes, BadRequestsGetJsonErrors) {
    EXPECT_EQ(get("/tiles/roads" + path).status(), Status::not_found);
    const Response zoom = get("/tiles/grids/23/0/0.mvt");
    EXPECT_EQ(zoom.status(), Status::bad_request);
    EXPECT_EQ(error_code(zoom), "invalid_parameter");
    EXPECT_EQ(get("/tiles/grids/2/4/0.mvt").status(), Status::bad_request);
    EXPECT_EQ(get("/tiles/grids/2/0/-1.mvt").status(), Status::bad_request);
    EXPECT_EQ(get("/tiles/grids/x/0/0.mvt").status(), Status::bad_request);
    EXPECT_EQ(error_code(get("/tiles/heat" + path + "?from=2026-13-01", {}, planner)), "invalid_parameter");
    EXPECT_EQ(error_code(get("/tiles/heat" + path + "?from=2026-02-01&to=2026-01-01", {}, planner)),
              "invalid_parameter");
    EXPECT_EQ(error_code(get("/tiles/heat" + path + "?state=sleeping", {}, planner)), "invalid_parameter");
    EXPECT_EQ(get("/tiles/grids" + path + "?from=2026-01-01").status(), Status::bad_request);
}

TEST_F(TileRoutes, TileJsonPointsAtTheTiles) {
    const Response response = get("/tiles/heat.json?from=2026-06-01", {}, planner);
    ASSERT_EQ(response.status(), Status::ok) << response.body();
    const auto json = nlohmann::json::parse(response.body());
    EXPECT_EQ(json["tilejson"], "3.0.0");
    EXPECT_EQ(json["tiles"][0], "http://maps.example:8080/tiles/heat/{z}/{x}/{y}.mvt?from=2026-06-01");
    EXPECT_EQ(json["vector_layers"][0]["id"], "heat");
    EXPECT_EQ(json["maxzoom"], 16);
    const Response grids = get("/tiles/grids.json");
    EXPECT_EQ(nlohmann::json::parse(grids.body())["vector_layers"].size(), 2U);
    const std::string etag(grids.header("ETag"));
    EXPECT_EQ(get("/tiles/grids.json", {{"If-None-Match", etag}}).status(), Status::not_modified);
    EXPECT_NE(get("/tiles/heat.json", {}, planner).header("ETag"), response.header("ETag"));
    EXPECT_EQ(get("/tiles/nothing.json").status(), Status::not_found);
}

// ---------------------------------------------------------------- OGC API Tiles

TEST_F(TileRoutes, OgcTilePathsServeTheSameTiles) {
    const std::string ogc = "/collections/grids/tiles/WebMercatorQuad/" + std::to_string(tile.z) + "/" +
                            std::to_string(tile.y) + "/" + std::to_string(tile.x);  // row (y) before column (x)
    const Response standard = get(ogc);
    ASSERT_EQ(standard.status(), Status::ok) << standard.body();
    const Response xyz = get("/tiles/grids" + path);
    EXPECT_EQ(standard.body(), xyz.body());
    EXPECT_EQ(standard.header("ETag"), xyz.header("ETag"));
    EXPECT_EQ(standard.header("Content-Type"), "application/vnd.mapbox-vector-tile");
    EXPECT_EQ(get(ogc, {{"If-None-Match", std::string(xyz.header("ETag"))}}).status(), Status::not_modified);

    const std::string household_ogc = "/collections/households/tiles/WebMercatorQuad/14/" +
                                      std::to_string(household_tile.y) + "/" + std::to_string(household_tile.x);
    EXPECT_EQ(get(household_ogc).status(), Status::unauthorized);
    EXPECT_EQ(get(household_ogc, {}, planner).body(), get("/tiles/households" + path_of(household_tile), {}, planner).body());
    EXPECT_EQ(get("/collections/heat/tiles/WebMercatorQuad/0/0/0", {}, planner).status(), Status::not_found);
    EXPECT_EQ(get("/collections/grids/tiles/WorldCRS84Quad/0/0/0").status(), Status::not_found);
    EXPECT_EQ(error_code(get("/collections/grids/tiles/WebMercatorQuad/2/0/4")), "invalid_parameter");
}

TEST_F(TileRoutes, OgcTileMatrixSetIsWebMercatorQuad) {
    const auto list = nlohmann::json::parse(get("/tileMatrixSets").body());
    ASSERT_EQ(list["tileMatrixSets"].size(), 1U);
    EXPECT_EQ(list["tileMatrixSets"][0]["id"], "WebMercatorQuad");
    EXPECT_EQ(list["tileMatrixSets"][0]["links"][0]["href"], "http://maps.example:8080/tileMatrixSets/WebMercatorQuad");
    const auto tms = nlohmann::json::parse(get("/tileMatrixSets/WebMercatorQuad").body());
    EXPECT_EQ(tms["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
    ASSERT_EQ(tms["tileMatrices"].size(), 23U);  // zooms 0–22, the tile routes' range
    EXPECT_NEAR(tms["tileMatrices"][0]["scaleDenominator"].get<double>(), 559082264.028717, 1e-3);
    EXPECT_NEAR(tms["tileMatrices"][22]["cellSize"].get<double>(), 0.0373227677, 1e-9);
    EXPECT_EQ(tms["tileMatrices"][3]["matrixWidth"], 8);
    EXPECT_EQ(get("/tileMatrixSets/WorldCRS84Quad").status(), Status::not_found);
}

TEST_F(TileRoutes, OgcTilesetsLinkTheTileTemplateAndKeepTheLayersAccess) {
    const Response grids = get("/collections/grids/tiles/WebMercatorQuad");
    ASSERT_EQ(grids.status(), Status::ok) << grids.body();
    const auto tileset = nlohmann::json::parse(grids.body());
    EXPECT_EQ(tileset["dataType"], "vector");
    EXPECT_EQ(tileset["tileMatrixSetURI"], "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad");
    std::map<std::string, std::string> links;
    for (const auto& link : tileset["links"]) links[link["rel"]] = link["href"];
    EXPECT_EQ(links["item"],
              "http://maps.example:8080/collections/grids/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}");
    EXPECT_EQ(links["http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"],
              "http://maps.example:8080/tileMatrixSets/WebMercatorQuad");
    EXPECT_EQ(tileset["layers"].size(), 2U);  // grids and grid_labels
    EXPECT_EQ(grids.header("Vary"), "");

    // Households, facilities, incidents: the metadata as private as the tiles.
    for (const char* layer : {"households", "facilities", "incidents"}) {
        const std::string base = "/collections/" + std::string(layer) + "/tiles";
        EXPECT_EQ(get(base).status(), Status::unauthorized) << layer;
        EXPECT_EQ(get(base + "/WebMercatorQuad").status(), Status::unauthorized) << layer;
        const Response signed_in = get(base + "/WebMercatorQuad", {}, planner);
        EXPECT_EQ(signed_in.status(), Status::ok) << layer;
        EXPECT_EQ(signed_in.header("Vary"), "Authorization, Cookie") << layer;
    }
    const auto names = [this](const std::optional<Account>& who) {
        std::vector<std::string> titles;
        const auto list = nlohmann::json::parse(get("/tiles", {}, who).body());
        for (const auto& entry : list["tilesets"]) {
            const std::string self = entry["links"][0]["href"];
            titles.push_back(self.substr(self.find("/collections/") + 13, self.find("/tiles") - self.find("/collections/") - 13));
        }
        return titles;
    };
    EXPECT_EQ(names(std::nullopt), (std::vector<std::string>{"grids"}));
    EXPECT_EQ(names(planner), (std::vector<std::string>{"grids", "households", "facilities", "incidents"}));
    const auto list = nlohmann::json::parse(get("/collections/grids/tiles").body());
    EXPECT_EQ(list["tilesets"][0]["links"][0]["href"],
              "http://maps.example:8080/collections/grids/tiles/WebMercatorQuad");
    EXPECT_EQ(get("/collections/heat/tiles", {}, planner).status(), Status::not_found);
    EXPECT_EQ(get("/collections/grids/tiles?x=1").status(), Status::bad_request);
}
