// GET /service-circles… over the sample city (support/datasets.cpp): one
// health station at (116.405, 39.905) and 1000 m circles. By hand, from
// its households' offsets (85.4 m per 0.001° east, 111.0 m per 0.001° north):
// grid 110105001001001: households 1–4 within 672 m, household 5 1110 m
// north: 4 of 5; grid 110105001001002: household 6 854 m east, household 7
// 1454 m: 1 of 2; grid 110105001002001: household 8 2.6 km: 0 of 1.
#include "wangge/http/service_circle_routes.hpp"

#include <fstream>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "support/test_app.hpp"
#include "wangge/basemap/basemap.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

using nlohmann::json;

const std::string west = "110105001001001", east = "110105001001002", yabao = "110105001002001";

class ServiceCircleRoutes : public testing::Test {
protected:
    static void SetUpTestSuite() { server_ = std::make_unique<TestServer>(); }
    static void TearDownTestSuite() { server_.reset(); }
    static std::unique_ptr<TestServer> server_;
};
std::unique_ptr<TestServer> ServiceCircleRoutes::server_;

const json& row_of(const json& rows, const std::string& code) {
    for (const json& row : rows) {
        if (row.at("code") == code) return row;
    }
    throw std::out_of_range(code + " not in " + rows.dump());
}

TEST_F(ServiceCircleRoutes, SharesPerGridCommunityAndStreetWorstFirst) {
    const Reply reply = server_->get_as(users::planner, "/service-circles?kind=health");
    ASSERT_EQ(reply.status, 200U) << reply.body;
    const json body = reply.json();
    EXPECT_EQ(body["kind"]["id"], "health");
    EXPECT_EQ(body["kind"]["name"], "卫生服务站");
    EXPECT_EQ(body["kind"]["distance_m"], 1000.0);
    EXPECT_EQ(body["method"], "straight");  // no basemap: straight lines
    EXPECT_EQ(body["total"], json({{"households", 8}, {"covered", 5}, {"share", 5.0 / 8}}));
    ASSERT_EQ(body["grids"].size(), 3U);
    // Worst first.
    EXPECT_EQ(body["grids"][0]["code"], yabao);
    EXPECT_EQ(body["grids"][1]["code"], east);
    EXPECT_EQ(body["grids"][2]["code"], west);
    EXPECT_EQ(row_of(body["grids"], west)["households"], 5);
    EXPECT_EQ(row_of(body["grids"], west)["covered"], 4);
    EXPECT_EQ(row_of(body["grids"], west)["share"], 0.8);
    EXPECT_EQ(row_of(body["grids"], east)["covered"], 1);
    EXPECT_EQ(row_of(body["grids"], yabao)["share"], 0.0);
    // The west grid is 854 m × 2220 m: the ends of it stay beyond the 1000 m circle.
    EXPECT_GT(row_of(body["grids"], west)["uncovered_m2"].get<double>(), 0.0);
    EXPECT_LT(row_of(body["grids"], west)["uncovered_m2"].get<double>(), row_of(body["grids"], west)["area_m2"].get<double>());
    EXPECT_EQ(row_of(body["communities"], "110105001001")["covered"], 5);
    EXPECT_EQ(row_of(body["communities"], "110105001001")["households"], 7);
    EXPECT_EQ(row_of(body["streets"], "110105001")["households"], 8);
    ASSERT_EQ(body["facilities"].size(), 1U);
    EXPECT_EQ(body["facilities"][0]["name"], "吉庆里卫生服务站");
    // Counts and areas only: no household's identity.
    EXPECT_EQ(reply.body.find("户主"), std::string::npos);
    EXPECT_EQ(reply.body.find("吉庆里小区"), std::string::npos);

    // The Chinese name selects the same kind.
    const Reply by_name = server_->get_as(users::planner, "/service-circles?kind=%E5%8D%AB%E7%94%9F%E6%9C%8D%E5%8A%A1%E7%AB%99");
    EXPECT_EQ(by_name.json()["total"], body["total"]);
}

TEST_F(ServiceCircleRoutes, AScopedCallerSeesTheirGridsAndAnAreaNarrowsTheAnswer) {
    const json worker = server_->get_as(users::worker, "/service-circles?kind=health").json();
    ASSERT_EQ(worker["grids"].size(), 1U) << worker.dump();
    EXPECT_EQ(worker["grids"][0]["code"], west);
    EXPECT_TRUE(worker["communities"].empty());
    EXPECT_EQ(worker["total"]["households"], 5);

    const json community = server_->get_as(users::planner, "/service-circles?kind=health&area=110105001001").json();
    EXPECT_EQ(community["grids"].size(), 2U);
    EXPECT_TRUE(community["streets"].empty());
    EXPECT_EQ(community["total"], json({{"households", 7}, {"covered", 5}, {"share", 5.0 / 7}}));

    const Reply outside = server_->get_as(users::outsider, "/service-circles?kind=health&area=" + west);
    EXPECT_EQ(outside.status, 403U);
    EXPECT_EQ(outside.json()["error"]["code"], "out_of_scope");
    EXPECT_EQ(server_->get("/service-circles?kind=health").status, 401U);
}

TEST_F(ServiceCircleRoutes, BadKindOrAreaIsAClientErrorInChinese) {
    for (const auto& [target, status] : {std::pair{"/service-circles", 400U},
                                         {"/service-circles?kind=zoo", 400U},
                                         {"/service-circles?kind=health&area=999", 404U},
                                         {"/service-circles?kind=health&radius=5", 400U},
                                         {"/service-circles/uncovered.geojson?kind=zoo", 400U}}) {
        const Reply reply = server_->get_as(users::planner, target);
        EXPECT_EQ(reply.status, status) << target;
        const std::string zh = reply.json()["error"]["message_zh"].get<std::string>();
        EXPECT_FALSE(zh.empty()) << target;
        EXPECT_TRUE(std::any_of(zh.begin(), zh.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
            << zh;
    }
}

TEST_F(ServiceCircleRoutes, KindsAreTheConfiguredOnes) {
    const Reply reply = server_->get("/service-circles/kinds");
    ASSERT_EQ(reply.status, 200U);
    const json kinds = reply.json()["kinds"];
    ASSERT_EQ(kinds.size(), 7U);
    EXPECT_EQ(kinds[0], json::parse(R"({"id":"health","name":"卫生服务站",
        "facility_kinds":["卫生服务站","社区卫生服务中心"],"distance_m":1000.0})"));
}

TEST_F(ServiceCircleRoutes, UncoveredAreasAsGeoJson) {
    const Reply reply = server_->get_as(users::planner, "/service-circles/uncovered.geojson?kind=health");
    ASSERT_EQ(reply.status, 200U) << reply.body;
    EXPECT_EQ(reply.header("Content-Type"), "application/geo+json");
    const json features = reply.json()["features"];
    ASSERT_EQ(features.size(), 3U);  // none of the three is wholly covered
    for (const json& feature : features) {
        const std::string type = feature["geometry"]["type"];
        EXPECT_TRUE(type == "Polygon" || type == "MultiPolygon") << type;
        EXPECT_GT(feature["properties"]["uncovered_m2"].get<double>(), 0.0);
    }
    // Yabao's grid is out of reach: its whole outline.
    for (const json& feature : features) {
        if (feature["properties"]["code"] == yabao) {
            EXPECT_TRUE(feature["properties"]["whole"].get<bool>());
        }
    }
    // Shelters: none in the city, so every grid is uncovered; a worker gets only theirs.
    const json shelters = server_->get_as(users::worker, "/service-circles/uncovered.geojson?kind=shelter").json();
    ASSERT_EQ(shelters["features"].size(), 1U);
    EXPECT_EQ(shelters["features"][0]["properties"]["code"], west);
}

TEST(ServiceCircleVersions, AFacilityWriteIsSeenIncrementallyInTheNextVersion) {
    TestApp app;
    const auto shares = [&] {
        return json::parse(app.handle_as(users::planner, Method::get, "/service-circles?kind=party").body());
    };
    // The party centre at (116.43, 39.905): household 8 is 1110 m north of it, so none of 8 is covered.
    EXPECT_EQ(shares()["total"]["covered"], 0);
    const auto view = app.state().view();
    model::SnapshotEditor editor(view->snapshot());
    editor.append_facility({3, "党群服务中心", "吉庆里党群服务中心", {116.405, 39.905}, west});
    app.state().publish(editor.finish(view->snapshot().version() + 1));
    EXPECT_EQ(shares()["total"]["covered"], 5);
    const auto next = app.state().view();
    const auto coverage = next->derived<ServiceCircles>().of(2, next->snapshot());
    EXPECT_TRUE(coverage->work().incremental_households);
    EXPECT_TRUE(coverage->work().incremental_areas);
}

TEST_F(ServiceCircleRoutes, TheMonthlyWorkbookHasTheSheet) {
    const Reply workbook = server_->get_as(users::supervisor, "/stats/report.xlsx?month=2026-05");
    ASSERT_EQ(workbook.status, 200U) << workbook.body;
    const std::filesystem::path saved = server_->dir() / "circles.xlsx";
    std::ofstream(saved, std::ios::binary) << workbook.body;
    GDALAllRegister();
    const GDALDatasetUniquePtr file(GDALDataset::Open(saved.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    ASSERT_TRUE(file);
    OGRLayer* sheet = file->GetLayerByName("15分钟生活圈");
    ASSERT_NE(sheet, nullptr);
    std::map<std::string, std::string> health;  // grid → households/covered/share
    std::size_t rows = 0;
    for (const auto& row : *sheet) {
        ++rows;
        // GDAL reuses the buffer of GetFieldAsString by name: copy each cell at once.
        const auto cell = [&](const char* column) { return std::string(row->GetFieldAsString(column)); };
        if (cell("服务类型") != "卫生服务站") continue;
        const std::string households = cell("户数"), covered = cell("覆盖户数"), share = cell("覆盖率(%)");
        EXPECT_EQ(cell("距离计算"), "直线距离");
        health[cell("网格编码")] = households + "/" + covered + "/" + share;
    }
    EXPECT_EQ(rows, 2U * 7U);  // the supervisor's two grids, seven kinds each
    EXPECT_EQ(health, (std::map<std::string, std::string>{{west, "5/4/80"}, {east, "2/1/50"}}));
}

TEST(ServiceCircleMethod, AlongTheStreetsOfTheBasemap) {
    // The sample's basemap as `wangge basemap` writes it: streets along the grid borders.
    const TempDir dir;
    const auto path = dir.path() / "sample.basemap.mbtiles";
    basemap::Basemap streets;
    streets.streets = basemap::streets_from_grids(sample_dataset().grids);
    basemap::TilingOptions options;
    options.min_zoom = 14;
    options.max_zoom = 16;
    (void)basemap::write_tiles(streets, path, options);
    TestApp app(TestAppOptions{.basemap = {.file = path}});

    const json kinds = json::parse(app.handle(Method::get, "/service-circles/kinds").body());
    EXPECT_EQ(kinds["method"], "network");
    EXPECT_EQ(kinds["method_name"], "沿街道步行");
    EXPECT_EQ(kinds["snap_distance_m"], 300.0);
    const http::Response shares = app.handle_as(users::planner, Method::get, "/service-circles?kind=health");
    ASSERT_EQ(shares.status(), Status::ok) << shares.body();
    const json body = json::parse(shares.body());
    EXPECT_EQ(body["method"], "network");
    EXPECT_EQ(body["total"]["households"], 8);
    // Never more than the 5 of 8 the straight lines cover (the test above).
    EXPECT_LE(body["total"]["covered"].get<int>(), 5);
    const json uncovered = json::parse(
        app.handle_as(users::planner, Method::get, "/service-circles/uncovered.geojson?kind=health").body());
    EXPECT_EQ(uncovered["method"], "network");
    EXPECT_FALSE(uncovered["features"].empty());
}

}  // namespace
}  // namespace wangge::http::test
