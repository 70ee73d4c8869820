#include "wangge/tiles/heat_index.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "tile_fixture.hpp"

using namespace wangge;
using namespace wangge::tiles;

namespace {

using CellKey = std::pair<std::uint32_t, std::uint32_t>;

/// Counts by looking at every incident: the oracle for HeatIndex.
std::map<CellKey, std::uint32_t> brute_force(const std::vector<model::Incident>& incidents, const TileId& tile,
                                             const HeatFilter& filter) {
    const int level = HeatIndex::cell_level(tile.z);
    const std::int64_t per_tile = std::int64_t{1} << (level - tile.z);
    const double cells = std::ldexp(1.0, level);
    std::map<CellKey, std::uint32_t> counts;
    for (const model::Incident& incident : incidents) {
        if (filter.from && incident.reported_at < *filter.from) continue;
        if (filter.to && incident.reported_at >= *filter.to) continue;
        if (filter.category && incident.category != *filter.category) continue;
        if (filter.state && incident.state != *filter.state) continue;
        const geo::Point world = lonlat_to_world(incident.location);
        const auto column = static_cast<std::int64_t>(std::floor(world.x * cells));
        const auto row = static_cast<std::int64_t>(std::floor(world.y * cells));
        // The tile plus one ring of cells.
        if (column < std::int64_t{tile.x} * per_tile - 1 || column > std::int64_t{tile.x + 1} * per_tile) continue;
        if (row < std::int64_t{tile.y} * per_tile - 1 || row > std::int64_t{tile.y + 1} * per_tile) continue;
        ++counts[{static_cast<std::uint32_t>(column), static_cast<std::uint32_t>(row)}];
    }
    return counts;
}

std::map<CellKey, std::uint32_t> as_map(const std::vector<HeatCell>& cells) {
    std::map<CellKey, std::uint32_t> counts;
    for (const HeatCell& cell : cells) {
        EXPECT_TRUE(counts.emplace(CellKey{cell.column, cell.row}, cell.count).second) << "cell reported twice";
    }
    return counts;
}

}  // namespace

TEST(HeatIndex, MatchesBruteForceForRandomFilters) {
    const model::Dataset data = test::community();
    const HeatIndex heat(data.incidents);
    std::mt19937 random(11);
    std::uniform_int_distribution<int> day(-10, 210), zoom(8, 22), coin(0, 3);
    const char* categories[] = {"违法建设", "邻里纠纷", "不存在的类别"};
    const char* states[] = {"reported", "closed"};
    for (int round = 0; round < 200; ++round) {
        HeatFilter filter;
        if (coin(random) != 0) filter.from = 1'780'000'000 + std::int64_t{day(random)} * 86400;
        if (coin(random) != 0) filter.to = 1'780'000'000 + std::int64_t{day(random)} * 86400 + 3600;
        if (coin(random) == 0) filter.category = categories[coin(random) % 3];
        if (coin(random) == 0) filter.state = states[coin(random) % 2];
        // A tile around a random incident, so deep zooms have something to count.
        const model::Incident& anchor = data.incidents[static_cast<std::size_t>(round * 13) % data.incidents.size()];
        const TileId tile = tile_containing(anchor.location, zoom(random));
        EXPECT_EQ(as_map(heat.cells(tile, filter)), brute_force(data.incidents, tile, filter))
            << "round " << round << " z" << tile.z;
    }
}

TEST(HeatIndex, CellsNestAcrossZooms) {
    const model::Dataset data = test::community();
    const HeatIndex heat(data.incidents);
    HeatFilter filter;
    filter.from = 1'780'000'000 + 30 * 86400;
    filter.to = 1'780'000'000 + 120 * 86400;
    for (int z = 8; z <= 15; ++z) {
        const TileId parent = tile_containing({116.40, 39.94}, z);
        const int level = HeatIndex::cell_level(z);
        const auto inside = [](const HeatCell& cell, const TileId& tile) {
            const std::uint32_t per_tile = 1u << (cell.level - tile.z);
            return cell.column / per_tile == tile.x && cell.row / per_tile == tile.y;
        };
        std::map<CellKey, std::uint32_t> expected;
        for (const HeatCell& cell : heat.cells(parent, filter)) {
            if (inside(cell, parent)) expected[{cell.column, cell.row}] += cell.count;
        }
        std::map<CellKey, std::uint32_t> summed;
        for (std::uint32_t dy = 0; dy < 2; ++dy) {
            for (std::uint32_t dx = 0; dx < 2; ++dx) {
                const TileId child{z + 1, parent.x * 2 + dx, parent.y * 2 + dy};
                for (const HeatCell& cell : heat.cells(child, filter)) {
                    ASSERT_EQ(cell.level, level + 1);
                    if (inside(cell, child)) summed[{cell.column / 2, cell.row / 2}] += cell.count;
                }
            }
        }
        EXPECT_FALSE(expected.empty());
        EXPECT_EQ(summed, expected) << "zoom " << z;
    }
}

TEST(HeatIndex, EmptyWindowAndUnknownNamesCountNothing) {
    const model::Dataset data = test::community();
    const HeatIndex heat(data.incidents);
    const TileId tile = tile_containing({116.40, 39.94}, 12);
    HeatFilter backwards;
    backwards.from = 2'000'000'000;
    backwards.to = 1'000'000'000;
    EXPECT_TRUE(heat.cells(tile, backwards).empty());
    HeatFilter unknown;
    unknown.state = "no_such_state";
    EXPECT_TRUE(heat.cells(tile, unknown).empty());
    std::uint32_t total = 0;
    for (const HeatCell& cell : heat.cells(tile_containing({116.40, 39.94}, 10), {})) total += cell.count;
    EXPECT_EQ(total, data.incidents.size());
}
