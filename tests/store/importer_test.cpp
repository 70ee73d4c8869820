#include "wangge/store/importer.hpp"

#include <cmath>
#include <numbers>
#include <string>

#include <gtest/gtest.h>

#include "entity_fields.hpp"
#include "../support/temp_dir.hpp"
#include "wangge/geo/chinese_offsets.hpp"
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
        try {
            import(layer, write_file(dir_ / name, content), std::move(options));
        } catch (const ImportError& e) {
            return e.what();
        }
        ADD_FAILURE() << "importing " << name << " did not fail";
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

TEST_F(ImporterTest, ImportsTheWholeWorkflowFromCsv) {
    import(Layer::staff, write_file(dir_ / "staff.csv", "id,name,phone,role\n7,王芳,13800000001,专职网格员\n"));
    import(Layer::staff_grids, write_file(dir_ / "sg.csv", "staff_id,grid_code,duty\n7,110105001001001,A\n"));
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

// The sample community in data/ (written by the data engineer) loads cleanly,
// in the order of scripts/load-sample.
TEST(SampleData, ImportsCleanly) {
    const std::filesystem::path data_dir = std::filesystem::path(WANGGE_SOURCE_DIR) / "data";
    const std::vector<std::pair<Layer, std::string>> files{
        {Layer::grids, "grids.geojson"},         {Layer::staff, "staff.csv"},
        {Layer::staff_grids, "staff_grids.csv"}, {Layer::households, "households.csv"},
        {Layer::facilities, "facilities.csv"},   {Layer::incidents, "incidents.csv"},
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
}

}  // namespace
}  // namespace wangge::store
