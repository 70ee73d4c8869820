#include "wangge/rules/report.hpp"

#include <gtest/gtest.h>

namespace wangge::rules {
namespace {

Violation make(std::string_view id, Severity severity, std::vector<std::string> grids, double area) {
    Violation v;
    v.rule = std::string(id);
    v.severity = severity;
    v.grids = std::move(grids);
    v.area_m2 = area;
    v.message = "测试";
    return v;
}

TEST(Report, JsonFollowsTheContract) {
    Report report;
    report.grids = 3;
    report.elapsed_ms = 12.345;
    report.violations.push_back(make(rule::overlap, Severity::error, {"a", "b"}, 152.4049));
    report.violations.back().repair = Repair{"a", {"b"}, 20.0, "longest_shared_edge"};
    report.violations.push_back(make(rule::household_count, Severity::warning, {"c"}, 0));
    const nlohmann::json json = to_json(report);
    EXPECT_EQ(json["valid"], false);
    EXPECT_EQ(json["grids"], 3);
    EXPECT_DOUBLE_EQ(json["elapsed_ms"].get<double>(), 12.3);
    EXPECT_EQ(json["summary"], (nlohmann::json{{"household_count", 1}, {"overlap", 1}}));
    const nlohmann::json& overlap = json["violations"][0];
    EXPECT_EQ(overlap["rule"], "overlap");
    EXPECT_EQ(overlap["severity"], "error");
    EXPECT_EQ(overlap["grids"], (nlohmann::json{"a", "b"}));
    EXPECT_DOUBLE_EQ(overlap["area_m2"].get<double>(), 152.405);
    EXPECT_TRUE(overlap["geometry"].is_null());
    EXPECT_EQ(overlap["message"], "测试");
    EXPECT_EQ(overlap["repair"]["assign_to"], "a");
    EXPECT_EQ(overlap["repair"]["remove_from"], (nlohmann::json{"b"}));
    EXPECT_FALSE(json["violations"][1].contains("repair"));
}

TEST(Report, WarningsAloneAreValid) {
    Report report;
    report.violations.push_back(make(rule::edge_mismatch, Severity::warning, {"a", "b"}, 0));
    EXPECT_TRUE(report.valid());
    EXPECT_TRUE(to_json(report)["valid"].get<bool>());
}

TEST(Report, SortsByRuleThenCodes) {
    std::vector<Violation> list{make(rule::gap, Severity::error, {"b"}, 1), make(rule::overlap, Severity::error, {"z"}, 1),
                                make(rule::gap, Severity::error, {"a"}, 1),
                                make(rule::invalid_geometry, Severity::error, {"q"}, 0)};
    sort_violations(list);
    EXPECT_EQ(list[0].rule, "invalid_geometry");
    EXPECT_EQ(list[1].rule, "overlap");
    EXPECT_EQ(list[2].grids.front(), "a");
    EXPECT_EQ(list[3].grids.front(), "b");
}

TEST(Report, TextTableEndsWithSummary) {
    Report report;
    report.grids = 2;
    report.violations.push_back(make(rule::gap, Severity::error, {"p", "a"}, 23.5));
    const std::string text = to_text(report);
    EXPECT_NE(text.find("error\tgap\tp,a\t23.5 m2\t测试"), std::string::npos) << text;
    EXPECT_NE(text.find("INVALID: 2 grids, 1 violations"), std::string::npos) << text;
}

}  // namespace
}  // namespace wangge::rules
