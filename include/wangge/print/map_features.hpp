#pragma once
// The basemap under a printed grid map (print/sheet.hpp): streets, compounds
// and buildings for the page's extent, from the server's vector MBTiles
// basemap when it has one (basemap/vector_tile.hpp decodes its tiles),
// otherwise derived from the store (basemap::areas_from_households,
// streets_from_grids), so printing never needs a network.
//
// Thread safety: a BasemapFeatures belongs to one rendering thread (it
// caches decoded tiles for the pages of one document); the TileArchive it
// reads is safe from any thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wangge/basemap/basemap.hpp"
#include "wangge/basemap/tile_archive.hpp"
#include "wangge/geo/types.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::print {

/// Features of one tile, or of the whole view when derived from the store.
struct BasemapPiece {
    /// The tile's lon/lat box: tiles carry a buffer, so strokes beyond it are
    /// the neighbouring tile's to draw. nullopt: nothing to clip.
    std::optional<geo::Box> clip;
    basemap::Basemap features;
};

/// The zoom at which one 256-pixel tile pixel is about one printed point for
/// a view `world_width` wide (Web Mercator world units, tile_math.hpp) drawn
/// across `points` points, clamped to [min_zoom, max_zoom].
[[nodiscard]] int print_zoom(double world_width, double points, int min_zoom, int max_zoom);

class BasemapFeatures {
public:
    /// `tiles`: a vector MBTiles basemap, or null to derive from the store.
    /// A raster MBTiles gives raster_tiles() instead of features.
    explicit BasemapFeatures(const basemap::TileArchive* tiles) : tiles_(tiles) {}

    /// The features of the lon/lat `view` printed `points` wide.
    [[nodiscard]] std::vector<BasemapPiece> pieces(const model::Snapshot& snapshot, const geo::Box& view, double points);

    /// A raster basemap's PNG tiles covering `view` (empty for a vector one or none).
    [[nodiscard]] std::vector<std::pair<tiles::TileId, std::string>> raster_tiles(const geo::Box& view, double points) const;

    /// The credit printed on the page: the file's attribution, else the store's.
    [[nodiscard]] std::string attribution() const;

private:
    [[nodiscard]] std::vector<tiles::TileId> covering(const geo::Box& view, double points) const;

    const basemap::TileArchive* tiles_;
    /// Decoded tiles by (z, x, y): a community's pages share most of them.
    std::map<std::uint64_t, basemap::Basemap> decoded_;
};

}  // namespace wangge::print
