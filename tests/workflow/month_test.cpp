#include "wangge/workflow/month.hpp"

#include <gtest/gtest.h>

#include "fixture.hpp"

using namespace wangge;
using namespace wangge::workflow;
using wangge::workflow::test::at;

TEST(Month, ParsesAndBoundsInChinaTime) {
    const Month october = Month::parse("2026-10");
    EXPECT_EQ(october.year, 2026);
    EXPECT_EQ(october.month, 10U);
    EXPECT_EQ(october.begin(), at("2026-10-01T00:00:00+08:00"));
    EXPECT_EQ(october.end(), at("2026-11-01T00:00:00+08:00"));
    EXPECT_TRUE(october.contains(at("2026-10-31T23:59:59+08:00")));
    EXPECT_FALSE(october.contains(at("2026-11-01T00:00:00+08:00")));
    EXPECT_FALSE(october.contains(at("2026-09-30T23:59:59+08:00")));
    // 2026-09-30T16:30Z is already October 1st in Beijing.
    EXPECT_TRUE(october.contains(at("2026-09-30T16:30:00Z")));
    EXPECT_EQ(october.to_string(), "2026-10");
}

TEST(Month, DecemberRollsIntoTheNextYear) {
    const Month december = Month::parse("2026-12");
    EXPECT_EQ(december.end(), at("2027-01-01T00:00:00+08:00"));
    EXPECT_EQ(Month::of(at("2027-01-01T00:00:00+08:00")), (Month{2027, 1}));
    EXPECT_EQ(Month::of(at("2026-12-31T23:59:59+08:00")), (Month{2026, 12}));
}

TEST(Month, RejectsAnythingElse) {
    for (const char* bad : {"2026-13", "2026-00", "2026-1", "2026/10", "2026-10-01", "", "abcd-ef"}) {
        EXPECT_THROW((void)Month::parse(bad), InputError) << bad;
    }
}
