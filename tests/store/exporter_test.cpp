#include "wangge/store/exporter.hpp"

#include <algorithm>
#include <fstream>
#include <tuple>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "entity_fields.hpp"
#include "sample_dataset.hpp"
#include "run_command.hpp"
#include "../support/temp_dir.hpp"
#include "wangge/store/column_synonyms.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/store/importer.hpp"

namespace wangge::store {
namespace {

using testing::sample_dataset;
using support::TempDir;
using testing::run_command;

/// A ring as a shape: counter-clockwise from its lowest vertex. Shapefiles
/// store outer rings clockwise (ESRI's rule), so a grid read back from one
/// has the same vertices in the opposite order.
geo::Ring normalised(geo::Ring ring) {
    if (ring.size() < 4) return ring;
    ring.pop_back();  // the closing repeat of the first vertex
    double twice_area = 0;
    for (std::size_t i = 0; i < ring.size(); ++i) {
        const geo::Point& a = ring[i];
        const geo::Point& b = ring[(i + 1) % ring.size()];
        twice_area += a.x * b.y - b.x * a.y;
    }
    if (twice_area < 0) std::ranges::reverse(ring);
    const auto lowest = std::ranges::min_element(ring, [](const geo::Point& a, const geo::Point& b) {
        return std::tie(a.x, a.y) < std::tie(b.x, b.y);
    });
    std::ranges::rotate(ring, lowest);
    ring.push_back(ring.front());
    return ring;
}

/// Grids equal in every field, the same rings (in either orientation) with
/// vertices within `tolerance` degrees (text formats keep 15 digits).
void expect_near(const std::vector<model::Grid>& actual, const std::vector<model::Grid>& expected, double tolerance) {
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        model::Grid without_geometry = actual[i];
        without_geometry.geometry = expected[i].geometry;
        EXPECT_EQ(without_geometry, expected[i]);
        const auto& a = actual[i].geometry.polygons;
        const auto& e = expected[i].geometry.polygons;
        ASSERT_EQ(a.size(), e.size());
        for (std::size_t p = 0; p < a.size(); ++p) {
            ASSERT_EQ(a[p].rings.size(), e[p].rings.size());
            for (std::size_t r = 0; r < a[p].rings.size(); ++r) {
                const geo::Ring actual_ring = normalised(a[p].rings[r]);
                const geo::Ring expected_ring = normalised(e[p].rings[r]);
                ASSERT_EQ(actual_ring.size(), expected_ring.size());
                for (std::size_t v = 0; v < actual_ring.size(); ++v) {
                    EXPECT_NEAR(actual_ring[v].x, expected_ring[v].x, tolerance);
                    EXPECT_NEAR(actual_ring[v].y, expected_ring[v].y, tolerance);
                }
            }
        }
    }
}

class ExporterTest : public ::testing::Test {
protected:
    void SetUp() override {
        GeoPackageStore store = GeoPackageStore::create(dir_ / "s.gpkg");
        data_ = sample_dataset();
        store.append(data_);
    }

    /// Exports `layer` to `name` and imports it (or `written`, when the driver
    /// names the file otherwise) back into a fresh store that has the same grids,
    /// with personal fields unless `options` says otherwise.
    model::Dataset round_trip(Layer layer, const std::string& name, std::string written = {},
                              ExportOptions options = {.include_personal = true}, ImportOptions import = {}) {
        const GeoPackageStore store = GeoPackageStore::open(dir_ / "s.gpkg");
        EXPECT_GT(export_layer(store, layer, dir_ / name, options).rows, 0u);
        if (written.empty()) written = name;
        GeoPackageStore copy = GeoPackageStore::create(dir_ / (name + ".gpkg"));
        model::Dataset grids;
        grids.grids = data_.grids;
        if (layer != Layer::grids) copy.append(grids);
        import.layer = layer;
        import_file(copy, dir_ / written, import);
        const std::array layers{layer};
        return copy.load(layers);
    }

    TempDir dir_;
    model::Dataset data_;
};

TEST_F(ExporterTest, GeoJsonRoundTripsHouseholdsAndGrids) {
    EXPECT_EQ(round_trip(Layer::households, "h.geojson").households, data_.households);
    expect_near(round_trip(Layer::grids, "g.geojson").grids, data_.grids, 1e-12);
}

TEST_F(ExporterTest, CsvRoundTripsIncidentsAndGrids) {
    EXPECT_EQ(round_trip(Layer::incidents, "i.csv").incidents, data_.incidents);
    expect_near(round_trip(Layer::grids, "g.csv").grids, data_.grids, 1e-12);
    const std::string header = run_command("head -1 " + (dir_ / "i.csv").string());
    EXPECT_EQ(header,
              "id,category,source,triage,state,description,grid_code,assignee,reported_at,dispatched_at,deadline,"
              "closed_at,lon,lat\n");
}

TEST_F(ExporterTest, XlsxRoundTripsVisitsAndHouseholds) {
    EXPECT_EQ(round_trip(Layer::visits, "v.xlsx").visits, data_.visits);
    EXPECT_EQ(round_trip(Layer::households, "h.xlsx").households, data_.households);
    const std::string listing = run_command("/usr/bin/ogrinfo -ro -al " + (dir_ / "h.xlsx").string() + " 2>&1");
    EXPECT_NE(listing.find("独居老人;低保"), std::string::npos) << listing;
}

TEST_F(ExporterTest, OtherFormatsOpenInGdal) {
    const GeoPackageStore store = GeoPackageStore::open(dir_ / "s.gpkg");
    for (const std::string name : {"g.shp", "g.fgb", "g.gpkg", "g.kml"}) {
        EXPECT_EQ(export_layer(store, Layer::grids, dir_ / name).rows, 3u) << name;
        const std::string info = run_command("/usr/bin/ogrinfo -ro -al -so " + (dir_ / name).string() + " 2>&1");
        EXPECT_NE(info.find("Feature Count: 3"), std::string::npos) << info;
    }
    EXPECT_EQ(round_trip(Layer::incidents, "i.fgb").incidents, data_.incidents);
    // A layer without geometry becomes a lone .dbf.
    EXPECT_EQ(round_trip(Layer::staff, "s.shp", "s.dbf").staff, data_.staff);
}

TEST_F(ExporterTest, RefusesUnknownFormatsAndExistingFiles) {
    const GeoPackageStore store = GeoPackageStore::open(dir_ / "s.gpkg");
    EXPECT_THROW(export_layer(store, Layer::grids, dir_ / "g.dxf"), ExportError);
    EXPECT_EQ(export_layer(store, Layer::staff, dir_ / "s.csv").rows, 2u);
    EXPECT_THROW(export_layer(store, Layer::staff, dir_ / "s.csv"), ExportError);
    EXPECT_THROW(export_layer(store, Layer::grids, dir_ / "g2.gpkg", {.chinese_headers = true}), ExportError);
    EXPECT_THROW(export_layer(store, Layer::staff, dir_ / "s2.csv", {.encoding = "GBK"}), ExportError);
    EXPECT_THROW(export_layer(store, Layer::grids, dir_ / "g2.shp", {.encoding = "Big5"}), ExportError);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "g2.gpkg"));
}

/// Households equal in every field, locations within `tolerance` degrees.
void expect_near(const std::vector<model::Household>& actual, const std::vector<model::Household>& expected,
                 double tolerance) {
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        model::Household moved = actual[i];
        moved.location = expected[i].location;
        EXPECT_EQ(moved, expected[i]);
        EXPECT_NEAR(actual[i].location.x, expected[i].location.x, tolerance);
        EXPECT_NEAR(actual[i].location.y, expected[i].location.y, tolerance);
    }
}

/// Issue #17: every export format imports back with the same rows,
/// attributes and geometry (1e-9° at most; binary formats keep the doubles
/// themselves, KML and CSV write 15 significant digits, about 1e-13° here).
TEST_F(ExporterTest, EveryFormatRoundTripsHouseholdsAndGrids) {
    for (const std::string format : {"gpkg", "shp", "geojson", "fgb", "kml", "csv", "xlsx"}) {
        SCOPED_TRACE(format);
        expect_near(round_trip(Layer::households, "every-h." + format).households, data_.households, 1e-9);
        if (format == "xlsx") continue;  // a table for people: no polygons (exporter.hpp)
        // Shapefiles cut field names to 10 bytes.
        ImportOptions import;
        if (format == "shp") import.columns = {{"parent_code", "parent_cod"}};
        expect_near(round_trip(Layer::grids, "every-g." + format, {}, {}, import).grids, data_.grids, 1e-9);
    }
}

TEST_F(ExporterTest, PersonalFieldsOnlyWhenAskedFor) {
    const GeoPackageStore store = GeoPackageStore::open(dir_ / "s.gpkg");
    const ExportSummary plain = export_layer(store, Layer::households, dir_ / "plain.csv");
    EXPECT_EQ(plain.rows, data_.households.size());
    EXPECT_TRUE(plain.personal_ids.empty());
    const std::string header = run_command("head -1 " + (dir_ / "plain.csv").string());
    EXPECT_EQ(header, "id,compound,building,unit,room,grid_code,members,moved_in,moved_out,lon,lat\n");
    const std::string listing = run_command("cat " + (dir_ / "plain.csv").string());
    for (const model::Household& household : data_.households) {
        for (const std::string& personal : {household.head_name, household.id_number, household.phone}) {
            if (!personal.empty()) {
                EXPECT_EQ(listing.find(personal), std::string::npos) << personal;
            }
        }
    }
    // Re-imported: the same households, without personal fields.
    std::vector<model::Household> expected = data_.households;
    for (model::Household& household : expected) {
        household.head_name.clear();
        household.id_number.clear();
        household.phone.clear();
        household.tags.clear();
    }
    EXPECT_EQ(round_trip(Layer::households, "plain.geojson", {}, {}).households, expected);

    const ExportSummary full = export_layer(store, Layer::households, dir_ / "full.csv", {.include_personal = true});
    ASSERT_EQ(full.personal_ids.size(), data_.households.size());
    EXPECT_EQ(full.personal_ids.front(), data_.households.front().id);
    EXPECT_TRUE(export_layer(store, Layer::grids, dir_ / "g.csv", {.include_personal = true}).personal_ids.empty());
}

/// `export --headers zh` then `wangge import` with no mapping: the importer
/// finds every field under the Chinese header the exporter wrote (the first
/// name of the synonym table), in every layer, identical rows.
TEST_F(ExporterTest, ChineseHeadersImportBackWithoutAMapping) {
    const ExportOptions zh{.include_personal = true, .chinese_headers = true};
    for (const std::string format : {"csv", "xlsx"}) {
        SCOPED_TRACE(format);
        EXPECT_EQ(round_trip(Layer::households, "zh-h." + format, {}, zh).households, data_.households);
        EXPECT_EQ(round_trip(Layer::facilities, "zh-f." + format, {}, zh).facilities, data_.facilities);
        EXPECT_EQ(round_trip(Layer::incidents, "zh-i." + format, {}, zh).incidents, data_.incidents);
        EXPECT_EQ(round_trip(Layer::incident_events, "zh-e." + format, {}, zh).incident_events, data_.incident_events);
        EXPECT_EQ(round_trip(Layer::visits, "zh-v." + format, {}, zh).visits, data_.visits);
        EXPECT_EQ(round_trip(Layer::staff, "zh-s." + format, {}, zh).staff, data_.staff);
        EXPECT_EQ(round_trip(Layer::staff_grids, "zh-sg." + format, {}, zh).staff_grids, data_.staff_grids);
    }
    // A CSV keeps the polygons as WKT beside the Chinese headers.
    expect_near(round_trip(Layer::grids, "zh-g.csv", {}, zh).grids, data_.grids, 1e-12);
    const std::string header = run_command("head -1 " + (dir_ / "zh-h.csv").string());
    for (const char* field : {"id", "compound", "head_name", "id_number", "phone", "lon", "lat"}) {
        const std::string chinese(chinese_header(Layer::households, field));
        EXPECT_NE(chinese, field);
        EXPECT_NE(header.find(chinese), std::string::npos) << field << ": " << header;
    }
}

TEST_F(ExporterTest, ShapefilesInGbkSayItInTheirCpg) {
    const ExportOptions in_gbk{.include_personal = true, .encoding = "GBK"};
    expect_near(round_trip(Layer::households, "gbk.shp", {}, in_gbk).households, data_.households, 0);
    EXPECT_EQ(round_trip(Layer::facilities, "gbk-f.shp", {}, in_gbk).facilities, data_.facilities);
    ImportOptions cut_names;  // shapefiles cut field names to 10 bytes
    cut_names.columns = {{"parent_code", "parent_cod"}};
    expect_near(round_trip(Layer::grids, "gbk-g.shp", {}, in_gbk, cut_names).grids, data_.grids, 1e-9);
    const auto read = [](const std::filesystem::path& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    EXPECT_EQ(read(dir_ / "gbk.cpg"), "CP936");
    const std::string dbf = read(dir_ / "gbk.dbf");
    // A compound name of the sample in GBK (iconv as the independent encoder), and not in UTF-8.
    const std::string compound = data_.households.front().compound;
    const std::string gbk = run_command("printf '%s' '" + compound + "' | iconv -f UTF-8 -t GBK");
    ASSERT_FALSE(gbk.empty());
    EXPECT_NE(dbf.find(gbk), std::string::npos);
    EXPECT_EQ(dbf.find(compound), std::string::npos);
    round_trip(Layer::households, "utf8.shp");
    EXPECT_EQ(read(dir_ / "utf8.cpg"), "UTF-8");
}

}  // namespace
}  // namespace wangge::store
