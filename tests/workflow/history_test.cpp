#include "wangge/workflow/history.hpp"

#include <gtest/gtest.h>

#include "fixture.hpp"

using namespace wangge;
using namespace wangge::workflow;
using wangge::workflow::test::at;

namespace {

const std::vector<model::IncidentEvent> events{
    {5, 2, at("2026-10-01T10:00:00"), "9", "filed", "dispatched", ""},
    {1, 1, at("2026-10-01T08:00:00"), "居民", "", "reported", "积水"},
    {3, 1, at("2026-10-01T09:00:00"), "9", "in_progress", "suspended", "批准人：甲；原因：乙"},
    {2, 1, at("2026-10-01T09:00:00"), "9", "dispatched", "in_progress", ""},
    {4, 1, at("2026-10-02T09:00:00"), "9", "suspended", "in_progress", ""},
    {6, 1, at("2026-10-02T10:00:00"), "9", "in_progress", "in_progress", "延期 6 小时；批准人：甲；原因：乙"},
    {7, 1, at("2026-10-02T11:00:00"), "9", "in_progress", "suspended", "批准人：甲；原因：乙"},
};

std::vector<std::int64_t> ids(std::span<const model::IncidentEvent> history) {
    std::vector<std::int64_t> result;
    for (const model::IncidentEvent& event : history) result.push_back(event.id);
    return result;
}

}  // namespace

TEST(History, GroupsByIncidentInTimeThenIdOrder) {
    const IncidentHistories histories(events);
    EXPECT_EQ(ids(histories.of(1)), (std::vector<std::int64_t>{1, 2, 3, 4, 6, 7}));
    EXPECT_EQ(ids(histories.of(2)), std::vector<std::int64_t>{5});
    EXPECT_TRUE(histories.of(3).empty());
}

TEST(History, ForClocksKeepsOnlyWhatClocksRead) {
    const IncidentHistories histories = IncidentHistories::for_clocks(events);
    EXPECT_EQ(ids(histories.of(1)), (std::vector<std::int64_t>{3, 4, 6, 7}));
    EXPECT_TRUE(histories.of(2).empty());
}

TEST(History, ReconstructsPausesIncludingAnOpenOne) {
    const IncidentHistories histories(events);
    const Periods periods = reconstruct_periods(histories.of(1));
    ASSERT_EQ(periods.pauses.size(), 2U);
    EXPECT_EQ(periods.pauses[0].from, at("2026-10-01T09:00:00"));
    EXPECT_EQ(periods.pauses[0].to, at("2026-10-02T09:00:00"));
    EXPECT_EQ(periods.pauses[1].from, at("2026-10-02T11:00:00"));
    EXPECT_FALSE(periods.pauses[1].to.has_value());
    ASSERT_EQ(periods.extensions.size(), 1U);
    EXPECT_EQ(periods.extensions[0].seconds, 6 * 3600);
    EXPECT_FALSE(was_reworked(histories.of(1)));
}

TEST(History, ExtensionNotesRoundTripAndOthersAreNotExtensions) {
    model::IncidentEvent event{1, 1, 0, "9", "dispatched", "dispatched", extension_note(48, "王主任", "等待配件")};
    EXPECT_EQ(event.note, "延期 48 小时；批准人：王主任；原因：等待配件");
    EXPECT_EQ(extension_seconds(event), 48 * 3600);
    event.note = "延期 abc 小时";
    EXPECT_FALSE(extension_seconds(event));
    event.note = "延期 -2 小时";
    EXPECT_FALSE(extension_seconds(event));
    event.note = "延期 12 天";
    EXPECT_FALSE(extension_seconds(event));
    event = {1, 1, 0, "9", "in_progress", "resolved", "延期 12 小时"};  // a state change is never an extension
    EXPECT_FALSE(extension_seconds(event));
}
