#include "wangge/tiles/clip.hpp"

#include <algorithm>

#include <gtest/gtest.h>

using namespace wangge;
using namespace wangge::tiles;

namespace {
const geo::Box square{0.0, 0.0, 100.0, 100.0};

std::vector<geo::Point> clip(const std::vector<geo::Point>& ring) {
    RingClipper clipper(square);
    const auto clipped = clipper.clip(ring);
    return {clipped.begin(), clipped.end()};
}

PixelRing snapped(std::span<const geo::Point> ring) {
    PixelRing out;
    snap_ring(ring, out);
    return out;
}

}  // namespace

TEST(Clip, PolygonCrossingTileEdgesIsCut) {
    // A square sticking out of the right and bottom edges.
    const std::vector<geo::Point> ring{{50, 50}, {150, 50}, {150, 150}, {50, 150}};
    const PixelRing clipped = snapped(clip(ring));
    ASSERT_EQ(clipped.size(), 4U);
    for (const PixelPoint& p : clipped) {
        EXPECT_TRUE(p.x >= 50 && p.x <= 100 && p.y >= 50 && p.y <= 100);
    }
    EXPECT_EQ(std::abs(twice_signed_area(clipped)), 2 * 50 * 50);
}

TEST(Clip, RingInsideIsUntouchedAndOutsideIsDropped) {
    const std::vector<geo::Point> inside{{10, 10}, {20, 10}, {20, 20}};
    EXPECT_EQ(clip(inside), inside);
    const std::vector<geo::Point> outside{{110, 10}, {120, 10}, {120, 20}};
    EXPECT_TRUE(clip(outside).empty());
}

TEST(Clip, DiagonalCrossingGivesTheSameBitsInBothDirections) {
    // Two rings sharing the edge (30,-7.3)–(80.9,113.1) in opposite directions.
    const std::vector<geo::Point> a{{30, -7.3}, {80.9, 113.1}, {-20, 60}};
    const std::vector<geo::Point> b{{80.9, 113.1}, {30, -7.3}, {140, 20}};
    const std::vector<geo::Point> ca = clip(a);
    const std::vector<geo::Point> cb = clip(b);
    int shared = 0;
    for (const geo::Point& p : ca) {
        if (p.y == 0.0 || p.y == 100.0) {
            if (std::find(cb.begin(), cb.end(), p) != cb.end()) ++shared;
        }
    }
    EXPECT_EQ(shared, 2);  // both crossings of the shared edge, bit for bit
}

TEST(Clip, SnapDropsDegenerateRings) {
    EXPECT_TRUE(snapped(std::vector<geo::Point>{{0, 0}, {0.2, 0.1}, {0.4, 0.2}}).empty());
    EXPECT_TRUE(snapped(std::vector<geo::Point>{{0, 0}, {10, 0}, {20, 0}}).empty());  // no area
    const PixelRing spike = snapped(std::vector<geo::Point>{{0, 0}, {10, 0}, {10, 10}, {10, 20}, {10, 10}, {0, 10}});
    EXPECT_EQ(spike.size(), 4U);
}

TEST(Clip, WindingSignFollowsScreenOrientation) {
    // Clockwise on screen (y down): right, then down.
    const PixelRing clockwise{{0, 0}, {10, 0}, {10, 10}, {0, 10}};
    EXPECT_GT(twice_signed_area(clockwise), 0);
    const PixelRing counter(clockwise.rbegin(), clockwise.rend());
    EXPECT_LT(twice_signed_area(counter), 0);
}

TEST(Clip, PointOnBufferEdge) {
    EXPECT_TRUE(in_buffered_tile({-64.0, 0.0}, 4096, 64));
    EXPECT_TRUE(in_buffered_tile({4159.9, 4159.9}, 4096, 64));
    EXPECT_FALSE(in_buffered_tile({4160.0, 0.0}, 4096, 64));
    EXPECT_FALSE(in_buffered_tile({0.0, -64.01}, 4096, 64));
}

TEST(Clip, LineLeavingAndReenteringGivesTwoPieces) {
    const geo::Box box{0, 0, 100, 100};
    // In, out over the right edge, back in, and ending outside the top.
    const std::vector<geo::Point> line{{10, 50}, {150, 50}, {150, 80}, {50, 80}, {50, -50}};
    std::vector<std::vector<geo::Point>> pieces;
    clip_line(line, box, pieces);
    ASSERT_EQ(pieces.size(), 2U);
    EXPECT_EQ(pieces[0], (std::vector<geo::Point>{{10, 50}, {100, 50}}));
    EXPECT_EQ(pieces[1], (std::vector<geo::Point>{{100, 80}, {50, 80}, {50, 0}}));

    pieces.clear();
    clip_line(std::vector<geo::Point>{{-10, -10}, {-5, 200}}, box, pieces);
    EXPECT_TRUE(pieces.empty());
}

TEST(Clip, SnapLineDropsRepeatsAndDegenerateLines) {
    PixelLine out;
    snap_line(std::vector<geo::Point>{{0.2, 0.2}, {0.4, 0.1}, {5.6, 0.0}}, out);
    EXPECT_EQ(out, (PixelLine{{0, 0}, {6, 0}}));
    snap_line(std::vector<geo::Point>{{0.2, 0.2}, {0.4, 0.1}}, out);
    EXPECT_TRUE(out.empty());
}
