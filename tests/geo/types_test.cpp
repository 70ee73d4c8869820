#include "wangge/geo/types.hpp"

#include <gtest/gtest.h>

using namespace wangge::geo;

namespace {
Polygon square_with_hole() {
    return Polygon{{Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, Ring{{4, 4}, {4, 6}, {6, 6}, {6, 4}, {4, 4}}}};
}
}  // namespace

TEST(GeoTypes, BoundsOfMultiPolygon) {
    MultiPolygon multi{{square_with_hole(), Polygon{{Ring{{20, -5}, {21, -5}, {21, -4}, {20, -5}}}}}};
    EXPECT_EQ(bounds(multi), (Box{0, -5, 21, 10}));
    EXPECT_TRUE(Box{}.empty());
}

TEST(GeoTypes, ContainsRespectsHoles) {
    const Polygon polygon = square_with_hole();
    EXPECT_TRUE(contains(polygon, {1, 1}));
    EXPECT_FALSE(contains(polygon, {5, 5}));
    EXPECT_FALSE(contains(polygon, {11, 5}));
    EXPECT_FALSE(contains(Polygon{}, {0, 0}));
}

TEST(GeoTypes, SignedAreaAndVertexCount) {
    const Polygon polygon = square_with_hole();
    EXPECT_DOUBLE_EQ(signed_area(polygon.rings[0]), 100.0);
    EXPECT_DOUBLE_EQ(signed_area(polygon.rings[1]), -4.0);
    EXPECT_EQ(vertex_count(MultiPolygon{{polygon}}), 10U);
}

TEST(GeoTypes, BoxIntersection) {
    const Box a{0, 0, 1, 1};
    EXPECT_TRUE(a.intersects({1, 1, 2, 2}));
    EXPECT_FALSE(a.intersects({1.01, 0, 2, 1}));
    EXPECT_TRUE(a.contains(Point{0.5, 1}));
}
