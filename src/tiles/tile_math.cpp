#include "wangge/tiles/tile_math.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace wangge::tiles {

std::optional<TileId> make_tile(std::int64_t z, std::int64_t x, std::int64_t y) noexcept {
    if (z < 0 || z > max_zoom) return std::nullopt;
    const std::int64_t size = std::int64_t{1} << z;
    if (x < 0 || y < 0 || x >= size || y >= size) return std::nullopt;
    return TileId{static_cast<int>(z), static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y)};
}

geo::Point lonlat_to_world(const geo::Point& lonlat) noexcept {
    const double lat = std::clamp(lonlat.y, -max_latitude, max_latitude) * std::numbers::pi / 180.0;
    const double x = lonlat.x / 360.0 + 0.5;
    const double y = 0.5 - std::log(std::tan(std::numbers::pi / 4.0 + lat / 2.0)) / (2.0 * std::numbers::pi);
    return {x, std::clamp(y, 0.0, 1.0)};
}

geo::Point world_to_lonlat(const geo::Point& world) noexcept {
    const double lon = (world.x - 0.5) * 360.0;
    const double lat = std::atan(std::sinh((0.5 - world.y) * 2.0 * std::numbers::pi)) * 180.0 / std::numbers::pi;
    return {lon, lat};
}

geo::Box tile_world_box(const TileId& tile, double buffer_px) noexcept {
    const double size = std::ldexp(1.0, -tile.z);
    const double pad = size * buffer_px / tile_extent;
    return {tile.x * size - pad, tile.y * size - pad, (tile.x + 1) * size + pad, (tile.y + 1) * size + pad};
}

geo::Box tile_lonlat_box(const TileId& tile, double buffer_px) noexcept {
    const geo::Box world = tile_world_box(tile, buffer_px);
    const geo::Point north_west = world_to_lonlat({world.min_x, world.min_y});
    const geo::Point south_east = world_to_lonlat({world.max_x, world.max_y});
    return {north_west.x, south_east.y, south_east.x, north_west.y};
}

TileTransform::TileTransform(const TileId& tile) noexcept
    : scale_(std::ldexp(double{tile_extent}, tile.z)),
      origin_x_(double{tile_extent} * tile.x),
      origin_y_(double{tile_extent} * tile.y) {}

TileId tile_containing(const geo::Point& lonlat, int z) noexcept {
    const geo::Point world = lonlat_to_world(lonlat);
    const double size = std::ldexp(1.0, z);
    const auto last = static_cast<std::uint32_t>(size) - 1;
    const auto column = static_cast<std::uint32_t>(std::clamp(std::floor(world.x * size), 0.0, static_cast<double>(last)));
    const auto row = static_cast<std::uint32_t>(std::clamp(std::floor(world.y * size), 0.0, static_cast<double>(last)));
    return {z, column, row};
}

}  // namespace wangge::tiles
