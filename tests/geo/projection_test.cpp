#include "wangge/geo/projection.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace wangge::geo;

TEST(LocalProjection, MetresAroundBeijing) {
    const LocalProjection projection(Box{116.40, 39.90, 116.50, 39.95});
    const Point a = projection.forward(Point{116.45, 39.925});
    EXPECT_NEAR(a.x, 0.0, 1e-6);
    EXPECT_NEAR(a.y, 0.0, 1e-6);
    // 0.01 degree of latitude is about 1110 m; of longitude at 39.9° about 854 m.
    const Point north = projection.forward(Point{116.45, 39.935});
    EXPECT_NEAR(north.y, 1110.6, 1.0);
    const Point east = projection.forward(Point{116.46, 39.925});
    EXPECT_NEAR(east.x, 854.3, 1.0);
}

TEST(LocalProjection, RoundTripAndPolygonArea) {
    const LocalProjection projection(Box{116.40, 39.90, 116.50, 39.95});
    const Point back = projection.inverse(projection.forward(Point{116.4321, 39.9123}));
    EXPECT_NEAR(back.x, 116.4321, 1e-9);
    EXPECT_NEAR(back.y, 39.9123, 1e-9);

    // A square of 100 m sides built in metres comes back as 10 000 m².
    const MultiPolygon metres{{Polygon{{Ring{{0, 0}, {100, 0}, {100, 100}, {0, 100}, {0, 0}}}}}};
    const MultiPolygon lonlat = projection.inverse(metres);
    EXPECT_NEAR(signed_area(projection.forward(lonlat).polygons[0].rings[0]), 10000.0, 1e-6);
}

TEST(LocalProjection, RefusesEmptyOrNonGeographicExtent) {
    EXPECT_THROW(LocalProjection(Box{}), ProjectionError);
    EXPECT_THROW(LocalProjection(Box{500000, 4400000, 510000, 4410000}), ProjectionError);
}
