#include "wangge/geo/chinese_offsets.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace wangge::geo {
namespace {

// Published test vectors of the widely used coordtransform implementations.
TEST(ChineseOffsets, Wgs84ToGcj02MatchesReference) {
    const Point gcj = wgs84_to_gcj02({116.404, 39.915});
    EXPECT_NEAR(gcj.x, 116.41024449916938, 1e-12);
    EXPECT_NEAR(gcj.y, 39.91640428150164, 1e-12);
}

TEST(ChineseOffsets, Gcj02ToBd09MatchesReference) {
    const Point bd = gcj02_to_bd09({116.404, 39.915});
    EXPECT_NEAR(bd.x, 116.41036949371029, 1e-12);
    EXPECT_NEAR(bd.y, 39.92133699351021, 1e-12);
}

TEST(ChineseOffsets, InversesRoundTripToATenthOfAMillimetre) {
    for (const Point wgs : {Point{116.404, 39.915}, Point{121.4998, 31.2397}, Point{87.6, 43.8}, Point{113.26, 23.13}}) {
        const Point from_gcj = gcj02_to_wgs84(wgs84_to_gcj02(wgs));
        EXPECT_NEAR(from_gcj.x, wgs.x, 1e-8);
        EXPECT_NEAR(from_gcj.y, wgs.y, 1e-8);
        const Point from_bd = bd09_to_wgs84(wgs84_to_bd09(wgs));
        EXPECT_NEAR(from_bd.x, wgs.x, 1e-8);
        EXPECT_NEAR(from_bd.y, wgs.y, 1e-8);
    }
}

TEST(ChineseOffsets, OffsetIsHundredsOfMetresInsideChina) {
    const Point wgs{116.404, 39.915};
    const Point gcj = wgs84_to_gcj02(wgs);
    const double metres = std::hypot((gcj.x - wgs.x) * 111320.0 * std::cos(wgs.y * 3.14159265 / 180.0),
                                     (gcj.y - wgs.y) * 110540.0);
    EXPECT_GT(metres, 100.0);
    EXPECT_LT(metres, 1000.0);
}

TEST(ChineseOffsets, NoGcjOffsetOutsideChina) {
    const Point paris{2.35, 48.85};
    EXPECT_TRUE(outside_china(paris));
    EXPECT_EQ(wgs84_to_gcj02(paris), paris);
    EXPECT_EQ(gcj02_to_wgs84(paris), paris);
}

}  // namespace
}  // namespace wangge::geo
