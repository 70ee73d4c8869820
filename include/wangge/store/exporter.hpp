#pragma once
// Export of one store layer to an interchange file (DESIGN §3 `wangge export`).
//
// The columns are those the importer reads (the agreed formats of data/):
// model field names, times as ISO 8601 text in +08:00, tags joined with ';'.
// Spatial formats carry the geometry (lon/lat, EPSG:4490, full precision);
// CSV and XLSX carry points as lon/lat columns; CSV carries polygons as a WKT
// column (15 significant digits) and XLSX, a table for people, leaves them out.
// So GeoPackage, GeoJSON, FlatGeobuf and CSV files import back unchanged
// (shapefiles cut field names to 10 bytes: import them with --map). KML keeps
// the attributes as ExtendedData and the coordinates as text.
//
// Personal fields of households (head_name, id_number, phone and the
// special-group tags) are written only when asked for; the caller audits
// that (the `wangge export` command writes the audit entry).
//
// Thread safety: export_layer only reads the store; the store is not thread-safe.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "wangge/error.hpp"
#include "wangge/store/store.hpp"

namespace wangge::store {

class ExportError : public InputError {
public:
    using InputError::InputError;
};

struct ExportOptions {
    /// Write the personal fields of households (otherwise left out, columns and all).
    bool include_personal = false;
    /// Headers of .csv and .xlsx: the model field names, or the Chinese names of
    /// column_synonyms.hpp (what street offices' rosters use; `wangge import` reads both).
    bool chinese_headers = false;
    /// Text encoding of a shapefile's .dbf: "UTF-8" or "GBK" (code page 936,
    /// what older Chinese GIS software reads), named in its .cpg.
    std::string encoding = "UTF-8";
};

struct ExportSummary {
    std::size_t rows = 0;
    /// The households whose personal fields were written, for the audit log.
    std::vector<std::int64_t> personal_ids;
};

/// Writes `layer` to `destination`, whose extension picks the format: .gpkg
/// .shp .geojson/.json .csv .fgb .kml .xlsx. Refuses an existing destination,
/// Chinese headers for other formats and an encoding for other than shapefiles.
ExportSummary export_layer(const Store& store, Layer layer, const std::filesystem::path& destination,
                           const ExportOptions& options = {}, const Progress& progress = {});

/// Removes an exported file with whatever files its format writes beside it
/// (a shapefile's .shx, .dbf, .prj, .cpg). Missing files are no error.
void delete_export(const std::filesystem::path& destination);

}  // namespace wangge::store
