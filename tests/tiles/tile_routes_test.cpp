#include "wangge/http/tile_routes.hpp"

#include <gtest/gtest.h>

#include "gdal_mvt.hpp"
#include "tile_fixture.hpp"

using namespace wangge;
using namespace wangge::http;

namespace {

class TileRoutes : public ::testing::Test {
protected:
    TileRoutes() {
        add_tile_routes(router, state);
        state.publish(model::Snapshot::build(tiles::test::community(), 9));
    }

    Response get(std::string target, std::vector<std::pair<std::string, std::string>> headers = {}) {
        headers.emplace_back("Host", "maps.example:8080");
        Request request(Method::get, std::move(target), std::move(headers), {});
        return router.handle(request);
    }

    static std::string error_code(const Response& response) {
        return nlohmann::json::parse(response.body())["error"]["code"];
    }

    State state{"geopackage"};
    Router router;
    const tiles::TileId tile = tiles::tile_containing({tiles::test::middle, 39.94}, 14);
    const std::string path =
        "/" + std::to_string(tile.z) + "/" + std::to_string(tile.x) + "/" + std::to_string(tile.y) + ".mvt";
};

}  // namespace

TEST_F(TileRoutes, ServesDecodableTilesWithETag) {
    const Response response = get("/tiles/grids" + path);
    ASSERT_EQ(response.status(), Status::ok) << response.body();
    EXPECT_EQ(response.header("Content-Type"), "application/vnd.mapbox-vector-tile");
    EXPECT_EQ(response.header("ETag"), "\"grids-v9\"");
    EXPECT_EQ(response.header("Cache-Control"), "public, max-age=60");
    const auto features = tiles::test::decode_with_gdal(response.body(), tile);
    EXPECT_FALSE(features.empty());

    const Response again = get("/tiles/grids" + path, {{"If-None-Match", "\"grids-v9\""}});
    EXPECT_EQ(again.status(), Status::not_modified);
    EXPECT_TRUE(again.body().empty());
}

TEST_F(TileRoutes, EmptyTileIsNoContent) {
    EXPECT_EQ(get("/tiles/grids/3/0/0.mvt").status(), Status::no_content);
}

TEST_F(TileRoutes, HeatFiltersChangeTheETagAndTheCounts) {
    const Response all = get("/tiles/heat" + path);
    const Response window = get("/tiles/heat" + path + "?from=2026-06-01&to=2026-07-01T12:00&category=%E9%82%BB%E9%87%8C%E7%BA%A0%E7%BA%B7&state=closed");
    ASSERT_EQ(all.status(), Status::ok) << all.body();
    ASSERT_EQ(window.status(), Status::ok) << window.body();
    EXPECT_NE(all.header("ETag"), window.header("ETag"));
    EXPECT_LT(window.body().size(), all.body().size());
    EXPECT_EQ(all.header("Cache-Control"), "private, max-age=60");
}

TEST_F(TileRoutes, BadRequestsGetJsonErrors) {
    EXPECT_EQ(get("/tiles/roads" + path).status(), Status::not_found);
    const Response zoom = get("/tiles/grids/23/0/0.mvt");
    EXPECT_EQ(zoom.status(), Status::bad_request);
    EXPECT_EQ(error_code(zoom), "invalid_parameter");
    EXPECT_EQ(get("/tiles/grids/2/4/0.mvt").status(), Status::bad_request);
    EXPECT_EQ(get("/tiles/grids/2/0/-1.mvt").status(), Status::bad_request);
    EXPECT_EQ(get("/tiles/grids/x/0/0.mvt").status(), Status::bad_request);
    EXPECT_EQ(error_code(get("/tiles/heat" + path + "?from=2026-13-01")), "invalid_parameter");
    EXPECT_EQ(error_code(get("/tiles/heat" + path + "?from=2026-02-01&to=2026-01-01")), "invalid_parameter");
    EXPECT_EQ(error_code(get("/tiles/heat" + path + "?state=sleeping")), "invalid_parameter");
    EXPECT_EQ(get("/tiles/grids" + path + "?from=2026-01-01").status(), Status::bad_request);
}

TEST_F(TileRoutes, TileJsonPointsAtTheTiles) {
    const Response response = get("/tiles/heat.json?from=2026-06-01");
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
    EXPECT_NE(get("/tiles/heat.json").header("ETag"), response.header("ETag"));
    EXPECT_EQ(get("/tiles/nothing.json").status(), Status::not_found);
}
