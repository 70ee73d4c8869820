#include "wangge/http/features.hpp"

#include <array>
#include <cmath>
#include <map>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_spatialref.h>
#include <gtest/gtest.h>

#include "support/test_app.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

using nlohmann::json;

class Features : public testing::Test {
protected:
    static void SetUpTestSuite() { server_ = std::make_unique<TestServer>(); }
    static void TearDownTestSuite() { server_.reset(); }

    /// As a planner: every record, no personal data (access_matrix_test covers the other roles).
    static Reply get(const std::string& target, const Headers& headers = {}) {
        return server_->get_as(users::planner, target, headers);
    }
    static json get_json(const std::string& target) {
        const Reply reply = get(target);
        EXPECT_EQ(reply.status, 200u) << target << ": " << reply.body;
        return reply.json();
    }
    static std::vector<std::string> ids(const json& collection) {
        std::vector<std::string> result;
        for (const json& feature : collection["features"]) {
            result.push_back(feature["id"].is_string() ? feature["id"].get<std::string>() : feature["id"].dump());
        }
        return result;
    }
    static std::string error_code(const std::string& target, unsigned status) {
        const Reply reply = get(target);
        EXPECT_EQ(reply.status, status) << target << ": " << reply.body;
        return reply.json()["error"]["code"];
    }
    /// Strips "http://127.0.0.1:PORT" from an absolute link.
    static std::string local(const std::string& href) { return href.substr(href.find('/', 7)); }
    static json link(const json& links, std::string_view rel) {
        for (const json& l : links) {
            if (l["rel"] == rel) return l;
        }
        return nullptr;
    }

    static std::unique_ptr<TestServer> server_;
};
std::unique_ptr<TestServer> Features::server_;

TEST_F(Features, LandingPageIsJsonForClientsAndRedirectsBrowsers) {
    const json landing = get_json("/?f=json");
    EXPECT_TRUE(landing.contains("title"));
    EXPECT_EQ(local(link(landing["links"], "conformance")["href"]), "/conformance");
    EXPECT_EQ(local(link(landing["links"], "data")["href"]), "/collections");

    const Reply for_client = get("/", {{"Accept", "application/json"}});
    EXPECT_EQ(for_client.status, 200u);
    EXPECT_EQ(for_client.header("Content-Type"), "application/json");

    const Reply for_browser = get("/", {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}});
    EXPECT_EQ(for_browser.status, 302u);
    EXPECT_EQ(for_browser.header("Location"), "/map/");
    EXPECT_EQ(error_code("/?f=xml", 400), "invalid_parameter");
}

TEST_F(Features, ConformanceAndCollections) {
    const json conformance = get_json("/conformance");
    EXPECT_NE(conformance.dump().find("ogcapi-features-1/1.0/conf/core"), std::string::npos);
    EXPECT_NE(conformance.dump().find("ogcapi-features-1/1.0/conf/geojson"), std::string::npos);

    const auto names = [](const json& collections) {
        std::vector<std::string> result;
        for (const json& c : collections["collections"]) result.push_back(c["id"]);
        return result;
    };
    EXPECT_EQ(names(get_json("/collections")),
              (std::vector<std::string>{"grids", "households", "facilities", "organisations", "incidents"}));
    const Reply anonymous = server_->get("/collections");
    EXPECT_EQ(names(anonymous.json()), (std::vector<std::string>{"grids"}));
    EXPECT_TRUE(anonymous.header("Vary").starts_with("Authorization, Cookie")) << anonymous.header("Vary");

    const json grids = get_json("/collections/grids");
    EXPECT_EQ(grids["extent"]["spatial"]["bbox"][0], json({116.40, 39.90, 116.44, 39.92}));
    EXPECT_EQ(grids["extent"]["temporal"]["interval"][0], json({"2025-01-01T00:00:00+08:00", nullptr}));
    EXPECT_EQ(local(link(grids["links"], "items")["href"]), "/collections/grids/items");
    const json incidents = get_json("/collections/incidents");
    EXPECT_EQ(incidents["extent"]["temporal"]["interval"][0],
              json({"2026-03-01T09:00:00+08:00", "2026-07-01T11:00:00+08:00"}));
    EXPECT_FALSE(get_json("/collections/households")["extent"].contains("temporal"));
    EXPECT_EQ(error_code("/collections/people", 404), "not_found");
    EXPECT_EQ(error_code("/collections/people/items", 404), "not_found");
}

TEST_F(Features, GridItemsCarryTheContactCardAndCounts) {
    const Reply reply = get("/collections/grids/items");
    EXPECT_EQ(reply.header("Content-Type"), "application/geo+json");
    const json items = reply.json();
    EXPECT_EQ(items["type"], "FeatureCollection");
    EXPECT_EQ(items["numberMatched"], 6);
    EXPECT_EQ(items["numberReturned"], 6);
    EXPECT_TRUE(items.contains("timeStamp"));
    EXPECT_TRUE(link(items["links"], "next").is_null());
    EXPECT_TRUE(link(items["links"], "prev").is_null());

    const json grid = get_json("/collections/grids/items/110105001001001");
    EXPECT_EQ(grid["id"], "110105001001001");
    EXPECT_EQ(grid["geometry"]["type"], "Polygon");
    const json& p = grid["properties"];
    EXPECT_EQ(p["name"], "吉庆里第一网格");
    EXPECT_EQ(p["level"], "grid");
    EXPECT_EQ(p["parent_code"], "110105001001");
    EXPECT_EQ(p["valid_from"], "2025-01-01T00:00:00+08:00");
    EXPECT_TRUE(p["valid_to"].is_null());
    EXPECT_EQ(p["version"], 1);
    EXPECT_EQ(p["household_count"], 5);
    EXPECT_EQ(p["staff"], json::parse(R"([{"name":"张伟","role":"网格长","duty":"A","phone":"010-65001001","duty_days":null},
                                           {"name":"李娜","role":"专职网格员","duty":"B","phone":"010-65001002","duty_days":null}])"));
    EXPECT_EQ(get_json("/collections/grids/items/110105001001")["properties"]["household_count"], 7);
    EXPECT_EQ(get_json("/collections/grids/items/110105001")["properties"]["household_count"], 8);
    EXPECT_EQ(get_json("/collections/grids/items/110105001002001")["properties"]["version"], 2);
    EXPECT_EQ(error_code("/collections/grids/items/999", 404), "not_found");
}

TEST_F(Features, PagingFollowsNextLinks) {
    std::string target = "/collections/grids/items?limit=4";
    std::set<std::string> seen;
    int pages = 0;
    while (!target.empty()) {
        const json page = get_json(target);
        EXPECT_EQ(page["numberMatched"], 6);
        for (const std::string& id : ids(page)) EXPECT_TRUE(seen.insert(id).second) << id;
        if (pages == 1) {
            EXPECT_EQ(local(link(page["links"], "prev")["href"]), "/collections/grids/items?limit=4");
        }
        const json next = link(page["links"], "next");
        target = next.is_null() ? "" : local(next["href"]);
        ++pages;
    }
    EXPECT_EQ(pages, 2);
    EXPECT_EQ(seen.size(), 6u);

    const json second = get_json("/collections/households/items?limit=3&offset=3&grid_code=110105001001001");
    EXPECT_EQ(ids(second), (std::vector<std::string>{"4", "5"}));
    EXPECT_EQ(local(link(second["links"], "self")["href"]),
              "/collections/households/items?limit=3&offset=3&grid_code=110105001001001");
    EXPECT_EQ(local(link(second["links"], "prev")["href"]),
              "/collections/households/items?grid_code=110105001001001&limit=3");
    EXPECT_EQ(get_json("/collections/households/items?offset=100")["numberReturned"], 0);
}

TEST_F(Features, BboxSelectsByGeometry) {
    const json west = get_json("/collections/grids/items?bbox=116.401,39.901,116.405,39.905");
    EXPECT_EQ(ids(west), (std::vector<std::string>{"110105001", "110105001001", "110105001001001"}));
    const json across = get_json("/collections/grids/items?bbox=116.405,39.901,0,116.415,39.905,10&level=grid");
    EXPECT_EQ(ids(across), (std::vector<std::string>{"110105001001001", "110105001001002"}));
    EXPECT_EQ(get_json("/collections/grids/items?bbox=117,40,117.1,40.1")["numberMatched"], 0);
    const json households = get_json("/collections/households/items?bbox=116.40,39.90,116.41,39.91");
    EXPECT_EQ(ids(households), (std::vector<std::string>{"1", "2", "3"}));
    EXPECT_EQ(ids(get_json("/collections/incidents/items?bbox=116.42,39.90,116.44,39.92")),
              (std::vector<std::string>{"3"}));
}

TEST_F(Features, BboxPagesFollowTheStoredOrderAndCountEveryMatch) {
    const std::string all = "/collections/households/items?bbox=116,39,117,40&grid_code=110105001001001";
    const json whole = get_json(all + "&limit=100");
    const std::vector<std::string> expected = ids(whole);
    ASSERT_GE(expected.size(), 4U);
    std::vector<std::string> paged;
    for (std::size_t offset = 0; offset < expected.size(); offset += 2) {
        const json page = get_json(all + "&limit=2&offset=" + std::to_string(offset));
        EXPECT_EQ(page["numberMatched"], expected.size());
        for (const std::string& id : ids(page)) paged.push_back(id);
    }
    EXPECT_EQ(paged, expected);
    // The same order as without a bbox, where the layer is read as stored.
    EXPECT_EQ(expected, ids(get_json("/collections/households/items?grid_code=110105001001001&limit=100")));
    const json beyond = get_json(all + "&offset=" + std::to_string(expected.size()));
    EXPECT_EQ(beyond["numberReturned"], 0);
    EXPECT_EQ(beyond["numberMatched"], expected.size());
}

TEST_F(Features, DatetimeSelectsTheLayoutInForce) {
    const json old_layout = get_json("/collections/grids/items?datetime=2025-06-01");
    EXPECT_EQ(old_layout["numberMatched"], 6);
    for (const json& feature : old_layout["features"]) {
        if (feature["id"] == "110105001002001") {
            EXPECT_EQ(feature["properties"]["version"], 1);
            EXPECT_EQ(feature["properties"]["valid_to"], "2026-01-01T00:00:00+08:00");
            EXPECT_FALSE(feature["properties"].contains("household_count"));
        }
    }
    EXPECT_EQ(get_json("/collections/grids/items?datetime=2025-06-01T00:00:00Z/..")["numberMatched"], 7);
    EXPECT_EQ(get_json("/collections/grids/items?datetime=../2024-01-01")["numberMatched"], 0);

    EXPECT_EQ(ids(get_json("/collections/incidents/items?datetime=2026-04-01/2026-06-01")),
              (std::vector<std::string>{"2"}));
    EXPECT_EQ(ids(get_json("/collections/incidents/items?datetime=../2026-04-01")), (std::vector<std::string>{"1"}));
    EXPECT_EQ(ids(get_json("/collections/incidents/items?datetime=2026-05-01T10:00:00%2B08:00")),
              (std::vector<std::string>{"2"}));
    EXPECT_EQ(ids(get_json("/collections/incidents/items?datetime=2026-06-01/..")), (std::vector<std::string>{"3"}));
}

TEST_F(Features, PropertyFilters) {
    EXPECT_EQ(get_json("/collections/grids/items?level=grid")["numberMatched"], 3);
    EXPECT_EQ(ids(get_json("/collections/grids/items?parent_code=110105001")),
              (std::vector<std::string>{"110105001001", "110105001002"}));
    EXPECT_EQ(ids(get_json("/collections/grids/items?code=110105001001002")),
              (std::vector<std::string>{"110105001001002"}));
    EXPECT_EQ(get_json("/collections/households/items?grid_code=110105001001002")["numberMatched"], 2);
    EXPECT_EQ(ids(get_json("/collections/facilities/items?kind=%E5%8D%AB%E7%94%9F%E6%9C%8D%E5%8A%A1%E7%AB%99")),
              (std::vector<std::string>{"1"}));
    EXPECT_EQ(ids(get_json("/collections/incidents/items?category=%E8%BF%9D%E6%B3%95%E5%BB%BA%E8%AE%BE")),
              (std::vector<std::string>{"1"}));
    EXPECT_EQ(ids(get_json("/collections/incidents/items?state=closed")), (std::vector<std::string>{"2"}));
    EXPECT_EQ(ids(get_json("/collections/incidents/items?triage=urgent&grid_code=110105001002001")),
              (std::vector<std::string>{"3"}));
}

TEST_F(Features, BadParametersAre400) {
    for (const char* target : {
             "/collections/grids/items?bbox=1,2,3",
             "/collections/grids/items?bbox=3,0,1,1",
             "/collections/grids/items?bbox=0,3,1,1",
             "/collections/grids/items?bbox=a,b,c,d",
             "/collections/grids/items?bbox=1,2,3,4,5",
             "/collections/grids/items?limit=0",
             "/collections/grids/items?limit=10001",
             "/collections/grids/items?limit=ten",
             "/collections/grids/items?offset=-1",
             "/collections/grids/items?datetime=yesterday",
             "/collections/grids/items?datetime=2026-01-01/2025-01-01",
             "/collections/grids/items?datetime=..",
             "/collections/grids/items?level=district",
             "/collections/grids/items?f=html",
         }) {
        EXPECT_EQ(error_code(target, 400), "invalid_parameter") << target;
    }
    for (const char* target : {
             "/collections/grids/items?colour=red",
             "/collections/households/items?datetime=2026-01-01",
             "/collections/households/items?category=x",
             "/collections/grids/items/110105001001001?limit=1",
             "/conformance?x=1",
         }) {
        EXPECT_EQ(error_code(target, 400), "unknown_parameter") << target;
    }
    EXPECT_EQ(get_json("/collections/grids/items?limit=10000&f=json")["numberReturned"], 6);
}

TEST_F(Features, PlannersSeeHouseholdsWithoutPersonalData) {
    const Reply reply = get("/collections/households/items");
    const json items = reply.json();
    EXPECT_EQ(items["numberMatched"], 8);
    for (const json& feature : items["features"]) {
        for (const char* hidden : {"head_name", "id_number", "phone", "tags"}) {
            EXPECT_FALSE(feature["properties"].contains(hidden)) << hidden;
        }
    }
    EXPECT_EQ(reply.body.find("户主"), std::string::npos);
    EXPECT_EQ(reply.body.find("1380000000"), std::string::npos);
    EXPECT_EQ(reply.body.find("110105198001011231"), std::string::npos);
    EXPECT_EQ(reply.body.find("低保"), std::string::npos);
    EXPECT_EQ(reply.header("Cache-Control"), "private, no-cache");
    const json household = get_json("/collections/households/items/3");
    EXPECT_EQ(household["properties"]["members"], 2);
    EXPECT_EQ(household["geometry"], json::parse(R"({"type":"Point","coordinates":[116.403,39.903]})"));
    EXPECT_FALSE(household["properties"].contains("tags"));
    EXPECT_EQ(error_code("/collections/households/items/3?reveal=true", 403), "forbidden");
    EXPECT_EQ(error_code("/collections/households/items?reveal=true", 403), "forbidden");
    EXPECT_EQ(error_code("/collections/households/items?reveal=yes", 400), "invalid_parameter");
    EXPECT_EQ(error_code("/collections/incidents/items?reveal=true", 400), "unknown_parameter");
}

TEST_F(Features, SingleItemsByNumericId) {
    EXPECT_EQ(get_json("/collections/facilities/items/2")["properties"]["name"], "雅宝里党群服务中心");
    const json incident = get_json("/collections/incidents/items/2");
    EXPECT_EQ(incident["properties"]["state"], "closed");
    EXPECT_EQ(incident["properties"]["reported_at"], "2026-05-01T10:00:00+08:00");
    EXPECT_EQ(error_code("/collections/households/items/99", 404), "not_found");
    EXPECT_EQ(error_code("/collections/households/items/abc", 404), "not_found");
    EXPECT_EQ(error_code("/collections/incidents/items/1.0", 404), "not_found");
}

/// Organisations (组织) are the places layer's rows of organisation kinds
/// (model/organisations.hpp): their own collection, with the compound they
/// serve and their contact, drawn from the facilities' tiles.
TEST(FeaturesOrganisations, AreACollectionOfTheirOwnWithCompoundAndContact) {
    TestAppOptions app;
    model::Facility property{3, "物业", "吉庆里物业服务中心", {116.4025, 39.9025}, "110105001001001"};
    property.compound = "吉庆里";
    property.contact_name = "王芳";
    property.contact_phone = "010-65001234";
    model::Facility branch{4, "网格党支部", "吉庆里第一网格党支部", {116.4045, 39.9045}, "110105001001001"};
    app.data.facilities.push_back(property);
    app.data.facilities.push_back(branch);
    TestServer server(TestApp::quiet_options(), {}, std::move(app));
    const auto items = [&](const std::string& target) {
        const Reply reply = server.get_as(users::planner, target);
        EXPECT_EQ(reply.status, 200u) << target << ": " << reply.body;
        std::vector<std::int64_t> found;
        const json page = reply.json();
        for (const json& feature : page["features"]) found.push_back(feature["id"]);
        return found;
    };
    EXPECT_EQ(items("/collections/organisations/items"), (std::vector<std::int64_t>{3, 4}));
    EXPECT_EQ(items("/collections/facilities/items"), (std::vector<std::int64_t>{1, 2, 3, 4}));
    // compound=吉庆里, category=党组织, category=企业商户
    EXPECT_EQ(items("/collections/organisations/items?compound=%E5%90%89%E5%BA%86%E9%87%8C"),
              (std::vector<std::int64_t>{3}));
    EXPECT_EQ(items("/collections/organisations/items?category=%E5%85%9A%E7%BB%84%E7%BB%87"),
              (std::vector<std::int64_t>{4}));
    EXPECT_EQ(items("/collections/organisations/items?category=%E4%BC%81%E4%B8%9A%E5%95%86%E6%88%B7"),
              (std::vector<std::int64_t>{}));

    const json found = server.get_as(users::planner, "/collections/organisations/items/3").json();
    EXPECT_EQ(found["properties"]["category"], "物业");
    EXPECT_EQ(found["properties"]["compound"], "吉庆里");
    EXPECT_EQ(found["properties"]["contact_name"], "王芳");
    EXPECT_EQ(found["properties"]["contact_phone"], "010-65001234");
    EXPECT_EQ(server.get_as(users::planner, "/collections/facilities/items/1").json()["properties"]["category"], nullptr);
    // A facility is no organisation.
    EXPECT_EQ(server.get_as(users::planner, "/collections/organisations/items/1").status, 404u);

    const json collection = server.get_as(users::planner, "/collections/organisations").json();
    bool tiles_linked = false;
    for (const json& l : collection["links"]) {
        if (l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector") {
            tiles_linked = l["href"].get<std::string>().ends_with("/collections/facilities/tiles");
        }
    }
    EXPECT_TRUE(tiles_linked) << collection.dump();
    // Contacts are for signed-in staff only.
    EXPECT_EQ(server.get("/collections/organisations/items").status, 401u);
}

/// GDAL's OAPIF driver as an independent client of the whole API.
TEST_F(Features, GdalReadsTheGridsCollection) {
    const std::string command =
        "/usr/bin/ogrinfo -ro -al -so OAPIF:http://127.0.0.1:" + std::to_string(server_->port()) + " grids 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    ASSERT_TRUE(pipe);
    std::string output;
    std::array<char, 4096> buffer{};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) output.append(buffer.data(), n);
    EXPECT_NE(output.find("Layer name: grids"), std::string::npos) << output;
    EXPECT_NE(output.find("Feature Count: 6"), std::string::npos) << output;
    EXPECT_NE(output.find("Extent: (116.400000, 39.900000) - (116.440000, 39.920000)"), std::string::npos) << output;
    for (const char* field : {"code: String", "name: String", "level: String", "parent_code: String",
                              "valid_from: DateTime", "version: Integer", "household_count: Integer"}) {
        EXPECT_NE(output.find(field), std::string::npos) << field << "\n" << output;
    }
    EXPECT_EQ(output.find("ERROR"), std::string::npos) << output;
}

const std::string epsg_uri = "http://www.opengis.net/def/crs/EPSG/0/";

/// EPSG:3857 from lon/lat by the Web Mercator formulas: an oracle independent of PROJ.
std::pair<double, double> web_mercator(double lon, double lat) {
    constexpr double radius = 6378137.0;
    constexpr double pi = 3.14159265358979323846;
    return {radius * lon * pi / 180.0, radius * std::log(std::tan(pi / 4.0 + lat * pi / 360.0))};
}

TEST_F(Features, CrsTransformsCoordinatesInTheCrsAxisOrder) {
    const json plain = get_json("/collections/households/items/3");
    EXPECT_EQ(get("/collections/households/items/3").header("Content-Crs"),
              "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>");

    const Reply mercator = get("/collections/households/items/3?crs=" + epsg_uri + "3857");
    EXPECT_EQ(mercator.status, 200U) << mercator.body;
    EXPECT_EQ(mercator.header("Content-Crs"), "<" + epsg_uri + "3857>");
    const json household = mercator.json();
    const auto [x, y] = web_mercator(116.403, 39.903);
    EXPECT_NEAR(household["geometry"]["coordinates"][0].get<double>(), x, 1e-6);
    EXPECT_NEAR(household["geometry"]["coordinates"][1].get<double>(), y, 1e-6);
    EXPECT_EQ(household["properties"], plain["properties"]);

    // EPSG:4490 is latitude first; the CURIE form names the same CRS.
    const json cgcs = get_json("/collections/households/items/3?crs=%5BEPSG:4490%5D");
    EXPECT_EQ(cgcs["geometry"]["coordinates"], json({39.903, 116.403}));

    // Zone 39 of the 3° Gauss–Krüger zones (central meridian 117°E): northing first, easting with the zone number.
    const json zone = get_json("/collections/households/items/3?crs=" + epsg_uri + "4527");
    const double northing = zone["geometry"]["coordinates"][0];
    const double easting = zone["geometry"]["coordinates"][1];
    EXPECT_NEAR(northing, 4'418'958.0, 2'000.0);
    EXPECT_GT(easting, 39'400'000.0);
    EXPECT_LT(easting, 39'500'000.0);  // west of the central meridian: below the false easting 500 km

    // Polygons: every vertex, in items lists too.
    const Reply grids = get("/collections/grids/items?level=grid&crs=" + epsg_uri + "3857");
    EXPECT_EQ(grids.header("Content-Crs"), "<" + epsg_uri + "3857>");
    const json projected = grids.json();
    const json lonlat = get_json("/collections/grids/items?level=grid");
    ASSERT_EQ(projected["features"].size(), lonlat["features"].size());
    for (std::size_t i = 0; i < lonlat["features"].size(); ++i) {
        const json& from = lonlat["features"][i]["geometry"]["coordinates"][0];
        const json& to = projected["features"][i]["geometry"]["coordinates"][0];
        ASSERT_EQ(from.size(), to.size());
        for (std::size_t k = 0; k < from.size(); ++k) {
            const auto [mx, my] = web_mercator(from[k][0], from[k][1]);
            EXPECT_NEAR(to[k][0].get<double>(), mx, 1e-6);
            EXPECT_NEAR(to[k][1].get<double>(), my, 1e-6);
        }
    }
    // The paging links keep the CRS.
    const json page = get_json("/collections/grids/items?limit=2&crs=" + epsg_uri + "3857");
    EXPECT_NE(link(page["links"], "next")["href"].get<std::string>().find("crs="), std::string::npos);
}

TEST_F(Features, BboxCrsSelectsTheSameRecords) {
    const std::vector<std::string> west =
        ids(get_json("/collections/grids/items?bbox=116.401,39.901,116.405,39.905"));
    const auto [x0, y0] = web_mercator(116.401, 39.901);
    const auto [x1, y1] = web_mercator(116.405, 39.905);
    const std::string box = std::to_string(x0) + "," + std::to_string(y0) + "," + std::to_string(x1) + "," +
                            std::to_string(y1);
    EXPECT_EQ(ids(get_json("/collections/grids/items?bbox=" + box + "&bbox-crs=" + epsg_uri + "3857")), west);
    // EPSG:4490 boxes are latitude first.
    EXPECT_EQ(ids(get_json("/collections/grids/items?bbox=39.901,116.401,39.905,116.405&bbox-crs=" + epsg_uri +
                           "4490")),
              west);
    EXPECT_EQ(ids(get_json("/collections/households/items?bbox=39.90,116.40,39.91,116.41&bbox-crs=%5BEPSG:4490%5D")),
              (std::vector<std::string>{"1", "2", "3"}));
}

TEST_F(Features, UnsupportedCrsIs400InChinese) {
    for (const std::string& target : std::vector<std::string>{
             "/collections/grids/items?crs=" + epsg_uri + "4326",
             "/collections/grids/items?crs=EPSG:3857",
             "/collections/grids/items?crs=" + epsg_uri + "4555",
             "/collections/grids/items?bbox-crs=" + epsg_uri + "2000&bbox=0,0,1,1",
             "/collections/grids/items/110105001001001?crs=" + epsg_uri + "abc",
             "/collections/grids/items?bbox=1e9,1e9,1e9,1e9&bbox-crs=" + epsg_uri + "4527",
         }) {
        const Reply reply = get(target);
        EXPECT_EQ(reply.status, 400U) << target << ": " << reply.body;
        EXPECT_EQ(reply.json()["error"]["code"], "invalid_parameter") << target;
        EXPECT_TRUE(reply.json()["error"].contains("message_zh")) << reply.body;
    }
}

TEST_F(Features, CollectionsListTheCrsTheyServe) {
    // The list names the CRSs once, its collections refer to that (Part 2's "#/crs").
    const json all = get_json("/collections");
    EXPECT_EQ(all["crs"].size(), 3U + (4554 - 4491 + 1));
    for (const json& collection : all["collections"]) EXPECT_EQ(collection["crs"], json({"#/crs"}));
    const json grids = get_json("/collections/grids");
    EXPECT_EQ(grids["storageCrs"], epsg_uri + "4490");
    std::set<std::string> listed;
    for (const json& uri : grids["crs"]) listed.insert(uri.get<std::string>());
    EXPECT_TRUE(listed.contains("http://www.opengis.net/def/crs/OGC/1.3/CRS84"));
    for (int epsg : {4490, 3857, 4491, 4527, 4554}) EXPECT_TRUE(listed.contains(epsg_uri + std::to_string(epsg)));
    EXPECT_EQ(listed.size(), 3U + (4554 - 4491 + 1));
    EXPECT_NE(get_json("/conformance").dump().find("ogcapi-features-2/1.0/conf/crs"), std::string::npos);
}

/// GDAL's OAPIF driver, through the GDAL API: the query given in the
/// connection URL goes with every request, so it reads in EPSG:3857, and
/// every vertex is where PROJ (through OGR) puts the lon/lat one.
TEST_F(Features, GdalReadsACollectionInWebMercator) {
    GDALAllRegister();
    const std::string url = "OAPIF:http://127.0.0.1:" + std::to_string(server_->port()) +
                            "/collections/grids?crs=" + epsg_uri + "3857";
    const std::unique_ptr<void, decltype(&GDALClose)> dataset(
        GDALOpenEx(url.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr), GDALClose);
    ASSERT_TRUE(dataset) << CPLGetLastErrorMsg();
    OGRLayerH layer = GDALDatasetGetLayer(dataset.get(), 0);
    ASSERT_NE(layer, nullptr);
    OGRSpatialReference cgcs2000;
    cgcs2000.importFromEPSG(4490);
    cgcs2000.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReference mercator;
    mercator.importFromEPSG(3857);
    mercator.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    const std::unique_ptr<OGRCoordinateTransformation> proj(OGRCreateCoordinateTransformation(&cgcs2000, &mercator));
    ASSERT_TRUE(proj);

    std::map<std::string, json> lonlat;
    const json items = get_json("/collections/grids/items");
    for (const json& grid : items["features"]) lonlat[grid["id"]] = grid["geometry"];
    std::size_t read = 0;
    OGR_L_ResetReading(layer);
    while (OGRFeatureH feature = OGR_L_GetNextFeature(layer)) {
        const std::unique_ptr<void, decltype(&OGR_F_Destroy)> owned(feature, OGR_F_Destroy);
        const std::string code = OGR_F_GetFieldAsString(feature, OGR_F_GetFieldIndex(feature, "code"));
        ASSERT_TRUE(lonlat.contains(code)) << code;
        const json& ring = lonlat[code]["coordinates"][0];
        OGRGeometryH polygon = OGR_F_GetGeometryRef(feature);
        ASSERT_NE(polygon, nullptr);
        OGRGeometryH exterior = OGR_G_GetGeometryRef(polygon, 0);
        ASSERT_EQ(static_cast<std::size_t>(OGR_G_GetPointCount(exterior)), ring.size()) << code;
        for (std::size_t k = 0; k < ring.size(); ++k) {
            double x = ring[k][0];
            double y = ring[k][1];
            ASSERT_TRUE(proj->Transform(1, &x, &y));
            EXPECT_NEAR(OGR_G_GetX(exterior, static_cast<int>(k)), x, 1e-6) << code << " vertex " << k;
            EXPECT_NEAR(OGR_G_GetY(exterior, static_cast<int>(k)), y, 1e-6) << code << " vertex " << k;
        }
        ++read;
    }
    EXPECT_EQ(read, 6U);
}

/// The link of `rel` (and `type`, when given) in a document's links.
std::string href(const json& document, std::string_view rel, std::string_view type = {}) {
    for (const json& l : document["links"]) {
        if (l["rel"] == rel && (type.empty() || l["type"] == type)) return l["href"];
    }
    ADD_FAILURE() << "no link " << rel << " in " << document.dump();
    return {};
}

/// Standard clients find the vector tiles from the landing page: GDAL's
/// OGCAPI driver lists the collections, the links lead to the tile matrix set
/// and the tile template, and GDAL's MVT driver reads the features of a tile.
///
/// GDAL 3.6.2 cannot list vector tile layers through `OGCAPI:` whatever the
/// server sends (docs/import.md, "OGC API – Tiles and GDAL 3.6"): in
/// frmts/ogcapi/gdalogcapidataset.cpp, OGCAPIDataset::InitWithTilesAPI()
/// builds its vector layers (lines 1687-1771) inside
/// `#ifdef OGR_ENABLE_DRIVER_GML`, and frmts/ogcapi/CMakeLists.txt defines that
/// only `if(OGR_ENABLE_DRIVER_GML)`, a variable ogr/ogrsf_frmts/CMakeLists.txt
/// sets after frmts/ is configured; Debian's libgdal32 has none of that block's
/// strings ("vectorType"). The driver then returns bFoundSomething == false
/// (line 2019) after reading our collection, tileset list, tileset and tile
/// matrix set. So the test checks that this is still the reason (GDAL reads
/// every document and opens nothing), follows the links the driver follows and
/// hands the tile to the MVT driver that driver would use. With GDAL 3.7 or
/// later it opens the tiles through `OGCAPI:` itself.
TEST_F(Features, GdalFindsTheVectorTilesThroughTheLandingPage) {
    GDALAllRegister();
    const std::string root = "http://127.0.0.1:" + std::to_string(server_->port());
    const std::unique_ptr<void, decltype(&GDALClose)> landing(
        GDALOpenEx(("OGCAPI:" + root + "/").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr), GDALClose);
    ASSERT_TRUE(landing) << CPLGetLastErrorMsg();
    std::set<std::string> subdatasets;
    for (char** item = GDALGetMetadata(landing.get(), "SUBDATASETS"); item != nullptr && *item != nullptr; ++item) {
        subdatasets.insert(*item);
    }
    // Anonymous: the grids only.
    EXPECT_EQ(subdatasets, (std::set<std::string>{"SUBDATASET_1_NAME=OGCAPI:" + root + "/collections/grids",
                                                  "SUBDATASET_1_DESC=Collection 网格"}));

    // The tiles API of the collection, as `ogrinfo -oo API=TILES OGCAPI:…/collections/grids` opens it. The
    // collection's bbox is CRS84 and the driver compares it with the tile matrices' metres, so the extent
    // is given in EPSG:3857 (MINX…MAXY) as its documentation says.
    const auto [west, south] = web_mercator(116.40, 39.90);
    const auto [east, north] = web_mercator(116.41, 39.91);
    const std::vector<std::string> tiles_options{
        "API=TILES", "TILEMATRIXSET=WebMercatorQuad", "MINX=" + std::to_string(west),
        "MINY=" + std::to_string(south), "MAXX=" + std::to_string(east), "MAXY=" + std::to_string(north)};
    std::vector<const char*> tiles_option_list;
    for (const std::string& option : tiles_options) tiles_option_list.push_back(option.c_str());
    tiles_option_list.push_back(nullptr);
    const std::unique_ptr<void, decltype(&GDALClose)> tiled(
        GDALOpenEx(("OGCAPI:" + root + "/collections/grids").c_str(), GDAL_OF_VECTOR, nullptr,
                   tiles_option_list.data(), nullptr),
        GDALClose);
#if GDAL_VERSION_NUM < GDAL_COMPUTE_VERSION(3, 7, 0)
    EXPECT_FALSE(tiled) << "this GDAL lists vector tile layers: check them here instead of by hand";
#else
    ASSERT_TRUE(tiled) << CPLGetLastErrorMsg();
    OGRLayerH zoom14 = GDALDatasetGetLayerByName(tiled.get(), "Zoom level 14");
    ASSERT_NE(zoom14, nullptr);
    std::size_t read_through_ogcapi = 0;
    while (OGRFeatureH feature = OGR_L_GetNextFeature(zoom14)) {
        OGR_F_Destroy(feature);
        ++read_through_ogcapi;
    }
    EXPECT_GT(read_through_ogcapi, 0U);
#endif

    // The links the OGCAPI driver follows from the collection.
    const json collection = get_json("/collections/grids");
    const json tilesets = get_json(local(href(collection, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                                              "application/json")));
    ASSERT_EQ(tilesets["tilesets"].size(), 1U);
    EXPECT_EQ(tilesets["tilesets"][0]["dataType"], "vector");
    const json tileset = get_json(local(href(tilesets["tilesets"][0], "self", "application/json")));
    const json matrix_set = get_json(local(href(tileset, "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme")));
    const std::string tile_template = href(tileset, "item", "application/vnd.mapbox-vector-tile");

    // The tile of zoom 14 holding the west grid, from the tile matrix's origin and cell size.
    const json& matrix = matrix_set["tileMatrices"][14];
    ASSERT_EQ(matrix["id"], "14");
    const auto [x, y] = web_mercator(116.403, 39.903);
    const double tile_metres = matrix["cellSize"].get<double>() * matrix["tileWidth"].get<double>();
    const auto col = static_cast<int>((x - matrix["pointOfOrigin"][0].get<double>()) / tile_metres);
    const auto row = static_cast<int>((matrix["pointOfOrigin"][1].get<double>() - y) / tile_metres);
    std::string url = tile_template;
    for (const auto& [name, value] : {std::pair<std::string, std::string>{"{tileMatrix}", "14"},
                                      {"{tileRow}", std::to_string(row)},
                                      {"{tileCol}", std::to_string(col)}}) {
        url.replace(url.find(name), name.size(), value);
    }
    const Reply tile = get(local(url));
    ASSERT_EQ(tile.status, 200U) << url;

    const std::string file = "/vsimem/ogcapi_tile.mvt";
    VSIFCloseL(VSIFileFromMemBuffer(file.c_str(), reinterpret_cast<GByte*>(const_cast<char*>(tile.body.data())),
                                    static_cast<vsi_l_offset>(tile.body.size()), FALSE));
    const std::string z_option = "Z=14";
    const std::string x_option = "X=" + std::to_string(col);
    const std::string y_option = "Y=" + std::to_string(row);
    const std::array<const char*, 4> options{z_option.c_str(), x_option.c_str(), y_option.c_str(), nullptr};
    const std::array<const char*, 2> mvt_only{"MVT", nullptr};
    const std::unique_ptr<void, decltype(&GDALClose)> mvt(
        GDALOpenEx(file.c_str(), GDAL_OF_VECTOR, mvt_only.data(), options.data(), nullptr), GDALClose);
    ASSERT_TRUE(mvt) << CPLGetLastErrorMsg();
    OGRLayerH layer = GDALDatasetGetLayerByName(mvt.get(), "grids");
    ASSERT_NE(layer, nullptr);
    std::set<std::string> codes;
    OGREnvelope extent{};
    while (OGRFeatureH feature = OGR_L_GetNextFeature(layer)) {
        const std::unique_ptr<void, decltype(&OGR_F_Destroy)> owned(feature, OGR_F_Destroy);
        codes.insert(OGR_F_GetFieldAsString(feature, OGR_F_GetFieldIndex(feature, "code")));
        OGREnvelope one{};
        OGR_G_GetEnvelope(OGR_F_GetGeometryRef(feature), &one);
        extent.Merge(one);
    }
    VSIUnlink(file.c_str());
    EXPECT_TRUE(codes.contains("110105001001001")) << codes.size();
    // Georeferenced by GDAL from the tile's address: the grid lies where the tile matrix says.
    EXPECT_LE(extent.MinX, x);
    EXPECT_GE(extent.MaxX, x);
}

}  // namespace
}  // namespace wangge::http::test
