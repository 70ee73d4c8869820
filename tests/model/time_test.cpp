#include "wangge/model/time.hpp"

#include <gtest/gtest.h>

using namespace wangge::model;

TEST(Time, FormatsInChinaStandardTime) {
    EXPECT_EQ(format_iso8601(0), "1970-01-01T08:00:00+08:00");
    EXPECT_EQ(format_iso8601(1790000000), "2026-09-21T22:13:20+08:00");
    EXPECT_EQ(format_iso8601(-1), "1970-01-01T07:59:59+08:00");
}

TEST(Time, ParsesDatesAndOffsets) {
    EXPECT_EQ(parse_iso8601("1970-01-01T08:00:00+08:00"), 0);
    EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(parse_iso8601("1970-01-01"), -8 * 3600);  // midnight in +08:00
    EXPECT_EQ(parse_iso8601("1970-01-01T08:00"), 0);
    EXPECT_EQ(parse_iso8601("1970-01-01T01:30:00-05:00"), 6 * 3600 + 1800);
    EXPECT_EQ(parse_iso8601("2026-10-01T12:00:00.250+08:00"), parse_iso8601("2026-10-01T12:00:00+08:00"));
    EXPECT_EQ(parse_iso8601("2024-02-29"), parse_iso8601("2024-03-01").value() - 86400);
}

TEST(Time, RoundTrip) {
    for (Timestamp t : {Timestamp{0}, Timestamp{1700000000}, Timestamp{1764000000}, Timestamp{-86400 * 400}}) {
        EXPECT_EQ(parse_iso8601(format_iso8601(t)), t);
    }
}

TEST(Time, RejectsMalformedText) {
    for (const char* text : {"", "2026", "2026-13-01", "2026-02-30", "2023-02-29", "2026-10-01T25:00", "2026-10-01T10",
                             "2026-10-01T10:00:00+8", "2026-10-01X", "2026-10-01T10:00:00+08:00junk", "abcd-ef-gh",
                             "2026-10-01T10:00:00."}) {
        EXPECT_FALSE(parse_iso8601(text).has_value()) << text;
    }
}
