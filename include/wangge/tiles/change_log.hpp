#pragma once
// Which snapshot version each tile was last changed in, so a tile's ETag can
// follow its own content instead of the snapshot version, and the list of
// recent changes an open map needs to refresh just those tiles.
//
// A change box (world coordinates, tile_changes.hpp) touches a tile of zoom z
// when it meets the tile's square grown by what can reach into the tile:
//  - grids, households, facilities, incidents: the 64 px buffer. Polygons and
//    labels are clipped to the buffered tile; a point cluster is a whole
//    64 px cell (PointIndex::cluster_shift) and the tile visits exactly the
//    cells of its buffer ring, so a point changing anywhere inside a visited
//    cell lies within 64 px of the tile.
//  - heat: one heat cell, the ring the tile counts: 64 px up to zoom 16,
//    tile_extent >> (HeatIndex::cell_level(z) - z) px above (128 px at 17 …
//    4096 px at 22).
// Plus 2^-28 world units (~15 cm) for the rounding between lon/lat, world
// and Morton coordinates.
//
// Thread safety: ChangeLog is immutable; the functions are pure.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "wangge/geo/types.hpp"
#include "wangge/tiles/tile_changes.hpp"
#include "wangge/tiles/tile_index.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::tiles {

/// How far (tile pixels at zoom z) content outside a tile can reach into it.
[[nodiscard]] double reach_px(Layer layer, int z) noexcept;

/// True when a change box (world coords) can alter `tile` of `layer`.
[[nodiscard]] bool touches(Layer layer, const TileId& tile, const geo::Box& change);

/// Tiles of zoom z that a change box touches (same rule as touches()):
/// inclusive ranges, empty (min_x > max_x) when none.
struct TileRange {
    int z = 0;
    std::uint32_t min_x = 0, min_y = 0, max_x = 0, max_y = 0;
    [[nodiscard]] bool empty() const noexcept { return min_x > max_x || min_y > max_y; }
};
[[nodiscard]] TileRange touched_tiles(Layer layer, const geo::Box& change, int z);

/// At most `max_boxes` boxes covering `boxes`: boxes whose centres share a
/// cell are replaced by their union, with cells growing until few enough are
/// left, so nearby changes merge first and far ones stay apart.
[[nodiscard]] std::vector<geo::Box> merge_boxes(std::vector<geo::Box> boxes, std::size_t max_boxes);

/// Immutable; each published snapshot carries one (copy-on-next, bounded).
class ChangeLog {
public:
    /// Changes kept per layer (boxes); older ones fold into the layer's base version.
    static constexpr std::size_t capacity = 256;
    /// Boxes kept per change and layer (merge_boxes), so tile_version stays a short scan.
    static constexpr std::size_t boxes_per_change = 64;

    /// The first snapshot: every tile is at base_version.
    explicit ChangeLog(std::uint64_t base_version);

    /// This log followed by `changes` made in `version`; throws wangge::Error
    /// unless version > version() (a caller's bug, not outside input).
    [[nodiscard]] ChangeLog next(std::uint64_t version, const TileChanges& changes) const;

    /// The newest version passed to next() or the constructor.
    [[nodiscard]] std::uint64_t version() const noexcept { return version_; }

    /// The newest version whose change touches the tile, or the layer's base
    /// version. A tile's content is the same in every snapshot from this
    /// version to version().
    [[nodiscard]] std::uint64_t tile_version(Layer layer, const TileId& tile) const noexcept;

    struct Change {
        std::uint64_t version = 0;
        Layer layer = Layer::grids;
        geo::Box box;
    };
    /// Changes with since < version <= version(), oldest first (then by
    /// layer); nullopt when some were folded away or `since` is before the
    /// first version or after version() (the client must reload everything).
    [[nodiscard]] std::optional<std::vector<Change>> changes_after(std::uint64_t since) const;

private:
    struct LayerLog {
        std::uint64_t base_version = 0;
        std::vector<Change> changes;  // oldest first
    };

    std::uint64_t version_;
    /// Versions up to this one are not (or no longer all) in the log.
    std::uint64_t horizon_;
    std::array<LayerLog, layer_count> layers_;
};

}  // namespace wangge::tiles
