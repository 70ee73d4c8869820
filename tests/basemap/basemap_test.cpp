// The basemap module: MBTiles files (TMS rows, metadata, missing tiles, bad
// files), outlines derived from households and grid borders, the vector
// tiles of write_tiles decoded with GDAL's MVT driver (independent of our
// encoder), and the /basemap routes through the composition root, serving
// an MBTiles and a PMTiles file alike. PMTiles itself: pmtiles_test.cpp.

#include <algorithm>
#include <map>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "gdal_mvt.hpp"
#include "support/datasets.hpp"
#include "support/temp_dir.hpp"
#include "support/test_app.hpp"
#include "wangge/basemap/basemap.hpp"
#include "wangge/basemap/mbtiles.hpp"
#include "wangge/basemap/routes.hpp"
#include "wangge/geo/types.hpp"

using namespace wangge;
using namespace wangge::basemap;

namespace {

using support::TempDir;

MbtilesMetadata vector_metadata() {
    MbtilesMetadata metadata;
    metadata.values = {{"name", "测试底图"}, {"format", "pbf"}, {"minzoom", "1"}, {"maxzoom", "3"}};
    return metadata;
}

/// The tile_row SQLite stores for (z, column), read without our reader.
std::vector<long long> stored_rows(const std::filesystem::path& path, int z, long long column) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    const std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> guard(db, &sqlite3_close_v2);
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(db, "SELECT tile_row FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 ORDER BY 1", -1,
                       &statement, nullptr);
    sqlite3_bind_int(statement, 1, z);
    sqlite3_bind_int64(statement, 2, column);
    std::vector<long long> rows;
    while (sqlite3_step(statement) == SQLITE_ROW) rows.push_back(sqlite3_column_int64(statement, 0));
    sqlite3_finalize(statement);
    return rows;
}

/// The lon/lat centre of a tile.
geo::Point centre_of(const tiles::TileId& tile) {
    const geo::Box box = tiles::tile_lonlat_box(tile);
    return {(box.min_x + box.max_x) / 2, (box.min_y + box.max_y) / 2};
}

model::Household household_at(std::string compound, std::string building, geo::Point location) {
    model::Household household;
    household.compound = std::move(compound);
    household.building = std::move(building);
    household.location = location;
    return household;
}

/// `metres` east and north of a lon/lat position (near Beijing).
geo::Point moved(const geo::Point& from, double east, double north) {
    return {from.x + east / 85'300.0, from.y + north / 111'133.0};
}

}  // namespace

TEST(Mbtiles, WriterAndReaderAgreeOnTmsRows) {
    const TempDir dir;
    const auto path = dir.path() / "a.mbtiles";
    {
        MbtilesWriter writer(path, vector_metadata());
        writer.put({2, 1, 0}, "north");  // XYZ row 0 is the northernmost: TMS row 3
        writer.put({2, 1, 3}, "south");
        writer.finish();
    }
    EXPECT_EQ(stored_rows(path, 2, 1), (std::vector<long long>{0, 3}));
    const MbtilesReader reader(path);
    EXPECT_EQ(reader.metadata().get("name"), "测试底图");
    EXPECT_TRUE(reader.metadata().is_vector());
    EXPECT_EQ(reader.min_zoom(), 1);
    EXPECT_EQ(reader.max_zoom(), 3);
    EXPECT_EQ(reader.tile({2, 1, 0}), "north");
    EXPECT_EQ(reader.tile({2, 1, 3}), "south");
    EXPECT_EQ(reader.tile({2, 1, 1}), std::nullopt);
    EXPECT_EQ(reader.tile({3, 1, 0}), std::nullopt);
}

TEST(Mbtiles, UnfinishedWriterLeavesNoFile) {
    const TempDir dir;
    const auto path = dir.path() / "a.mbtiles";
    {
        MbtilesWriter writer(path, vector_metadata());
        writer.put({0, 0, 0}, "x");
    }
    EXPECT_FALSE(std::filesystem::exists(path));
    MbtilesWriter(path, vector_metadata()).finish();
    EXPECT_THROW(MbtilesWriter(path, vector_metadata()), MbtilesError);  // never overwrites
}

TEST(Mbtiles, BadFilesAreRefusedNamingTheFile) {
    const TempDir dir;
    const auto expect_refused = [](const std::filesystem::path& path, const std::string& reason) {
        try {
            const MbtilesReader reader(path);
            ADD_FAILURE() << "opened " << path;
        } catch (const MbtilesError& error) {
            EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
            EXPECT_NE(std::string(error.what()).find(reason), std::string::npos) << error.what();
        }
    };
    expect_refused(dir.path() / "missing.mbtiles", "no such file");
    std::ofstream(dir.path() / "text.mbtiles") << "not a database at all, but long enough to look like a header";
    expect_refused(dir.path() / "text.mbtiles", "not an MBTiles file");
    {
        sqlite3* db = nullptr;
        sqlite3_open((dir.path() / "empty.mbtiles").c_str(), &db);
        sqlite3_exec(db, "CREATE TABLE metadata (name TEXT, value TEXT); INSERT INTO metadata VALUES ('format', 'pbf')",
                     nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    expect_refused(dir.path() / "empty.mbtiles", "tiles");  // no tiles table
    MbtilesMetadata odd;
    odd.values = {{"format", "tiff"}};
    MbtilesWriter(dir.path() / "tiff.mbtiles", odd).finish();
    expect_refused(dir.path() / "tiff.mbtiles", "'tiff'");
}

TEST(BasemapAreas, BuildingsAndCompoundsSurroundTheirHouseholds) {
    const geo::Point here{116.46, 39.92};
    std::vector<model::Household> households{
        household_at("金桐西里", "1号楼", here),
        household_at("金桐西里", "1号楼", moved(here, 14, 1)),
        household_at("金桐西里", "1号楼", moved(here, 28, -2)),
        household_at("金桐西里", "2号楼", moved(here, 0, 90)),
        household_at("光华苑", "1号楼", moved(here, 1000, 0)),
        // A compound of the same name 5 km away is another compound.
        household_at("金桐西里", "1号楼", moved(here, 5000, 0)),
        household_at("", "", moved(here, 300, 300)),  // no compound: no outline
    };
    const Basemap basemap = areas_from_households(households);
    ASSERT_EQ(basemap.buildings.size(), 4U);
    ASSERT_EQ(basemap.compounds.size(), 3U);
    for (const model::Household& household : households) {
        if (household.compound.empty()) continue;
        const auto inside = [&](const Area& area) {
            return area.name == household.compound && geo::contains(geo::Polygon{{area.ring}}, household.location);
        };
        EXPECT_EQ(std::ranges::count_if(basemap.compounds, inside), 1) << household.compound;
        EXPECT_EQ(std::ranges::count_if(basemap.buildings, [&](const Area& area) {
                      return area.compound == household.compound && area.name == household.building &&
                             geo::contains(geo::Polygon{{area.ring}}, household.location);
                  }),
                  1)
            << household.compound << household.building;
    }
    for (const auto* areas : {&basemap.buildings, &basemap.compounds}) {
        for (const Area& area : *areas) {
            EXPECT_EQ(area.ring.front(), area.ring.back());
            EXPECT_GT(geo::signed_area(area.ring), 0.0) << "counter-clockwise";
        }
    }
}

TEST(BasemapStreets, GridBordersGiveEachSegmentOnce) {
    const model::Dataset data = support::sample_dataset();
    const std::vector<Street> streets = streets_from_grids(data.grids);
    std::multiset<std::pair<std::pair<double, double>, std::pair<double, double>>> drawn;
    for (const Street& street : streets) {
        EXPECT_TRUE(street.kind == "main" || street.kind == "minor");
        for (const auto& line : street.lines) {
            ASSERT_GE(line.size(), 2U);
            for (std::size_t i = 1; i < line.size(); ++i) {
                auto a = std::pair{line[i - 1].x, line[i - 1].y};
                auto b = std::pair{line[i].x, line[i].y};
                drawn.insert(std::minmax(a, b));
            }
        }
    }
    std::set<std::pair<std::pair<double, double>, std::pair<double, double>>> expected;
    for (const model::Grid& grid : data.grids) {
        if (!grid.current()) continue;
        for (const auto& polygon : grid.geometry.polygons) {
            for (const auto& ring : polygon.rings) {
                for (std::size_t i = 1; i < ring.size(); ++i) {
                    expected.insert(std::minmax(std::pair{ring[i - 1].x, ring[i - 1].y}, std::pair{ring[i].x, ring[i].y}));
                }
            }
        }
    }
    EXPECT_EQ(drawn.size(), expected.size()) << "a segment drawn twice";
    EXPECT_EQ(std::set(drawn.begin(), drawn.end()), expected);
}

namespace {

/// A street seven z16 tiles long through the middle of a z12 tile, a
/// building of three households at its centre tile, written as MBTiles and
/// as PMTiles (the parameter: the file's extension), each served by a test app.
class BasemapTiles : public ::testing::TestWithParam<std::string> {
protected:
    struct Served {
        TempDir dir;
        TilingReport report;
        std::unique_ptr<support::TestApp> app;
    };

    static void SetUpTestSuite() {
        const tiles::TileId z12 = tiles::tile_containing({116.46, 39.92}, 12);
        centre_tile_ = new tiles::TileId{16, z12.x * 16 + 8, z12.y * 16 + 8};
        served_ = new std::map<std::string, Served>;
    }
    static void TearDownTestSuite() {
        delete served_;
        delete centre_tile_;
    }
    void SetUp() override {
        const auto [found, added] = served_->try_emplace(GetParam());
        served = &found->second;
        if (!added) return;
        const geo::Point centre = centre_of(*centre_tile_);
        const geo::Point west = centre_of({16, centre_tile_->x - 3, centre_tile_->y});
        const geo::Point east = centre_of({16, centre_tile_->x + 3, centre_tile_->y});
        const std::vector<model::Household> households{household_at("金桐西里", "1号楼", centre),
                                                       household_at("金桐西里", "1号楼", moved(centre, 14, 0)),
                                                       household_at("金桐西里", "1号楼", moved(centre, -14, 0))};
        Basemap basemap = areas_from_households(households);
        basemap.streets.push_back({"光华路", "main", {{west, east}}});
        TilingOptions options;
        options.attribution = "© 测试";
        served->report = write_tiles(basemap, path(), options);
        served->app = std::make_unique<support::TestApp>(support::TestAppOptions{.basemap = {.file = path()}});
    }
    [[nodiscard]] std::filesystem::path path() const { return served->dir.path() / ("city" + GetParam()); }
    static std::string tile_path(const tiles::TileId& tile) {
        return "/basemap/" + std::to_string(tile.z) + "/" + std::to_string(tile.x) + "/" + std::to_string(tile.y);
    }
    [[nodiscard]] http::Response get(std::string target, support::Headers headers = {}) const {
        http::Request request(http::Method::get, std::move(target), std::move(headers), {});
        request.set_base_url("http://maps.example:8080");
        return served->app->handle(request);
    }

    static inline tiles::TileId* centre_tile_ = nullptr;
    static inline std::map<std::string, Served>* served_ = nullptr;
    Served* served = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Formats, BasemapTiles, ::testing::Values(".mbtiles", ".pmtiles"),
                         [](const auto& format) { return format.param.substr(1); });

/// The tiles of zoom z in the archive at `path`, read through its reader.
std::size_t tiles_at(const std::filesystem::path& path, int z) {
    std::size_t count = 0;
    open_tile_archive(path)->for_each_tile([&](const tiles::TileId& tile, std::string_view) { count += tile.z == z; });
    return count;
}

}  // namespace

TEST_P(BasemapTiles, OneTilePerCoveredPlaceAndZoom) {
    EXPECT_EQ(tiles_at(path(), 12), 1U);
    EXPECT_EQ(tiles_at(path(), 16), 7U);  // the street's seven tiles; the building's is one of them
    EXPECT_EQ(tiles_at(path(), 17), 0U);
    std::size_t total = 0;
    for (int z = 12; z <= 16; ++z) total += tiles_at(path(), z);
    EXPECT_EQ(served->report.tiles, total);
}

TEST_P(BasemapTiles, TileJsonComesFromTheMetadata) {
    const http::Response response = get("/basemap.json");
    ASSERT_EQ(response.status(), http::Status::ok) << response.body();
    const auto tilejson = nlohmann::json::parse(response.body());
    EXPECT_EQ(tilejson["tilejson"], "3.0.0");
    EXPECT_EQ(tilejson["tiles"][0], "http://maps.example:8080/basemap/{z}/{x}/{y}");
    EXPECT_EQ(tilejson["minzoom"], 12);
    EXPECT_EQ(tilejson["maxzoom"], 16);
    EXPECT_EQ(tilejson["attribution"], "© 测试");
    EXPECT_EQ(tilejson["format"], "pbf");
    ASSERT_EQ(tilejson["bounds"].size(), 4U);
    const geo::Point centre = centre_of(*centre_tile_);
    EXPECT_LT(tilejson["bounds"][0].get<double>(), centre.x);
    EXPECT_GT(tilejson["bounds"][3].get<double>(), centre.y);
    std::set<std::string> layers;
    for (const auto& layer : tilejson["vector_layers"]) layers.insert(layer["id"].get<std::string>());
    EXPECT_EQ(layers, (std::set<std::string>{"streets", "compounds", "buildings"}));
}

TEST_P(BasemapTiles, TilesDecodeWithGdal) {
    // Without Accept-Encoding the stored gzip is inflated for the client.
    const http::Response response = get(tile_path(*centre_tile_));
    ASSERT_EQ(response.status(), http::Status::ok);
    EXPECT_EQ(response.header("Content-Type"), "application/vnd.mapbox-vector-tile");
    EXPECT_EQ(response.header("Content-Encoding"), "");
    std::map<std::string, std::vector<tiles::test::GdalFeature>> by_layer;
    for (auto& feature : tiles::test::decode_with_gdal(response.body(), *centre_tile_)) {
        by_layer[feature.layer].push_back(std::move(feature));
    }
    ASSERT_EQ(by_layer["streets"].size(), 1U);
    EXPECT_EQ(by_layer["streets"][0].fields.at("name"), "光华路");
    EXPECT_EQ(by_layer["streets"][0].fields.at("kind"), "main");
    ASSERT_EQ(by_layer["streets"][0].lines.size(), 1U);
    // Clipped at the buffered tile's sides, through the middle of the tile.
    const auto& line = by_layer["streets"][0].lines[0];
    EXPECT_NEAR(std::min(line.front().x, line.back().x), -tiles::tile_buffer, 1.0);
    EXPECT_NEAR(std::max(line.front().x, line.back().x), tiles::tile_extent + tiles::tile_buffer, 1.0);
    EXPECT_NEAR(line.front().y, tiles::tile_extent / 2.0, 2.0);
    ASSERT_EQ(by_layer["buildings"].size(), 1U);
    EXPECT_EQ(by_layer["buildings"][0].fields.at("name"), "1号楼");
    EXPECT_EQ(by_layer["buildings"][0].fields.at("compound"), "金桐西里");
    ASSERT_EQ(by_layer["compounds"].size(), 1U);
    EXPECT_EQ(by_layer["compounds"][0].fields.at("name"), "金桐西里");

    // Compounds start at z13 and buildings at z14: the z13 tile has no buildings.
    const tiles::TileId z13{13, centre_tile_->x / 8, centre_tile_->y / 8};
    std::set<std::string> layers;
    for (const auto& feature : tiles::test::decode_with_gdal(get(tile_path(z13)).body(), z13)) layers.insert(feature.layer);
    EXPECT_EQ(layers, (std::set<std::string>{"streets", "compounds"}));
}

TEST_P(BasemapTiles, GzipEtagAndCaching) {
    const http::Response gzipped = get(tile_path(*centre_tile_), {{"Accept-Encoding", "gzip"}});
    ASSERT_EQ(gzipped.status(), http::Status::ok);
    EXPECT_EQ(gzipped.header("Content-Encoding"), "gzip");
    EXPECT_EQ(static_cast<unsigned char>(gzipped.body()[0]), 0x1f);
    EXPECT_EQ(gzipped.header("Cache-Control"), "public, max-age=3600");
    const std::string etag(gzipped.header("ETag"));
    ASSERT_FALSE(etag.empty());
    EXPECT_EQ(get(tile_path(*centre_tile_), {{"If-None-Match", etag}}).status(), http::Status::not_modified);
    // Another tile has another tag.
    const http::Response east = get(tile_path({16, centre_tile_->x + 1, centre_tile_->y}), {{"Accept-Encoding", "gzip"}});
    ASSERT_EQ(east.status(), http::Status::ok);
    EXPECT_NE(east.header("ETag"), etag);
}

TEST_P(BasemapTiles, MissingTilesAndBadRequests) {
    EXPECT_EQ(get(tile_path({16, centre_tile_->x, centre_tile_->y + 5})).status(), http::Status::no_content);
    const http::Response beyond = get(tile_path({17, centre_tile_->x * 2, centre_tile_->y * 2}));
    EXPECT_EQ(beyond.status(), http::Status::not_found);
    EXPECT_EQ(nlohmann::json::parse(beyond.body())["error"]["code"], "tile_not_found");
    EXPECT_EQ(get("/basemap/16/x/1").status(), http::Status::bad_request);
    EXPECT_EQ(get("/basemap/2/4/0").status(), http::Status::bad_request);  // x beyond 2^z - 1
    EXPECT_EQ(get("/basemap.json?foo=1").status(), http::Status::bad_request);
}

TEST(BasemapRoutes, WithoutABasemapBothAnswerNoBasemap) {
    const support::TestApp app;
    for (const char* target : {"/basemap.json", "/basemap/14/13493/6209"}) {
        const http::Response response = app.handle(http::Method::get, target, {}, {});
        EXPECT_EQ(response.status(), http::Status::not_found) << target;
        const auto error = nlohmann::json::parse(response.body())["error"];
        EXPECT_EQ(error["code"], "no_basemap");
        EXPECT_EQ(error["message_zh"], "服务器未配置底图");
    }
}

TEST(BasemapRoutes, ABadFileStopsTheAppFromOpening) {
    const TempDir dir;
    std::ofstream(dir.path() / "bad.mbtiles") << "this is not SQLite";
    EXPECT_THROW(support::TestApp(support::TestAppOptions{.basemap = {.file = dir.path() / "bad.mbtiles"}}), MbtilesError);
}

TEST(BasemapRoutes, AnOnlineSourceIsAnsweredAndAllowedByThePagePolicy) {
    const std::string url =
        "https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default"
        "&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY";
    const BasemapSource source{.url = url, .attribution = "© 天地图"};
    EXPECT_EQ(source.origin(), "https://t0.tianditu.gov.cn");
    const support::TestApp app(support::TestAppOptions{.basemap = source});
    const http::Response tilejson = app.handle(http::Method::get, "/basemap.json");
    ASSERT_EQ(tilejson.status(), http::Status::ok);
    const auto body = nlohmann::json::parse(tilejson.body());
    EXPECT_EQ(body["tiles"][0], url);
    EXPECT_EQ(body["attribution"], "© 天地图");
    EXPECT_EQ(body["format"], "png");
    // The tiles are the source's: this server has none.
    EXPECT_EQ(app.handle(http::Method::get, "/basemap/3/1/1").status(), http::Status::not_found);
    const http::Response page = app.handle(http::Method::get, "/map/index.html");
    const std::string policy(page.header("Content-Security-Policy"));
    EXPECT_NE(policy.find("connect-src 'self' https://t0.tianditu.gov.cn;"), std::string::npos) << policy;
    EXPECT_NE(policy.find("img-src 'self' data: blob: https://t0.tianditu.gov.cn;"), std::string::npos) << policy;

    // Without a basemap URL the policy stays the server's own.
    const support::TestApp offline;
    EXPECT_NE(std::string(offline.handle(http::Method::get, "/map/index.html").header("Content-Security-Policy"))
                  .find("connect-src 'self';"),
              std::string::npos);
}

TEST(BasemapRoutes, BadOnlineSourcesAreRefused) {
    const auto refused = [](BasemapSource source, const std::string& reason) {
        try {
            source.check();
            ADD_FAILURE() << source.url;
        } catch (const InputError& error) {
            EXPECT_NE(std::string(error.what()).find(reason), std::string::npos) << error.what();
        }
    };
    refused({.url = "ftp://a/{z}/{x}/{y}", .attribution = "x"}, "http://");
    refused({.url = "https://a/{z}/{x}.png", .attribution = "x"}, "{y}");
    refused({.url = "https://a;script-src *;/{z}/{x}/{y}.png", .attribution = "x"}, "plain host");
    refused({.url = "https://a/{z}/{x}/{y}.png"}, "--basemap-attribution");
    refused({.file = "a.mbtiles", .url = "https://a/{z}/{x}/{y}.png", .attribution = "x"}, "not both");
    EXPECT_NO_THROW((BasemapSource{.file = "a.mbtiles"}.check()));
}

TEST(BasemapRoutes, RasterTilesKeepTheirImageType) {
    const TempDir dir;
    for (const std::string name : {"raster.mbtiles", "raster.pmtiles"}) {
        const auto path = dir.path() / name;
        MbtilesMetadata metadata;
        metadata.values = {{"name", "影像"}, {"format", "png"}, {"minzoom", "0"}, {"maxzoom", "2"},
                           {"attribution", "© 测绘"}};
        const std::string png("\x89PNG\r\n\x1a\n-pretend-image", 22);
        {
            const auto writer = create_tile_archive(path, metadata);
            writer->put({1, 1, 0}, png);
            writer->finish();
        }
        const support::TestApp app(support::TestAppOptions{.basemap = {.file = path}});
        const auto tilejson = nlohmann::json::parse(app.handle(http::Method::get, "/basemap.json").body());
        EXPECT_EQ(tilejson["format"], "png") << name;
        EXPECT_EQ(tilejson["attribution"], "© 测绘") << name;
        EXPECT_EQ(tilejson["vector_layers"], nlohmann::json::array()) << name;
        // MBTiles has no bounds unless the metadata says; PMTiles always has (the world here).
        EXPECT_EQ(tilejson.contains("bounds"), name.ends_with(".pmtiles")) << name;
        const http::Response tile = app.handle(http::Method::get, "/basemap/1/1/0", {{"Accept-Encoding", "gzip"}});
        ASSERT_EQ(tile.status(), http::Status::ok) << name;
        EXPECT_EQ(tile.header("Content-Type"), "image/png");
        EXPECT_EQ(tile.header("Content-Encoding"), "");
        EXPECT_EQ(tile.body(), png);
        EXPECT_EQ(app.handle(http::Method::get, "/basemap/1/0/0").status(), http::Status::no_content) << name;
    }
}
