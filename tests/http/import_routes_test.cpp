// POST /import/{layer} (issue #17 item 4): a planner uploads a roster, sees the
// dry-run report, and imports through the Writer into the served snapshot.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <cpl_vsi.h>

#include "support/datasets.hpp"
#include "support/temp_dir.hpp"
#include "support/test_app.hpp"
#include "wangge/model/snapshot.hpp"

namespace wangge::http {
namespace {

using support::Reply;
using support::TestApp;
namespace users = support::users;

// Chinese headers; row 2 gives its member count in words.
constexpr const char* roster =
    "编号,户主姓名,小区,楼栋,人数,经度,纬度\n"
    "101,新住户甲,吉庆里小区,9号楼,3,116.4012,39.9012\n"
    "102,新住户乙,吉庆里小区,9号楼,三口,116.4013,39.9013\n"
    "103,新住户丙,吉庆里小区,9号楼,1,116.4151,39.9051\n";

std::size_t household_count(TestApp& app) { return app.state().view()->snapshot().data().households.size(); }

/// "action|outcome|record ids|detail" per audit entry of `action`, newest first.
std::string audit_lines(TestApp& app, const std::string& action) {
    std::string lines;
    for (const auth::AuditEntry& entry : app.accounts().service().audit_log({.action = action, .limit = 100}).entries) {
        lines += entry.action + "|" + std::string(auth::to_string(entry.outcome)) + "|" +
                 nlohmann::json(entry.record_ids).dump() + "|" + entry.detail + "\n";
    }
    return lines;
}

std::string read_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A shapefile of `geojson` written by GDAL in GBK (.cpg "CP936"), zipped with
/// GDAL's /vsizip/ writer as a street office sends it; the files of the
/// shapefile `with` (extensions) only.
std::string zipped_gbk_shapefile(const std::filesystem::path& dir, const std::string& geojson,
                                 const std::vector<std::string>& with = {".shp", ".shx", ".dbf", ".prj", ".cpg"}) {
    const std::filesystem::path source = dir / "source.geojson";
    std::ofstream(source) << geojson;
    const std::filesystem::path shp = dir / "shape" / "households.shp";
    std::filesystem::create_directories(shp.parent_path());
    const std::string command =
        "/usr/bin/ogr2ogr -f 'ESRI Shapefile' -lco ENCODING=CP936 " + shp.string() + " " + source.string() + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    const std::filesystem::path archive = dir / "households.zip";
    for (const std::string& extension : with) {
        const std::string bytes = read_bytes(shp.parent_path() / ("households" + extension));
        const std::string entry = "/vsizip/" + archive.string() + "/households" + extension;
        VSILFILE* out = VSIFOpenL(entry.c_str(), "wb");
        EXPECT_NE(out, nullptr) << entry;
        if (out == nullptr) continue;
        EXPECT_EQ(VSIFWriteL(bytes.data(), 1, bytes.size(), out), bytes.size());
        VSIFCloseL(out);
    }
    return read_bytes(archive);
}

class ImportRoutesTest : public ::testing::Test {
protected:
    ImportRoutesTest() { app_.serve(); }

    /// Posts `body` as the map does: the file's bytes as application/octet-stream.
    Reply upload(const std::string& query, const std::string& body = roster,
                 const std::string& type = "application/octet-stream") {
        return post("/import/households?filename=roster.csv" + query, body, type);
    }
    Reply post(const std::string& target, const std::string& body,
               const std::string& type = "application/octet-stream") {
        support::Headers headers = app_.accounts().bearer(users::planner);
        headers.emplace_back("Content-Type", type);
        return support::Client(app_.port()).request(Method::post, target, headers, body);
    }

    TestApp app_;
};

TEST_F(ImportRoutesTest, DryRunReportsEveryBadRowAndWritesNothing) {
    const std::size_t before = household_count(app_);
    const Reply reply = upload("");
    ASSERT_EQ(reply.status, 200u) << reply.body;
    const nlohmann::json report = reply.json();
    EXPECT_EQ(report["dry_run"], true);
    EXPECT_EQ(report["written"], false);
    EXPECT_EQ(report["added"], 2);
    EXPECT_EQ(report["refused"], 1);
    ASSERT_EQ(report["problems"].size(), 1u);
    EXPECT_EQ(report["problems"][0]["row"], 2);
    EXPECT_EQ(report["problems"][0]["column"], "人数");
    EXPECT_EQ(report["problems"][0]["value"], "三口");
    EXPECT_EQ(report["problems"][0]["reason_zh"], "不是整数");
    EXPECT_EQ(household_count(app_), before);
}

TEST_F(ImportRoutesTest, BadRowsRefuseTheImportUnlessSkipped) {
    const std::size_t before = household_count(app_);
    const Reply refused = upload("&dry_run=false");
    ASSERT_EQ(refused.status, 422u) << refused.body;
    EXPECT_EQ(refused.json()["error"]["code"], "bad_rows");
    EXPECT_EQ(refused.json()["report"]["problems"][0]["row"], 2);
    EXPECT_EQ(household_count(app_), before);

    const Reply imported = upload("&dry_run=false&skip_bad=true");
    ASSERT_EQ(imported.status, 200u) << imported.body;
    EXPECT_EQ(imported.json()["written"], true);
    EXPECT_EQ(imported.json()["added"], 2);
    const model::Snapshot& snapshot = app_.state().view()->snapshot();
    EXPECT_EQ(snapshot.data().households.size(), before + 2);
    ASSERT_NE(snapshot.household(101), nullptr);
    EXPECT_EQ(snapshot.household(101)->head_name, "新住户甲");
    EXPECT_EQ(snapshot.household(101)->grid_code, "110105001001001");
    EXPECT_EQ(snapshot.household(103)->grid_code, "110105001001002");
    EXPECT_EQ(snapshot.household(102), nullptr);

    // Both the refusal and the import are on record.
    const std::string audit = audit_lines(app_, "import");
    EXPECT_NE(audit.find("import|denied"), std::string::npos) << audit;
    EXPECT_NE(audit.find("import|ok"), std::string::npos) << audit;
}

TEST_F(ImportRoutesTest, UpdateChangesStoredHouseholdsInPlace) {
    const std::size_t before = household_count(app_);
    const Reply reply = upload("&dry_run=false&update=true",
                               "编号,小区,经度,纬度\n1,新名小区,116.401,39.901\n2,吉庆里小区,116.402,39.902\n");
    ASSERT_EQ(reply.status, 200u) << reply.body;
    EXPECT_EQ(reply.json()["updated"], 1);
    EXPECT_EQ(reply.json()["unchanged"], 1);
    const model::Snapshot& snapshot = app_.state().view()->snapshot();
    EXPECT_EQ(snapshot.data().households.size(), before);
    EXPECT_EQ(snapshot.household(1)->compound, "新名小区");
    EXPECT_EQ(snapshot.household(1)->head_name, "户主1");  // no such column: kept
    const std::string audit = audit_lines(app_, "import.update");
    EXPECT_NE(audit.find("[\"1\"]|roster.csv: compound: 吉庆里小区 → 新名小区"), std::string::npos) << audit;
}

TEST_F(ImportRoutesTest, RefusesWhatItCannotTake) {
    EXPECT_EQ(app_.call(users::worker, Method::post, "/import/households?filename=r.csv", roster).status, 403u);
    const Reply incidents = app_.call(users::planner, Method::post, "/import/incidents?filename=r.csv", roster);
    EXPECT_EQ(incidents.status, 400u);
    EXPECT_EQ(incidents.json()["error"]["code"], "unsupported_layer");
    EXPECT_NE(incidents.json()["error"]["message_zh"].get<std::string>().find("wangge import"), std::string::npos);
    EXPECT_EQ(app_.call(users::planner, Method::post, "/import/households?filename=r.exe", roster).status, 415u);
    EXPECT_EQ(app_.call(users::planner, Method::post, "/import/households", roster).status, 400u);
    EXPECT_EQ(upload("&dry_run=maybe").status, 400u);
    EXPECT_EQ(upload("", "").status, 400u);
    // Types a foreign page may post without the browser asking first stay refused (docs/security.md).
    EXPECT_EQ(upload("", roster, "text/plain").status, 415u);
    EXPECT_EQ(upload("", roster, "multipart/form-data; boundary=x").status, 415u);
    EXPECT_EQ(upload("", roster, "text/csv").status, 200u);
    // Not a table at all: a 4xx naming the file, never a 500.
    const Reply junk = app_.call(users::planner, Method::post, "/import/households?filename=r.geojson", "{not json");
    EXPECT_EQ(junk.status, 400u) << junk.body;
    EXPECT_FALSE(junk.json()["error"]["message_zh"].get<std::string>().empty());
}

TEST_F(ImportRoutesTest, ZippedGbkShapefile) {
    const support::TempDir dir;
    const std::string zip = zipped_gbk_shapefile(dir.path(), R"({"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"编号":201,"小区":"和平里小区","户主姓名":"钱九","人员类别":"低保"},
         "geometry":{"type":"Point","coordinates":[116.405,39.905]}}]})");
    const Reply dry = post("/import/households?filename=%E5%8F%B0%E8%B4%A6.zip", zip);
    ASSERT_EQ(dry.status, 200u) << dry.body;
    EXPECT_EQ(dry.json()["added"], 1);
    EXPECT_EQ(dry.json()["refused"], 0);

    const Reply imported = post("/import/households?filename=households.ZIP&dry_run=false", zip);
    ASSERT_EQ(imported.status, 200u) << imported.body;
    const model::Household* household = app_.state().view()->snapshot().household(201);
    ASSERT_NE(household, nullptr);
    EXPECT_EQ(household->compound, "和平里小区");  // read from GBK through the .cpg
    EXPECT_EQ(household->head_name, "钱九");
    EXPECT_EQ(household->grid_code, "110105001001001");
}

TEST_F(ImportRoutesTest, ZipWithoutShapefileIsRefused) {
    const support::TempDir dir;
    const std::string geojson = R"({"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"编号":202},"geometry":{"type":"Point","coordinates":[116.405,39.905]}}]})";
    const Reply no_shp = post("/import/households?filename=h.zip", zipped_gbk_shapefile(dir.path(), geojson, {".dbf", ".cpg"}));
    ASSERT_EQ(no_shp.status, 400u) << no_shp.body;
    EXPECT_EQ(no_shp.json()["error"]["code"], "bad_archive");
    EXPECT_NE(no_shp.json()["error"]["message_zh"].get<std::string>().find("实际找到 0 个"), std::string::npos)
        << no_shp.body;
    const Reply not_zip = post("/import/households?filename=h.zip", "PK but not a zip");
    EXPECT_EQ(not_zip.status, 400u) << not_zip.body;
    EXPECT_EQ(not_zip.json()["error"]["code"], "bad_archive");
}

TEST_F(ImportRoutesTest, FacilitiesDryRunThenImport) {
    const std::string facilities =
        "设施编号,设施类型,名称,经度,纬度\n"
        "3,消防栓,吉庆里消防栓,116.406,39.906\n"
        "4,避难场所,雅宝里应急避难场所,116.431,39.906\n"
        "1,卫生服务站,吉庆里卫生服务站（新址）,116.407,39.907\n";
    const std::size_t before = app_.state().view()->snapshot().data().facilities.size();
    const Reply dry = post("/import/facilities?filename=facilities.csv&update=true", facilities);
    ASSERT_EQ(dry.status, 200u) << dry.body;
    EXPECT_EQ(dry.json()["dry_run"], true);
    EXPECT_EQ(dry.json()["added"], 2);
    EXPECT_EQ(dry.json()["updated"], 1);
    EXPECT_EQ(app_.state().view()->snapshot().data().facilities.size(), before);

    // Without update the stored id 1 is a bad row: refused as a whole, on record.
    const Reply refused = post("/import/facilities?filename=facilities.csv&dry_run=false", facilities);
    ASSERT_EQ(refused.status, 422u) << refused.body;
    EXPECT_EQ(refused.json()["report"]["problems"][0]["row"], 3);

    const Reply imported = post("/import/facilities?filename=facilities.csv&dry_run=false&update=true", facilities);
    ASSERT_EQ(imported.status, 200u) << imported.body;
    EXPECT_EQ(imported.json()["written"], true);
    const model::Snapshot& snapshot = app_.state().view()->snapshot();
    EXPECT_EQ(snapshot.data().facilities.size(), before + 2);
    ASSERT_NE(snapshot.facility(3), nullptr);
    EXPECT_EQ(snapshot.facility(3)->kind, "消防栓");
    EXPECT_EQ(snapshot.facility(3)->grid_code, "110105001001001");
    EXPECT_EQ(snapshot.facility(4)->grid_code, "110105001002001");
    EXPECT_EQ(snapshot.facility(1)->name, "吉庆里卫生服务站（新址）");
    // The map finds the new facility where it is.
    EXPECT_EQ(app_.call(users::planner, Method::get, "/collections/facilities/items/3").status, 200u);
    const std::string audit = audit_lines(app_, "import");
    EXPECT_NE(audit.find("import|denied"), std::string::npos) << audit;
    EXPECT_NE(audit.find("import|ok|[]|facilities.csv: 2 new, 1 updated"), std::string::npos) << audit;
    EXPECT_NE(audit_lines(app_, "import.update").find("[\"1\"]|facilities.csv: name:"), std::string::npos);
}

// Grid 001001 redrawn 0.002° into its east neighbour, and a new sub-grid inside it.
constexpr const char* redrawn_grids = R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"网格编码":"110105001001001","网格名称":"吉庆里第一网格","层级":"网格","上级编码":"110105001001"},
     "geometry":{"type":"Polygon","coordinates":[[[116.40,39.90],[116.412,39.90],[116.412,39.92],[116.40,39.92],[116.40,39.90]]]}},
    {"type":"Feature","properties":{"网格编码":"110105001001001001","网格名称":"吉庆里微网格","层级":"微网格","上级编码":"110105001001001"},
     "geometry":{"type":"Polygon","coordinates":[[[116.40,39.90],[116.405,39.90],[116.405,39.905],[116.40,39.905],[116.40,39.90]]]}}]})";

TEST_F(ImportRoutesTest, GridFileOpensADraftWithItsViolations) {
    const auto layout_before = app_.state().view()->snapshot().current_grids().size();
    const Reply dry = post("/import/grids?filename=grids.geojson", redrawn_grids);
    ASSERT_EQ(dry.status, 200u) << dry.body;
    EXPECT_EQ(dry.json()["added"], 2);
    EXPECT_FALSE(dry.json().contains("draft"));

    const Reply reply = post("/import/grids?filename=grids.geojson&dry_run=false", redrawn_grids);
    ASSERT_EQ(reply.status, 200u) << reply.body;
    const nlohmann::json draft = reply.json()["draft"];
    ASSERT_TRUE(draft["id"].is_string()) << reply.body;
    EXPECT_EQ(draft["changed"], (nlohmann::json{"110105001001001", "110105001001001001"}));
    EXPECT_EQ(draft["valid"], false);
    std::set<std::string> rules;
    for (const nlohmann::json& violation : draft["violations"]) rules.insert(violation["rule"]);
    EXPECT_TRUE(rules.contains("overlap")) << draft.dump();
    // Nothing published: the layout in force is unchanged, the draft is there to edit.
    EXPECT_EQ(app_.state().view()->snapshot().current_grids().size(), layout_before);
    const Reply opened = app_.call(users::planner, Method::get, "/drafts/" + draft["id"].get<std::string>());
    ASSERT_EQ(opened.status, 200u) << opened.body;
    EXPECT_EQ(opened.json()["features"].size(), 2u);
    EXPECT_NE(audit_lines(app_, "import").find("import|ok|[" + nlohmann::json(draft["id"]).dump() + "]|grids.geojson"),
              std::string::npos);
}

TEST_F(ImportRoutesTest, GridWorkerCannotUploadGrids) {
    const Reply refused = app_.call(users::worker, Method::post, "/import/grids?filename=grids.geojson&dry_run=false",
                                    redrawn_grids);
    EXPECT_EQ(refused.status, 403u);
    const std::string audit = audit_lines(app_, "http.denied");
    EXPECT_NE(audit.find("http.denied|denied|[]|POST /import/grids"), std::string::npos) << audit;
}

}  // namespace
}  // namespace wangge::http
