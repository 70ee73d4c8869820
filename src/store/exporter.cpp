#include "wangge/store/exporter.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "fields.hpp"
#include "gdal.hpp"
#include "tables.hpp"
#include "wangge/store/column_synonyms.hpp"

namespace wangge::store {

namespace {

struct Format {
    std::string_view extension;
    const char* driver;
    /// A table without geometry: points become lon/lat columns, polygons a WKT
    /// column where the driver writes one (CSV) and nothing otherwise (XLSX).
    bool tabular;
    bool polygons_as_wkt;
    /// Layer creation options for polygon layers and for the others.
    std::initializer_list<const char*> polygon_options;
    std::initializer_list<const char*> options;
    /// Width of text fields; 0 lets the driver choose. Shapefiles cut text at 80 bytes by default.
    int text_width = 0;
};

const std::array<Format, 8> formats{{
    {".gpkg", "GPKG", false, false, {}, {}},
    {".shp", "ESRI Shapefile", false, false, {}, {}, 254},  // ENCODING from ExportOptions
    {".geojson", "GeoJSON", false, false, {}, {}},
    {".json", "GeoJSON", false, false, {}, {}},
    {".csv", "CSV", true, true, {"GEOMETRY=AS_WKT"}, {}},
    {".fgb", "FlatGeobuf", false, false, {}, {}},
    {".xlsx", "XLSX", true, false, {}, {}},
    {".kml", "KML", false, false, {}, {}},
}};

/// Fields of households that are personal data (DESIGN §6): written only on request.
constexpr std::array<std::string_view, 4> personal_columns{"tags", "head_name", "id_number", "phone"};

/// The layer's columns as this export writes them.
template <class Row>
detail::Table<Row> exported_columns(const detail::Table<Row>& table, const ExportOptions& options) {
    detail::Table<Row> kept = table;
    if (table.layer == Layer::households && !options.include_personal) {
        std::erase_if(kept.columns, [](const detail::Column<Row>& column) {
            return std::ranges::find(personal_columns, std::string_view(column.name)) != personal_columns.end();
        });
    }
    return kept;
}

const Format& format_of(const std::filesystem::path& destination) {
    std::string extension = destination.extension().string();
    std::ranges::transform(extension, extension.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const Format& format : formats) {
        if (format.extension == extension) return format;
    }
    throw ExportError(destination.string() + ": unknown format '" + extension +
                      "' (use .gpkg .shp .geojson .json .csv .fgb .kml or .xlsx)");
}

/// Creates a field and returns its index. Indexes are kept rather than names
/// looked up later, since drivers may rename fields (shapefiles cut them to 10 bytes).
int add_field(OGRLayer& layer, std::string_view name, OGRFieldType type, int text_width) {
    OGRFieldDefn field(std::string(name).c_str(), type);
    if (type == OFTString) field.SetWidth(text_width);
    if (layer.CreateField(&field) != OGRERR_NONE) {
        throw ExportError("cannot create field " + std::string(name) + ": " + detail::last_gdal_error());
    }
    return layer.GetLayerDefn()->GetFieldCount() - 1;
}

template <class Row>
ExportSummary write_layer(GDALDataset& dataset, const Format& format, const std::vector<Row>& rows,
                          const ExportOptions& export_options, const Progress& progress) {
    const detail::Table<Row> table = exported_columns(detail::table<Row>(), export_options);
    const std::string name(to_string(table.layer));
    const auto header = [&](std::string_view field) {
        return export_options.chinese_headers ? chinese_header(table.layer, field) : field;
    };
    constexpr detail::GeometryKind kind = detail::geometry_kind<Row>;
    const bool points_as_columns = format.tabular && kind == detail::GeometryKind::point;
    const bool with_geometry = kind == detail::GeometryKind::point        ? !points_as_columns
                               : kind == detail::GeometryKind::multipolygon ? !format.tabular || format.polygons_as_wkt
                                                                            : false;
    const OGRwkbGeometryType type = !with_geometry                    ? wkbNone
                                    : kind == detail::GeometryKind::point ? wkbPoint
                                                                      : wkbMultiPolygon;
    OGRSpatialReference srs = detail::cgcs2000();
    detail::StringList options;
    for (const char* option : kind == detail::GeometryKind::multipolygon ? format.polygon_options : format.options) {
        options.add(option);
    }
    if (format.extension == ".shp") {
        options.add(export_options.encoding == "GBK" ? "ENCODING=CP936" : "ENCODING=UTF-8");
    }

    OGRLayer* layer = dataset.CreateLayer(name.c_str(), with_geometry ? &srs : nullptr, type, options.get());
    if (layer == nullptr) throw ExportError("cannot create layer " + name + ": " + detail::last_gdal_error());

    const int id_field = detail::has_id<Row> ? add_field(*layer, header("id"), OFTInteger64, format.text_width) : -1;
    std::vector<int> indexes;
    for (const detail::Column<Row>& column : table.columns) {
        indexes.push_back(add_field(*layer, header(column.name),
                                    detail::ogr_type<Row>(column.member, detail::TimeEncoding::iso_text),
                                    format.text_width));
    }
    const int lon_field = points_as_columns ? add_field(*layer, header("lon"), OFTReal, format.text_width) : -1;
    const int lat_field = points_as_columns ? add_field(*layer, header("lat"), OFTReal, format.text_width) : -1;

    OGRFeature feature(layer->GetLayerDefn());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Row& row = rows[i];
        if constexpr (detail::has_id<Row>) feature.SetField(id_field, static_cast<GIntBig>(row.id));
        detail::write_fields(feature, table, indexes, row, detail::TimeEncoding::iso_text);
        if constexpr (kind == detail::GeometryKind::point) {
            if (points_as_columns) {
                feature.SetField(lon_field, row.location.x);
                feature.SetField(lat_field, row.location.y);
            } else {
                feature.SetGeometryDirectly(new OGRPoint(row.location.x, row.location.y));
            }
        } else if constexpr (kind == detail::GeometryKind::multipolygon) {
            if (with_geometry) feature.SetGeometryDirectly(detail::to_ogr(row.geometry).release());
        }
        feature.SetFID(OGRNullFID);
        if (layer->CreateFeature(&feature) != OGRERR_NONE) {
            throw ExportError("cannot write " + name + " row " + std::to_string(i + 1) + ": " +
                              detail::last_gdal_error());
        }
        if (progress && (i + 1) % (1 << 16) == 0) progress(name, i + 1, rows.size());
    }
    if (progress) progress(name, rows.size(), rows.size());
    ExportSummary summary{rows.size(), {}};
    if constexpr (std::is_same_v<Row, model::Household>) {
        if (export_options.include_personal) {
            for (const Row& row : rows) summary.personal_ids.push_back(row.id);
        }
    }
    return summary;
}

}  // namespace

ExportSummary export_layer(const Store& store, Layer layer, const std::filesystem::path& destination,
                           const ExportOptions& options, const Progress& progress) {
    const Format& format = format_of(destination);
    if (options.chinese_headers && !format.tabular) {
        throw ExportError(destination.string() + ": Chinese headers are for .csv and .xlsx tables only");
    }
    if (options.encoding != "UTF-8" && (options.encoding != "GBK" || format.extension != ".shp")) {
        throw ExportError(destination.string() + ": encoding '" + options.encoding +
                          "' is not available (UTF-8 everywhere, GBK for shapefiles)");
    }
    if (std::filesystem::exists(destination)) throw ExportError(destination.string() + ": the file exists");
    const std::array layers{layer};
    model::Dataset data = store.load(layers, progress);

    detail::register_gdal();
    const detail::QuietGdalErrors quiet;
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(format.driver);
    if (driver == nullptr) throw ExportError(std::string("GDAL has no ") + format.driver + " driver");
    detail::StringList dataset_options;
    if (format.extension == ".kml") {
        // No column stands for the placemark's <name> or <description> (KML
        // would take "name" for one): every column stays typed ExtendedData.
        dataset_options.add("NameField=");
        dataset_options.add("DescriptionField=");
    }
    GDALDatasetUniquePtr dataset(
        driver->Create(destination.c_str(), 0, 0, 0, GDT_Unknown, dataset_options.get()));
    if (!dataset) throw ExportError("cannot create " + destination.string() + ": " + detail::last_gdal_error());
    try {
        std::optional<detail::Transaction> transaction;
        if (dataset->TestCapability(ODsCTransactions)) transaction.emplace(*dataset);
        ExportSummary written = detail::with_table(layer, [&](const auto& table) {
            return write_layer(*dataset, format, detail::rows(data, table), options, progress);
        });
        if (transaction) transaction->commit();
        CPLErrorReset();
        dataset.reset();  // closing writes the file (XLSX, FlatGeobuf and GeoJSON write on close)
        if (CPLGetLastErrorType() == CE_Failure) {
            throw ExportError("cannot write " + destination.string() + ": " + detail::last_gdal_error());
        }
        return written;
    } catch (...) {
        dataset.reset();
        driver->Delete(destination.c_str());
        throw;
    }
}

void delete_export(const std::filesystem::path& destination) {
    const Format& format = format_of(destination);
    if (!std::filesystem::exists(destination)) return;
    detail::register_gdal();
    const detail::QuietGdalErrors quiet;
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(format.driver);
    if (driver == nullptr || driver->Delete(destination.c_str()) != CE_None) std::filesystem::remove(destination);
}

}  // namespace wangge::store
