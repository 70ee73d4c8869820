#pragma once
// Reading our vector basemap back (basemap.hpp's layers): one tile's
// features for the printed maps (print/map_features.hpp), and the whole
// streets layer of an archive for the walking network of the service circles
// (service/network.hpp).
//
// Thread safety: pure functions; read_streets reads the archive from the
// calling thread only.

#include <filesystem>
#include <string_view>
#include <vector>

#include "wangge/basemap/basemap.hpp"
#include "wangge/basemap/tile_archive.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::basemap {

/// The `streets`, `compounds` and `buildings` layers of one Mapbox vector tile
/// (gzip'd or not) in lon/lat; other layers are skipped, as are attributes
/// other than name, kind and compound. Throws InputError for a malformed tile.
[[nodiscard]] Basemap decode_basemap_tile(std::string_view bytes, const tiles::TileId& tile);

/// The `streets` layer of a vector archive at its max zoom, within its
/// metadata's bounds, with the lines cut at tile borders joined again: each
/// tile's lines are clipped to the tile's own square (its buffer is the
/// neighbour's), then the pieces of one street (same name and kind) whose
/// ends meet within 4 tile pixels are chained, where exactly two meet.
/// Coordinates carry the tiles' rounding (about 0.1 m per pixel at z16).
/// Empty for a raster archive or one without bounds; a corrupt tile is
/// skipped (a gap in the network, not a failed start). Throws InputError when
/// the bounds at max zoom span more than 250000 tiles.
[[nodiscard]] std::vector<Street> read_streets(const TileArchive& archive);

/// The lines of every street, for the walking network (service/network.hpp).
[[nodiscard]] std::vector<std::vector<geo::Point>> street_lines(std::vector<Street> streets);

/// The street lines of the archive at `path` (open_tile_archive, read_streets):
/// none for a raster archive. Throws as those do.
[[nodiscard]] std::vector<std::vector<geo::Point>> read_street_lines(const std::filesystem::path& path);

}  // namespace wangge::basemap
