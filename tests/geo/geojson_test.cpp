#include "wangge/geo/geojson.hpp"

#include <gtest/gtest.h>

#include <limits>

using namespace wangge::geo;
using nlohmann::json;

TEST(GeoJson, PolygonRoundTrip) {
    const MultiPolygon multi{{Polygon{{Ring{{116.1, 39.9}, {116.2, 39.9}, {116.2, 40.0}, {116.1, 39.9}}}}}};
    const json geometry = to_geojson(multi);
    EXPECT_EQ(geometry["type"], "Polygon");
    EXPECT_EQ(polygons_from_geojson(geometry), multi);
}

TEST(GeoJson, MultiPolygonRoundTrip) {
    const Polygon a{{Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}};
    const Polygon b{{Ring{{5, 5}, {6, 5}, {6, 6}, {5, 5}}}};
    const MultiPolygon multi{{a, b}};
    const json geometry = to_geojson(multi);
    EXPECT_EQ(geometry["type"], "MultiPolygon");
    EXPECT_EQ(polygons_from_geojson(geometry), multi);
}

TEST(GeoJson, PointRoundTrip) {
    EXPECT_EQ(point_from_geojson(to_geojson(Point{116.46, 39.92})), (Point{116.46, 39.92}));
    EXPECT_THROW((void)point_from_geojson(json::parse(R"({"type":"Point","coordinates":["a",1]})")), GeoJsonError);
}

TEST(GeoJson, RejectsMalformedGeometry) {
    const char* bad[] = {
        R"([1,2])",
        R"({"type":"Polygon"})",
        R"({"type":"LineString","coordinates":[[0,0],[1,1]]})",
        R"({"type":"Polygon","coordinates":[]})",
        R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]})",
        R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]})",
        R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,"x"],[0,0]]]})",
        R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0,0,0],[0,0]]]})",
        R"({"type":"MultiPolygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]})",
    };
    for (const char* text : bad) {
        EXPECT_THROW((void)polygons_from_geojson(json::parse(text)), GeoJsonError) << text;
    }
}

TEST(GeoJson, RejectsNonFiniteAndTooManyVertices) {
    json ring = json::array({json::array({0, 0}), json::array({1, 0}), json::array({1, 1}), json::array({0, 0})});
    json geometry{{"type", "Polygon"}, {"coordinates", json::array({ring})}};
    EXPECT_THROW((void)polygons_from_geojson(geometry, GeoJsonLimits{3}), GeoJsonError);
    EXPECT_NO_THROW((void)polygons_from_geojson(geometry, GeoJsonLimits{4}));
    geometry["coordinates"][0][1][0] = std::numeric_limits<double>::infinity();
    EXPECT_THROW((void)polygons_from_geojson(geometry), GeoJsonError);
}
