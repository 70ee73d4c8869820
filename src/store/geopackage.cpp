#include "wangge/store/geopackage.hpp"

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "fields.hpp"
#include "gdal.hpp"
#include "row_codec.hpp"
#include "sqlite.hpp"
#include "store_impl.hpp"
#include "tables.hpp"
#include "upgrade.hpp"
#include "wangge/auth/audit_table.hpp"
#include "wangge/model/duty_days.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/model/text.hpp"

namespace wangge::store {

namespace {

using detail::meta_layer;
constexpr std::size_t progress_step = 1 << 16;

template <class Row>
void create_layer(GDALDataset& dataset, const detail::Table<Row>& table) {
    const std::string name(to_string(table.layer));
    OGRSpatialReference srs = detail::cgcs2000();
    constexpr detail::GeometryKind kind = detail::geometry_kind<Row>;
    const OGRwkbGeometryType type = kind == detail::GeometryKind::point          ? wkbPoint
                                    : kind == detail::GeometryKind::multipolygon ? wkbMultiPolygon
                                                                                 : wkbNone;
    detail::StringList options{std::string("FID=") + detail::fid_column<Row>,
                               std::string("GEOMETRY_NAME=") + detail::geometry_column};
    OGRLayer* layer = dataset.CreateLayer(name.c_str(), type == wkbNone ? nullptr : &srs, type, options.get());
    if (layer == nullptr) throw StoreError("cannot create layer " + name + ": " + detail::last_gdal_error());
    for (const detail::Column<Row>& column : table.columns) {
        OGRFieldDefn field(column.name, detail::ogr_type<Row>(column.member, detail::TimeEncoding::datetime));
        if (layer->CreateField(&field) != OGRERR_NONE) {
            throw StoreError("cannot create field " + name + "." + column.name + ": " + detail::last_gdal_error());
        }
    }
}

void create_meta_layer(GDALDataset& dataset) {
    OGRLayer* layer = dataset.CreateLayer(meta_layer, nullptr, wkbNone, nullptr);
    if (layer == nullptr) throw StoreError(std::string("cannot create ") + meta_layer + ": " + detail::last_gdal_error());
    for (const char* name : {"key", "value"}) {
        OGRFieldDefn field(name, OFTString);
        if (layer->CreateField(&field) != OGRERR_NONE) {
            throw StoreError(std::string("cannot create ") + meta_layer + ": " + detail::last_gdal_error());
        }
    }
    OGRFeature feature(layer->GetLayerDefn());
    feature.SetField("key", "schema_version");
    feature.SetField("value", std::to_string(store::schema_version).c_str());
    if (layer->CreateFeature(&feature) != OGRERR_NONE) {
        throw StoreError(std::string("cannot write ") + meta_layer + ": " + detail::last_gdal_error());
    }
}

int read_schema_version(GDALDataset& dataset, const std::filesystem::path& path) {
    OGRLayer* layer = dataset.GetLayerByName(meta_layer);
    if (layer == nullptr) throw StoreError(path.string() + " is not a wangge store (no " + meta_layer + " table)");
    layer->ResetReading();
    std::optional<int> version;
    while (OGRFeatureUniquePtr feature{layer->GetNextFeature()}) {
        if (std::string_view(feature->GetFieldAsString("key")) == "schema_version") {
            version = feature->GetFieldAsInteger("value");
            break;
        }
    }
    // An unfinished read keeps SQLite's shared lock, which would block every
    // other connection's commits (the auth service's, a second store's).
    layer->ResetReading();
    if (version) return *version;
    throw StoreError(path.string() + " has no schema_version in " + meta_layer);
}

OGRLayer& layer_of(GDALDataset& dataset, Layer which, const std::filesystem::path& path) {
    OGRLayer* layer = dataset.GetLayerByName(std::string(to_string(which)).c_str());
    if (layer == nullptr) throw StoreError(path.string() + " has no layer " + std::string(to_string(which)));
    return *layer;
}

/// Writes one layer's rows; returns the ids the store assigned (0 where the row had one).
template <class Row>
std::vector<std::int64_t> append_rows(OGRLayer& layer, const detail::Table<Row>& table, const std::vector<Row>& rows,
                                      const Progress& progress) {
    const std::string_view name = to_string(table.layer);
    for (std::size_t i = 0; i < rows.size(); ++i) detail::check_storable(rows[i], i, table.layer);
    const std::vector<int> indexes = detail::field_indexes(layer, table);
    std::vector<std::int64_t> assigned(rows.size(), 0);
    // One feature and one geometry reused for every row: no allocation per row.
    OGRFeature feature(layer.GetLayerDefn());
    OGRPoint* point = nullptr;
    if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::point) {
        point = new OGRPoint();
        feature.SetGeometryDirectly(point);
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Row& row = rows[i];
        if constexpr (detail::has_id<Row>) {
            feature.SetFID(row.id != 0 ? row.id : OGRNullFID);
        } else {
            feature.SetFID(OGRNullFID);
        }
        if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::point) {
            point->setX(row.location.x);
            point->setY(row.location.y);
        } else if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::multipolygon) {
            feature.SetGeometryDirectly(detail::to_ogr(row.geometry).release());
        }
        detail::write_fields(feature, table, indexes, row, detail::TimeEncoding::datetime);
        if (layer.CreateFeature(&feature) != OGRERR_NONE) {
            throw StoreError("cannot append " + std::string(name) + " row " + std::to_string(i + 1) + ": " +
                             detail::last_gdal_error());
        }
        if constexpr (detail::has_id<Row>) {
            if (row.id == 0) assigned[i] = feature.GetFID();
        }
        if (progress && (i + 1) % progress_step == 0) progress(name, i + 1, rows.size());
    }
    if (progress && !rows.empty()) progress(name, rows.size(), rows.size());
    return assigned;
}

/// Rewrites stored rows in place, each found by its id; StoreError when one is missing.
template <class Row>
void replace_rows(OGRLayer& layer, const detail::Table<Row>& table, const std::vector<Row>& rows) {
    const std::string_view name = to_string(table.layer);
    for (std::size_t i = 0; i < rows.size(); ++i) detail::check_storable(rows[i], i, table.layer);
    const std::vector<int> indexes = detail::field_indexes(layer, table);
    OGRFeature feature(layer.GetLayerDefn());
    for (const Row& row : rows) {
        feature.SetFID(row.id);
        if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::point) {
            feature.SetGeometryDirectly(new OGRPoint(row.location.x, row.location.y));
        } else if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::multipolygon) {
            feature.SetGeometryDirectly(detail::to_ogr(row.geometry).release());
        }
        detail::write_fields(feature, table, indexes, row, detail::TimeEncoding::datetime);
        const OGRErr result = layer.SetFeature(&feature);
        if (result == OGRERR_NON_EXISTING_FEATURE) {
            throw StoreError(std::string(name) + " has no row with id " + std::to_string(row.id) + " to update");
        }
        if (result != OGRERR_NONE) {
            throw StoreError("cannot update " + std::string(name) + " row " + std::to_string(row.id) + ": " +
                             detail::last_gdal_error());
        }
    }
}

/// The columns of a SQLite row from `first` on, read as OGR's driver reads them.
struct SqliteColumns {
    const detail::Statement& statement;
    int first;

    [[nodiscard]] std::string_view text(int i) const noexcept { return statement.text(first + i); }
    [[nodiscard]] int int32(int i) const noexcept { return statement.int32(first + i); }
    [[nodiscard]] std::int64_t int64(int i) const noexcept { return statement.int64(first + i); }
    /// OGR leaves a time unset when the value is not text it can parse.
    [[nodiscard]] std::optional<model::Timestamp> time(int i) const {
        if (statement.type(first + i) != SQLITE_TEXT) return std::nullopt;
        const std::string_view text = statement.text(first + i);
        return detail::parse_gpkg_datetime(text.data(), text.size());
    }
};

/// Reads one layer straight from SQLite into `rows` (a vector or a
/// model::Table), giving back what OGR's GeoPackage driver would: its
/// conversions (NULL text as "", NULL numbers as 0, times in any form OGR
/// parses) and its geometry decoding for anything but a plain 2D point.
template <class Row, class Rows>
void read_rows(const std::filesystem::path& path, const detail::Table<Row>& table, Rows& rows,
               const Progress& progress) {
    const std::string name(to_string(table.layer));
    const detail::ReadConnection db(path);
    const auto quoted = [](std::string_view identifier) { return '"' + std::string(identifier) + '"'; };
    std::size_t total = 0;
    {
        // GDAL's own feature count; counting the rows would read the whole table.
        detail::Statement count = db.prepare("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = '" +
                                             name + "'");
        if (count.step() && !count.is_null(0)) total = static_cast<std::size_t>(std::max<std::int64_t>(0, count.int64(0)));
    }
    if constexpr (requires { rows.reserve(total); }) rows.reserve(total);

    constexpr bool has_geometry = detail::geometry_kind<Row> != detail::GeometryKind::none;
    std::string sql = "SELECT " + quoted(detail::fid_column<Row>);
    if constexpr (has_geometry) sql += ", " + quoted(detail::geometry_column);
    // A file of an older build lacks the optional columns added since (upgrade.hpp): they read as NULL.
    std::set<std::string, std::less<>> present;
    for (detail::Statement info = db.prepare("PRAGMA table_info(" + quoted(name) + ")"); info.step();) {
        present.emplace(info.text(1));
    }
    for (const detail::Column<Row>& column : table.columns) {
        sql += ", " + (column.required || present.contains(column.name) ? quoted(column.name) : std::string("NULL"));
    }
    sql += " FROM " + quoted(name) + " ORDER BY " + quoted(detail::fid_column<Row>);
    detail::Statement statement = db.prepare(sql);
    const int first_field = has_geometry ? 2 : 1;

    std::size_t done = 0;
    while (statement.step()) {
        const std::int64_t fid = statement.int64(0);
        const auto fail = [&](const std::string& why) -> void {
            throw StoreError(name + " feature " + std::to_string(fid) + " " + why);
        };
        Row& row = rows.emplace_back();  // filled in place: a row is never moved
        if constexpr (detail::has_id<Row>) row.id = fid;
        if constexpr (has_geometry) detail::read_geometry(row, detail::gpkg_wkb(statement.blob(1)), fail);
        detail::read_columns(row, table, SqliteColumns{statement, first_field}, fail);
        ++done;
        if (progress && done % progress_step == 0) progress(name, done, std::max(total, done));
    }
    if (progress) progress(name, done, done);
}

/// Reads `layers` into a model::Dataset or model::Tables, each layer through a connection of its own.
template <class Data>
Data read_rows_of(const std::filesystem::path& path, std::span<const Layer> layers, const Progress& progress) {
    return detail::read_layers_into<Data>(layers, progress, [&path](const auto& table, auto& rows, const Progress& p) {
        const detail::QuietGdalErrors quiet;  // per thread
        read_rows(path, table, rows, p);
    });
}

}  // namespace


GeoPackageStore::GeoPackageStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GeoPackageStore::~GeoPackageStore() = default;
GeoPackageStore::GeoPackageStore(GeoPackageStore&&) noexcept = default;
GeoPackageStore& GeoPackageStore::operator=(GeoPackageStore&&) noexcept = default;

GeoPackageStore GeoPackageStore::create(const std::filesystem::path& path) {
    if (std::filesystem::exists(path)) throw StoreError("cannot create " + path.string() + ": the file exists");
    detail::register_gdal();
    const detail::QuietGdalErrors quiet;
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    if (driver == nullptr) throw StoreError("GDAL has no GPKG driver");
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->schema_version = store::schema_version;
    impl->writable = true;
    impl->dataset.reset(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!impl->dataset) throw StoreError("cannot create " + path.string() + ": " + detail::last_gdal_error());
    try {
        detail::configure_connection(*impl->dataset, true);
        for (const Layer layer : all_layers) {
            detail::with_table(layer, [&](const auto& table) { create_layer(*impl->dataset, table); });
        }
        detail::upgrade_layers(*impl->dataset);  // the indexes
        create_meta_layer(*impl->dataset);
        impl->dataset->FlushCache();
        if (CPLGetLastErrorType() == CE_Failure) {
            throw StoreError("cannot write " + path.string() + ": " + detail::last_gdal_error());
        }
    } catch (...) {
        impl->dataset.reset();
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
        throw;
    }
    return GeoPackageStore(std::move(impl));
}

GeoPackageStore GeoPackageStore::open(const std::filesystem::path& path, bool writable) {
    if (!std::filesystem::exists(path)) throw StoreError("no store at " + path.string());
    const detail::QuietGdalErrors quiet;
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->writable = writable;
    impl->dataset = detail::open_vector(path, writable, {"GPKG"});
    if (!impl->dataset) throw StoreError("cannot open " + path.string() + ": " + detail::last_gdal_error());
    detail::configure_connection(*impl->dataset, writable);
    impl->schema_version = read_schema_version(*impl->dataset, path);
    if (impl->schema_version != store::schema_version) {
        throw StoreError(path.string() + " has schema version " + std::to_string(impl->schema_version) +
                         "; this build reads version " + std::to_string(store::schema_version));
    }
    for (const Layer layer : all_layers) (void)layer_of(*impl->dataset, layer, path);
    if (writable) detail::upgrade_layers(*impl->dataset);
    return GeoPackageStore(std::move(impl));
}

const std::filesystem::path& GeoPackageStore::path() const noexcept { return impl_->path; }

int GeoPackageStore::schema_version() const { return impl_->schema_version; }

std::string GeoPackageStore::location() const { return impl_->path.string(); }

model::Dataset GeoPackageStore::read_layers(std::span<const Layer> layers, const Progress& progress) const {
    const detail::QuietGdalErrors quiet;
    return read_rows_of<model::Dataset>(impl_->path, layers, progress);
}

model::Tables GeoPackageStore::load_tables() const { return read_rows_of<model::Tables>(impl_->path, all_layers, {}); }

namespace detail {

AssignedIds write_rows(GDALDataset& dataset, const std::filesystem::path& path, const model::Dataset& added,
                       const model::Dataset& replaced, const Progress& progress) {
    AssignedIds assigned;
    for (const Layer layer : all_layers) {
        detail::with_table(layer, [&](const auto& table) {
            using Row = typename std::decay_t<decltype(table)>::row_type;
            OGRLayer& target = layer_of(dataset, layer, path);
            if constexpr (detail::has_id<Row>) replace_rows(target, table, detail::rows(replaced, table));
            const auto& rows = detail::rows(added, table);
            if (rows.empty()) return;
            assigned.emplace_back(layer, append_rows(target, table, rows, progress));
        });
    }
    return assigned;
}

void set_assigned_ids(model::Dataset& data, const AssignedIds& assigned) {
    for (const auto& [layer, ids] : assigned) {
        detail::with_table(layer, [&](const auto& table) {
            using Row = typename std::decay_t<decltype(table)>::row_type;
            if constexpr (detail::has_id<Row>) {
                auto& rows = detail::rows(data, table);
                for (std::size_t i = 0; i < rows.size(); ++i) {
                    if (ids[i] != 0) rows[i].id = ids[i];
                }
            }
        });
    }
}

}  // namespace detail

void GeoPackageStore::upsert(model::Dataset& added, const model::Dataset& replaced,
                             std::vector<auth::AuditEntry>& audit, const Progress& progress) {
    if (!impl_->writable) throw StoreError(impl_->path.string() + " was opened read-only");
    if (!audit.empty()) prepare_audit_log();
    const detail::QuietGdalErrors quiet;
    detail::AssignedIds assigned;
    {
        detail::WriteTransaction transaction(*impl_->dataset);
        assigned = detail::write_rows(*impl_->dataset, impl_->path, added, replaced, progress);
        for (auth::AuditEntry& entry : audit) auth::insert_audit_row(*impl_->dataset, entry);
        transaction.commit();
    }
    // Only now that the rows are stored do their new ids become true.
    detail::set_assigned_ids(added, assigned);
}

}  // namespace wangge::store
