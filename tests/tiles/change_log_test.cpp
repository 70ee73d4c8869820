#include "wangge/tiles/change_log.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "wangge/error.hpp"

using namespace wangge;
using namespace wangge::tiles;

namespace {

/// A tiny box around a lon/lat position, in world coordinates.
geo::Box at(double lon, double lat) {
    geo::Box box;
    box.expand(lonlat_to_world({lon, lat}));
    return box;
}

TileChanges in_layer(Layer layer, std::vector<geo::Box> boxes) {
    TileChanges changes;
    changes.boxes[static_cast<std::size_t>(layer)] = std::move(boxes);
    return changes;
}

TEST(Reach, BufferAndHeatCells) {
    for (const int z : {0, 10, 16, 18, 22}) EXPECT_EQ(reach_px(Layer::grids, z), 64.0);
    EXPECT_EQ(reach_px(Layer::heat, 16), 64.0);
    EXPECT_EQ(reach_px(Layer::heat, 17), 128.0);
    EXPECT_EQ(reach_px(Layer::heat, 22), 4096.0);
}

TEST(Touches, BufferReachesIntoNeighbours) {
    const TileId tile{14, 13489, 6208};
    const geo::Box square = tile_world_box(tile);
    const double pixel = (square.max_x - square.min_x) / tile_extent;
    const auto right_of_tile = [&](double pixels) {
        return geo::Box{square.max_x + pixels * pixel, square.min_y + 0.5 * (square.max_y - square.min_y),
                        square.max_x + pixels * pixel, square.min_y + 0.5 * (square.max_y - square.min_y)};
    };
    EXPECT_TRUE(touches(Layer::households, tile, right_of_tile(10)));
    EXPECT_TRUE(touches(Layer::households, tile, right_of_tile(63.9)));
    EXPECT_FALSE(touches(Layer::households, tile, right_of_tile(70)));
    EXPECT_FALSE(touches(Layer::households, tile, geo::Box{}));
    const TileId deep{18, 13489 * 16, 6208 * 16};
    const geo::Box deep_square = tile_world_box(deep);
    const double deep_pixel = (deep_square.max_x - deep_square.min_x) / tile_extent;
    const geo::Box beside{deep_square.max_x + 200 * deep_pixel, deep_square.min_y, deep_square.max_x + 200 * deep_pixel,
                          deep_square.min_y};
    EXPECT_TRUE(touches(Layer::heat, deep, beside));  // a z18 heat cell is 256 px
    EXPECT_FALSE(touches(Layer::incidents, deep, beside));
}

TEST(TouchedTiles, AgreesWithTouches) {
    const std::vector<geo::Box> boxes{
        at(116.40, 39.94),
        tile_world_box({5, 26, 12}),                 // exactly a tile
        tile_world_box({6, 3, 60}, 64.0),            // exactly a tile and its reach
        {0.0, 0.0, 0.0, 0.0},                        // the world's corner
        {0.2, 0.3, 0.7, 0.31},
        {1.5, 1.5, 2.0, 2.0},                        // outside the world
        {},
    };
    for (const Layer layer : {Layer::grids, Layer::households, Layer::heat}) {
        for (const geo::Box& box : boxes) {
            for (int z = 0; z <= 6; ++z) {
                const TileRange range = touched_tiles(layer, box, z);
                EXPECT_EQ(range.z, z);
                for (std::uint32_t y = 0; y < (1u << z); ++y) {
                    for (std::uint32_t x = 0; x < (1u << z); ++x) {
                        const bool in_range = !range.empty() && x >= range.min_x && x <= range.max_x &&
                                              y >= range.min_y && y <= range.max_y;
                        ASSERT_EQ(in_range, touches(layer, {z, x, y}, box))
                            << to_string(layer) << ' ' << z << '/' << x << '/' << y;
                    }
                }
            }
        }
    }
    // Deep zooms: a point touches its tile and, within the reach of an edge, the neighbours.
    const TileRange deep = touched_tiles(Layer::heat, at(116.40, 39.94), 22);
    EXPECT_EQ(deep.max_x - deep.min_x, 2u);  // a z22 heat cell is a whole tile
    EXPECT_EQ(deep.max_y - deep.min_y, 2u);
}

TEST(MergeBoxes, CapsAndCovers) {
    std::vector<geo::Box> boxes;
    for (int i = 0; i < 500; ++i) boxes.push_back(at(116.40 + 0.00001 * i, 39.94));  // one street
    for (int i = 0; i < 500; ++i) boxes.push_back(at(121.47 + 0.00001 * i, 31.23));  // another city
    boxes.emplace_back();  // empty boxes are dropped
    const std::vector<geo::Box> merged = merge_boxes(boxes, 8);
    ASSERT_LE(merged.size(), 8u);
    ASSERT_GE(merged.size(), 2u);  // the two cities stay apart
    for (const geo::Box& box : boxes) {
        if (box.empty()) continue;
        EXPECT_TRUE(std::any_of(merged.begin(), merged.end(), [&](const geo::Box& m) {
            return m.min_x <= box.min_x && m.min_y <= box.min_y && m.max_x >= box.max_x && m.max_y >= box.max_y;
        }));
    }
    for (const geo::Box& m : merged) EXPECT_LT(m.max_x - m.min_x, 0.001);  // no box spans both cities
    EXPECT_EQ(merge_boxes({at(1, 1), at(2, 2)}, 64).size(), 2u);
}

TEST(ChangeLog, TileVersionPicksNewestTouchingChange) {
    const TileId near{16, tile_containing({116.40, 39.94}, 16).x, tile_containing({116.40, 39.94}, 16).y};
    const TileId far = tile_containing({121.47, 31.23}, 16);
    ChangeLog log(10);
    EXPECT_EQ(log.version(), 10u);
    EXPECT_EQ(log.tile_version(Layer::incidents, near), 10u);
    log = log.next(11, in_layer(Layer::incidents, {at(116.40, 39.94)}));
    log = log.next(12, in_layer(Layer::incidents, {at(121.47, 31.23)}));
    log = log.next(13, in_layer(Layer::households, {at(116.40, 39.94)}));
    log = log.next(14, TileChanges{});
    EXPECT_EQ(log.version(), 14u);
    EXPECT_EQ(log.tile_version(Layer::incidents, near), 11u);
    EXPECT_EQ(log.tile_version(Layer::incidents, far), 12u);
    EXPECT_EQ(log.tile_version(Layer::households, near), 13u);
    EXPECT_EQ(log.tile_version(Layer::households, far), 10u);
    EXPECT_EQ(log.tile_version(Layer::grids, near), 10u);
    log = log.next(15, in_layer(Layer::incidents, {at(116.40, 39.94)}));
    EXPECT_EQ(log.tile_version(Layer::incidents, near), 15u);
    EXPECT_EQ(log.tile_version(Layer::incidents, far), 12u);
    EXPECT_THROW((void)log.next(15, TileChanges{}), Error);
}

TEST(ChangeLog, ChangesAfterInOrder) {
    ChangeLog log(1);
    log = log.next(2, in_layer(Layer::heat, {at(116.40, 39.94)}));
    TileChanges both = in_layer(Layer::grids, {at(116.41, 39.94)});
    both.boxes[static_cast<std::size_t>(Layer::incidents)].push_back(at(116.42, 39.94));
    log = log.next(3, both);
    const auto all = log.changes_after(1);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 3u);
    EXPECT_EQ((*all)[0].version, 2u);
    EXPECT_EQ((*all)[0].layer, Layer::heat);
    EXPECT_EQ((*all)[1].version, 3u);
    EXPECT_EQ((*all)[1].layer, Layer::grids);
    EXPECT_EQ((*all)[2].layer, Layer::incidents);
    EXPECT_EQ(log.changes_after(2)->size(), 2u);
    EXPECT_TRUE(log.changes_after(3)->empty());
    EXPECT_FALSE(log.changes_after(0));  // before the log began
    EXPECT_FALSE(log.changes_after(4));  // a version this log never had
}

TEST(ChangeLog, FoldingRaisesBase) {
    const TileId near = tile_containing({116.40, 39.94}, 16);
    const TileId far = tile_containing({121.47, 31.23}, 16);
    ChangeLog log(0);
    log = log.next(1, in_layer(Layer::households, {at(116.40, 39.94)}));
    for (std::uint64_t v = 2; v <= ChangeLog::capacity; ++v) {
        log = log.next(v, in_layer(Layer::households, {at(121.47 + 0.001 * static_cast<double>(v), 31.23)}));
    }
    // Still every change kept: 256 boxes.
    EXPECT_EQ(log.tile_version(Layer::households, near), 1u);
    ASSERT_TRUE(log.changes_after(0));
    log = log.next(ChangeLog::capacity + 1, in_layer(Layer::households, {at(121.0, 31.0)}));
    // Version 1 folded away: the near tile is now at the base, 1.
    EXPECT_EQ(log.tile_version(Layer::households, near), 1u);
    EXPECT_EQ(log.tile_version(Layer::facilities, far), 0u);  // other layers keep their base
    EXPECT_FALSE(log.changes_after(0));
    ASSERT_TRUE(log.changes_after(1));
    EXPECT_EQ(log.changes_after(1)->size(), ChangeLog::capacity);
    log = log.next(ChangeLog::capacity + 2, in_layer(Layer::households, {at(121.0, 31.0)}));
    EXPECT_EQ(log.tile_version(Layer::households, near), 2u);
    EXPECT_FALSE(log.changes_after(1));
}

}  // namespace
