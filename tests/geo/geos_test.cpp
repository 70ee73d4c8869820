#include "wangge/geo/geos.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace wangge::geo::geos {
namespace {

Polygon square(double x, double y, double side) {
    return Polygon{{{{x, y}, {x + side, y}, {x + side, y + side}, {x, y + side}, {x, y}}}};
}

TEST(Geos, AreaLengthAndBox) {
    Context context;
    const Geometry g = context.polygon(square(1, 2, 10));
    EXPECT_DOUBLE_EQ(g.area(), 100.0);
    EXPECT_DOUBLE_EQ(g.length(), 40.0);
    EXPECT_EQ(g.box(), (Box{1, 2, 11, 12}));
    EXPECT_FALSE(g.empty());
}

TEST(Geos, RoundTripsPlainPolygonsWithHoles) {
    Context context;
    Polygon with_hole = square(0, 0, 10);
    with_hole.rings.push_back({{2, 2}, {2, 4}, {4, 4}, {4, 2}, {2, 2}});
    const MultiPolygon multi{{with_hole, square(20, 0, 5)}};
    const Geometry g = context.multipolygon(multi);
    EXPECT_DOUBLE_EQ(g.area(), 100.0 - 4.0 + 25.0);
    EXPECT_EQ(g.polygons(), multi);
}

TEST(Geos, WkbRoundTrip) {
    Context context;
    const Geometry g = context.polygon(square(0, 0, 3));
    const std::vector<std::uint8_t> wkb = context.to_wkb(g);
    EXPECT_EQ(wkb.size(), 1u + 4u + 4u + 4u + 5u * 16u);
    const Geometry back = context.from_wkb(wkb);
    EXPECT_EQ(back.polygons(), g.polygons());
}

TEST(Geos, BadWkbThrowsWithGeosMessage) {
    Context context;
    const std::vector<std::uint8_t> junk{1, 3, 0, 0, 0, 9};
    try {
        (void)context.from_wkb(junk);
        FAIL() << "expected GeosError";
    } catch (const GeosError& e) {
        EXPECT_NE(std::string(e.what()).find("WKB read failed: "), std::string::npos) << e.what();
    }
    // The context stays usable after a failure.
    EXPECT_DOUBLE_EQ(context.polygon(square(0, 0, 1)).area(), 1.0);
}

TEST(Geos, UnclosedRingIsRejected) {
    Context context;
    const Polygon open{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}};
    EXPECT_THROW((void)context.polygon(open), GeosError);
}

TEST(Geos, BowtieIsInvalidWithReasonAndLocation) {
    Context context;
    const Geometry bowtie = context.polygon(Polygon{{{{0, 0}, {2, 2}, {2, 0}, {0, 2}, {0, 0}}}});
    const auto invalid = bowtie.invalidity();
    ASSERT_TRUE(invalid.has_value());
    EXPECT_EQ(invalid->reason, "Self-intersection");
    EXPECT_DOUBLE_EQ(invalid->location.x, 1.0);
    EXPECT_DOUBLE_EQ(invalid->location.y, 1.0);
    EXPECT_FALSE(context.polygon(square(0, 0, 1)).invalidity().has_value());
    EXPECT_NEAR(bowtie.make_valid().area(), 2.0, 1e-12);
}

TEST(Geos, OverlayAndPredicates) {
    Context context;
    const Geometry a = context.polygon(square(0, 0, 10));
    const Geometry b = context.polygon(square(5, 5, 10));
    const Geometry c = context.polygon(square(10, 0, 10));  // shares an edge with a
    EXPECT_DOUBLE_EQ(a.intersection(b).area(), 25.0);
    EXPECT_DOUBLE_EQ(a.difference(b).area(), 75.0);
    EXPECT_DOUBLE_EQ(a.union_with(b).area(), 175.0);
    EXPECT_TRUE(a.overlaps(b));
    EXPECT_FALSE(a.overlaps(c));
    EXPECT_TRUE(a.intersects(c));
    EXPECT_TRUE(a.relate(c, "F***1****"));  // interiors apart, boundaries share a line
    EXPECT_TRUE(a.relate(b, "2********"));
    EXPECT_TRUE(a.covers(context.polygon(square(1, 1, 2))));
    EXPECT_DOUBLE_EQ(a.boundary().length(), 40.0);
    EXPECT_DOUBLE_EQ(context.polygon(Polygon{{{{0, 0}, {4, 0}, {0, 3}, {0, 0}}}}).envelope().area(), 12.0);
    EXPECT_TRUE(a.buffer(-6.0).empty());
    EXPECT_NEAR(a.buffer(-1.0).area(), 64.0, 1e-9);
}

TEST(Geos, UnionsOfACoverage) {
    Context context;
    std::vector<Geometry> parts;
    for (int i = 0; i < 4; ++i) parts.push_back(context.polygon(square(i * 10.0, 0, 10)));
    std::vector<Geometry> copies;
    for (const Geometry& part : parts) copies.push_back(part.clone());
    const Geometry coverage = context.coverage_union(std::move(parts));
    const Geometry full = context.union_all(std::move(copies));
    EXPECT_DOUBLE_EQ(coverage.area(), 400.0);
    EXPECT_DOUBLE_EQ(full.area(), 400.0);
    EXPECT_EQ(coverage.polygons().polygons.size(), 1u);
    EXPECT_TRUE(context.union_all({}).empty());
}

TEST(Geos, PreparedPredicates) {
    Context context;
    const PreparedGeometry parent(context.polygon(square(0, 0, 10)));
    EXPECT_TRUE(parent.covers(context.polygon(square(0, 0, 5))));
    EXPECT_FALSE(parent.contains_properly(context.polygon(square(0, 0, 5))));
    EXPECT_TRUE(parent.contains_properly(context.polygon(square(1, 1, 5))));
    EXPECT_FALSE(parent.covers(context.polygon(square(8, 8, 5))));
    EXPECT_TRUE(parent.intersects(context.point({10, 10})));
    EXPECT_FALSE(parent.intersects(context.line(std::vector<Point>{{11, 0}, {11, 10}})));
    EXPECT_DOUBLE_EQ(parent.geometry().area(), 100.0);
}

TEST(Geos, OneContextPerThread) {
    std::vector<double> areas(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < areas.size(); ++t) {
        threads.emplace_back([&areas, t] {
            Context context;
            double sum = 0;
            for (int i = 0; i < 200; ++i) {
                sum += context.polygon(square(0, 0, 2)).intersection(context.polygon(square(1, 1, 2))).area();
            }
            areas[t] = sum;
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (double area : areas) EXPECT_DOUBLE_EQ(area, 200.0);
}

TEST(Geos, ContextMoveKeepsGeometriesUsable) {
    Context first;
    Geometry g = first.polygon(square(0, 0, 2));
    Context second = std::move(first);
    EXPECT_DOUBLE_EQ(g.intersection(second.polygon(square(1, 1, 2))).area(), 1.0);
}

}  // namespace
}  // namespace wangge::geo::geos
