#pragma once
// RAII around the GDAL/OGR handles the store module uses, and the conversions
// between OGR values and the plain model types.
//
// Private to the store module. Thread safety: the helpers are reentrant; the
// handles they wrap are not thread-safe.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gdal_priv.h>
#include <ogr_feature.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "wangge/geo/types.hpp"
#include "wangge/model/time.hpp"

namespace wangge::store::detail {

/// Registers the GDAL drivers once per process.
void register_gdal();

/// Keeps GDAL from printing errors on stderr while alive (on this thread):
/// callers read last_gdal_error() and throw instead.
class QuietGdalErrors {
public:
    QuietGdalErrors();
    ~QuietGdalErrors();
    QuietGdalErrors(const QuietGdalErrors&) = delete;
    QuietGdalErrors& operator=(const QuietGdalErrors&) = delete;
};

/// GDAL's last error message on this thread, or "unknown GDAL error".
[[nodiscard]] std::string last_gdal_error();

/// Opens a vector dataset; null when GDAL cannot open it.
[[nodiscard]] GDALDatasetUniquePtr open_vector(const std::filesystem::path& path, bool update,
                                               const std::vector<std::string>& allowed_drivers = {},
                                               const std::vector<std::string>& open_options = {});

/// Runs an SQL statement (a PRAGMA) on a GeoPackage/SQLite dataset and
/// returns the first column of its first row, empty when it returns none.
/// Throws StoreError when SQLite refuses the statement.
std::string execute_sql(GDALDataset& dataset, const std::string& sql);

/// Sets up a store connection: a busy timeout so that a write waits for
/// another connection's commit instead of failing, and, when writable, the
/// write-ahead log (see geopackage.hpp for why).
void configure_connection(GDALDataset& dataset, bool writable);

/// A list of KEY=VALUE strings in the char** form GDAL wants; owns the strings.
class StringList {
public:
    StringList(std::initializer_list<std::string> items = {});
    void add(std::string item);
    [[nodiscard]] char** get() noexcept { return pointers_.data(); }

private:
    std::vector<std::string> items_;
    std::vector<char*> pointers_;
};

struct CoordinateTransformationDeleter {
    void operator()(OGRCoordinateTransformation* ct) const noexcept { OGRCoordinateTransformation::DestroyCT(ct); }
};
using CoordinateTransformationPtr = std::unique_ptr<OGRCoordinateTransformation, CoordinateTransformationDeleter>;

/// CGCS2000 lon/lat (EPSG:4490) with longitude first.
[[nodiscard]] OGRSpatialReference cgcs2000();

/// A write transaction on a dataset: commit() makes it durable; destroying an
/// uncommitted transaction rolls it back (vtzero's feature_builder shape).
/// A failed commit throws; it is never swallowed.
class Transaction {
public:
    explicit Transaction(GDALDataset& dataset);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();

private:
    GDALDataset* dataset_;
    bool open_ = true;
};

/// A timestamp as an OGR DateTime field value in UTC, and back (fields without
/// a time zone are read as +08:00, DESIGN §6).
void set_time_field(OGRFeature& feature, int field, model::Timestamp t);
[[nodiscard]] model::Timestamp time_field(const OGRFeature& feature, int field);
/// A GeoPackage DateTime text as GDAL's GPKG driver parses it (ISO 8601;
/// no time zone means +08:00 as above); nullopt where GDAL leaves the field unset.
[[nodiscard]] std::optional<model::Timestamp> parse_gpkg_datetime(const char* text, std::size_t length);

/// Plain geometry to OGR and back. from_ogr accepts a Polygon or MultiPolygon
/// and throws InputError for anything else.
[[nodiscard]] std::unique_ptr<OGRMultiPolygon> to_ogr(const geo::MultiPolygon& multi);
[[nodiscard]] geo::MultiPolygon multipolygon_from_ogr(const OGRGeometry& geometry);

}  // namespace wangge::store::detail
