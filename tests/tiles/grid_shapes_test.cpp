#include "wangge/tiles/grid_shapes.hpp"

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "tile_fixture.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/tiles/tile_math.hpp"

using namespace wangge;
using namespace wangge::tiles;

namespace {

using Edge = std::pair<std::pair<double, double>, std::pair<double, double>>;

/// Undirected edges of an open ring whose both ends satisfy `keep`.
template <class Keep>
std::set<Edge> edges(const std::vector<geo::Point>& ring, Keep keep) {
    std::set<Edge> out;
    for (std::size_t i = 0; i < ring.size(); ++i) {
        const geo::Point& a = ring[i];
        const geo::Point& b = ring[(i + 1) % ring.size()];
        if (!keep(a) || !keep(b)) continue;
        auto pa = std::pair(a.x, a.y);
        auto pb = std::pair(b.x, b.y);
        out.insert(pa < pb ? Edge{pa, pb} : Edge{pb, pa});
    }
    return out;
}

}  // namespace

TEST(GridShapes, DouglasPeuckerImportanceNests) {
    const std::vector<geo::Point> line{{0, 0}, {1, 0.1}, {2, -0.1}, {3, 5}, {4, 6}, {5, 7}, {6, 0}};
    const std::vector<double> importance = douglas_peucker_importance(line);
    EXPECT_TRUE(std::isinf(importance.front()));
    EXPECT_TRUE(std::isinf(importance.back()));
    EXPECT_DOUBLE_EQ(importance[5], 49.0);  // farthest from the chord (0,0)–(6,0)
    // Children never outrank their parents, so a larger tolerance keeps a subset.
    EXPECT_LE(importance[3], importance[5]);
    EXPECT_LE(importance[4], importance[5]);
}

TEST(GridShapes, SharedBordersAreIdenticalAtEveryZoom) {
    const auto snapshot = model::Snapshot::build(test::community(), 1);
    const GridShapes shapes(snapshot->current_grids());
    ASSERT_EQ(shapes.grid_count(), 4U);
    const double band_west = lonlat_to_world({test::middle - 2 * test::zigzag, 0}).x;
    const double band_east = lonlat_to_world({test::middle + 2 * test::zigzag, 0}).x;
    const auto on_border = [&](const geo::Point& p) { return p.x >= band_west && p.x <= band_east; };
    const auto anywhere = [](const geo::Point&) { return true; };
    std::vector<geo::Point> west, east, hole, island;
    std::size_t previous_size = 0;
    for (int z = 0; z <= GridShapes::detail_zoom + 2; ++z) {
        shapes.ring(1, 0, 0, z, west);
        shapes.ring(2, 0, 0, z, east);
        const auto west_border = edges(west, on_border);
        EXPECT_FALSE(west_border.empty()) << z;
        EXPECT_EQ(west_border, edges(east, on_border)) << "crack at zoom " << z;
        shapes.ring(1, 0, 1, z, hole);
        shapes.ring(3, 0, 0, z, island);
        EXPECT_EQ(edges(hole, anywhere), edges(island, anywhere)) << "crack around the island at zoom " << z;
        EXPECT_GE(west.size(), previous_size) << "simplification must nest";
        previous_size = west.size();
    }
    // Full detail keeps the zigzag, low zooms straighten it.
    shapes.ring(1, 0, 0, GridShapes::detail_zoom, west);
    EXPECT_EQ(west.size(), 203U);
    shapes.ring(1, 0, 0, 10, west);
    EXPECT_LT(west.size(), 10U);
}

TEST(GridShapes, ArcsAreSharedNotDuplicated) {
    const auto snapshot = model::Snapshot::build(test::community(), 1);
    const GridShapes shapes(snapshot->current_grids());
    // Junctions: the two ends of the zigzag border plus the outline corners.
    // Arcs: zigzag, west outline part, east outline part, and the hole/island loop.
    EXPECT_EQ(shapes.arc_count(), 4U);
}
