#include "wangge/tiles/tile_changes.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tile_fixture.hpp"
#include "wangge/drafts/publish.hpp"
#include "wangge/tiles/change_log.hpp"

using namespace wangge;
using namespace wangge::tiles;

namespace {

constexpr model::Timestamp now = 1'797'000'000;
constexpr int zooms[] = {0, 5, 10, 12, 14, 16, 18};

// A second community 2 km east of the fixture's, so a change in one has somewhere far away to leave alone.
constexpr double far_west = 116.43;
constexpr double far_east = 116.45;
const std::string far_grid = "110101001002001";

model::Dataset two_communities() {
    model::Dataset data = test::community();
    const geo::Ring square = test::closed({{far_west, test::south}, {far_east, test::south}, {far_east, test::north},
                                           {far_west, test::north}});
    data.grids.push_back({"110101001002", "远方社区", model::GridLevel::community, "110101001",
                          {{geo::Polygon{{square}}}}, 0, {}, 1});
    data.grids.push_back({far_grid, "远方网格", model::GridLevel::grid, "110101001002", {{geo::Polygon{{square}}}}, 0, {}, 1});
    data.households.push_back({4, "东方小区", "1号楼", "1", "101", {116.44, 39.94}, far_grid, 3, {"低保"}, "赵敏",
                               "110101197001011234", "13900000004"});
    data.households.push_back({5, "和平小区", "7号楼", "1", "101", {116.4010, 39.9330}, "110101001001002", 2, {},
                               "孙立", "110101197501011234", "13900000005"});
    data.facilities.push_back({2, "卫生服务站", "东方卫生服务站", {116.441, 39.941}, far_grid});
    // Incident 1 is being handled: dispatched with a 3-day deadline.
    model::Incident& handled = data.incidents.front();
    handled.state = "dispatched";
    handled.dispatched_at = now - 3 * 86400 + 10'000;  // 96 % of the time used: yellow
    handled.deadline = now + 10'000;
    data.incident_events.push_back({1, 1, *handled.dispatched_at, "张伟", "reported", "dispatched", ""});
    return data;
}

/// Every tile query the maps make, per layer (heat with and without filters).
std::vector<TileQuery> queries_for(Layer layer, const TileId& tile) {
    TileQuery query;
    query.layer = layer;
    query.tile = tile;
    query.now = now;
    std::vector<TileQuery> queries{query};
    if (layer == Layer::households) {
        query.include_tags = true;
        queries.push_back(query);
    }
    if (layer == Layer::heat) {
        query.heat.from = 1'780'000'000 + 50 * 86400;
        query.heat.to = 1'780'000'000 + 150 * 86400;
        query.heat.category = "违法建设";
        queries.push_back(query);
        query.heat = {};
        query.heat.state = "dispatched";
        queries.push_back(query);
    }
    return queries;
}

/// The tiles of zoom z over a lon/lat box, one tile around it included.
std::vector<TileId> tiles_over(const geo::Box& lonlat, int z) {
    const TileId north_west = tile_containing({lonlat.min_x, lonlat.max_y}, z);
    const TileId south_east = tile_containing({lonlat.max_x, lonlat.min_y}, z);
    const std::uint32_t last = (std::uint32_t{1} << z) - 1;
    std::vector<TileId> tiles;
    for (std::uint32_t y = north_west.y > 0 ? north_west.y - 1 : 0; y <= std::min(south_east.y + 1, last); ++y) {
        for (std::uint32_t x = north_west.x > 0 ? north_west.x - 1 : 0; x <= std::min(south_east.x + 1, last); ++x) {
            tiles.push_back({z, x, y});
        }
    }
    return tiles;
}

bool touched(const TileChanges& changes, Layer layer, const TileId& tile) {
    const auto boxes = changes.of(layer);
    return std::any_of(boxes.begin(), boxes.end(), [&](const geo::Box& box) { return touches(layer, tile, box); });
}

struct Outcome {
    TileChanges changes;
    std::size_t differing = 0;  // tiles (all layers and queries) whose bytes differ
    std::vector<std::pair<Layer, TileId>> differing_tiles;

    [[nodiscard]] bool differs(Layer layer, const TileId& tile) const {
        return std::find(differing_tiles.begin(), differing_tiles.end(), std::pair(layer, tile)) != differing_tiles.end();
    }
};

class TileChangesTest : public ::testing::Test {
protected:
    std::shared_ptr<const model::Snapshot> before = model::Snapshot::build(two_communities(), 1);

    /// Renders every tile of the area before and after and checks that each
    /// tile whose bytes differ is touched by a change box.
    Outcome check(model::Dataset data) { return check(model::Snapshot::build(std::move(data), before->version() + 1)); }

    /// As above, for a snapshot rebuilt from a Dataset or edited from `before` (then only its delta is compared).
    Outcome check(const std::shared_ptr<const model::Snapshot>& after) {
        const TileIndex old_index(*before);
        const TileIndex new_index(*after, old_index);
        Outcome outcome{changed_areas(old_index, new_index), 0, {}};
        geo::Box area = before->extent();
        area.expand(after->extent());
        for (std::size_t l = 0; l < layer_count; ++l) {
            const auto layer = static_cast<Layer>(l);
            for (const int z : zooms) {
                for (const TileId& tile : tiles_over(area, z)) {
                    for (const TileQuery& query : queries_for(layer, tile)) {
                        if (old_index.render(query) == new_index.render(query)) continue;
                        ++outcome.differing;
                        outcome.differing_tiles.emplace_back(layer, tile);
                        EXPECT_TRUE(touched(outcome.changes, layer, tile))
                            << to_string(layer) << " tile " << z << '/' << tile.x << '/' << tile.y << " changed untouched";
                    }
                }
            }
        }
        return outcome;
    }

    model::Dataset data() const { return model::to_dataset(before->data()); }
};

/// Tiles of zoom z a layer's changes touch near a point, for tightness.
std::size_t touched_count(const TileChanges& changes, Layer layer, const geo::Point& lonlat, int z) {
    geo::Box around{lonlat.x, lonlat.y, lonlat.x, lonlat.y};
    around.expand(geo::Point{test::west, test::south});
    around.expand(geo::Point{far_east, test::north});
    std::size_t count = 0;
    for (const TileId& tile : tiles_over(around, z)) count += touched(changes, layer, tile) ? 1 : 0;
    return count;
}

TEST_F(TileChangesTest, NoChangeIsEmpty) {
    const Outcome outcome = check(data());
    EXPECT_TRUE(outcome.changes.empty());
    EXPECT_EQ(outcome.differing, 0u);
}

TEST_F(TileChangesTest, VisitChangesNoTile) {
    model::Dataset changed = data();
    changed.visits.push_back({1, 1, 1, now, "日常走访", "身体尚好", "", 0, ""});
    EXPECT_TRUE(check(std::move(changed)).changes.empty());
}

TEST_F(TileChangesTest, NewIncidentTouchesOnlyItsPlace) {
    model::Dataset changed = data();
    model::Incident incident;
    incident.id = 5000;
    incident.category = "邻里纠纷";
    incident.state = "reported";
    incident.triage = "general";
    incident.location = {116.3951, 39.9462};
    incident.grid_code = "110101001001001";
    incident.reported_at = now - 3600;
    changed.incidents.push_back(incident);
    changed.incident_events.push_back({2, 5000, now - 3600, "居民", "", "reported", ""});
    const Outcome outcome = check(std::move(changed));
    EXPECT_GT(outcome.differing, 0u);
    for (const Layer layer : {Layer::grids, Layer::households, Layer::facilities}) EXPECT_TRUE(outcome.changes.of(layer).empty());
    for (const Layer layer : {Layer::incidents, Layer::heat}) {
        ASSERT_EQ(outcome.changes.of(layer).size(), 1u);
        for (const int z : {14, 16, 18}) EXPECT_LE(touched_count(outcome.changes, layer, incident.location, z), 4u);
    }
}

TEST_F(TileChangesTest, IncidentTransitionTouchesItsPlace) {
    model::Dataset changed = data();
    model::Incident& incident = changed.incidents.front();
    incident.state = "suspended";
    changed.incident_events.push_back({2, incident.id, now - 86400, "王主任", "dispatched", "suspended",
                                       "批准人：王主任；原因：需产权单位协调"});
    const geo::Point place = incident.location;
    const Outcome outcome = check(std::move(changed));
    EXPECT_GT(outcome.differing, 0u);
    EXPECT_TRUE(outcome.changes.of(Layer::grids).empty());
    EXPECT_EQ(outcome.changes.of(Layer::incidents).size(), 1u);
    EXPECT_EQ(outcome.changes.of(Layer::heat).size(), 1u);  // the state filter
    EXPECT_LE(touched_count(outcome.changes, Layer::incidents, place, 16), 4u);
}

TEST_F(TileChangesTest, EventAloneChangesTheDeadlineLight) {
    // Only the history changes (the row stays): the light must still refresh.
    model::Dataset changed = data();
    changed.incident_events.push_back({2, 1, now - 86400, "王主任", "dispatched", "suspended", ""});
    const Outcome outcome = check(std::move(changed));
    EXPECT_GT(outcome.differing, 0u);
    EXPECT_EQ(outcome.changes.of(Layer::incidents).size(), 1u);
    EXPECT_TRUE(outcome.changes.of(Layer::heat).empty());
}

TEST_F(TileChangesTest, HouseholdRetaggedAndMoved) {
    model::Dataset retagged = data();
    retagged.households.front().tags = {"独居老人"};
    const Outcome tags = check(std::move(retagged));
    EXPECT_GT(tags.differing, 0u);
    EXPECT_EQ(tags.changes.of(Layer::households).size(), 1u);
    EXPECT_TRUE(tags.changes.of(Layer::grids).empty());  // same grid, same count

    // Moved across the border: both grids' household_count changes, the far grid's does not.
    model::Dataset moved = data();
    moved.households.front().location = {116.405, 39.948};
    moved.households.front().grid_code = "110101001001002";
    const Outcome outcome = check(std::move(moved));
    EXPECT_EQ(outcome.changes.of(Layer::households).size(), 2u);
    EXPECT_FALSE(outcome.changes.of(Layer::grids).empty());
    for (const int z : {14, 16, 18}) {
        EXPECT_FALSE(touched(outcome.changes, Layer::grids, tile_containing({116.44, 39.94}, z)));
    }
}

TEST_F(TileChangesTest, PublishedBorderMove) {
    // The draft moves part of the border between grids 001 and 002 east by
    // about 170 m: household 5 changes grid; every grid gets a new row.
    std::vector<geo::Point> border = test::zigzag_border();
    for (std::size_t i = 20; i <= 60; ++i) border[i].x += 0.002;
    std::vector<geo::Point> west_ring{{test::west, test::south}};
    west_ring.insert(west_ring.end(), border.begin(), border.end());
    west_ring.push_back({test::west, test::north});
    std::vector<geo::Point> east_ring{{test::east, test::south}, {test::east, test::north}};
    east_ring.insert(east_ring.end(), border.rbegin(), border.rend());

    store::LayoutPublication publication;
    publication.at = now;
    for (const model::Grid* grid : before->current_grids()) {
        model::Grid row = *grid;
        row.valid_from = now;
        row.version = 2;
        if (row.code == "110101001001001") row.geometry.polygons.front().rings.front() = test::closed(west_ring);
        if (row.code == "110101001001002") row.geometry.polygons.front().rings.front() = test::closed(east_ring);
        publication.grids.push_back(std::move(row));
    }
    publication.households.push_back({5, "110101001001001"});
    model::SnapshotEditor editor(*before);
    drafts::apply_publication(editor, publication);
    const Outcome outcome = check(editor.finish(before->version() + 1));
    EXPECT_GT(outcome.differing, 0u);
    EXPECT_EQ(outcome.changes.of(Layer::households).size(), 1u);
    EXPECT_TRUE(outcome.changes.of(Layer::incidents).empty());
    // Tight: the far community's tiles keep their version from zoom 14 on.
    for (const int z : {14, 16, 18}) {
        EXPECT_FALSE(touched(outcome.changes, Layer::grids, tile_containing({116.44, 39.94}, z))) << z;
    }
}

TEST_F(TileChangesTest, ReorderedGridsAreFlagged) {
    // Feature order is byte order: the far grid moved to the front changes the far tiles only.
    model::Dataset changed = data();
    std::rotate(changed.grids.begin(), changed.grids.end() - 1, changed.grids.end());
    const Outcome outcome = check(std::move(changed));
    EXPECT_EQ(outcome.changes.of(Layer::grids).size(), 2u);  // the moved grid, old and new place
    EXPECT_FALSE(touched(outcome.changes, Layer::grids, tile_containing({116.395, 39.94}, 14)));
}

TEST_F(TileChangesTest, NeighbourRecutsUnchangedGrid) {
    // A new community touching the far grid's north-east corner makes that
    // corner a junction: the far grid's ring is cut there, so it is rendered
    // from another start vertex although its geometry did not change, also in
    // tiles far from the new community.
    model::Dataset changed = data();
    const geo::Ring square = test::closed({{far_east, test::north}, {116.46, test::north}, {116.46, 39.955},
                                           {far_east, 39.955}});
    changed.grids.push_back({"110101001003", "北邻社区", model::GridLevel::community, "110101001",
                             {{geo::Polygon{{square}}}}, 0, {}, 1});
    const Outcome outcome = check(std::move(changed));
    // The far grid's north-west corner, 1.7 km from the new community.
    const TileId far_side = tile_containing({far_west + 0.001, test::north - 0.0005}, 16);
    EXPECT_TRUE(outcome.differs(Layer::grids, far_side));
    EXPECT_TRUE(touched(outcome.changes, Layer::grids, far_side));
    EXPECT_FALSE(touched(outcome.changes, Layer::grids, tile_containing({116.395, 39.94}, 14)));
}

}  // namespace
