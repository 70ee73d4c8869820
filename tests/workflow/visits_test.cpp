#include "wangge/workflow/visits.hpp"

#include <gtest/gtest.h>

#include "fixture.hpp"
#include "wangge/workflow/states.hpp"

using namespace wangge;
using namespace wangge::workflow;
using namespace wangge::workflow::test;

namespace {

std::vector<std::int64_t> due_ids(const VisitsDue& due) {
    std::vector<std::int64_t> ids;
    for (const DueHousehold& household : due.due) ids.push_back(household.household->id);
    return ids;
}

}  // namespace

TEST(Visits, DueListsUnvisitedSpecialGroupHouseholdsMustVisitsFirst) {
    const auto snapshot = community_snapshot(assessment_dataset());
    // Grid 1 in October: 1 (独居老人) visited, 2 (低保) visited only in September,
    // 3 no tags, 4 (新入住, 出租房) visited by 李娜 on 10-01 00:00.
    const VisitsDue october = visits_due(*snapshot, 1, Month::parse("2026-10"));
    EXPECT_EQ(october.grid_codes, std::vector<std::string>{grid1_code});
    EXPECT_EQ(october.quota, 15);
    EXPECT_EQ(october.households_visited, 2);  // 1 (twice) and 3
    EXPECT_EQ(october.quota_remaining(), 13);
    EXPECT_EQ(due_ids(october), std::vector<std::int64_t>{2});
    EXPECT_EQ(october.due[0].reasons, std::vector<std::string>{"低保"});
    EXPECT_FALSE(october.due[0].must_visit);

    // November: nothing visited yet; the 五必访 household 4 and the elderly 1 come first.
    const VisitsDue november = visits_due(*snapshot, 1, Month::parse("2026-11"));
    EXPECT_EQ(november.households_visited, 0);
    EXPECT_EQ(november.quota_remaining(), 15);
    EXPECT_EQ(due_ids(november), (std::vector<std::int64_t>{1, 4, 2}));
    EXPECT_EQ(november.due[1].reasons, (std::vector<std::string>{"新入住", "出租房"}));
    EXPECT_TRUE(november.due[1].must_visit);
}

TEST(Visits, BWorkerSeesTheSameGrid) {
    const auto snapshot = community_snapshot(assessment_dataset());
    const VisitsDue due = visits_due(*snapshot, 2, Month::parse("2026-10"));
    EXPECT_EQ(due.households_visited, 1);
    EXPECT_EQ(due_ids(due), std::vector<std::int64_t>{2});
    EXPECT_TRUE(visits_due(*snapshot, 3, Month::parse("2026-10")).due.empty());
}

TEST(Visits, QuotaIsMetAtFifteenHouseholds) {
    model::Dataset data = community_dataset();
    for (std::int64_t id = 100; id < 116; ++id) {
        data.households.push_back(household(id, grid1_code, 116.441, {}));
        data.visits.push_back({id, 1, id, at("2026-10-05T10:00:00"), "日常走访", "", "", 0, ""});
    }
    const auto snapshot = community_snapshot(std::move(data));
    const VisitsDue due = visits_due(*snapshot, 1, Month::parse("2026-10"));
    EXPECT_EQ(due.households_visited, 16);
    EXPECT_EQ(due.quota_remaining(), 0);
}

TEST(Visits, UnknownStaffIsAnError) {
    const auto snapshot = community_snapshot();
    try {
        (void)visits_due(*snapshot, 99, Month::parse("2026-10"));
        FAIL();
    } catch (const WorkflowError& e) {
        EXPECT_EQ(e.code(), "unknown_staff");
    }
}

TEST(Visits, NewVisitsHaveAKindOfTheListAndTheReasonItNeeds) {
    std::vector<std::string_view> names;
    for (const VisitKind& kind : visit_kinds()) names.push_back(kind.name);
    EXPECT_EQ(names, (std::vector<std::string_view>{"日常走访", "五必访", "特殊人群", "回访"}));
    EXPECT_NO_THROW(check_visit_kind("日常走访", ""));
    EXPECT_NO_THROW(check_visit_kind("回访", ""));
    EXPECT_NO_THROW(check_visit_kind("五必访", "独居老人"));
    EXPECT_NO_THROW(check_visit_kind("特殊人群", "低保"));
    const auto code_of = [](std::string_view kind, std::string_view reason) {
        try {
            check_visit_kind(kind, reason);
        } catch (const WorkflowError& e) {
            EXPECT_FALSE(e.message_zh().empty());
            return e.code();
        }
        return std::string("accepted");
    };
    EXPECT_EQ(code_of("入户走访", ""), "unknown_visit_kind");  // older data's kind: not for new visits
    EXPECT_EQ(code_of("", ""), "unknown_visit_kind");
    EXPECT_EQ(code_of("五必访", ""), "reason_required");
    EXPECT_EQ(code_of("五必访", "低保"), "unknown_reason");  // a special group, not one of the 五必访
    EXPECT_EQ(code_of("日常走访", "独居老人"), "unexpected_reason");
}

TEST(Visits, ARecentMoveInIsAMustVisitUntilSomeoneVisitsAfterIt) {
    model::Dataset data = community_dataset();
    model::Household newcomer = household(50, grid1_code, 116.441, {"低保"});
    newcomer.moved_in = at("2026-10-20T00:00:00");
    data.households.push_back(newcomer);
    model::Household long_ago = household(51, grid1_code, 116.442, {});
    long_ago.moved_in = at("2026-01-03T00:00:00");  // outside the 90 days
    data.households.push_back(long_ago);
    model::Household left = household(52, grid1_code, 116.443, {});
    left.moved_in = at("2026-10-21T00:00:00");
    left.moved_out = at("2026-10-25T00:00:00");
    data.households.push_back(left);
    // A visit before the move-in (the former residents) does not count.
    data.visits.push_back({900, 1, 50, at("2026-10-02T10:00:00"), "日常走访", "", "", 0, ""});
    const auto entry = [](const VisitsDue& due, std::int64_t id) -> const DueHousehold* {
        for (const DueHousehold& item : due.due) {
            if (item.household->id == id) return &item;
        }
        return nullptr;
    };
    {
        const auto snapshot = community_snapshot(data);
        const VisitsDue october = visits_due(*snapshot, 1, Month::parse("2026-10"));
        const DueHousehold* due = entry(october, 50);
        ASSERT_NE(due, nullptr);
        EXPECT_TRUE(due->must_visit);
        EXPECT_EQ(due->reasons, (std::vector<std::string>{"新入住", "低保"}));
        EXPECT_EQ(entry(october, 51), nullptr);
        EXPECT_EQ(entry(october, 52), nullptr);  // moved out
        // Still due in November: nobody came after the move-in.
        EXPECT_NE(entry(visits_due(*snapshot, 1, Month::parse("2026-11")), 50), nullptr);
        // A month before the move-in it is no newcomer (and its 低保 visit was done then).
        EXPECT_EQ(entry(visits_due(*snapshot, 1, Month::parse("2026-10")), 51), nullptr);
    }
    // Visited after the move-in: October is done; in November only its special tag (低保) makes it due.
    data.visits.push_back({901, 2, 50, at("2026-10-22T09:00:00"), "五必访", "", "新入住", 0, ""});
    const auto snapshot = community_snapshot(std::move(data));
    EXPECT_EQ(entry(visits_due(*snapshot, 1, Month::parse("2026-10")), 50), nullptr);
    const VisitsDue november = visits_due(*snapshot, 1, Month::parse("2026-11"));
    const DueHousehold* due = entry(november, 50);
    ASSERT_NE(due, nullptr);
    EXPECT_FALSE(due->must_visit);
    EXPECT_EQ(due->reasons, std::vector<std::string>{"低保"});
}
