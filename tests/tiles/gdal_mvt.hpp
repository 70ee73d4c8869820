#pragma once
// Decodes a tile with GDAL's MVT driver, an decoder independent of ours.
// Coordinates come back in the tile's pixel space (0..4096) for comparison.

#include <map>
#include <string>
#include <vector>

#include "wangge/geo/types.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::tiles::test {

struct GdalFeature {
    std::string layer;
    std::string geometry_type;                              ///< OGR's name, e.g. "POLYGON", "POINT"
    std::vector<std::vector<std::vector<geo::Point>>> polygons;  ///< polygons → rings (closed) → pixels
    std::vector<std::vector<geo::Point>> lines;             ///< line strings → pixels
    geo::Point point;                                       ///< for points
    std::map<std::string, std::string> fields;              ///< set fields as text
    long long fid = -1;
};

/// Writes `bytes` to a temp file named z-x-y.pbf (so GDAL georeferences it in
/// EPSG:3857), reads every layer without clipping and maps coordinates back to pixels.
std::vector<GdalFeature> decode_with_gdal(const std::string& bytes, const TileId& tile);

}  // namespace wangge::tiles::test
