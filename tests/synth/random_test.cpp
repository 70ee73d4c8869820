#include "wangge/synth/random.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>

namespace wangge::synth {
namespace {

TEST(RandomTest, SameSeedSameSequenceOtherSeedOtherSequence) {
    Random a(42);
    Random b(42);
    Random c(43);
    bool differs = false;
    for (int i = 0; i < 100; ++i) {
        const std::uint64_t x = a.next();
        EXPECT_EQ(x, b.next());
        differs = differs || x != c.next();
    }
    EXPECT_TRUE(differs);
}

TEST(RandomTest, KnownFirstValueKeepsCitiesStableAcrossBuilds) {
    // A change here changes every generated city; update the golden numbers on purpose only.
    Random random(1);
    const std::uint64_t first = random.next();
    Random again(1);
    EXPECT_EQ(first, again.next());
    EXPECT_EQ(mix64(0), 0xe220a8397b1dcdafULL);
}

TEST(RandomTest, RangesAreHonoured) {
    Random random(7);
    for (int i = 0; i < 10000; ++i) {
        const double u = random.uniform();
        EXPECT_GE(u, 0.0);
        EXPECT_LT(u, 1.0);
        EXPECT_LT(random.below(3), 3u);
        const int d = random.between(-2, 2);
        EXPECT_GE(d, -2);
        EXPECT_LE(d, 2);
    }
}

TEST(RandomTest, NormalHasUnitSpread) {
    Random random(9);
    double sum = 0.0;
    double sum2 = 0.0;
    constexpr int n = 100000;
    for (int i = 0; i < n; ++i) {
        const double x = random.normal();
        sum += x;
        sum2 += x * x;
    }
    EXPECT_NEAR(sum / n, 0.0, 0.02);
    EXPECT_NEAR(std::sqrt(sum2 / n), 1.0, 0.02);
}

TEST(RandomTest, WeightedFollowsWeights) {
    Random random(11);
    constexpr std::array<double, 3> weights{1.0, 0.0, 3.0};
    std::array<int, 3> counts{};
    for (int i = 0; i < 40000; ++i) ++counts[random.weighted(weights)];
    EXPECT_EQ(counts[1], 0);
    EXPECT_NEAR(counts[2] / 40000.0, 0.75, 0.02);
}

TEST(RandomTest, HashedUnitDependsOnlyOnItsArguments) {
    EXPECT_EQ(hashed_unit(1, 2, 3, 4), hashed_unit(1, 2, 3, 4));
    EXPECT_NE(hashed_unit(1, 2, 3, 4), hashed_unit(1, 2, 3, 5));
    for (std::uint64_t i = 0; i < 1000; ++i) {
        const double v = hashed_unit(5, i, 0);
        EXPECT_GE(v, -1.0);
        EXPECT_LT(v, 1.0);
    }
}

TEST(RandomTest, ForkedStreamsAreIndependentAndRepeatable) {
    const Random root(3);
    Random a = root.fork(1);
    Random a_again = root.fork(1);
    Random b = root.fork(2);
    EXPECT_EQ(a.next(), a_again.next());
    EXPECT_NE(root.fork(1).next(), b.next());
}

}  // namespace
}  // namespace wangge::synth

namespace wangge::synth {
namespace {

TEST(WeightedTableTest, PicksInProportionAndNeverZeroWeight) {
    Random random(12);
    constexpr std::array<double, 4> weights{2.0, 0.0, 1.0, 1.0};
    const WeightedTable table(weights);
    std::array<int, 4> counts{};
    for (int i = 0; i < 40000; ++i) ++counts[table.pick(random)];
    EXPECT_EQ(counts[1], 0);
    EXPECT_NEAR(counts[0] / 40000.0, 0.5, 0.02);
}

}  // namespace
}  // namespace wangge::synth
