#include "wangge/store/importer.hpp"

#include <cmath>
#include <fstream>
#include <memory>
#include <numbers>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <ogr_spatialref.h>

#include "entity_fields.hpp"
#include "../support/temp_dir.hpp"
#include "wangge/geo/chinese_offsets.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/store/geopackage.hpp"
#include "run_command.hpp"
#include "write_file.hpp"

namespace wangge::store {
namespace {

using support::TempDir;
using testing::write_file;

constexpr model::Timestamp import_time = 1'767'196'800;  // 2026-01-01T00:00:00+08:00

// A street of two grids side by side: 0.01° x 0.01° each; the east one has a hole.
constexpr std::string_view grids_geojson = R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"110105001","name":"朝阳门街道","level":"street","valid_from":"2025-01-01T00:00:00+08:00"},
 "geometry":{"type":"Polygon","coordinates":[[[116.40,39.90],[116.42,39.90],[116.42,39.91],[116.40,39.91],[116.40,39.90]]]}},
{"type":"Feature","properties":{"code":"110105001001001","name":"第一网格","level":"grid","parent_code":"110105001","version":2},
 "geometry":{"type":"Polygon","coordinates":[[[116.40,39.90],[116.41,39.90],[116.41,39.91],[116.40,39.91],[116.40,39.90]]]}},
{"type":"Feature","properties":{"code":"110105001001002","name":"第二网格","level":"grid","parent_code":"110105001"},
 "geometry":{"type":"MultiPolygon","coordinates":[[[[116.41,39.90],[116.42,39.90],[116.42,39.91],[116.41,39.91],[116.41,39.90]],
   [[116.414,39.904],[116.414,39.906],[116.416,39.906],[116.416,39.904],[116.414,39.904]]]]}}
]})";

class ImporterTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_.emplace(GeoPackageStore::create(dir_ / "s.gpkg"));
        const ImportSummary grids = import(Layer::grids, write_file(dir_ / "grids.geojson", grids_geojson));
        ASSERT_EQ(grids.rows, 3u);
    }

    ImportSummary import(Layer layer, const std::filesystem::path& source, ImportOptions options = {}) {
        options.layer = layer;
        options.now = import_time;
        return import_file(*store_, source, options);
    }

    /// The message of the ImportError that importing `content` as `layer` throws.
    std::string import_error(Layer layer, const std::string& name, std::string_view content,
                             ImportOptions options = {}) {
        return import_error(layer, write_file(dir_ / name, content), std::move(options));
    }

    /// The message of the ImportError that importing `source` as `layer` throws.
    std::string import_error(Layer layer, const std::filesystem::path& source, ImportOptions options = {}) {
        try {
            import(layer, source, std::move(options));
        } catch (const ImportError& e) {
            return e.what();
        }
        ADD_FAILURE() << "importing " << source << " did not fail";
        return {};
    }

    TempDir dir_;
    std::optional<GeoPackageStore> store_;
};

TEST_F(ImporterTest, ImportsGridsFromGeoJson) {
    const model::Dataset data = store_->load();
    ASSERT_EQ(data.grids.size(), 3u);
    const model::Grid& street = data.grids[0];
    EXPECT_EQ(street.name, "朝阳门街道");
    EXPECT_EQ(street.level, model::GridLevel::street);
    EXPECT_EQ(street.parent_code, "");
    EXPECT_EQ(street.valid_from, *model::parse_iso8601("2025-01-01T00:00:00+08:00"));
    EXPECT_EQ(street.version, 1);
    EXPECT_FALSE(street.valid_to.has_value());
    const model::Grid& second = data.grids[2];
    EXPECT_EQ(second.valid_from, import_time);
    EXPECT_EQ(data.grids[1].version, 2);
    ASSERT_EQ(second.geometry.polygons.size(), 1u);
    ASSERT_EQ(second.geometry.polygons[0].rings.size(), 2u);
    EXPECT_EQ(second.geometry.polygons[0].rings[1][0], (geo::Point{116.414, 39.904}));
}

TEST_F(ImporterTest, ImportsHouseholdsFromCsvAndDerivesTheirGrid) {
    const ImportSummary summary = import(
        Layer::households,
        write_file(dir_ / "households.csv",
                   "id,compound,building,unit,room,lon,lat,members,tags,head_name,id_number,phone\n"
                   "1,幸福小区,3号楼,2单元,501,116.405,39.905,3,独居老人;低保,张三,110105195001011234,13900000000\n"
                   "2,\"阳光, 花园\",1号楼,1单元,101,116.412,39.902,1,,李四,,\n"
                   "3,阳光花园,1号楼,1单元,102,116.417,39.9055,2,\"留守儿童; 低保\",王五,,\n"));
    EXPECT_EQ(summary.rows, 3u);
    const model::Dataset data = store_->load();
    ASSERT_EQ(data.households.size(), 3u);
    const model::Household& first = data.households[0];
    EXPECT_EQ(first.id, 1);
    EXPECT_EQ(first.grid_code, "110105001001001");
    EXPECT_EQ(first.location, (geo::Point{116.405, 39.905}));
    EXPECT_EQ(first.members, 3);
    EXPECT_EQ(first.tags, (std::vector<std::string>{"独居老人", "低保"}));
    EXPECT_EQ(first.id_number, "110105195001011234");
    EXPECT_EQ(data.households[1].compound, "阳光, 花园");
    EXPECT_EQ(data.households[1].grid_code, "110105001001002");
    EXPECT_TRUE(data.households[1].tags.empty());
    EXPECT_EQ(data.households[2].tags, (std::vector<std::string>{"留守儿童", "低保"}));
}

TEST_F(ImporterTest, HouseholdInTheHoleOfAGridIsAnErrorAndNothingIsWritten) {
    const std::string message = import_error(Layer::households, "households.csv",
                                             "id,lon,lat,members\n"
                                             "1,116.405,39.905,3\n"
                                             "2,116.415,39.905,3\n");
    EXPECT_NE(message.find("households.csv: row 2: field geometry"), std::string::npos) << message;
    EXPECT_NE(message.find("lies in no current grid"), std::string::npos) << message;
    EXPECT_TRUE(store_->load().households.empty());
}

TEST_F(ImporterTest, BadRowsNameFileRowAndField) {
    struct Case {
        Layer layer;
        std::string content;
        std::string expected;
    };
    const std::vector<Case> cases{
        {Layer::households, "id,lon,lat,members\n1,116.405,39.905,3\n2,116.405,39.905,three\n",
         "bad.csv: row 2: field members: not an integer: 'three'"},
        {Layer::households, "id,lon,lat\n1,116.405,abc\n", "row 1: field lat: not a finite number: 'abc'"},
        {Layer::households, "id,lon,lat\n1,nan,39.9\n", "row 1: field lon: not a finite number"},
        {Layer::households, "id,lon,lat\n1,,39.9\n", "row 1: field lon: missing"},
        {Layer::households, "id,lon,lat\n-4,116.405,39.905\n", "row 1: field id: must be a positive integer"},
        {Layer::staff, "id,name,phone,role\n1,王芳,138,专职网格员\n2,,138,网格长\n", "row 2: field name: missing"},
        {Layer::staff_grids, "staff_id,grid_code,duty\n1,110105001001001,C\n", "row 1: field duty: unknown duty 'C'"},
        {Layer::staff_grids, "staff_id,grid_code,duty,值班日\n1,110105001001001,A,周八\n",
         "row 1: field 值班日: not weekdays: '周八'"},  // the file's own header
        {Layer::staff_grids, "staff_id,grid_code,duty\n1,110105001009009,A\n",
         "row 1: field grid_code: no current grid has the code '110105001009009'"},
        {Layer::incidents,
         "id,category,source,triage,state,description,lon,lat,assignee,reported_at,dispatched_at,deadline,closed_at\n"
         "1,违法建设,热线,general,reported,,116.405,39.905,,2026-13-01T08:00:00+08:00,,,\n",
         "row 1: field reported_at: not an ISO 8601 time: '2026-13-01T08:00:00+08:00'"},
        {Layer::incidents,
         "id,category,source,triage,state,description,lon,lat,assignee,reported_at,dispatched_at,deadline,closed_at\n"
         "1,违法建设,热线,soon,reported,,116.405,39.905,,2026-01-01T08:00:00+08:00,,,\n",
         "row 1: field triage: unknown triage 'soon'"},
        {Layer::visits, "id,staff_id,household_id,at,kind,note\n1,7,,2026-01-01,入户走访,\n",
         "row 1: field household_id: missing"},
    };
    for (const Case& c : cases) {
        const std::string message = import_error(c.layer, "bad.csv", c.content);
        EXPECT_NE(message.find(c.expected), std::string::npos) << "got: " << message << "\nwanted: " << c.expected;
    }
    const model::Dataset data = store_->load();
    EXPECT_TRUE(data.households.empty());
    EXPECT_TRUE(data.staff.empty());
    EXPECT_TRUE(data.staff_grids.empty());
    EXPECT_TRUE(data.incidents.empty());
    EXPECT_TRUE(data.visits.empty());
}

TEST_F(ImporterTest, UnknownGridLevelIsRefused) {
    const std::string message = import_error(
        Layer::grids, "grids.geojson",
        R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"9","name":"x","level":"county"},
        "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]})");
    EXPECT_NE(message.find("row 1: field level: unknown level 'county'"), std::string::npos) << message;
}

TEST_F(ImporterTest, ConvertsGcj02AndBd09ToCgcs2000) {
    const geo::Point truth{116.405, 39.905};
    const geo::Point gcj = geo::wgs84_to_gcj02(truth);
    const geo::Point bd = geo::wgs84_to_bd09(truth);
    const auto csv = [](const geo::Point& p) {
        char line[128];
        std::snprintf(line, sizeof line, "lon,lat\n%.12f,%.12f\n", p.x, p.y);
        return std::string(line);
    };
    ImportOptions gcj_options;
    gcj_options.crs = "gcj02";
    import(Layer::households, write_file(dir_ / "gcj.csv", csv(gcj)), gcj_options);
    ImportOptions bd_options;
    bd_options.crs = "BD09";
    import(Layer::households, write_file(dir_ / "bd.csv", csv(bd)), bd_options);
    const model::Dataset data = store_->load();
    ASSERT_EQ(data.households.size(), 2u);
    for (const model::Household& h : data.households) {
        EXPECT_NEAR(h.location.x, truth.x, 1e-8);
        EXPECT_NEAR(h.location.y, truth.y, 1e-8);
        EXPECT_EQ(h.grid_code, "110105001001001");
        EXPECT_GT(h.id, 0);
    }
}

TEST_F(ImporterTest, ReprojectsFromTheGivenCrs) {
    // Web Mercator metres of (116.405, 39.905), against the spherical formula.
    constexpr double r = 6378137.0;
    constexpr double deg = std::numbers::pi / 180.0;
    const double x = r * 116.405 * deg;
    const double y = r * std::log(std::tan(std::numbers::pi / 4 + 39.905 * deg / 2));
    char csv[128];
    std::snprintf(csv, sizeof csv, "x,y\n%.4f,%.4f\n", x, y);
    ImportOptions options;
    options.crs = "EPSG:3857";
    import(Layer::households, write_file(dir_ / "mercator.csv", csv), options);
    const model::Dataset data = store_->load();
    ASSERT_EQ(data.households.size(), 1u);
    EXPECT_NEAR(data.households[0].location.x, 116.405, 1e-7);
    EXPECT_NEAR(data.households[0].location.y, 39.905, 1e-7);
    options.crs = "EPSG:999999";
    EXPECT_NE(import_error(Layer::households, "m.csv", csv, options).find("unknown CRS"), std::string::npos);
}

TEST_F(ImporterTest, ReprojectsFromTheSourceCrs) {
    // A GeoPackage in Web Mercator, written with GDAL itself.
    const std::string path = (dir_ / "mercator.gpkg").string();
    const std::string command = "/usr/bin/ogr2ogr -f GPKG -t_srs EPSG:3857 -nln households " + path + " " +
                                write_file(dir_ / "h.geojson", R"({"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"id":5,"members":2},"geometry":{"type":"Point","coordinates":[116.405,39.905]}}]})")
                                    .string();
    ASSERT_EQ(std::system(command.c_str()), 0);
    import(Layer::households, path);
    const model::Dataset data = store_->load();
    ASSERT_EQ(data.households.size(), 1u);
    EXPECT_EQ(data.households[0].id, 5);
    EXPECT_NEAR(data.households[0].location.x, 116.405, 1e-9);
    EXPECT_NEAR(data.households[0].location.y, 39.905, 1e-9);
}

TEST_F(ImporterTest, MapsFieldsToOtherColumns) {
    ImportOptions options;
    options.columns = {{"lon", "经度"}, {"lat", "纬度"}, {"head_name", "户主"}, {"id", "编号"}};
    import(Layer::households, write_file(dir_ / "h.csv", "编号,经度,纬度,户主\n42,116.405,39.905,赵六\n"), options);
    const model::Dataset data = store_->load();
    ASSERT_EQ(data.households.size(), 1u);
    EXPECT_EQ(data.households[0].id, 42);
    EXPECT_EQ(data.households[0].head_name, "赵六");

    options.columns = {{"owner", "户主"}};
    EXPECT_NE(import_error(Layer::households, "h2.csv", "lon,lat\n116.405,39.905\n", options)
                  .find("households has no field owner"),
              std::string::npos);
    options.columns = {{"head_name", "户主"}};
    EXPECT_NE(import_error(Layer::households, "h3.csv", "lon,lat\n116.405,39.905\n", options)
                  .find("has no column '户主'"),
              std::string::npos);
}

TEST_F(ImporterTest, ImportsOrganisationsWithTheirCompoundAndContactFromChineseHeaders) {
    const ImportSummary summary = import(
        Layer::facilities,
        write_file(dir_ / "组织.csv", "编号,单位类型,单位名称,服务小区,负责人,联系电话,经度,纬度\n"
                                      "5,物业,吉庆里物业服务中心, 吉庆里　,王芳,010-65001234,116.405,39.905\n"
                                      "6,社会组织,吉庆里志愿服务队,,李强,13800000002,116.406,39.906\n"));
    EXPECT_EQ(summary.outside_grids, 0u);
    const model::Dataset data = store_->load();
    ASSERT_EQ(data.facilities.size(), 2u);
    const model::Facility& property = data.facilities[0];
    EXPECT_EQ(property.kind, "物业");
    EXPECT_EQ(property.compound, "吉庆里");  // trimmed like every imported text, U+3000 included
    EXPECT_EQ(property.contact_name, "王芳");
    EXPECT_EQ(property.contact_phone, "010-65001234");
    EXPECT_EQ(property.grid_code, "110105001001001");  // derived from the location, like households'
    EXPECT_EQ(data.facilities[1].compound, "");
}

TEST_F(ImporterTest, ImportsTheWholeWorkflowFromCsv) {
    import(Layer::staff, write_file(dir_ / "staff.csv", "id,name,phone,role\n7,王芳,13800000001,专职网格员\n"));
    import(Layer::staff_grids,
           write_file(dir_ / "sg.csv", "staff_id,grid_code,duty,值班日\n7,110105001001001,A,周一至周五、周日\n"));
    const ImportSummary facilities = import(
        Layer::facilities, write_file(dir_ / "f.csv", "id,kind,name,lon,lat\n1,消防栓,东侧消防栓,116.405,39.905\n"
                                                      "2,学校,城外小学,116.5,39.95\n"));
    EXPECT_EQ(facilities.outside_grids, 1u);
    import(Layer::incidents,
           write_file(dir_ / "i.csv",
                      "id,category,source,triage,state,description,lon,lat,assignee,reported_at,dispatched_at,deadline,"
                      "closed_at\n"
                      "11,公共设施损坏,居民上报,general,dispatched,\"路灯不亮,\"\"尽快\"\"\",116.405,39.905,7,"
                      "2026-01-02T08:00:00+08:00,2026-01-02T09:00:00+08:00,2026-01-03T09:00:00+08:00,\n"));
    import(Layer::incident_events,
           write_file(dir_ / "e.csv", "id,incident_id,at,actor,from_state,to_state,note\n"
                                      "1,11,2026-01-02T08:00:00+08:00,居民,,reported,上报\n"));
    import(Layer::visits, write_file(dir_ / "v.csv", "id,staff_id,household_id,at,kind,note\n"
                                                     "1,7,1,2026-01-05T10:00:00Z,入户走访,\n"));
    const model::Dataset data = store_->load();
    ASSERT_EQ(data.staff.size(), 1u);
    EXPECT_EQ(data.staff[0].role, "专职网格员");
    ASSERT_EQ(data.staff_grids.size(), 1u);
    EXPECT_EQ(data.staff_grids[0].duty, model::Duty::primary);
    EXPECT_EQ(data.staff_grids[0].duty_days, 0x5f);
    ASSERT_EQ(data.facilities.size(), 2u);
    EXPECT_EQ(data.facilities[0].grid_code, "110105001001001");
    EXPECT_EQ(data.facilities[1].grid_code, "");
    ASSERT_EQ(data.incidents.size(), 1u);
    const model::Incident& incident = data.incidents[0];
    EXPECT_EQ(incident.description, "路灯不亮,\"尽快\"");
    EXPECT_EQ(incident.grid_code, "110105001001001");
    EXPECT_EQ(incident.reported_at, *model::parse_iso8601("2026-01-02T08:00:00+08:00"));
    EXPECT_EQ(incident.deadline, model::parse_iso8601("2026-01-03T09:00:00+08:00"));
    EXPECT_FALSE(incident.closed_at.has_value());
    ASSERT_EQ(data.incident_events.size(), 1u);
    EXPECT_EQ(data.incident_events[0].from_state, "");
    ASSERT_EQ(data.visits.size(), 1u);
    EXPECT_EQ(data.visits[0].at, *model::parse_iso8601("2026-01-05T18:00:00+08:00"));
}

TEST_F(ImporterTest, DuplicateIdsAreRefusedWithoutWriting) {
    const std::string csv = "id,lon,lat\n1,116.405,39.905\n";
    import(Layer::households, write_file(dir_ / "a.csv", csv));
    // Against the store: without --update a stored id is a bad row.
    EXPECT_NE(import_error(Layer::households, "b.csv", "id,lon,lat\n2,116.405,39.905\n1,116.405,39.905\n")
                  .find("b.csv: row 2: field id: id 1 is stored already"),
              std::string::npos);
    // Inside the file: the importer names the row.
    EXPECT_NE(import_error(Layer::households, "c.csv", "id,lon,lat\n3,116.405,39.905\n3,116.405,39.905\n")
                  .find("c.csv: row 2: field id: id 3 appears twice"),
              std::string::npos);
    EXPECT_EQ(store_->load().households.size(), 1u);
}

TEST_F(ImporterTest, UnreadableSourcesAreInputErrors) {
    EXPECT_THROW(import(Layer::households, dir_ / "missing.csv"), ImportError);
    EXPECT_THROW(import(Layer::households, write_file(dir_ / "junk.geojson", "{not json")), ImportError);
    EXPECT_THROW(import(Layer::households, write_file(dir_ / "empty.csv", "id,lon,lat\n")), ImportError);
    EXPECT_THROW(import(Layer::households, write_file(dir_ / "nocoords.csv", "id,name\n1,x\n")), ImportError);
}

/// Distance in metres between two lon/lat points a few hundred metres apart (equirectangular).
double metres_between(const geo::Point& a, const geo::Point& b) {
    constexpr double metres_per_degree = 6378137.0 * std::numbers::pi / 180.0;
    const double dx = (a.x - b.x) * std::cos(a.y * std::numbers::pi / 180.0) * metres_per_degree;
    const double dy = (a.y - b.y) * metres_per_degree;
    return std::hypot(dx, dy);
}

/// Runs one of GDAL's command-line tools; fails the test when it fails.
void gdal_tool(const std::string& command) { ASSERT_EQ(std::system((command + " >/dev/null 2>&1").c_str()), 0) << command; }

// A street office's roster: Chinese headers, every cell text, two bad rows
// (a member count written in words, a missing longitude).
constexpr std::string_view roster_csv =
    "序号,户主姓名,身份证号,联系电话,小区,楼栋,单元,门牌号,人数,人员类别,经度,纬度\n"
    "1,张三,110105195001011234,13900000001,幸福小区,3号楼,2单元,501,3,独居老人;低保,116.405,39.905\n"
    "2,李四,110105196002022345,13900000002,幸福小区,3号楼,2单元,502,三口,,116.4051,39.905\n"
    "3,王五,,13900000003,阳光花园,1号楼,1单元,101,2,,116.412,39.902\n"
    "4,赵六,,,阳光花园,1号楼,1单元,102,1,,,39.902\n"
    "5,孙七,,,阳光花园,2号楼,1单元,201,4,残疾人,116.4121,39.9021\n";

TEST_F(ImporterTest, XlsxRosterWithChineseHeadersReportsEveryBadRow) {
    const std::filesystem::path xlsx = dir_ / "roster.xlsx";
    gdal_tool("/usr/bin/ogr2ogr -f XLSX " + xlsx.string() + " " + write_file(dir_ / "roster.csv", roster_csv).string());

    // By default the whole file is refused and both bad rows are named.
    ImportOptions options;
    options.layer = Layer::households;
    options.now = import_time;
    try {
        import_file(*store_, xlsx, options);
        FAIL() << "a roster with bad rows was imported";
    } catch (const ImportRefused& refused) {
        const ImportSummary& summary = refused.summary();
        EXPECT_EQ(summary.rows, 5u);
        EXPECT_EQ(summary.refused, 2u);
        EXPECT_FALSE(summary.written);
        ASSERT_EQ(summary.problems.size(), 2u);
        EXPECT_EQ(summary.problems[0].row, 2u);
        EXPECT_EQ(summary.problems[0].column, "人数");
        EXPECT_EQ(summary.problems[0].value, "三口");
        EXPECT_EQ(summary.problems[0].reason_zh, "不是整数");
        EXPECT_NE(summary.problems[0].reason.find("not an integer"), std::string::npos);
        EXPECT_EQ(summary.problems[1].row, 4u);
        EXPECT_EQ(summary.problems[1].column, "经度");
        EXPECT_EQ(summary.problems[1].reason, "missing");
        EXPECT_NE(std::string(refused.what()).find("row 4: field 经度: missing"), std::string::npos) << refused.what();
    }
    EXPECT_TRUE(store_->load().households.empty());

    // --skip-bad imports the other three; the report lists the two.
    options.skip_bad = true;
    const ImportSummary summary = import_file(*store_, xlsx, options);
    EXPECT_TRUE(summary.written);
    EXPECT_EQ(summary.added, 3u);
    EXPECT_EQ(summary.refused, 2u);
    const model::Dataset data = store_->load();
    ASSERT_EQ(data.households.size(), 3u);
    const model::Household& first = data.households[0];
    EXPECT_EQ(first.head_name, "张三");
    EXPECT_EQ(first.id_number, "110105195001011234");
    EXPECT_EQ(first.phone, "13900000001");
    EXPECT_EQ(first.compound, "幸福小区");
    EXPECT_EQ(first.room, "501");
    EXPECT_EQ(first.members, 3);
    EXPECT_EQ(first.tags, (std::vector<std::string>{"独居老人", "低保"}));
    EXPECT_EQ(first.grid_code, "110105001001001");
    EXPECT_EQ(data.households[2].head_name, "孙七");

    write_report(summary, dir_ / "report.csv");
    const std::string csv = testing::read_file(dir_ / "report.csv");
    EXPECT_NE(csv.find("2,人数,三口,不是整数,not an integer: '三口'"), std::string::npos) << csv;
    EXPECT_NE(csv.find("4,经度,,缺少经度（或横坐标）,missing"), std::string::npos) << csv;
    write_report(summary, dir_ / "report.json");
    const nlohmann::json json = nlohmann::json::parse(testing::read_file(dir_ / "report.json"));
    EXPECT_EQ(json["added"], 3);
    EXPECT_EQ(json["refused"], 2);
    EXPECT_EQ(json["problems"][1]["row"], 4);
    EXPECT_EQ(json["problems"][1]["reason_zh"], "缺少经度（或横坐标）");
}

// Households of the store, two in 幸福小区 3号楼 and one in its 5号楼, and a
// roster giving some rows only an address: rows 2–4 match a building (row 2
// the building of row 1 of the same file; rows 3 and 4 with blanks, the
// ideographic space among them, around the names), row 5 only its compound,
// row 6 nothing.
constexpr std::string_view stored_households_csv =
    "id,compound,building,lon,lat\n"
    "1,幸福小区,3号楼,116.404,39.904\n"
    "2,幸福小区,3号楼,116.406,39.906\n"
    "3,幸福小区,5号楼,116.408,39.902\n";
constexpr std::string_view address_roster_csv =
    "户主姓名,小区,楼栋,室,经度,纬度\n"
    "王一,阳光花园,1号楼,101,116.412,39.902\n"
    "王二,阳光花园,1号楼,102,,\n"
    "李三,\u3000幸福小区\u3000,3号楼,601,,\n"
    "李四,幸福小区, 3号楼 ,602,,\n"
    "赵五,幸福小区,9号楼,101,,\n"
    "钱六,无名小区,1号楼,101,,\n";

TEST_F(ImporterTest, RowsWithOnlyAnAddressTakeTheirBuildingsOrCompoundsPosition) {
    import(Layer::households, write_file(dir_ / "stored.csv", stored_households_csv));
    const std::filesystem::path roster = write_file(dir_ / "roster.csv", address_roster_csv);
    ImportOptions options;
    options.layer = Layer::households;
    options.now = import_time;

    // The unmatched address refuses the file by default, naming its row.
    try {
        import_file(*store_, roster, options);
        FAIL() << "a roster with an unmatched address was imported";
    } catch (const ImportRefused& refused) {
        const ImportSummary& summary = refused.summary();
        EXPECT_EQ(summary.rows, 6u);
        ASSERT_EQ(summary.problems.size(), 1u);
        EXPECT_EQ(summary.problems[0].row, 6u);
        EXPECT_EQ(summary.problems[0].column, "小区");
        EXPECT_EQ(summary.problems[0].value, "无名小区");
        EXPECT_EQ(summary.problems[0].reason_zh, "地址无法匹配到库中的小区或楼栋");
        EXPECT_NE(std::string(refused.what()).find("row 6: field 小区: the address matches no compound or building"),
                  std::string::npos)
            << refused.what();
    }
    EXPECT_EQ(store_->load().households.size(), 3u);

    // The upload route plans the same against a snapshot.
    const auto snapshot = model::Snapshot::build(store_->load(), 0);
    const ImportPlan plan = plan_import(roster, "roster.csv", options, *snapshot);
    EXPECT_EQ(plan.summary.placed_by_address, 4u);
    EXPECT_EQ(plan.summary.refused, 1u);
    ASSERT_EQ(plan.added.households.size(), 5u);
    EXPECT_NEAR(plan.added.households[4].location.x, 116.406, 1e-12);
    EXPECT_NEAR(plan.added.households[4].location.y, 39.904, 1e-12);

    // --skip-bad imports the other five.
    options.skip_bad = true;
    const ImportSummary summary = import_file(*store_, roster, options);
    EXPECT_EQ(summary.added, 5u);
    EXPECT_EQ(summary.placed_by_address, 4u);
    EXPECT_EQ(summary.refused, 1u);
    EXPECT_EQ(report_json(summary)["placed_by_address"], 4);
    const model::Dataset data = store_->load();
    ASSERT_EQ(data.households.size(), 8u);
    const auto expect_at = [](const model::Household& h, geo::Point expected) {
        EXPECT_NEAR(h.location.x, expected.x, 1e-12) << h.head_name;
        EXPECT_NEAR(h.location.y, expected.y, 1e-12) << h.head_name;
    };
    expect_at(data.households[3], {116.412, 39.902});   // 王一: its own coordinates
    expect_at(data.households[4], {116.412, 39.902});   // 王二: 阳光花园 1号楼 of row 1
    expect_at(data.households[5], {116.405, 39.905});   // 李三: the mean of 幸福小区 3号楼
    expect_at(data.households[6], {116.405, 39.905});   // 李四: the same building
    expect_at(data.households[7], {116.406, 39.904});   // 赵五: no 9号楼, the mean of 幸福小区
    EXPECT_EQ(data.households[5].head_name, "李三");
    EXPECT_EQ(data.households[5].compound, "幸福小区");
    EXPECT_EQ(data.households[6].building, "3号楼");
    EXPECT_EQ(data.households[4].grid_code, "110105001001002");
    EXPECT_EQ(data.households[7].grid_code, "110105001001001");

    // A roster with no coordinate columns at all is placed the same way.
    const ImportSummary address_only = import(
        Layer::households, write_file(dir_ / "address_only.csv", "小区,楼栋\n幸福小区,5号楼\n幸福小区,\n"));
    EXPECT_EQ(address_only.placed_by_address, 2u);
    const model::Dataset after = store_->load();
    ASSERT_EQ(after.households.size(), 10u);
    expect_at(after.households[8], {116.408, 39.902});
    // The compound's mean now counts the households the roster above stored there.
    expect_at(after.households[9], {(116.404 + 116.406 + 116.408 + 116.405 + 116.405 + 116.406) / 6,
                                    (39.904 + 39.906 + 39.902 + 39.905 + 39.905 + 39.904) / 6});

    // --update: a stored household given without coordinates keeps its stored position.
    ImportOptions update;
    update.update = true;
    const ImportSummary moved = import(Layer::households, write_file(dir_ / "update.csv", "编号,小区,楼栋\n1,阳光花园,1号楼\n"),
                                       update);
    EXPECT_EQ(moved.updated, 1u);
    EXPECT_EQ(moved.placed_by_address, 0u);
    const model::Dataset updated = store_->load();
    EXPECT_EQ(updated.households[0].compound, "阳光花园");
    expect_at(updated.households[0], {116.404, 39.904});
}

TEST_F(ImporterTest, MappingFileAndDefaults) {
    const std::filesystem::path map = write_file(dir_ / "map.json", R"({"head_name": "联系人", "members": "户籍人口"})");
    ImportOptions options;
    options.columns = read_column_map(map);
    options.defaults = {{"compound", "幸福小区"}};
    import(Layer::households, write_file(dir_ / "h.csv", "联系人,户籍人口,经度,纬度\n周八,5,116.405,39.905\n"), options);
    const model::Dataset data = store_->load();
    ASSERT_EQ(data.households.size(), 1u);
    EXPECT_EQ(data.households[0].head_name, "周八");
    EXPECT_EQ(data.households[0].members, 5);
    EXPECT_EQ(data.households[0].compound, "幸福小区");
    EXPECT_THROW(read_column_map(write_file(dir_ / "bad.json", "[1,2]")), ImportError);
}

TEST_F(ImporterTest, GbkShapefileReadsChineseValues) {
    const std::string source = write_file(dir_ / "h.geojson", R"({"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"id":8,"小区":"和平里小区","户主姓名":"钱九","人员类别":"低保"},
         "geometry":{"type":"Point","coordinates":[116.405,39.905]}}]})")
                                   .string();
    const std::filesystem::path shp = dir_ / "gbk" / "households.shp";
    std::filesystem::create_directories(shp.parent_path());
    gdal_tool("/usr/bin/ogr2ogr -f 'ESRI Shapefile' -lco ENCODING=CP936 " + shp.string() + " " + source);
    const std::filesystem::path cpg = dir_ / "gbk" / "households.cpg";
    ASSERT_TRUE(std::filesystem::exists(cpg));
    // The .dbf holds GBK bytes: 和 is 0xBA 0xCD there, not UTF-8's 0xE5 0x92 0x8C.
    EXPECT_NE(testing::read_file(dir_ / "gbk" / "households.dbf").find("\xBA\xCD"), std::string::npos);

    // Without the .cpg the bytes are not UTF-8: refused with a hint, then read with --encoding.
    std::filesystem::remove(cpg);
    ImportOptions options;
    const std::string message = import_error(Layer::households, shp, options);
    EXPECT_NE(message.find("--encoding GBK"), std::string::npos) << message;
    options.encoding = "GBK";
    import(Layer::households, shp, options);
    model::Dataset data = store_->load();
    ASSERT_EQ(data.households.size(), 1u);
    EXPECT_EQ(data.households[0].compound, "和平里小区");
    EXPECT_EQ(data.households[0].head_name, "钱九");
    EXPECT_EQ(data.households[0].tags, (std::vector<std::string>{"低保"}));

    // With the .cpg GDAL recodes by itself.
    write_file(cpg, "936");
    options = {};
    options.update = true;
    const ImportSummary again = import(Layer::households, shp, options);
    EXPECT_EQ(again.unchanged, 1u);
}

/// A DXF drawing with one closed LWPOLYLINE per ring, on the layer named `code`.
std::string dxf_with_square(const std::string& code, const std::vector<geo::Point>& corners) {
    std::string dxf = "0\nSECTION\n2\nENTITIES\n0\nLWPOLYLINE\n8\n" + code + "\n90\n" +
                      std::to_string(corners.size()) + "\n70\n1\n";
    char line[96];
    for (const geo::Point& p : corners) {
        std::snprintf(line, sizeof line, "10\n%.4f\n20\n%.4f\n", p.x, p.y);
        dxf += line;
    }
    return dxf + "0\nENDSEC\n0\nEOF\n";
}

/// `points` (lon/lat CGCS2000) in the projected CRS `epsg`, through GDAL.
std::vector<geo::Point> project(const std::vector<geo::Point>& points, int epsg) {
    OGRSpatialReference source;
    source.importFromEPSG(4490);
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReference target;
    target.importFromEPSG(epsg);
    target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> transform(OGRCreateCoordinateTransformation(&source, &target));
    std::vector<geo::Point> projected = points;
    for (geo::Point& p : projected) EXPECT_TRUE(transform->Transform(1, &p.x, &p.y));
    return projected;
}

TEST_F(ImporterTest, DxfClosedPolylinesInAGaussKrugerZoneBecomeGrids) {
    // A grid east of the fixture's street, drawn in CGCS2000 3° Gauss–Krüger zone 39 (CM 117°E).
    const std::vector<geo::Point> lonlat{{116.42, 39.90}, {116.43, 39.90}, {116.43, 39.91}, {116.42, 39.91}, {116.42, 39.90}};
    const std::vector<geo::Point> with_prefix = project(lonlat, 4527);
    ASSERT_GT(with_prefix[0].x, 39e6);  // the zone number leads the easting
    const std::filesystem::path dxf = write_file(dir_ / "grid.dxf", dxf_with_square("110105001001003", with_prefix));
    ImportOptions options;
    options.columns = {{"code", "Layer"}};
    options.defaults = {{"level", "网格"}, {"name", "图纸网格"}, {"parent_code", "110105001"}};

    // The CRS without the prefix (EPSG:4548, same zone) cannot read these eastings.
    options.crs = "EPSG:4548";
    const std::string message = import_error(Layer::grids, dxf, options);
    EXPECT_NE(message.find("carries a zone prefix (zone 39)"), std::string::npos) << message;
    EXPECT_NE(message.find("EPSG:4527"), std::string::npos) << message;

    for (const std::string crs : {"EPSG:4527", "CGCS2000-GK"}) {
        SCOPED_TRACE(crs);
        GeoPackageStore store = GeoPackageStore::create(dir_ / (crs.substr(0, 4) + "dxf.gpkg"));
        options.crs = crs;
        options.layer = Layer::grids;
        ASSERT_EQ(import_file(store, dxf, options).added, 1u);
        const model::Dataset data = store.load();
        ASSERT_EQ(data.grids.size(), 1u);
        EXPECT_EQ(data.grids[0].code, "110105001001003");
        EXPECT_EQ(data.grids[0].level, model::GridLevel::grid);
        const geo::Ring& ring = data.grids[0].geometry.polygons.at(0).rings.at(0);
        ASSERT_EQ(ring.size(), lonlat.size());
        for (std::size_t i = 0; i < ring.size(); ++i) EXPECT_LT(metres_between(ring[i], lonlat[i]), 0.001);
    }
    // Without the prefix, EPSG:4548 reads the same drawing.
    write_file(dxf, dxf_with_square("110105001001003", project(lonlat, 4548)));
    options.crs = "EPSG:4548";
    options.layer = Layer::grids;
    GeoPackageStore store = GeoPackageStore::create(dir_ / "plain.gpkg");
    EXPECT_EQ(import_file(store, dxf, options).added, 1u);
}

TEST_F(ImporterTest, KmlPolygonsBecomeGrids) {
    const std::filesystem::path kml = write_file(dir_ / "grids.kml", R"(<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>
  <name>手机画的网格</name><description>110105001001004</description>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>
    116.42,39.90,0 116.43,39.90,0 116.43,39.91,0 116.42,39.91,0 116.42,39.90,0
  </coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Document></kml>)");
    ImportOptions options;
    options.columns = {{"code", "description"}};
    options.defaults = {{"level", "grid"}};
    EXPECT_EQ(import(Layer::grids, kml, options).added, 1u);
    const model::Dataset data = store_->load();
    ASSERT_EQ(data.grids.size(), 4u);
    EXPECT_EQ(data.grids[3].code, "110105001001004");
    EXPECT_EQ(data.grids[3].name, "手机画的网格");
    EXPECT_EQ(data.grids[3].geometry.polygons.at(0).rings.at(0)[1], (geo::Point{116.43, 39.90}));
}

TEST_F(ImporterTest, Gcj02AndBd09MatchPublishedReferencePairs) {
    // Reference pairs published with wandergis/coordtransform (test/app.js), the
    // implementation most Chinese web-map tools copy:
    //   wgs84togcj02(116.404, 39.915) = (116.41024449916938, 39.91640428150164)
    //   gcj02tobd09(116.404, 39.915)  = (116.41036949371029, 39.92133699351021)
    //   gcj02towgs84(116.404, 39.915) = (116.39775550083061, 39.91359571849836)
    // (its gcj02towgs84 is a one-step inverse, good to well under a metre).
    // So GCJ-02 (116.41024…, 39.91640…) is WGS84 (116.404, 39.915), and BD-09
    // (116.41036…, 39.92133…) is GCJ-02 (116.404, 39.915), hence WGS84 (116.39775…, 39.91359…).
    const geo::Point gcj_truth{116.404, 39.915};
    const geo::Point bd_truth{116.39775550083061, 39.91359571849836};
    const std::string gcj = "lon,lat\n116.41024449916938,39.91640428150164\n";
    const std::string bd = "lon,lat\n116.41036949371029,39.92133699351021\n";
    GeoPackageStore store = GeoPackageStore::create(dir_ / "offsets.gpkg");
    ImportOptions options;
    options.layer = Layer::facilities;
    options.defaults = {{"kind", "消防栓"}, {"name", "参考点"}};
    options.crs = "gcj02";
    import_file(store, write_file(dir_ / "gcj.csv", gcj), options);
    options.crs = "bd09";
    import_file(store, write_file(dir_ / "bd.csv", bd), options);
    const model::Dataset data = store.load();
    ASSERT_EQ(data.facilities.size(), 2u);
    EXPECT_LT(metres_between(data.facilities[0].location, gcj_truth), 1.0);
    EXPECT_LT(metres_between(data.facilities[1].location, bd_truth), 1.0);
}

TEST_F(ImporterTest, UpdateChangesThreeHouseholdsAndLeavesTheRest) {
    std::string csv = "id,compound,building,room,members,head_name,phone,lon,lat\n";
    for (int id = 1; id <= 6; ++id) {
        csv += std::to_string(id) + ",幸福小区,1号楼," + std::to_string(100 + id) + ",2,户主" + std::to_string(id) +
               ",1390000000" + std::to_string(id) + ",116.405,39.905\n";
    }
    import(Layer::households, write_file(dir_ / "all.csv", csv));
    store_->prepare_audit_log();
    const model::Dataset before = store_->load();

    // The new roster: 2, 4 and 6 changed, 1 and 3 as before, 7 new; 5 not in it. No phone column.
    ImportOptions options;
    options.update = true;
    const ImportSummary summary =
        import(Layer::households,
               write_file(dir_ / "update.csv",
                          "编号,小区,楼栋,门牌号,人数,户主姓名,经度,纬度\n"
                          "1,幸福小区,1号楼,101,2,户主1,116.405,39.905\n"
                          "2,幸福小区,1号楼,102,3,户主2,116.405,39.905\n"
                          "3,幸福小区,1号楼,103,2,户主3,116.405,39.905\n"
                          "4,幸福小区,1号楼,104,2,新户主,116.405,39.905\n"
                          "6,幸福小区,1号楼,106,2,户主6,116.412,39.902\n"
                          "7,幸福小区,2号楼,201,1,新住户,116.405,39.905\n"),
               options);
    EXPECT_EQ(summary.added, 1u);
    EXPECT_EQ(summary.updated, 3u);
    EXPECT_EQ(summary.unchanged, 2u);
    EXPECT_EQ(summary.refused, 0u);
    const model::Dataset after = store_->load();
    ASSERT_EQ(after.households.size(), 7u);  // never duplicated
    EXPECT_EQ(after.households[1].members, 3);
    EXPECT_EQ(after.households[3].head_name, "新户主");
    EXPECT_EQ(after.households[5].grid_code, "110105001001002");  // moved, re-derived
    EXPECT_EQ(after.households[5].phone, "13900000006");          // no phone column: kept
    for (const std::size_t untouched : {0u, 2u, 4u}) EXPECT_EQ(after.households[untouched], before.households[untouched]);

    // One audit entry per changed household with its fields before and after (personal data masked).
    const std::string audit = testing::run_command("sqlite3 " + (dir_ / "s.gpkg").string() +
                                                   " \"SELECT action, record_ids, detail FROM audit_log ORDER BY id\"");
    EXPECT_NE(audit.find("import.update|[\"4\"]|"), std::string::npos) << audit;
    EXPECT_NE(audit.find("head_name: 户** → 新**"), std::string::npos) << audit;
    EXPECT_NE(audit.find("members: 2 → 3"), std::string::npos) << audit;
    EXPECT_NE(audit.find("grid_code: 110105001001001 → 110105001001002"), std::string::npos) << audit;
}

TEST_F(ImporterTest, DryRunWritesNothing) {
    const std::filesystem::path path = write_file(dir_ / "h.csv", "id,lon,lat\n1,116.405,39.905\n2,116.415,39.905\n");
    const auto size = std::filesystem::file_size(dir_ / "s.gpkg");
    ImportOptions options;
    options.dry_run = true;
    const ImportSummary summary = import(Layer::households, path, options);  // no throw: the report is the result
    EXPECT_FALSE(summary.written);
    EXPECT_EQ(summary.added, 1u);
    EXPECT_EQ(summary.refused, 1u);
    EXPECT_EQ(summary.outside_grids, 1u);
    EXPECT_TRUE(store_->load().households.empty());
    EXPECT_EQ(std::filesystem::file_size(dir_ / "s.gpkg"), size);
}

// The sample community in data/ (written by the data engineer) loads cleanly,
// in the order of scripts/load-sample.
TEST(SampleData, ImportsCleanly) {
    const std::filesystem::path data_dir = std::filesystem::path(WANGGE_SOURCE_DIR) / "data";
    const std::vector<std::pair<Layer, std::string>> files{
        {Layer::grids, "grids.geojson"},         {Layer::grids, "dedicated_grids.geojson"},
        {Layer::staff, "staff.csv"},             {Layer::staff_grids, "staff_grids.csv"},
        {Layer::households, "households.csv"},   {Layer::facilities, "facilities.csv"},
        {Layer::facilities, "organisations.csv"}, {Layer::incidents, "incidents.csv"},
        {Layer::incident_events, "incident_events.csv"}, {Layer::visits, "visits.csv"}};
    for (const auto& [layer, file] : files) {
        if (!std::filesystem::exists(data_dir / file)) GTEST_SKIP() << "no sample " << file << " yet";
    }
    TempDir dir;
    GeoPackageStore store = GeoPackageStore::create(dir / "sample.gpkg");
    for (const auto& [layer, file] : files) {
        ImportOptions options;
        options.layer = layer;
        options.now = import_time;
        ImportSummary summary;
        ASSERT_NO_THROW(summary = import_file(store, data_dir / file, options)) << file;
        EXPECT_GT(summary.rows, 0u) << file;
    }
    const model::Dataset data = store.load();
    EXPECT_FALSE(data.households.empty());
    for (const model::Household& h : data.households) EXPECT_FALSE(h.grid_code.empty());
    // Households keep their base grids under the dedicated ones.
    for (const model::Household& h : data.households) EXPECT_FALSE(h.grid_code.ends_with("901")) << h.id;
    const auto dedicated = std::ranges::count_if(data.grids, [](const model::Grid& g) { return g.dedicated(); });
    EXPECT_EQ(dedicated, 2);
    const auto school = std::ranges::find(data.grids, std::string("110105031002901"), &model::Grid::code);
    ASSERT_NE(school, data.grids.end());
    EXPECT_EQ(school->purpose, "学校");
}

}  // namespace
}  // namespace wangge::store
