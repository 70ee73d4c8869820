#pragma once
// Export of one store layer to an interchange file (DESIGN §3 `wangge export`).
//
// The columns are those the importer reads (the agreed formats of data/):
// model field names, times as ISO 8601 text in +08:00, tags joined with ';'.
// Spatial formats carry the geometry (lon/lat, EPSG:4490, full precision);
// CSV and XLSX carry points as lon/lat columns; CSV carries polygons as a WKT
// column (15 significant digits) and XLSX, a table for people, leaves them out.
// So GeoPackage, GeoJSON, FlatGeobuf and CSV files import back unchanged
// (shapefiles cut field names to 10 bytes: import them with --map).
//
// Thread safety: export_layer only reads the store; the store is not thread-safe.

#include <cstddef>
#include <filesystem>

#include "wangge/error.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

class ExportError : public InputError {
public:
    using InputError::InputError;
};

/// Writes `layer` to `destination`, whose extension picks the format: .gpkg
/// .shp .geojson/.json .csv .fgb .xlsx. Refuses an existing destination.
/// Returns the number of rows written.
std::size_t export_layer(const GeoPackageStore& store, Layer layer, const std::filesystem::path& destination,
                         const Progress& progress = {});

}  // namespace wangge::store
