#include "wangge/geo/projection.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <numbers>

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

TEST(CrsTransform, KeepsTheTargetsAxisOrder) {
    // EPSG:4490 is latitude first.
    EXPECT_EQ(CrsTransform(4490).forward(Point{116.403, 39.903}), (Point{39.903, 116.403}));
    // Zone 39 of the 3° Gauss–Krüger zones: northing, then easting with the zone number.
    const Point zone = CrsTransform(4527).forward(Point{117.0, 39.9});
    EXPECT_NEAR(zone.x, 4'418'000.0, 2'000.0);
    EXPECT_NEAR(zone.y, 39'500'000.0, 1e-3);  // on the central meridian
    // Web Mercator: easting, northing.
    const Point mercator = CrsTransform(3857).forward(Point{116.403, 39.903});
    EXPECT_NEAR(mercator.x, 6378137.0 * 116.403 * std::numbers::pi / 180.0, 1e-6);
    EXPECT_THROW(CrsTransform(999999), ProjectionError);
}

TEST(CrsTransform, BoxesGoBackToLonLatBounds) {
    const CrsTransform zone(4527);
    const Point low = zone.forward(Point{116.9, 39.8});
    const Point high = zone.forward(Point{117.1, 40.0});
    // A northing/easting box around the two corners.
    const Box lonlat = zone.inverse(Box{low.x, low.y, high.x, high.y});
    EXPECT_NEAR(lonlat.min_x, 116.9, 2e-3);
    EXPECT_NEAR(lonlat.max_x, 117.1, 2e-3);
    EXPECT_NEAR(lonlat.min_y, 39.8, 1e-3);
    EXPECT_NEAR(lonlat.max_y, 40.0, 1e-3);
}

TEST(CrsPipelines, LaterTransformsComeFromTheStoredPipelineAndAgree) {
    CrsPipelines pipelines;
    for (const int epsg : {3857, 4490, 4527}) {
        const Point first = pipelines.transform(epsg).forward(Point{116.403, 39.903});
        const auto start = std::chrono::steady_clock::now();
        const CrsTransform again = pipelines.transform(epsg);
        const auto elapsed = std::chrono::steady_clock::now() - start;
        EXPECT_EQ(again.forward(Point{116.403, 39.903}), first) << epsg;
        EXPECT_EQ(again.pipeline(), CrsTransform(epsg).pipeline()) << epsg;
        // No database search: well below the 250 ms EPSG:3857 takes to find (ASan builds included).
        EXPECT_LT(elapsed, std::chrono::milliseconds(50)) << epsg;
    }
}
