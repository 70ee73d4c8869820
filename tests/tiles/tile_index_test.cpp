#include "wangge/tiles/tile_index.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include <gtest/gtest.h>

#include "gdal_mvt.hpp"
#include "tile_fixture.hpp"

using namespace wangge;
using namespace wangge::tiles;
using test::GdalFeature;

namespace {

class TileIndexTest : public ::testing::Test {
protected:
    std::shared_ptr<const model::Snapshot> snapshot = model::Snapshot::build(test::community(), 3);
    TileIndex index{*snapshot};

    std::vector<GdalFeature> decode(const TileQuery& query) {
        return test::decode_with_gdal(index.render(query), query.tile);
    }
    const model::Grid& grid(std::string_view code) { return *snapshot->current_grid(code); }
};

TileQuery query_for(Layer layer, const TileId& tile) {
    TileQuery query;
    query.layer = layer;
    query.tile = tile;
    return query;
}

std::vector<const GdalFeature*> in_layer(const std::vector<GdalFeature>& features, std::string_view layer) {
    std::vector<const GdalFeature*> out;
    for (const GdalFeature& feature : features) {
        if (feature.layer == layer) out.push_back(&feature);
    }
    return out;
}

const GdalFeature& with_code(const std::vector<GdalFeature>& features, std::string_view code) {
    for (const GdalFeature& feature : features) {
        const auto found = feature.fields.find("code");
        if (feature.layer == "grids" && found != feature.fields.end() && found->second == code) return feature;
    }
    throw std::runtime_error("no grid feature " + std::string(code));
}

double segment_distance(const geo::Point& p, const geo::Point& a, const geo::Point& b) {
    const double dx = b.x - a.x;
    const double dy = b.y - a.y;
    const double length = dx * dx + dy * dy;
    const double t = length == 0.0 ? 0.0 : std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / length, 0.0, 1.0);
    return std::hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/// Distance from `p` to the nearest edge of closed rings.
double distance_to_rings(const geo::Point& p, const std::vector<std::vector<geo::Point>>& rings) {
    double best = INFINITY;
    for (const auto& ring : rings) {
        for (std::size_t i = 0; i + 1 < ring.size(); ++i) best = std::min(best, segment_distance(p, ring[i], ring[i + 1]));
    }
    return best;
}

/// The source polygon's rings in the tile's pixel space.
std::vector<std::vector<geo::Point>> source_pixels(const model::Grid& grid, const TileId& tile) {
    const TileTransform transform(tile);
    std::vector<std::vector<geo::Point>> rings;
    for (const geo::Polygon& polygon : grid.geometry.polygons) {
        for (const geo::Ring& ring : polygon.rings) {
            auto& out = rings.emplace_back();
            for (const geo::Point& p : ring) out.push_back(transform.to_pixel(lonlat_to_world(p)));
        }
    }
    return rings;
}

bool on_buffer_edge(const geo::Point& p) {
    const auto edge = [](double v) { return std::abs(v + tile_buffer) < 1e-6 || std::abs(v - tile_extent - tile_buffer) < 1e-6; };
    return edge(p.x) || edge(p.y);
}

/// Decoded and source boundaries are within `tolerance` pixels of each other
/// (both directions, within the buffered tile), and the decoded vertices are
/// integers up to GDAL's floating-point round trip.
void expect_same_shape(const GdalFeature& decoded, const model::Grid& grid, const TileId& tile, double tolerance) {
    const auto source = source_pixels(grid, tile);
    std::vector<std::vector<geo::Point>> decoded_rings;
    for (const auto& polygon : decoded.polygons) {
        for (const auto& ring : polygon) {
            decoded_rings.push_back(ring);
            for (const geo::Point& p : ring) {
                EXPECT_NEAR(p.x, std::round(p.x), 1e-6);
                if (on_buffer_edge(p)) continue;
                EXPECT_LE(distance_to_rings(p, source), tolerance) << grid.code << " decoded vertex " << p.x << "," << p.y;
            }
        }
    }
    for (const auto& ring : source) {
        for (const geo::Point& p : ring) {
            if (!in_buffered_tile(p, tile_extent, tile_buffer - 1)) continue;
            EXPECT_LE(distance_to_rings(p, decoded_rings), tolerance) << grid.code << " source vertex " << p.x << "," << p.y;
        }
    }
}

using Edge = std::pair<std::pair<long, long>, std::pair<long, long>>;

/// Undirected edges of the decoded polygons near the zigzag border (x band in pixels).
std::set<Edge> border_edges(const GdalFeature& feature, double band_min, double band_max) {
    std::set<Edge> edges;
    for (const auto& polygon : feature.polygons) {
        for (const auto& ring : polygon) {
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                const auto a = std::pair(std::lround(ring[i].x), std::lround(ring[i].y));
                const auto b = std::pair(std::lround(ring[i + 1].x), std::lround(ring[i + 1].y));
                if (a.first < band_min || a.first > band_max || b.first < band_min || b.first > band_max) continue;
                if (a.first <= -tile_buffer || a.first >= tile_extent + tile_buffer) continue;
                if (a.second == b.second && (a.second == -tile_buffer || a.second == tile_extent + tile_buffer)) continue;
                edges.insert(a < b ? Edge{a, b} : Edge{b, a});
            }
        }
    }
    return edges;
}

}  // namespace

TEST_F(TileIndexTest, GridsAtZoom12DecodeWithGdal) {
    const TileId tile = tile_containing({test::middle, 39.94}, 12);
    const auto features = decode(query_for(Layer::grids, tile));
    ASSERT_EQ(in_layer(features, "grids").size(), 4U);
    const GdalFeature& first = with_code(features, "110101001001001");
    EXPECT_EQ(first.fields.at("name"), "第一网格");
    EXPECT_EQ(first.fields.at("level"), "grid");
    EXPECT_EQ(first.fields.at("parent_code"), "110101001001");
    EXPECT_EQ(first.fields.at("household_count"), "1");
    EXPECT_EQ(first.fields.at("staff"), "张伟、李娜");
    EXPECT_EQ(with_code(features, "110101001001").fields.at("household_count"), "3");
    EXPECT_EQ(with_code(features, "110101001001").fields.at("parent_code"), "110101001");
    // Winding: GDAL groups rings by orientation, so a hole wound wrongly would
    // come back as a second polygon.
    ASSERT_EQ(first.polygons.size(), 1U);
    EXPECT_EQ(first.polygons[0].size(), 2U);
    for (const char* code : {"110101001001", "110101001001001", "110101001001002", "110101001001003"}) {
        expect_same_shape(with_code(features, code), grid(code), tile, GridShapes::tolerance_px + 1.0);
    }
    EXPECT_EQ(in_layer(features, "grid_labels").size(), 4U);
}

TEST_F(TileIndexTest, GridsAtZoom18KeepEveryVertex) {
    const TileId tile = tile_containing({test::middle, 39.94}, 18);
    const auto features = decode(query_for(Layer::grids, tile));
    for (const char* code : {"110101001001", "110101001001001", "110101001001002"}) {
        expect_same_shape(with_code(features, code), grid(code), tile, 0.75);
    }
    // The zigzag survives at full detail: many vertices on the border.
    EXPECT_GT(with_code(features, "110101001001001").polygons[0][0].size(), 10U);
}

TEST_F(TileIndexTest, ZoomZeroHasLabelsAndClustersButNoSlivers) {
    const TileId tile{0, 0, 0};
    const auto grids = decode(query_for(Layer::grids, tile));
    EXPECT_TRUE(in_layer(grids, "grids").empty());  // the community is far below a pixel
    const auto labels = in_layer(grids, "grid_labels");
    ASSERT_EQ(labels.size(), 4U);
    const geo::Point expected = TileTransform(tile).to_pixel(lonlat_to_world({116.40, 39.94}));
    for (const GdalFeature* label : labels) {
        EXPECT_NEAR(label->point.x, expected.x, 1.0);
        EXPECT_NEAR(label->point.y, expected.y, 1.0);
    }
    // in_layer() points into the decoded features, which must outlive it.
    const auto decoded_households = decode(query_for(Layer::households, tile));
    const auto households = in_layer(decoded_households, "households");
    ASSERT_EQ(households.size(), 1U);
    EXPECT_EQ(households[0]->fields.at("point_count"), "3");
}

TEST_F(TileIndexTest, NeighbouringGridsShareIdenticalBordersInTiles) {
    for (int z = 10; z <= 19; ++z) {
        const TileId tile = tile_containing({test::middle, 39.9401}, z);
        const auto features = decode(query_for(Layer::grids, tile));
        const TileTransform transform(tile);
        const double band = transform.scale() * 3e-5 / 360.0 + 1.0;
        const double centre = transform.to_pixel(lonlat_to_world({test::middle, 39.94})).x;
        const auto west = border_edges(with_code(features, "110101001001001"), centre - band, centre + band);
        const auto east = border_edges(with_code(features, "110101001001002"), centre - band, centre + band);
        EXPECT_FALSE(west.empty()) << z;
        EXPECT_EQ(west, east) << "crack at zoom " << z;
    }
}

TEST_F(TileIndexTest, HouseholdsNeverCarryPersonalData) {
    const TileId tile = tile_containing({116.40, 39.94}, 14);
    for (const bool include_tags : {false, true}) {
        TileQuery query = query_for(Layer::households, tile);
        query.include_tags = include_tags;
        const auto households = decode(query);
        ASSERT_EQ(households.size(), 3U);
        for (const GdalFeature& feature : households) {
            for (const auto& [name, value] : feature.fields) {
                for (const model::Household& household : snapshot->data().households) {
                    EXPECT_NE(value, household.head_name);
                    EXPECT_NE(value, household.id_number);
                    EXPECT_NE(value, household.phone);
                }
            }
            EXPECT_EQ(feature.fields.at("compound"), "和平小区");
            if (feature.fields.at("building") == "3号楼") {
                EXPECT_EQ(feature.fields.count("tags"), include_tags ? 1U : 0U);
                if (include_tags) {
                    EXPECT_EQ(feature.fields.at("tags"), "独居老人,低保");
                }
            }
        }
    }
}

TEST_F(TileIndexTest, OrganisationsCarryTheirCategoryAndCompoundButNoContact) {
    model::Dataset data = test::community();
    model::Facility property{2, "物业", "和平物业服务中心", {116.406, 39.942}, "110101001001002"};
    property.compound = "和平小区";
    property.contact_name = "赵敏";
    property.contact_phone = "13900000009";
    data.facilities.push_back(property);
    const auto with_organisation = model::Snapshot::build(std::move(data), 4);
    const TileIndex organisations{*with_organisation};
    const TileQuery query = query_for(Layer::facilities, tile_containing({116.401, 39.941}, 14));
    const auto features = test::decode_with_gdal(organisations.render(query), query.tile);
    ASSERT_EQ(features.size(), 2U);
    for (const GdalFeature& feature : features) {
        if (feature.fields.at("kind") == "物业") {
            EXPECT_EQ(feature.fields.at("category"), "物业");
            EXPECT_EQ(feature.fields.at("compound"), "和平小区");
        } else {
            EXPECT_EQ(feature.fields.count("category"), 0U);  // a facility
            EXPECT_EQ(feature.fields.count("compound"), 0U);
        }
        for (const auto& [name, value] : feature.fields) {
            EXPECT_NE(value, property.contact_name);
            EXPECT_NE(value, property.contact_phone);
        }
    }
}

TEST_F(TileIndexTest, HeatTileCountsDecode) {
    const TileId tile = tile_containing({116.40, 39.94}, 12);
    TileQuery query = query_for(Layer::heat, tile);
    query.heat.from = 1'780'000'000;
    query.heat.to = 1'780'000'000 + 90 * 86400;
    const auto cells = decode(query);
    std::size_t total = 0;
    for (const GdalFeature& cell : cells) {
        EXPECT_EQ(cell.layer, "heat");
        // Cell centres sit at odd multiples of 32 pixels.
        EXPECT_NEAR(std::fmod(cell.point.x + 4096.0, 64.0), 32.0, 1e-6);
        total += std::stoul(cell.fields.at("count"));
    }
    std::size_t expected = 0;
    for (const model::Incident& incident : snapshot->data().incidents) {
        expected += incident.reported_at >= *query.heat.from && incident.reported_at < *query.heat.to;
    }
    EXPECT_EQ(total, expected);
}

TEST_F(TileIndexTest, EmptyTilesAndTileJson) {
    EXPECT_TRUE(index.render(query_for(Layer::grids, TileId{5, 0, 0})).empty());
    const auto json = index.tilejson(Layer::grids, "http://localhost:8080/tiles/grids/{z}/{x}/{y}.mvt");
    EXPECT_EQ(json["tilejson"], "3.0.0");
    EXPECT_EQ(json["tiles"][0], "http://localhost:8080/tiles/grids/{z}/{x}/{y}.mvt");
    EXPECT_EQ(json["vector_layers"].size(), 2U);
    EXPECT_EQ(json["vector_layers"][0]["fields"]["household_count"], "Number");
    EXPECT_NEAR(json["bounds"][0].get<double>(), test::west, 1e-9);
    EXPECT_EQ(parse_layer("heat"), Layer::heat);
    EXPECT_FALSE(parse_layer("roads"));
}

TEST(TileIndexIncidents, CarryDeadlineLightsForNow) {
    model::Dataset data = test::community();
    data.incidents.clear();
    const model::Timestamp dispatched = 1'780'000'000;
    const model::Timestamp now = dispatched + 1000;
    for (const auto& [id, category, deadline] : {std::tuple{1, "green", dispatched + 2000},
                                                 std::tuple{2, "yellow", dispatched + 1100},
                                                 std::tuple{3, "red", dispatched + 900}}) {
        model::Incident incident;
        incident.id = id;
        incident.category = category;
        incident.state = "dispatched";
        incident.location = {116.395 + 0.001 * id, 39.94};
        incident.reported_at = dispatched - 100;
        incident.dispatched_at = dispatched;
        incident.deadline = deadline;
        data.incidents.push_back(incident);
    }
    const auto snapshot = model::Snapshot::build(std::move(data), 1);
    const TileIndex index(*snapshot);
    TileQuery query = query_for(Layer::incidents, tile_containing({116.40, 39.94}, 15));
    query.now = now;
    const auto features = test::decode_with_gdal(index.render(query), query.tile);
    ASSERT_EQ(features.size(), 3U);
    for (const GdalFeature& feature : features) EXPECT_EQ(feature.fields.at("light"), feature.fields.at("category"));
}
