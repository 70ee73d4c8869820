// The assessment of issue #15 item 6 (workflow/assessment.hpp): medals by
// shares with ties, repeated 不称职 flags, periods, the ranking over the
// community dataset, and the monthly 群众诉求分析.
#include "wangge/workflow/assessment.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fixture.hpp"

using namespace wangge;
using namespace wangge::workflow;
using namespace wangge::workflow::test;

namespace {

std::vector<RankedUnit> scored(std::initializer_list<std::optional<double>> scores) {
    std::vector<RankedUnit> units;
    int n = 0;
    for (const std::optional<double>& score : scores) {
        RankedUnit unit;
        unit.key = "c" + std::to_string(n++);
        unit.score = score;
        units.push_back(unit);
    }
    return units;
}

std::string medals(const std::vector<RankedUnit>& units) {
    std::string text;
    for (const RankedUnit& unit : units) text += unit.medal == Medal::none ? "-" : std::string(to_string(unit.medal)).substr(0, 1);
    return text;
}

UnitStatistics graded(const char* key, const char* grade) {
    UnitStatistics unit;
    unit.key = key;
    unit.name = key;
    unit.grade = grade;
    return unit;
}

}  // namespace

TEST(Assessment, MedalsFollowTheSharesOfTheRankedUnits) {
    // Ten units, 10 % / 20 % / 30 %: one gold, two silver, three bronze, four none.
    const auto ranked = rank_units(scored({50, 95, 91, 88, 80, 79, 70, 65, 60, 99}), {});
    EXPECT_EQ(medals(ranked), "gssbbb----");
    EXPECT_EQ(ranked.front().key, "c9");
    EXPECT_EQ(ranked.front().rank, 1);
    EXPECT_EQ(ranked.back().rank, 10);
    // Other shares, from the configuration.
    const MedalShares half = MedalShares::from_json({{"gold", 0.2}, {"silver", 0.3}, {"bronze", 0.0}});
    EXPECT_EQ(medals(rank_units(scored({50, 95, 91, 88, 80, 79, 70, 65, 60, 99}), half)), "ggsss-----");
    EXPECT_THROW((void)MedalShares::from_json({{"gold", 0.5}, {"silver", 0.4}, {"bronze", 0.3}}), InputError);
    EXPECT_THROW((void)MedalShares::from_json({{"gold", -0.1}}), InputError);
}

TEST(Assessment, TiesShareARankAndTheBetterMedal) {
    // 99 and 99 tie for first across the gold cut-off (one place): both gold; silver then has
    // places 2–3 of which place 2 is taken, so only one silver.
    const auto ranked = rank_units(scored({99, 99.001, 90, 85, 85, 85, 70, 60, 50, 40}), {});
    EXPECT_EQ(ranked[0].rank, 1);
    EXPECT_EQ(ranked[1].rank, 1);
    EXPECT_EQ(ranked[2].rank, 3);
    // 85 × 3 at ranks 4: the first tied place is in bronze (4–6), so all three are bronze.
    EXPECT_EQ(ranked[3].rank, 4);
    EXPECT_EQ(ranked[5].rank, 4);
    EXPECT_EQ(medals(ranked), "ggsbbb----");
    // A tie straddling the bronze cut-off (place 6 of 10): all tied units get bronze.
    EXPECT_EQ(medals(rank_units(scored({99, 95, 90, 85, 80, 75, 75, 75, 50, 40}), {})), "gssbbbbb--");
}

TEST(Assessment, UnitsWithoutAScoreAreUnrankedAndDoNotCount) {
    const auto ranked = rank_units(scored({std::nullopt, 80, 90, std::nullopt, 70}), {});
    ASSERT_EQ(ranked.size(), 5U);
    EXPECT_EQ(ranked[0].key, "c2");
    EXPECT_EQ(ranked[2].key, "c4");
    EXPECT_EQ(ranked[3].rank, 0);
    EXPECT_EQ(ranked[4].medal, Medal::none);
    // Three scored: round(0.3) = 0 gold, round(0.9) = 1 up to silver, round(1.8) = 2 up to bronze.
    EXPECT_EQ(medals(ranked), "sb---");
    EXPECT_TRUE(rank_units({}, {}).empty());
}

TEST(Assessment, RepeatedUnfitIsFlaggedFromTheSecondMonth) {
    std::vector<MonthlyStatistics> months(3);
    for (unsigned m = 0; m < 3; ++m) months[m].month = {2026, m + 1};
    months[0].workers = {graded("7", "不称职"), graded("8", "不称职")};
    months[1].workers = {graded("7", "基本称职"), graded("8", "称职")};
    months[2].workers = {graded("7", "不称职")};
    months[2].grids = {graded("110105001001001", "不称职")};
    months[0].communities = {graded("110105001001", "不称职")};
    months[1].communities = {graded("110105001001", "不称职")};
    const std::vector<RepeatedUnfit> flagged = repeated_unfit(months);
    ASSERT_EQ(flagged.size(), 2U);
    EXPECT_EQ(flagged[0].level, "community");
    EXPECT_EQ(flagged[0].months, (std::vector<std::string>{"2026-01", "2026-02"}));
    EXPECT_EQ(flagged[1].level, "worker");
    EXPECT_EQ(flagged[1].key, "7");
    EXPECT_EQ(flagged[1].months, (std::vector<std::string>{"2026-01", "2026-03"}));
}

TEST(Assessment, Periods) {
    EXPECT_EQ(Period::parse("2026-Q3").months().front(), (Month{2026, 7}));
    EXPECT_EQ(Period::parse("2026-Q3").months().size(), 3U);
    EXPECT_EQ(Period::parse("2026").months().size(), 12U);
    EXPECT_EQ(Period::parse("2026-Q4").to_string(), "2026-Q4");
    for (const char* bad : {"", "26", "2026-Q5", "2026-Q", "2026-07", "20x6"}) {
        EXPECT_THROW((void)Period::parse(bad), InputError) << bad;
    }
}

TEST(Assessment, RankingOverTheCommunity) {
    const auto snapshot = community_snapshot(assessment_dataset());
    const Ranking q4 = ranking(*snapshot, Period::parse("2026-Q4"), {}, {});
    ASSERT_EQ(q4.communities.size(), 1U);
    const RankedUnit& community = q4.communities[0];
    EXPECT_EQ(community.key, community_code);
    ASSERT_TRUE(community.score.has_value());
    EXPECT_GE(community.months_scored, 1);
    EXPECT_EQ(community.rank, 1);
    // One community: round(0.1) = 0 gold, round(0.3) = 0 silver, round(0.6) = 1: bronze.
    EXPECT_EQ(community.medal, Medal::bronze);
    ASSERT_EQ(q4.streets.size(), 1U);
    EXPECT_EQ(q4.streets[0].key, street_code);
    EXPECT_NEAR(*q4.streets[0].score, *community.score, 1e-9);  // one community: the same mean
    const nlohmann::json json = to_json(q4);
    EXPECT_EQ(json.at("period"), "2026-Q4");
    EXPECT_EQ(json.at("communities").at(0).at("medal_zh"), "铜");
    EXPECT_TRUE(json.at("repeated_unfit").is_array());
}

TEST(Assessment, DemandsByCategorySourceAndArea) {
    const auto snapshot = community_snapshot(assessment_dataset());
    const Demands october = demands(*snapshot, Month::parse("2026-10"));
    EXPECT_EQ(october.total, 3);  // incidents 1, 2 and 4 (3 was reported in September, 5 in November)
    EXPECT_EQ(october.by_source.at("热线"), 1);
    EXPECT_EQ(october.by_source.at("居民上报"), 1);
    EXPECT_EQ(october.by_category.at("占道经营"), 3);
    ASSERT_EQ(october.grids.size(), 2U);
    EXPECT_EQ(october.grids[0].code, grid1_code);
    EXPECT_EQ(october.grids[0].total, 2);
    ASSERT_EQ(october.communities.size(), 1U);
    EXPECT_EQ(october.communities[0].total, 3);
    ASSERT_EQ(october.streets.size(), 1U);
    EXPECT_EQ(october.streets[0].code, street_code);
    const nlohmann::json json = to_json(october);
    EXPECT_EQ(json.at("grids").at(1).at("by_category").at("占道经营"), 1);
}
