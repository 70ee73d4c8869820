// The store reads its layers with SQLite (src/store/sqlite.cpp); these tests
// hold what it reads against GDAL's GeoPackage driver reading the same file,
// an independent oracle, on rows wangge wrote and on rows other tools could
// have written (NULLs, other time forms, other geometry encodings).

#include <cmath>
#include <memory>
#include <string>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <gtest/gtest.h>

#include "entity_fields.hpp"
#include "sample_dataset.hpp"
#include "../support/temp_dir.hpp"
#include "wangge/model/duty_days.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/model/time.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/synth/city.hpp"

namespace wangge::store {
namespace {

using support::TempDir;
using testing::expect_same;

/// A feature's fields as GDAL reads them, converted as plainly as possible.
class OgrRow {
public:
    explicit OgrRow(const OGRFeature& feature) : f_(feature) {}

    [[nodiscard]] std::string text(const char* name) const { return f_.GetFieldAsString(name); }
    [[nodiscard]] int integer(const char* name) const { return f_.GetFieldAsInteger(name); }
    [[nodiscard]] std::int64_t integer64(const char* name) const { return f_.GetFieldAsInteger64(name); }
    [[nodiscard]] std::optional<model::Timestamp> time(const char* name) const {
        const int i = f_.GetFieldIndex(name);
        if (!f_.IsFieldSetAndNotNull(i)) return std::nullopt;
        int year = 0, month = 0, day = 0, hour = 0, minute = 0, tz = 0;
        float second = 0;
        f_.GetFieldAsDateTime(i, &year, &month, &day, &hour, &minute, &second, &tz);
        const int offset = tz >= 2 ? (tz - 100) * 900 : model::default_utc_offset_seconds;
        return model::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
               hour * 3600 + minute * 60 + std::lround(second) - offset;
    }
    [[nodiscard]] std::vector<std::string> tags(const char* name) const {
        std::vector<std::string> tags;
        std::string text = f_.GetFieldAsString(name);
        for (std::size_t begin = 0; begin <= text.size();) {
            std::size_t end = text.find(';', begin);
            if (end == std::string::npos) end = text.size();
            std::string piece = text.substr(begin, end - begin);
            piece.erase(0, piece.find_first_not_of(" \t\r\n"));
            piece.erase(piece.find_last_not_of(" \t\r\n") + 1);
            if (!piece.empty()) tags.push_back(piece);
            begin = end + 1;
        }
        return tags;
    }
    [[nodiscard]] geo::Point point() const {
        const OGRPoint* p = f_.GetGeometryRef()->toPoint();
        return {p->getX(), p->getY()};
    }
    [[nodiscard]] geo::MultiPolygon multipolygon() const {
        std::unique_ptr<OGRGeometry> g(OGRGeometryFactory::forceToMultiPolygon(f_.GetGeometryRef()->clone()));
        geo::MultiPolygon result;
        for (const OGRPolygon* polygon : *g->toMultiPolygon()) {
            geo::Polygon& out = result.polygons.emplace_back();
            for (const OGRLinearRing* ring : *polygon) {
                geo::Ring& r = out.rings.emplace_back();
                for (const OGRPoint& p : *ring) r.push_back({p.getX(), p.getY()});
            }
        }
        return result;
    }
    [[nodiscard]] std::int64_t fid() const { return f_.GetFID(); }

private:
    const OGRFeature& f_;
};

template <class Row, class Read>
std::vector<Row> ogr_rows(GDALDataset& dataset, const char* layer_name, Read read) {
    std::vector<Row> rows;
    OGRLayer* layer = dataset.GetLayerByName(layer_name);
    layer->ResetReading();
    while (OGRFeatureUniquePtr feature{layer->GetNextFeature()}) rows.push_back(read(OgrRow(*feature)));
    return rows;
}

/// Every layer of the store at `path` as GDAL's GeoPackage driver reads it.
model::Dataset read_with_gdal(const std::filesystem::path& path) {
    GDALAllRegister();
    // Its warnings about the odd values below are expected.
    CPLPushErrorHandler(CPLQuietErrorHandler);
    const GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    model::Dataset d;
    d.grids = ogr_rows<model::Grid>(*dataset, "grids", [](const OgrRow& r) {
        return model::Grid{r.text("code"),        r.text("name"),       *model::parse_grid_level(r.text("level")),
                           r.text("parent_code"), r.multipolygon(),     *r.time("valid_from"),
                           r.time("valid_to"),    r.integer("version"), r.text("purpose")};
    });
    d.staff = ogr_rows<model::Staff>(*dataset, "staff", [](const OgrRow& r) {
        return model::Staff{r.fid(), r.text("name"), r.text("phone"), r.text("role")};
    });
    d.staff_grids = ogr_rows<model::StaffGrid>(*dataset, "staff_grids", [](const OgrRow& r) {
        return model::StaffGrid{r.integer64("staff_id"), r.text("grid_code"), *model::parse_duty(r.text("duty")),
                                *model::parse_duty_days(r.text("duty_days"))};
    });
    d.households = ogr_rows<model::Household>(*dataset, "households", [](const OgrRow& r) {
        return model::Household{r.fid(),           r.text("compound"),   r.text("building"),
                                r.text("unit"),    r.text("room"),       r.point(),
                                r.text("grid_code"), r.integer("members"), r.tags("tags"),
                                r.text("head_name"), r.text("id_number"), r.text("phone")};
    });
    d.facilities = ogr_rows<model::Facility>(*dataset, "facilities", [](const OgrRow& r) {
        model::Facility place{r.fid(), r.text("kind"), r.text("name"), r.point(), r.text("grid_code")};
        place.compound = r.text("compound");
        place.contact_name = r.text("contact_name");
        place.contact_phone = r.text("contact_phone");
        return place;
    });
    d.incidents = ogr_rows<model::Incident>(*dataset, "incidents", [](const OgrRow& r) {
        return model::Incident{r.fid(),
                               r.text("category"),
                               r.text("source"),
                               r.text("triage"),
                               r.text("state"),
                               r.text("description"),
                               r.point(),
                               r.text("grid_code"),
                               r.text("assignee"),
                               *r.time("reported_at"),
                               r.time("dispatched_at"),
                               r.time("deadline"),
                               r.time("closed_at")};
    });
    d.incident_events = ogr_rows<model::IncidentEvent>(*dataset, "incident_events", [](const OgrRow& r) {
        return model::IncidentEvent{r.fid(),         r.integer64("incident_id"), *r.time("at"),   r.text("actor"),
                                    r.text("from_state"), r.text("to_state"), r.text("note")};
    });
    d.visits = ogr_rows<model::Visit>(*dataset, "visits", [](const OgrRow& r) {
        return model::Visit{r.fid(), r.integer64("staff_id"), r.integer64("household_id"), *r.time("at"),
                            r.text("kind"),  r.text("note"),   r.text("reason"),
                            r.integer64("incident_id"), r.text("client_key")};
    });
    CPLPopErrorHandler();
    return d;
}

/// Runs SQL statements on the store through GDAL (its SQLite functions
/// keep the R-tree triggers working).
void execute(const std::filesystem::path& path, std::initializer_list<std::string> statements) {
    const GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
    for (const std::string& sql : statements) {
        CPLErrorReset();
        OGRLayer* result = dataset->ExecuteSQL(sql.c_str(), nullptr, nullptr);
        if (result != nullptr) dataset->ReleaseResultSet(result);
        ASSERT_NE(CPLGetLastErrorType(), CE_Failure) << sql << ": " << CPLGetLastErrorMsg();
    }
}

/// A GeoPackage geometry blob as an SQL literal: header (little-endian,
/// srs 4490) with `envelope` (flag value 0 or 1) and then `wkb_hex`.
std::string gpkg_blob(const std::string& wkb_hex, bool envelope = false) {
    std::string hex = std::string("4750") + "00" + (envelope ? "03" : "01") + "8A110000";
    if (envelope) hex += std::string(64, '0');  // minx maxx miny maxy: not read back
    return "X'" + hex + wkb_hex + "'";
}

/// A store at dir/s.gpkg holding sample_dataset(), then changed by `statements`.
std::filesystem::path sample_store(const TempDir& dir, std::initializer_list<std::string> statements) {
    model::Dataset data = testing::sample_dataset();
    GeoPackageStore::create(dir / "s.gpkg").append(data);
    execute(dir / "s.gpkg", statements);
    return dir / "s.gpkg";
}

TEST(SqliteLoad, ReadsWhatGdalReadsFromASyntheticCity) {
    TempDir dir;
    synth::CityParams params;
    params.grids = 12;
    params.households = 400;
    params.incidents = 300;
    params.visits = 50;
    model::Dataset data = synth::generate_city(params);
    GeoPackageStore::create(dir / "city.gpkg").append(data);

    const GeoPackageStore store = GeoPackageStore::open(dir / "city.gpkg");
    const model::Dataset oracle = read_with_gdal(dir / "city.gpkg");
    ASSERT_EQ(oracle.households.size(), 400u);
    expect_same(store.load(), oracle);
    expect_same(model::to_dataset(store.load_tables()), oracle);
}

TEST(SqliteLoad, ReadsNullsOtherTimeFormsAndGeometryEncodingsAsGdalDoes) {
    TempDir dir;
    const std::filesystem::path path = sample_store(
        dir, {// NULL text, number and tags read as "", 0 and none.
             "UPDATE households SET phone = NULL, members = NULL, tags = NULL, head_name = NULL WHERE id = 102",
             "UPDATE households SET tags = ' 独居老人 ;;低保; ' WHERE id = 101",
             // Times as other tools write them: no milliseconds, no zone
             // (+08:00), an offset, a date alone, a number OGR leaves unset.
             "UPDATE incidents SET reported_at = '2026-01-01T00:00:00Z', dispatched_at = '2026-01-02 10:00:00', "
             "deadline = '2026-01-03T10:00:00+08:00', closed_at = '2026-01-04' WHERE id = 9001",
             "UPDATE incidents SET dispatched_at = 12345, deadline = 'not a time', closed_at = NULL WHERE id = 9002",
             "UPDATE incident_events SET at = '2026-01-05T06:07:08.5Z', actor = NULL WHERE id = 2",
             // A point with an envelope in its header, a big-endian one and a 3D one.
             "UPDATE households SET geom = " + gpkg_blob("0101000000" "0000000000205D40" "0000000000F04340", true) +
                 " WHERE id = 101",
             "UPDATE facilities SET geom = " + gpkg_blob("0000000001" "405D200000000000" "4043F00000000000") +
                 " WHERE id = 5",
             "UPDATE incidents SET geom = " +
                 gpkg_blob("01E9030000" "0000000000205D40" "0000000000F04340" "0000000000004940") + " WHERE id = 9002",
             // A grid stored as a plain Polygon rather than a MultiPolygon.
             "UPDATE grids SET geom = " +
                 gpkg_blob("0103000000" "01000000" "04000000" "0000000000205D40" "0000000000F04340"
                           "0000000000245D40" "0000000000F04340" "0000000000205D40" "0000000000F84340"
                           "0000000000205D40" "0000000000F04340",
                           true) +
                 " WHERE code = '110105001' AND valid_to IS NULL"});

    const model::Dataset oracle = read_with_gdal(path);
    ASSERT_EQ(oracle.households.at(1).members, 0);
    ASSERT_EQ(oracle.households.at(0).location, (geo::Point{116.5, 39.875}));
    ASSERT_FALSE(oracle.incidents.at(1).dispatched_at.has_value());
    ASSERT_EQ(oracle.grids.at(0).geometry.polygons.at(0).rings.at(0).size(), 4u);
    const GeoPackageStore store = GeoPackageStore::open(path);
    expect_same(store.load(), oracle);
    expect_same(model::to_dataset(store.load_tables()), oracle);
}

TEST(SqliteLoad, NamesTheRowOfARequiredTimeItCannotRead) {
    TempDir dir;
    const GeoPackageStore store = GeoPackageStore::open(sample_store(dir, {"UPDATE visits SET at = NULL WHERE id = 1"}));
    try {
        (void)store.load();
        FAIL() << "expected a StoreError";
    } catch (const StoreError& e) {
        EXPECT_STREQ(e.what(), "visits feature 1 has no valid time in at");
    }
}

}  // namespace
}  // namespace wangge::store
