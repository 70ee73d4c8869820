#pragma once
// Import of outside data into one layer of a store (DESIGN §3 `wangge import`):
// any vector source GDAL reads (GeoJSON, CSV, GeoPackage, Shapefile,
// FlatGeobuf…), columns named like the model fields (data formats agreed in
// data/), coordinates converted to lon/lat CGCS2000.
//
// Thread safety: import_file uses only its arguments; the store it writes to
// is not thread-safe.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "wangge/error.hpp"
#include "wangge/model/time.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

/// The source cannot be imported; what() names the file and, for a bad row,
/// the row (1 = first data row) and the field.
class ImportError : public InputError {
public:
    using InputError::InputError;
};

struct ImportOptions {
    Layer layer = Layer::households;
    /// The source's coordinates: empty for the CRS the source declares (lon/lat
    /// CGCS2000 when it declares none); "EPSG:4326" or any definition PROJ
    /// accepts; "gcj02" or "bd09" for lon/lat with the offsets of Chinese web maps.
    std::string crs;
    /// Model field → source column; other fields come from the same-named
    /// column. "lon" and "lat" name the coordinate columns of a source
    /// without geometry (default lon|lng|longitude|x and lat|latitude|y).
    std::map<std::string, std::string, std::less<>> columns;
    /// valid_from of imported grids that give none.
    model::Timestamp now = 0;
};

struct ImportSummary {
    std::size_t rows = 0;
    /// Facilities and incidents inside no current grid: stored with an empty
    /// grid_code. (A household outside every grid is an error.)
    std::size_t outside_grids = 0;
};

/// Reads and checks every row of `source`, derives missing grid codes from
/// the store's current grids, and appends all rows in one transaction.
/// Throws ImportError, and writes nothing, when any row is bad.
ImportSummary import_file(GeoPackageStore& store, const std::filesystem::path& source, const ImportOptions& options,
                          const Progress& progress = {});

}  // namespace wangge::store
