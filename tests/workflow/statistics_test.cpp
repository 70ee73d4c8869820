#include "wangge/workflow/statistics.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fixture.hpp"
#include "wangge/workflow/history.hpp"

using namespace wangge;
using namespace wangge::workflow;
using namespace wangge::workflow::test;

// Expected values are computed by hand from assessment_dataset() (see fixture.hpp).

namespace {

const UnitStatistics& unit(const std::vector<UnitStatistics>& units, const std::string& key) {
    for (const UnitStatistics& u : units) {
        if (u.key == key) return u;
    }
    throw std::out_of_range("no unit " + key);
}

MonthlyStatistics october(const AssessmentConfig& config = {}) {
    static const auto snapshot = community_snapshot(assessment_dataset());
    return monthly_statistics(*snapshot, Month::parse("2026-10"), config);
}

}  // namespace

TEST(Statistics, UnitsPerLevel) {
    const MonthlyStatistics s = october();
    ASSERT_EQ(s.grids.size(), 2U);
    EXPECT_EQ(s.grids[0].key, grid1_code);  // code order, whatever the data order
    EXPECT_EQ(s.grids[0].name, "第一网格");
    ASSERT_EQ(s.communities.size(), 1U);
    EXPECT_EQ(s.communities[0].name, "示例社区");
    // The volunteer carries no quota.
    ASSERT_EQ(s.workers.size(), 3U);
    EXPECT_EQ(s.workers[0].key, "1");
    EXPECT_EQ(s.workers[2].name, "王芳");
}

TEST(Statistics, GridOne) {
    const MonthlyStatistics s = october();
    const UnitStatistics& g = unit(s.grids, grid1_code);
    EXPECT_EQ(g.metrics.reported, 2);
    EXPECT_EQ(g.metrics.reported_by_source, (std::map<std::string, int>{{"网格员巡查", 1}, {"居民上报", 1}}));
    EXPECT_EQ(g.metrics.closed, 2);
    EXPECT_EQ(g.metrics.closed_on_time, 1);  // incident 1 thanks to its 8 h pause; incident 2 late
    EXPECT_DOUBLE_EQ(*g.metrics.on_time_rate(), 0.5);
    EXPECT_DOUBLE_EQ(*g.metrics.rework_rate(), 0.5);
    EXPECT_DOUBLE_EQ(*g.metrics.mean_close_hours(), 39.0);  // (30 + 48) / 2
    EXPECT_EQ(g.metrics.visits_done, 3);                      // households 1, 3, 4
    EXPECT_EQ(g.metrics.visit_quota, 15);
    EXPECT_EQ(g.metrics.special_households, 3);  // 1, 2, 4
    EXPECT_EQ(g.metrics.special_visited, 2);
    // 0.4·0.5 + 0.2·0.5 + 0.2·(3/15) + 0.2·(2/3) = 0.47333…
    EXPECT_NEAR(*g.score, 47.3333, 1e-3);
    EXPECT_EQ(g.grade, "不称职");
}

TEST(Statistics, GridTwo) {
    const MonthlyStatistics s = october();
    const UnitStatistics& g = unit(s.grids, grid2_code);
    EXPECT_EQ(g.metrics.reported, 1);  // incident 3 was reported in September
    EXPECT_EQ(g.metrics.closed, 1);
    EXPECT_DOUBLE_EQ(*g.metrics.on_time_rate(), 1.0);
    EXPECT_DOUBLE_EQ(*g.metrics.rework_rate(), 0.0);
    EXPECT_DOUBLE_EQ(*g.metrics.mean_close_hours(), 97.0);
    EXPECT_EQ(g.metrics.visits_done, 1);
    EXPECT_DOUBLE_EQ(*g.metrics.special_coverage(), 1.0);
    // 0.4 + 0.2 + 0.2·(1/15) + 0.2 = 0.81333…
    EXPECT_NEAR(*g.score, 81.3333, 1e-3);
    EXPECT_EQ(g.grade, "称职");
}

TEST(Statistics, Community) {
    const MonthlyStatistics s = october();
    const UnitStatistics& c = unit(s.communities, community_code);
    EXPECT_EQ(c.metrics.reported, 3);
    EXPECT_EQ(c.metrics.closed, 3);
    EXPECT_NEAR(*c.metrics.on_time_rate(), 2.0 / 3.0, 1e-12);
    EXPECT_NEAR(*c.metrics.rework_rate(), 1.0 / 3.0, 1e-12);
    EXPECT_NEAR(*c.metrics.mean_close_hours(), 175.0 / 3.0, 1e-9);
    EXPECT_EQ(c.metrics.visits_done, 4);
    EXPECT_EQ(c.metrics.visit_quota, 30);
    EXPECT_DOUBLE_EQ(*c.metrics.special_coverage(), 0.75);
    // 0.4·(2/3) + 0.2·(2/3) + 0.2·(4/30) + 0.2·0.75 = 0.57667
    EXPECT_NEAR(*c.score, 57.6667, 1e-3);
}

TEST(Statistics, Workers) {
    const MonthlyStatistics s = october();
    const UnitStatistics& zhang = unit(s.workers, "1");
    EXPECT_EQ(zhang.metrics.reported, 2);
    EXPECT_EQ(zhang.metrics.closed, 2);
    EXPECT_EQ(zhang.metrics.visits_done, 2);  // household 1 twice counts once
    EXPECT_EQ(zhang.metrics.special_households, 3);
    EXPECT_EQ(zhang.metrics.special_visited, 2);

    // 王芳 closed nothing: the score uses visits and coverage only.
    const UnitStatistics& wang = unit(s.workers, "3");
    EXPECT_EQ(wang.metrics.reported, 1);
    EXPECT_FALSE(wang.metrics.on_time_rate());
    EXPECT_FALSE(wang.metrics.mean_close_hours());
    EXPECT_NEAR(*wang.score, 100.0 * (0.2 / 15.0 + 0.2) / 0.4, 1e-9);

    const UnitStatistics& li = unit(s.workers, "2");
    EXPECT_EQ(li.metrics.visits_done, 1);
    EXPECT_NEAR(*li.score, 100.0 * (0.2 / 15.0 + 0.2 * 2.0 / 3.0) / 0.4, 1e-9);
}

TEST(Statistics, ConfigurableThresholdsGiveEveryGrade) {
    const AssessmentConfig config =
        AssessmentConfig::from_json({{"thresholds", {{"excellent", 80}, {"competent", 50}, {"basic", 40}}}});
    const MonthlyStatistics s = october(config);
    EXPECT_EQ(unit(s.grids, grid2_code).grade, "优秀");    // 81.3
    EXPECT_EQ(unit(s.workers, "3").grade, "称职");         // 53.3
    EXPECT_EQ(unit(s.grids, grid1_code).grade, "基本称职");  // 47.3
    EXPECT_EQ(unit(s.workers, "2").grade, "不称职");       // 36.7
}

TEST(Statistics, ConfigurableWeights) {
    const AssessmentConfig config =
        AssessmentConfig::from_json({{"weights", {{"on_time", 1}, {"no_rework", 0}, {"visits", 0}, {"coverage", 0}}}});
    const MonthlyStatistics s = october(config);
    EXPECT_DOUBLE_EQ(*unit(s.grids, grid1_code).score, 50.0);
    EXPECT_FALSE(unit(s.workers, "3").score.has_value());  // nothing closed, nothing else weighed
    EXPECT_TRUE(unit(s.workers, "3").grade.empty());
    EXPECT_THROW((void)AssessmentConfig::from_json({{"weights", {{"on_time", -1}}}}), InputError);
    EXPECT_THROW((void)AssessmentConfig::from_json({{"thresholds", {{"excellent", 50}, {"competent", 70}}}}), InputError);
    EXPECT_THROW((void)AssessmentConfig::from_json({{"monthly_household_quota", "many"}}), InputError);
}

TEST(Statistics, Json) {
    const nlohmann::json json = to_json(october());
    EXPECT_EQ(json["month"], "2026-10");
    ASSERT_EQ(json["grids"].size(), 2U);
    const nlohmann::json& grid = json["grids"][0];
    EXPECT_EQ(grid["key"], grid1_code);
    EXPECT_EQ(grid["reported"], 2);
    EXPECT_EQ(grid["reported_by_source"]["居民上报"], 1);
    EXPECT_DOUBLE_EQ(grid["on_time_rate"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(grid["mean_close_hours"].get<double>(), 39.0);
    EXPECT_EQ(grid["grade"], "不称职");
    const nlohmann::json& wang = json["workers"][2];
    EXPECT_EQ(wang["key"], "3");
    EXPECT_TRUE(wang["on_time_rate"].is_null());
    EXPECT_TRUE(wang["rework_rate"].is_null());
}

TEST(Statistics, SatisfactionCountsInTheScoreWithItsWeight) {
    const Month october = Month::parse("2026-10");
    const double unrated = *unit(monthly_statistics(*community_snapshot(assessment_dataset()), october).grids, grid1_code).score;
    const auto rated_with = [&](int score, const AssessmentConfig& config) {
        model::Dataset data = assessment_dataset();
        // Incident 1 (grid 1, closed in October) rated in November: it counts for October, its closing month.
        data.incident_events.push_back({9, 1, at("2026-11-02T10:00:00"), "居民", "closed", "closed", rating_note(score, "")});
        return unit(monthly_statistics(*community_snapshot(std::move(data)), october, config).grids, grid1_code);
    };
    const UnitStatistics pleased = rated_with(5, {});
    EXPECT_EQ(pleased.metrics.rated, 1);
    EXPECT_DOUBLE_EQ(*pleased.metrics.mean_rating(), 5.0);
    EXPECT_DOUBLE_EQ(*pleased.metrics.satisfaction(), 1.0);
    EXPECT_GT(*pleased.score, unrated);
    const UnitStatistics displeased = rated_with(1, {});
    EXPECT_DOUBLE_EQ(*displeased.metrics.satisfaction(), 0.0);
    EXPECT_LT(*displeased.score, unrated);
    // The weight: the score moves by (satisfaction − score) × w / (W + w), W the other parts' weights (1 here).
    EXPECT_NEAR(*pleased.score, (unrated + 100.0 * 0.2) / 1.2, 1e-9);
    AssessmentConfig ignored = AssessmentConfig::from_json({{"weights", {{"satisfaction", 0.0}}}});
    EXPECT_DOUBLE_EQ(*rated_with(5, ignored).score, unrated);
    EXPECT_THROW((void)AssessmentConfig::from_json({{"weights", {{"satisfaction", -1.0}}}}), InputError);
    EXPECT_EQ(to_json(monthly_statistics(*community_snapshot(assessment_dataset()), october))["grids"][0]["rated"], 0);
}
