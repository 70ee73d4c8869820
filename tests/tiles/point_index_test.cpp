#include "wangge/tiles/point_index.hpp"

#include <cmath>
#include <random>
#include <set>

#include <gtest/gtest.h>

using namespace wangge;
using namespace wangge::tiles;

namespace {

std::vector<geo::Point> random_points(std::size_t n) {
    std::mt19937 random(5);
    std::uniform_real_distribution<double> lon(116.30, 116.50), lat(39.85, 40.00);
    std::vector<geo::Point> points;
    for (std::size_t i = 0; i < n; ++i) points.push_back({lon(random), lat(random)});
    return points;
}

/// Points whose 64-pixel cell lies in the tile or its one-cell ring: what a tile must cover.
std::size_t brute_force(const std::vector<geo::Point>& points, const TileId& tile) {
    const double cells = std::ldexp(1.0, tile.z + PointIndex::cluster_shift);
    std::size_t count = 0;
    for (const geo::Point& p : points) {
        const geo::Point world = lonlat_to_world(p);
        const double column = std::floor(world.x * cells) - tile.x * 64.0;
        const double row = std::floor(world.y * cells) - tile.y * 64.0;
        if (column >= -1 && column <= 64 && row >= -1 && row <= 64) ++count;
    }
    return count;
}

}  // namespace

TEST(PointIndex, MortonRoundTrip) {
    const geo::Point world{0.3, 0.7};
    const geo::Point back = morton_point(morton_code(world));
    EXPECT_NEAR(back.x, world.x, 1e-9);
    EXPECT_NEAR(back.y, world.y, 1e-9);
    const MortonRange range = morton_cell_range(3, 5, 3);
    const MortonCell cell = morton_decode(range.first >> (64 - 6));
    EXPECT_EQ(cell.column, 3U);
    EXPECT_EQ(cell.row, 5U);
}

TEST(PointIndex, LowZoomTilesAreClusteredAndBounded) {
    const std::vector<geo::Point> points = random_points(50'000);
    const PointIndex index(points);
    for (int z = 8; z <= 15; ++z) {
        const TileId tile = tile_containing({116.40, 39.92}, z);
        std::size_t features = 0;
        std::size_t covered = 0;
        std::set<std::size_t> seen;
        index.visit(tile, 14, [&](std::size_t item, std::size_t count, const geo::Point& world) {
            ++features;
            covered += count;
            EXPECT_TRUE(seen.insert(item).second);
            const geo::Point pixel = TileTransform(tile).to_pixel(world);
            EXPECT_TRUE(pixel.x >= -64 && pixel.x < 4160 && pixel.y >= -64 && pixel.y < 4160);
            if (z >= 14) {
                EXPECT_EQ(count, 1U);
            }
        });
        EXPECT_LE(features, 66U * 66U) << z;
        EXPECT_EQ(covered, brute_force(points, tile)) << z;
        if (z < 14) {
            EXPECT_LT(features, covered) << z;
        }
    }
}

TEST(PointIndex, NeighboursAgreeOnBufferFeatures) {
    const std::vector<geo::Point> points = random_points(20'000);
    const PointIndex index(points);
    const TileId right = tile_containing({116.40, 39.92}, 11);
    const TileId left{right.z, right.x - 1, right.y};
    const double seam = tile_world_box(right).min_x;
    const double pad = tile_world_box(left, 64).max_x - tile_world_box(left).max_x;
    std::set<std::pair<std::size_t, std::size_t>> from_left, from_right;
    index.visit(left, 14, [&](std::size_t item, std::size_t count, const geo::Point& world) {
        if (world.x >= seam - pad && world.x < seam + pad) from_left.insert({item, count});
    });
    index.visit(right, 14, [&](std::size_t item, std::size_t count, const geo::Point& world) {
        if (world.x >= seam - pad && world.x < seam + pad) from_right.insert({item, count});
    });
    EXPECT_FALSE(from_left.empty());
    EXPECT_EQ(from_left, from_right);
}
