#pragma once
// Web Mercator tile math for XYZ tiles (y grows southwards, tile 0/0/0 covers
// the world between ±85.0511°).
//
// "World" coordinates are Web Mercator normalised to the unit square: x from 0
// (180°W) to 1 (180°E), y from 0 (north edge) to 1 (south edge). A tile at zoom
// z is a 2^-z square of that space; tile pixels run 0..extent inside it.
//
// Thread safety: pure functions.

#include <cstdint>
#include <optional>

#include "wangge/geo/types.hpp"

namespace wangge::tiles {

inline constexpr int max_zoom = 22;
/// MVT 2.1 geometry extent and the buffer around each tile, in tile pixels.
inline constexpr int tile_extent = 4096;
inline constexpr int tile_buffer = 64;
/// The latitude where Web Mercator's square world ends.
inline constexpr double max_latitude = 85.05112877980659;

struct TileId {
    int z = 0;
    std::uint32_t x = 0;
    std::uint32_t y = 0;
    friend bool operator==(const TileId&, const TileId&) = default;
};

/// Checks 0 <= z <= max_zoom and x, y < 2^z; nullopt otherwise.
[[nodiscard]] std::optional<TileId> make_tile(std::int64_t z, std::int64_t x, std::int64_t y) noexcept;

/// Latitudes beyond ±max_latitude are clamped to the world's edge.
[[nodiscard]] geo::Point lonlat_to_world(const geo::Point& lonlat) noexcept;
[[nodiscard]] geo::Point world_to_lonlat(const geo::Point& world) noexcept;

/// The tile's square in world coordinates, grown by `buffer_px` tile pixels on each side.
[[nodiscard]] geo::Box tile_world_box(const TileId& tile, double buffer_px = 0.0) noexcept;
/// The same square in lon/lat (min_y is the southern edge).
[[nodiscard]] geo::Box tile_lonlat_box(const TileId& tile, double buffer_px = 0.0) noexcept;

/// Maps world coordinates into the pixel space of one tile (0..tile_extent inside it).
class TileTransform {
public:
    explicit TileTransform(const TileId& tile) noexcept;
    [[nodiscard]] geo::Point to_pixel(const geo::Point& world) const noexcept {
        return {world.x * scale_ - origin_x_, world.y * scale_ - origin_y_};
    }
    [[nodiscard]] geo::Point to_world(const geo::Point& pixel) const noexcept {
        return {(pixel.x + origin_x_) / scale_, (pixel.y + origin_y_) / scale_};
    }
    /// Tile pixels per world unit.
    [[nodiscard]] double scale() const noexcept { return scale_; }

private:
    double scale_;
    double origin_x_;
    double origin_y_;
};

/// The tile at zoom z containing a lon/lat position (edges belong to the tile east/south).
[[nodiscard]] TileId tile_containing(const geo::Point& lonlat, int z) noexcept;

}  // namespace wangge::tiles
