#include "gdal.hpp"

#include <cmath>
#include <ctime>
#include <mutex>

#include <cpl_error.h>
#include <ogr_p.h>

#include "wangge/error.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store::detail {

void register_gdal() {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
}

QuietGdalErrors::QuietGdalErrors() {
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
}

QuietGdalErrors::~QuietGdalErrors() { CPLPopErrorHandler(); }

std::string last_gdal_error() {
    const char* message = CPLGetLastErrorMsg();
    return message != nullptr && *message != '\0' ? message : "unknown GDAL error";
}

StringList::StringList(std::initializer_list<std::string> items) : items_(items) {
    for (std::string& item : items_) pointers_.push_back(item.data());
    pointers_.push_back(nullptr);
}

void StringList::add(std::string item) {
    items_.push_back(std::move(item));
    // The vector may have moved its strings: rebuild every pointer.
    pointers_.clear();
    for (std::string& s : items_) pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
}

GDALDatasetUniquePtr open_vector(const std::filesystem::path& path, bool update,
                                 const std::vector<std::string>& allowed_drivers,
                                 const std::vector<std::string>& open_options) {
    register_gdal();
    StringList drivers;
    for (const std::string& d : allowed_drivers) drivers.add(d);
    StringList options;
    for (const std::string& o : open_options) options.add(o);
    const unsigned flags = GDAL_OF_VECTOR | (update ? GDAL_OF_UPDATE : GDAL_OF_READONLY);
    return GDALDatasetUniquePtr(GDALDataset::FromHandle(GDALOpenEx(path.c_str(), flags,
                                                                   allowed_drivers.empty() ? nullptr : drivers.get(),
                                                                   open_options.empty() ? nullptr : options.get(),
                                                                   nullptr)));
}

std::string execute_sql(GDALDataset& dataset, const std::string& sql) {
    CPLErrorReset();
    OGRLayer* result = dataset.ExecuteSQL(sql.c_str(), nullptr, nullptr);
    if (CPLGetLastErrorType() == CE_Failure) {
        if (result != nullptr) dataset.ReleaseResultSet(result);
        throw StoreError("cannot run '" + sql + "': " + last_gdal_error());
    }
    if (result == nullptr) return {};
    std::string value;
    if (const OGRFeatureUniquePtr row{result->GetNextFeature()}; row && row->GetFieldCount() > 0) {
        value = row->GetFieldAsString(0);
    }
    dataset.ReleaseResultSet(result);
    return value;
}

void configure_connection(GDALDataset& dataset, bool writable) {
    // As the auth store's connection waits (src/auth/auth_store.cpp).
    (void)execute_sql(dataset, "PRAGMA busy_timeout = 5000");
    if (!writable) return;
    // journal_mode is stored in the file: once switched, every connection
    // (the auth store's, ogrinfo's) uses the log. Switching needs a moment
    // with no other transaction open; if another process is busy the file
    // keeps the rollback journal, which is as crash-safe, only slower, and
    // the next writable open tries again.
    if (execute_sql(dataset, "PRAGMA journal_mode") != "wal") {
        try {
            (void)execute_sql(dataset, "PRAGMA journal_mode = WAL");
        } catch (const StoreError&) {
        }
    }
    // FULL (SQLite's default, restated so a build default cannot weaken it):
    // every commit syncs the log, so an acknowledged write survives power loss.
    (void)execute_sql(dataset, "PRAGMA synchronous = FULL");
}

OGRSpatialReference cgcs2000() {
    OGRSpatialReference srs;
    srs.importFromEPSG(4490);
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

Transaction::Transaction(GDALDataset& dataset) : dataset_(&dataset) {
    if (dataset.StartTransaction() != OGRERR_NONE) {
        throw StoreError("cannot start a transaction: " + last_gdal_error());
    }
}

Transaction::~Transaction() {
    if (open_) dataset_->RollbackTransaction();
}

void Transaction::commit() {
    if (dataset_->CommitTransaction() != OGRERR_NONE) {
        std::string message = "cannot commit the transaction: " + last_gdal_error();
        dataset_->RollbackTransaction();
        open_ = false;
        throw StoreError(message);
    }
    open_ = false;
}

void set_time_field(OGRFeature& feature, int field, model::Timestamp t) {
    const auto seconds = static_cast<std::time_t>(t);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    constexpr int ogr_utc = 100;
    feature.SetField(field, utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                     static_cast<float>(utc.tm_sec), ogr_utc);
}

namespace {

model::Timestamp timestamp_of(int year, int month, int day, int hour, int minute, float second, int tz) {
    // OGR time zones: 0 unknown, 1 local, 100 UTC, 100 ± n quarter hours.
    const int offset_seconds = tz >= 2 ? (tz - 100) * 15 * 60 : model::default_utc_offset_seconds;
    return model::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
           hour * 3600 + minute * 60 + static_cast<model::Timestamp>(std::lround(second)) - offset_seconds;
}

}  // namespace

model::Timestamp time_field(const OGRFeature& feature, int field) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, tz = 0;
    float second = 0;
    feature.GetFieldAsDateTime(field, &year, &month, &day, &hour, &minute, &second, &tz);
    return timestamp_of(year, month, day, hour, minute, second, tz);
}

std::optional<model::Timestamp> parse_gpkg_datetime(const char* text, std::size_t length) {
    // The order of ogrgeopackagelayer.cpp: the store's own form first, then anything OGR reads.
    OGRField field{};
    if (!OGRParseDateTimeYYYYMMDDTHHMMSSsssZ(text, length, &field) &&
        !OGRParseDateTimeYYYYMMDDTHHMMSSZ(text, length, &field) && !OGRParseDate(text, &field, 0)) {
        return std::nullopt;
    }
    return timestamp_of(field.Date.Year, field.Date.Month, field.Date.Day, field.Date.Hour, field.Date.Minute,
                        field.Date.Second, field.Date.TZFlag);
}

std::unique_ptr<OGRMultiPolygon> to_ogr(const geo::MultiPolygon& multi) {
    auto result = std::make_unique<OGRMultiPolygon>();
    for (const geo::Polygon& polygon : multi.polygons) {
        auto ogr_polygon = std::make_unique<OGRPolygon>();
        for (const geo::Ring& ring : polygon.rings) {
            auto ogr_ring = std::make_unique<OGRLinearRing>();
            ogr_ring->setNumPoints(static_cast<int>(ring.size()), FALSE);
            for (std::size_t i = 0; i < ring.size(); ++i) {
                ogr_ring->setPoint(static_cast<int>(i), ring[i].x, ring[i].y);
            }
            ogr_polygon->addRingDirectly(ogr_ring.release());
        }
        result->addGeometryDirectly(ogr_polygon.release());
    }
    return result;
}

namespace {

geo::Polygon polygon_from_ogr(const OGRPolygon& polygon) {
    geo::Polygon result;
    for (const OGRLinearRing* ring : polygon) {
        geo::Ring& out = result.rings.emplace_back();
        out.reserve(static_cast<std::size_t>(ring->getNumPoints()));
        for (const OGRPoint& p : *ring) out.push_back({p.getX(), p.getY()});
    }
    return result;
}

}  // namespace

geo::MultiPolygon multipolygon_from_ogr(const OGRGeometry& geometry) {
    geo::MultiPolygon result;
    switch (wkbFlatten(geometry.getGeometryType())) {
        case wkbPolygon:
            result.polygons.push_back(polygon_from_ogr(*geometry.toPolygon()));
            break;
        case wkbMultiPolygon:
            for (const OGRPolygon* polygon : *geometry.toMultiPolygon()) {
                result.polygons.push_back(polygon_from_ogr(*polygon));
            }
            break;
        default:
            throw InputError(std::string("expected a Polygon or MultiPolygon, got ") + geometry.getGeometryName());
    }
    return result;
}

}  // namespace wangge::store::detail
