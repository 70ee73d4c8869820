#include "wangge/store/exporter.hpp"

#include <string>

#include <gtest/gtest.h>

#include "entity_fields.hpp"
#include "sample_dataset.hpp"
#include "run_command.hpp"
#include "../support/temp_dir.hpp"
#include "wangge/store/importer.hpp"

namespace wangge::store {
namespace {

using testing::sample_dataset;
using support::TempDir;
using testing::run_command;

/// Grids equal in every field, vertices within `tolerance` degrees (text formats keep 15 digits).
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
                ASSERT_EQ(a[p].rings[r].size(), e[p].rings[r].size());
                for (std::size_t v = 0; v < a[p].rings[r].size(); ++v) {
                    EXPECT_NEAR(a[p].rings[r][v].x, e[p].rings[r][v].x, tolerance);
                    EXPECT_NEAR(a[p].rings[r][v].y, e[p].rings[r][v].y, tolerance);
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
    /// names the file otherwise) back into a fresh store that has the same grids.
    model::Dataset round_trip(Layer layer, const std::string& name, std::string written = {}) {
        const GeoPackageStore store = GeoPackageStore::open(dir_ / "s.gpkg");
        EXPECT_GT(export_layer(store, layer, dir_ / name), 0u);
        if (written.empty()) written = name;
        GeoPackageStore copy = GeoPackageStore::create(dir_ / (name + ".gpkg"));
        model::Dataset grids;
        grids.grids = data_.grids;
        if (layer != Layer::grids) copy.append(grids);
        ImportOptions options;
        options.layer = layer;
        import_file(copy, dir_ / written, options);
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
    for (const std::string name : {"g.shp", "g.fgb", "g.gpkg"}) {
        EXPECT_EQ(export_layer(store, Layer::grids, dir_ / name), 3u) << name;
        const std::string info = run_command("/usr/bin/ogrinfo -ro -al -so " + (dir_ / name).string() + " 2>&1");
        EXPECT_NE(info.find("Feature Count: 3"), std::string::npos) << info;
    }
    EXPECT_EQ(round_trip(Layer::incidents, "i.fgb").incidents, data_.incidents);
    // A layer without geometry becomes a lone .dbf.
    EXPECT_EQ(round_trip(Layer::staff, "s.shp", "s.dbf").staff, data_.staff);
}

TEST_F(ExporterTest, RefusesUnknownFormatsAndExistingFiles) {
    const GeoPackageStore store = GeoPackageStore::open(dir_ / "s.gpkg");
    EXPECT_THROW(export_layer(store, Layer::grids, dir_ / "g.kml"), ExportError);
    EXPECT_EQ(export_layer(store, Layer::staff, dir_ / "s.csv"), 2u);
    EXPECT_THROW(export_layer(store, Layer::staff, dir_ / "s.csv"), ExportError);
}

}  // namespace
}  // namespace wangge::store
