#include "wangge/tiles/tile_math.hpp"

#include <random>

#include <gtest/gtest.h>

using namespace wangge;
using namespace wangge::tiles;

TEST(TileMath, MakeTileChecksRange) {
    EXPECT_TRUE(make_tile(0, 0, 0));
    EXPECT_FALSE(make_tile(0, 1, 0));
    EXPECT_FALSE(make_tile(-1, 0, 0));
    EXPECT_FALSE(make_tile(23, 0, 0));
    EXPECT_TRUE(make_tile(22, (1 << 22) - 1, (1 << 22) - 1));
    EXPECT_FALSE(make_tile(22, 1 << 22, 0));
    EXPECT_FALSE(make_tile(3, 0, -1));
}

TEST(TileMath, WorldCornersAndRoundTrip) {
    const geo::Point north_west = lonlat_to_world({-180.0, max_latitude});
    EXPECT_NEAR(north_west.x, 0.0, 1e-12);
    EXPECT_NEAR(north_west.y, 0.0, 1e-12);
    const geo::Point centre = lonlat_to_world({0.0, 0.0});
    EXPECT_DOUBLE_EQ(centre.x, 0.5);
    EXPECT_NEAR(centre.y, 0.5, 1e-15);
    // Beyond the Mercator limit latitudes clamp to the world's edge.
    EXPECT_EQ(lonlat_to_world({10.0, 89.0}).y, 0.0);

    std::mt19937 random(7);
    std::uniform_real_distribution<double> lon(-180.0, 180.0), lat(-85.0, 85.0);
    for (int i = 0; i < 1000; ++i) {
        const geo::Point p{lon(random), lat(random)};
        const geo::Point back = world_to_lonlat(lonlat_to_world(p));
        EXPECT_NEAR(back.x, p.x, 1e-9);
        EXPECT_NEAR(back.y, p.y, 1e-9);
    }
}

TEST(TileMath, TileContainingAndPixelRoundTrip) {
    const geo::Point tiananmen{116.3975, 39.9087};
    const TileId tile = tile_containing(tiananmen, 12);
    EXPECT_EQ(tile, (TileId{12, 3372, 1552}));
    const TileTransform transform(tile);
    const geo::Point pixel = transform.to_pixel(lonlat_to_world(tiananmen));
    EXPECT_GE(pixel.x, 0.0);
    EXPECT_LT(pixel.x, tile_extent);
    EXPECT_GE(pixel.y, 0.0);
    EXPECT_LT(pixel.y, tile_extent);
    const geo::Point back = world_to_lonlat(transform.to_world(pixel));
    EXPECT_NEAR(back.x, tiananmen.x, 1e-12);
    EXPECT_NEAR(back.y, tiananmen.y, 1e-12);
    for (int z = 0; z <= max_zoom; ++z) {
        const TileId t = tile_containing(tiananmen, z);
        EXPECT_TRUE(tile_lonlat_box(t).contains(tiananmen)) << z;
        const geo::Point p = TileTransform(t).to_pixel(lonlat_to_world(tiananmen));
        EXPECT_TRUE(p.x >= 0 && p.x < tile_extent && p.y >= 0 && p.y < tile_extent) << z;
    }
}

TEST(TileMath, BoxesFlipYAndGrowByBuffer) {
    const TileId tile{1, 0, 0};  // the north-west quarter
    const geo::Box world = tile_world_box(tile);
    EXPECT_EQ(world, (geo::Box{0.0, 0.0, 0.5, 0.5}));
    const geo::Box lonlat = tile_lonlat_box(tile);
    EXPECT_NEAR(lonlat.min_x, -180.0, 1e-9);
    EXPECT_NEAR(lonlat.max_x, 0.0, 1e-9);
    EXPECT_NEAR(lonlat.min_y, 0.0, 1e-9);
    EXPECT_NEAR(lonlat.max_y, max_latitude, 1e-9);
    const geo::Box buffered = tile_world_box(tile, tile_buffer);
    EXPECT_DOUBLE_EQ(buffered.max_x - buffered.min_x, 0.5 * (tile_extent + 2.0 * tile_buffer) / tile_extent);
}
