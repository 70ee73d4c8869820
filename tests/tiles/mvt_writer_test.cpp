#include "wangge/tiles/mvt_writer.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <protozero/pbf_message.hpp>

#include "gdal_mvt.hpp"

using namespace wangge;
using namespace wangge::tiles;

namespace {
constexpr FieldSpec fields[] = {{"name", "String"}, {"rank", "Number"}, {"ratio", "Number"}, {"open", "Boolean"}};

/// Entries of the value dictionary (field 4) of a tile's first layer; -1 without a layer.
int value_count(const std::string& tile) {
    protozero::pbf_reader reader(tile);
    if (!reader.next(3)) return -1;
    protozero::pbf_reader encoded_layer = reader.get_message();
    int values = 0;
    while (encoded_layer.next()) {
        if (encoded_layer.tag() == 4) ++values;
        encoded_layer.skip();
    }
    return values;
}
}

TEST(MvtWriter, LayerDecodesWithGdalAndDeduplicatesValues) {
    LayerBuilder layer("things", fields);
    const Property first[] = {{0, std::string_view("甲")}, {1, std::int64_t{-7}}, {2, 0.5}, {3, true}};
    const Property second[] = {{0, std::string_view("甲")}, {1, std::int64_t{-7}}};
    layer.add_point({100, 200}, first, 42);
    layer.add_point({300, 400}, second);
    const PixelRing square{{0, 0}, {10, 0}, {10, 10}, {0, 10}};
    const PixelRing hole{{2, 2}, {2, 8}, {8, 8}, {8, 2}};
    layer.add_polygon(std::vector<PixelRing>{square, hole}, second);
    std::string tile;
    layer.append_to(tile);

    // The values in the encoded layer: "甲", -7, 0.5, true.
    EXPECT_EQ(value_count(tile), 4);

    const TileId tile_id{14, 13493, 6209};
    const auto features = test::decode_with_gdal(tile, tile_id);
    ASSERT_EQ(features.size(), 3U);
    EXPECT_EQ(features[0].layer, "things");
    EXPECT_EQ(features[0].fields.at("name"), "甲");
    EXPECT_EQ(features[0].fields.at("rank"), "-7");
    EXPECT_EQ(features[0].fields.at("ratio"), "0.5");
    EXPECT_NEAR(features[0].point.x, 100.0, 1e-6);
    EXPECT_NEAR(features[0].point.y, 200.0, 1e-6);
    EXPECT_NEAR(features[1].point.x, 300.0, 1e-6);
    ASSERT_EQ(features[2].polygons.size(), 1U);
    EXPECT_EQ(features[2].polygons[0].size(), 2U);
}

TEST(MvtWriter, LinesDecodeWithGdal) {
    constexpr FieldSpec street_fields[] = {{"name", "String"}};
    LayerBuilder layer("streets", street_fields);
    const Property name[] = {{0, std::string_view("光华路")}};
    layer.add_lines(std::vector<PixelLine>{{{0, 0}, {100, 0}, {100, 50}}}, name);
    // Two pieces make one multi-line feature; a piece of one vertex is left out.
    layer.add_lines(std::vector<PixelLine>{{{10, 10}, {20, 20}}, {{30, 30}}, {{40, 40}, {50, 40}}}, name);
    layer.add_lines(std::vector<PixelLine>{{{7, 7}}}, name);  // nothing to draw: no feature
    EXPECT_EQ(layer.feature_count(), 2U);
    std::string tile;
    layer.append_to(tile);
    const auto features = test::decode_with_gdal(tile, {14, 13493, 6209});
    ASSERT_EQ(features.size(), 2U);
    EXPECT_EQ(features[0].fields.at("name"), "光华路");
    ASSERT_EQ(features[0].lines.size(), 1U);
    ASSERT_EQ(features[0].lines[0].size(), 3U);
    EXPECT_NEAR(features[0].lines[0][2].x, 100.0, 1e-6);
    EXPECT_NEAR(features[0].lines[0][2].y, 50.0, 1e-6);
    EXPECT_NE(features[1].geometry_type.find("LINESTRING"), std::string::npos);  // GDAL promotes the layer to multi
    ASSERT_EQ(features[1].lines.size(), 2U);
    EXPECT_NEAR(features[1].lines[1][1].x, 50.0, 1e-6);
}

TEST(MvtWriter, EmptyLayerWritesNothing) {
    LayerBuilder layer("nothing", fields);
    std::string tile;
    layer.append_to(tile);
    EXPECT_TRUE(tile.empty());
}

TEST(MvtWriter, ManyDistinctValuesKeepTheirIndexes) {
    // Enough values to grow the dictionary several times, each used twice.
    LayerBuilder layer("things", fields);
    constexpr int count = 600;
    std::vector<std::string> names;
    for (int i = 0; i < count; ++i) names.push_back("网格" + std::to_string(i));
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < count; ++i) {
            const Property properties[] = {{0, std::string_view(names[static_cast<std::size_t>(i)])},
                                           {1, std::int64_t{i}},
                                           {2, i * 0.25},
                                           {3, i % 2 == 0}};
            layer.add_point({i, round}, properties);
        }
    }
    std::string tile;
    layer.append_to(tile);

    // 600 names, 600 ranks, 600 ratios (a double is never the integer of the same number), two booleans.
    EXPECT_EQ(value_count(tile), count + count + count + 2);

    const auto features = test::decode_with_gdal(tile, TileId{14, 13493, 6209});
    ASSERT_EQ(features.size(), 2U * count);
    for (std::size_t f = 0; f < features.size(); ++f) {
        const int i = static_cast<int>(f) % count;
        EXPECT_EQ(features[f].fields.at("name"), names[static_cast<std::size_t>(i)]);
        EXPECT_EQ(features[f].fields.at("rank"), std::to_string(i));
        EXPECT_DOUBLE_EQ(std::stod(features[f].fields.at("ratio")), i * 0.25);
        EXPECT_NEAR(features[f].point.x, i, 1e-6);
    }
}
