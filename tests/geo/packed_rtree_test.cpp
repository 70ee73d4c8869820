#include "wangge/geo/packed_rtree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

using namespace wangge::geo;

TEST(PackedRTree, EmptyTreeFindsNothing) {
    const PackedRTree tree;
    int hits = 0;
    tree.query(Box{-1, -1, 1, 1}, [&](std::size_t) { return ++hits, true; });
    EXPECT_EQ(hits, 0);
    EXPECT_TRUE(tree.bounds().empty());
}

TEST(PackedRTree, MatchesBruteForce) {
    std::mt19937 random(42);
    std::uniform_real_distribution<double> coordinate(0.0, 1000.0);
    std::uniform_real_distribution<double> size(0.0, 20.0);
    for (std::size_t count : {1U, 7U, 16U, 17U, 300U, 5000U}) {
        std::vector<Box> boxes;
        for (std::size_t i = 0; i < count; ++i) {
            const double x = coordinate(random), y = coordinate(random);
            boxes.push_back({x, y, x + size(random), y + size(random)});
        }
        const PackedRTree tree(boxes);
        ASSERT_EQ(tree.size(), count);
        for (int q = 0; q < 50; ++q) {
            const double x = coordinate(random), y = coordinate(random);
            const Box query{x, y, x + 50, y + 50};
            std::vector<std::size_t> found, expected;
            tree.query(query, [&](std::size_t i) { return found.push_back(i), true; });
            for (std::size_t i = 0; i < count; ++i) {
                if (boxes[i].intersects(query)) expected.push_back(i);
            }
            std::sort(found.begin(), found.end());
            EXPECT_EQ(found, expected) << "count " << count;
        }
    }
}

TEST(PackedRTree, VisitorCanStopEarly) {
    std::vector<Box> boxes(100, Box{0, 0, 1, 1});
    const PackedRTree tree(boxes);
    int hits = 0;
    tree.query(Point{0.5, 0.5}, [&](std::size_t) { return ++hits < 3; });
    EXPECT_EQ(hits, 3);
}
