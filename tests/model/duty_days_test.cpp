#include "wangge/model/duty_days.hpp"

#include <gtest/gtest.h>

namespace wangge::model {
namespace {

constexpr std::uint8_t monday = 1, wednesday = 4, friday = 16, saturday = 32, sunday = 64;

TEST(DutyDays, ReadsTheWaysPeopleWriteThem) {
    EXPECT_EQ(parse_duty_days("周一至周五"), 0x1f);
    EXPECT_EQ(parse_duty_days("周一到周五"), 0x1f);
    EXPECT_EQ(parse_duty_days("星期一-星期五"), 0x1f);
    EXPECT_EQ(parse_duty_days("工作日"), 0x1f);
    EXPECT_EQ(parse_duty_days("周一、周三、周五"), monday | wednesday | friday);
    EXPECT_EQ(parse_duty_days("周一，周三,周五"), monday | wednesday | friday);
    EXPECT_EQ(parse_duty_days("周一三五"), monday | wednesday | friday);
    EXPECT_EQ(parse_duty_days("周一周三"), monday | wednesday);
    EXPECT_EQ(parse_duty_days("一 三 五"), monday | wednesday | friday);
    EXPECT_EQ(parse_duty_days("周末"), saturday | sunday);
    EXPECT_EQ(parse_duty_days("周六、星期天"), saturday | sunday);
    EXPECT_EQ(parse_duty_days("礼拜日"), sunday);
    EXPECT_EQ(parse_duty_days("周日"), sunday);
    EXPECT_EQ(parse_duty_days("每天"), all_week);
    EXPECT_EQ(parse_duty_days("工作日、周六"), 0x3f);
    EXPECT_EQ(parse_duty_days(""), 0);
    EXPECT_EQ(parse_duty_days("\u3000周二\u3000"), 2);
}

TEST(DutyDays, RefusesWhatIsNoWeekday) {
    for (const char* text : {"周八", "天", "周五至周一", "周一至", "至周五", "上午", "1,2,3", "周一至工作日"}) {
        EXPECT_FALSE(parse_duty_days(text).has_value()) << text;
    }
}

TEST(DutyDays, WritesRunsAsRangesAndReadsBackTheSame) {
    EXPECT_EQ(format_duty_days(0), "");
    EXPECT_EQ(format_duty_days(0x1f), "周一至周五");
    EXPECT_EQ(format_duty_days(monday | wednesday | friday), "周一、周三、周五");
    EXPECT_EQ(format_duty_days(saturday | sunday), "周六、周日");
    EXPECT_EQ(format_duty_days(0x07 | saturday), "周一至周三、周六");
    EXPECT_EQ(format_duty_days(all_week), "每天");
    for (unsigned days = 0; days <= all_week; ++days) {
        EXPECT_EQ(parse_duty_days(format_duty_days(static_cast<std::uint8_t>(days))), days) << days;
    }
}

}  // namespace
}  // namespace wangge::model
