#pragma once
// A vector basemap of streets, compounds (小区) and buildings (楼栋), written
// as an MBTiles or PMTiles file of Mapbox vector tiles with our own encoder
// (tiles/mvt_writer.hpp) and clipping (tiles/clip.hpp).
//
// Layers and attributes (styles/basemap.json draws them):
//   streets    lines     name, kind ("main" or "minor")
//   compounds  polygons  name
//   buildings  polygons  name (楼栋, e.g. "3号楼"), compound
//
// Where the features come from: `wangge generate` gives the synthetic
// city's street lines (synth::build_streets); a store's households give
// compounds and buildings (areas_from_households), and its grid borders
// stand for streets where no street lines exist (streets_from_grids).
//
// Thread safety: free functions on values; write_tiles encodes tiles on
// several threads of its own and writes the file from the calling one.

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "wangge/geo/types.hpp"
#include "wangge/model/entities.hpp"

namespace wangge::basemap {

struct Street {
    std::string name;  ///< may be empty (a border standing in for an unnamed street)
    std::string kind;  ///< "main" or "minor"
    std::vector<std::vector<geo::Point>> lines;  ///< lon/lat line strings
};

/// A compound or building outline: one closed lon/lat ring, counter-clockwise.
struct Area {
    std::string name;
    std::string compound;  ///< buildings: the compound they belong to
    geo::Ring ring;
};

struct Basemap {
    std::vector<Street> streets;
    std::vector<Area> compounds;
    std::vector<Area> buildings;
};

/// Compounds and buildings from where households stand: the households of a
/// 楼栋 (same compound and building name, within 40 m of each other) give a
/// rectangle around their points, grown to a plausible slab; the buildings
/// of a 小区 (same name, within 300 m) give the convex hull of their
/// rectangles grown by 10 m. Households without a compound name are left out.
[[nodiscard]] Basemap areas_from_households(std::span<const model::Household> households);

/// Unnamed streets along the borders of the current grids: community and
/// street borders are "main", the other grid borders "minor"; each shared
/// border once.
[[nodiscard]] std::vector<Street> streets_from_grids(std::span<const model::Grid> grids);

struct TilingOptions {
    int min_zoom = 12;
    int max_zoom = 16;
    /// Compounds and buildings start at higher zooms: a z12 tile with every
    /// building of a city would be megabytes nobody can see.
    int compound_min_zoom = 13;
    int building_min_zoom = 14;
    unsigned threads = 0;  ///< 0: one per core
    std::string name = "wangge basemap";
    std::string attribution;
    std::string description;
};

struct TilingReport {
    std::size_t tiles = 0;
    std::size_t bytes = 0;  ///< gzip'd tile bytes written
};

/// Writes every non-empty tile of min_zoom..max_zoom into a new tile archive
/// (gzip'd MVT, metadata with bounds, center, zooms, attribution and the
/// vector_layers): PMTiles when `path` ends in ".pmtiles", MBTiles otherwise
/// (create_tile_archive). Throws MbtilesError when the file exists or cannot
/// be written (no partial file is left), InputError for bad zooms.
TilingReport write_tiles(const Basemap& basemap, const std::filesystem::path& path, const TilingOptions& options);

}  // namespace wangge::basemap
