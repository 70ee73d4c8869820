#include "wangge/workflow/config.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "../support/temp_dir.hpp"
#include "fixture.hpp"

using namespace wangge;
using namespace wangge::workflow;

namespace {

std::string load_error(const nlohmann::json& document) {
    try {
        (void)WorkflowConfig::from_json(document);
    } catch (const InputError& e) {
        return e.what();
    }
    return "loaded";
}

nlohmann::json one_category(nlohmann::json hours) {
    return {{"categories", {{{"name", "违法建设"}, {"deadline_hours", std::move(hours)}}}}};
}

}  // namespace

TEST(Config, ShippedTableHasTheDesignCategories) {
    const WorkflowConfig& config = test::shipped_config();
    for (const char* name : {"违法建设", "公共设施损坏", "占道经营", "环境污染", "噪音扰民", "消防隐患", "邻里纠纷",
                             "积水内涝", "安全隐患", "民生诉求", "环境卫生"}) {
        EXPECT_NE(config.categories.find(name), nullptr) << name;
    }
    const Category& flooding = config.categories.at("积水内涝");
    EXPECT_EQ(flooding.name_en, "flooding");
    EXPECT_EQ(flooding.deadline_seconds(Triage::general), 12 * 3600);
    EXPECT_EQ(flooding.deadline_seconds(Triage::coordination), 24 * 3600);
    EXPECT_EQ(flooding.deadline_seconds(Triage::urgent), 4 * 3600);
    EXPECT_EQ(flooding.code, "flooding");
    EXPECT_EQ(flooding.group, "市政设施");
    EXPECT_EQ(flooding.keywords, (std::vector<std::string>{"积水", "内涝", "排水"}));
    EXPECT_FALSE(flooding.description.empty());
    EXPECT_EQ(config.categories.find_code("flooding"), &flooding);
    EXPECT_EQ(config.categories.find_code(""), nullptr);
    EXPECT_EQ(config.categories.find_code("积水内涝"), nullptr);
    for (const Category& category : config.categories.categories()) {
        EXPECT_FALSE(category.code.empty()) << category.name;  // every shipped category is an Open311 service
    }
    EXPECT_EQ(config.escalation.limit(Triage::urgent), 30 * 60);
    EXPECT_FALSE(config.escalation.limit(Triage::coordination).has_value());
}

TEST(Config, UnknownCategoryIsATypedError) {
    try {
        (void)test::shipped_config().categories.at("外星人入侵");
        FAIL();
    } catch (const WorkflowError& e) {
        EXPECT_EQ(e.code(), "unknown_category");
        EXPECT_EQ(e.message_zh(), "未知的事件类别“外星人入侵”");
    }
}

TEST(Config, MalformedTablesNameTheProblem) {
    EXPECT_EQ(load_error(nlohmann::json::array()), "category table: expected an object with a \"categories\" array");
    EXPECT_EQ(load_error({{"categories", nlohmann::json::array()}}), "category table: \"categories\" is empty");
    EXPECT_EQ(load_error(one_category({{"general", 24}, {"coordination", 48}})),
              "category table entry 1 (违法建设): \"deadline_hours\" lacks \"urgent\"");
    EXPECT_EQ(load_error(one_category({{"general", 24}, {"coordination", -1}, {"urgent", 4}})),
              "category table entry 1 (违法建设) deadline_hours.coordination must be a whole number between 1 and "
              "8784, got -1");
    nlohmann::json twice = one_category({{"general", 24}, {"coordination", 48}, {"urgent", 4}});
    twice["categories"].push_back(twice["categories"][0]);
    EXPECT_EQ(load_error(twice), "category table entry 2: category \"违法建设\" is listed twice");
    nlohmann::json bad_escalation = one_category({{"general", 24}, {"coordination", 48}, {"urgent", 4}});
    bad_escalation["escalation_minutes"] = {{"fast", 5}};
    EXPECT_EQ(load_error(bad_escalation), "\"escalation_minutes\": unknown triage \"fast\"");
    bad_escalation["escalation_minutes"] = {{"urgent", 0.001}};
    EXPECT_EQ(load_error(bad_escalation),
              "escalation_minutes.urgent must be between 1 second (1/60) and 43200 minutes, got 0.001");
}

TEST(Config, EscalationMinutesMayBeFractions) {
    nlohmann::json table = one_category({{"general", 24}, {"coordination", 48}, {"urgent", 4}});
    table["escalation_minutes"] = {{"urgent", 0.1}, {"coordination", 2}};
    const WorkflowConfig config = WorkflowConfig::from_json(table);
    EXPECT_EQ(config.escalation.limit(Triage::urgent), 6);
    EXPECT_EQ(config.escalation.limit(Triage::coordination), 120);
}

TEST(Config, ServiceCodesAreOptionalButWellFormedAndUnique) {
    nlohmann::json table = one_category({{"general", 24}, {"coordination", 48}, {"urgent", 4}});
    const WorkflowConfig without_code = WorkflowConfig::from_json(table);
    EXPECT_TRUE(without_code.categories.at("违法建设").code.empty());
    EXPECT_TRUE(without_code.categories.at("违法建设").keywords.empty());

    table["categories"][0]["code"] = "Illegal Construction";
    EXPECT_EQ(load_error(table), "category table entry 1 (违法建设): \"code\" must be 1–64 of a-z, 0-9, '_' and '-'");
    table["categories"][0]["code"] = "illegal_construction";
    nlohmann::json second = table["categories"][0];
    second["name"] = "违章建筑";
    table["categories"].push_back(second);
    EXPECT_EQ(load_error(table), "category table entry 2 (违章建筑): code \"illegal_construction\" is used twice");
    table["categories"].erase(1);
    table["categories"][0]["keywords"] = {"违建,私搭"};
    EXPECT_EQ(load_error(table), "category table entry 1: every keyword must be a non-empty string without commas");
    table["categories"][0]["keywords"] = "违建";
    EXPECT_EQ(load_error(table), "category table entry 1: \"keywords\" must be an array of strings");
    table["categories"][0].erase("keywords");
    table["categories"][0]["group"] = 7;
    EXPECT_EQ(load_error(table), "category table entry 1: \"group\" must be a string");
}

TEST(Config, MissingOrBrokenFilesAreInputErrors) {
    EXPECT_THROW((void)WorkflowConfig::load("/nonexistent/categories.json"), InputError);
    // A directory of its own: a fixed name in /tmp is shared with every other run on the machine.
    const support::TempDir dir;
    const auto path = dir / "categories.json";
    {
        std::ofstream out(path);
        out << "{\"categories\": [";
    }
    EXPECT_THROW((void)WorkflowConfig::load(path), InputError);
}
