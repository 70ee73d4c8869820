#include "wangge/workflow/household_changes.hpp"

#include <gtest/gtest.h>

#include "fixture.hpp"
#include "wangge/workflow/states.hpp"

using namespace wangge;
using namespace wangge::workflow;
using namespace wangge::workflow::test;

namespace {

HouseholdChange change(std::int64_t id, HouseholdChangeKind kind, const char* time,
                       std::optional<model::Household> before, model::Household after) {
    return {.id = id, .kind = kind, .at = at(time), .user = "wang", .source = "map", .before = std::move(before),
            .after = std::move(after)};
}

std::vector<std::int64_t> ids(const std::vector<MonthlyHouseholdChanges::Line>& lines) {
    std::vector<std::int64_t> out;
    for (const auto& line : lines) out.push_back(line.last->household_id());
    return out;
}

std::string refusal(const model::Household& household) {
    try {
        check_household(household);
    } catch (const WorkflowError& e) {
        EXPECT_EQ(e.code(), "bad_household");
        return e.message_zh();
    }
    return "";
}

}  // namespace

TEST(HouseholdChanges, KindsHaveNamesAndChineseLabels) {
    for (const HouseholdChangeKind kind :
         {HouseholdChangeKind::added, HouseholdChangeKind::edited, HouseholdChangeKind::moved_out}) {
        EXPECT_EQ(parse_household_change_kind(to_string(kind)), kind);
    }
    EXPECT_EQ(label_zh(HouseholdChangeKind::added), "新增");
    EXPECT_EQ(label_zh(HouseholdChangeKind::moved_out), "迁出");
    EXPECT_FALSE(parse_household_change_kind("deleted"));
}

TEST(HouseholdChanges, CheckRefusesWhatAWorkerMustFix) {
    model::Household good = household(1, grid1_code, 116.441, {"独居老人"});
    EXPECT_EQ(refusal(good), "");
    model::Household bad = good;
    bad.compound.clear();
    EXPECT_NE(refusal(bad).find("小区"), std::string::npos);
    bad = good;
    bad.members = 0;
    EXPECT_NE(refusal(bad).find("1 至 99"), std::string::npos);
    bad = good;
    bad.tags = {"低保", "低保"};
    EXPECT_NE(refusal(bad).find("重复"), std::string::npos);
    bad = good;
    bad.head_name = std::string(51 * 3, 'x');  // 153 characters
    EXPECT_NE(refusal(bad).find("head_name"), std::string::npos);
    bad = good;
    bad.head_name.clear();
    for (int i = 0; i < 50; ++i) bad.head_name += "张";  // 50 characters, 150 bytes: allowed
    EXPECT_EQ(refusal(bad), "");
    bad = good;
    bad.moved_in = at("2026-10-10");
    bad.moved_out = at("2026-10-01");
    EXPECT_NE(refusal(bad).find("迁出"), std::string::npos);
}

TEST(HouseholdChanges, ChangedFieldsAndTags) {
    const model::Household before = household(1, grid1_code, 116.441, {"独居老人", "低保"});
    model::Household after = before;
    EXPECT_TRUE(changed_fields(before, after).empty());
    after.tags = {"低保", "残疾人"};
    after.location.x += 0.001;
    after.moved_out = at("2026-10-01");
    EXPECT_EQ(changed_fields(before, after), (std::vector<std::string_view>{"location", "tags", "moved_out"}));
    const TagChange tags = tag_change(before.tags, after.tags);
    EXPECT_EQ(tags.added, std::vector<std::string>{"残疾人"});
    EXPECT_EQ(tags.removed, std::vector<std::string>{"独居老人"});
    EXPECT_TRUE(tag_change(before.tags, before.tags).empty());
}

TEST(HouseholdChanges, TheMonthListsEachHouseholdOnceByWhatTheMonthDidToIt) {
    const model::Household one = household(1, grid1_code, 116.441, {"低保"});
    model::Household one_tagged = one;
    one_tagged.tags = {"低保", "独居老人"};
    model::Household one_back = one;  // tags as at the month's start again
    const model::Household two = household(2, grid1_code, 116.442, {});
    model::Household two_gone = two;
    two_gone.moved_out = at("2026-10-20");
    const model::Household three = household(3, grid1_code, 116.443, {});
    model::Household three_edited = three;
    three_edited.members = 4;
    model::Household three_tagged = three_edited;
    three_tagged.tags = {"残疾人"};
    const model::Household four = household(4, grid2_code, 116.451, {"新入住"});
    model::Household four_gone = four;
    four_gone.moved_out = at("2026-10-30");
    const model::Household five = household(5, grid2_code, 116.452, {});
    const std::vector<HouseholdChange> changes{
        change(1, HouseholdChangeKind::edited, "2026-10-03T09:00:00", one, one_tagged),
        change(2, HouseholdChangeKind::edited, "2026-10-04T09:00:00", one_tagged, one_back),
        change(3, HouseholdChangeKind::moved_out, "2026-10-20T10:00:00", two, two_gone),
        // Out of order on purpose: the list orders by time.
        change(5, HouseholdChangeKind::edited, "2026-10-12T09:00:00", three_edited, three_tagged),
        change(4, HouseholdChangeKind::edited, "2026-10-11T09:00:00", three, three_edited),
        change(6, HouseholdChangeKind::added, "2026-10-05T09:00:00", std::nullopt, four),
        change(7, HouseholdChangeKind::moved_out, "2026-10-30T09:00:00", four, four_gone),
        change(8, HouseholdChangeKind::added, "2026-10-31T23:59:59", std::nullopt, five),
        change(9, HouseholdChangeKind::added, "2026-11-01T00:00:00", std::nullopt, household(6, grid2_code, 116.453, {})),
    };
    const MonthlyHouseholdChanges october = monthly_household_changes(changes, Month::parse("2026-10"));
    EXPECT_EQ(ids(october.added), std::vector<std::int64_t>{5});
    EXPECT_EQ(ids(october.moved_out), (std::vector<std::int64_t>{2, 4}));
    ASSERT_EQ(ids(october.tags_changed), std::vector<std::int64_t>{3});
    EXPECT_EQ(october.tags_changed[0].tags.added, std::vector<std::string>{"残疾人"});
    EXPECT_EQ(october.tags_changed[0].last->id, 5);
    const MonthlyHouseholdChanges november = monthly_household_changes(changes, Month::parse("2026-11"));
    EXPECT_EQ(ids(november.added), std::vector<std::int64_t>{6});
    EXPECT_TRUE(november.moved_out.empty());
}
