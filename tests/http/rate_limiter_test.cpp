#include "wangge/http/rate_limiter.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "wangge/error.hpp"

namespace wangge::http {
namespace {

using std::chrono::milliseconds;
const RateLimiter::Clock::time_point t0{};

TEST(RateLimiter, ABurstThenTheRate) {
    RateLimiter limiter(RateLimit{10, 3});
    for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire("a", t0), milliseconds(0)) << i;
    EXPECT_EQ(limiter.acquire("a", t0), milliseconds(100));
    EXPECT_EQ(limiter.acquire("a", t0 + milliseconds(60)), milliseconds(40));
    EXPECT_EQ(limiter.acquire("a", t0 + milliseconds(101)), milliseconds(0));
    // Refilling stops at the burst.
    const auto later = t0 + std::chrono::hours(1);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire("a", later), milliseconds(0)) << i;
    EXPECT_GT(limiter.acquire("a", later), milliseconds(0));
}

TEST(RateLimiter, ClientsHaveTheirOwnBuckets) {
    RateLimiter limiter(RateLimit{1, 1});
    EXPECT_EQ(limiter.acquire("a", t0), milliseconds(0));
    EXPECT_EQ(limiter.acquire("a", t0), milliseconds(1000));
    EXPECT_EQ(limiter.acquire("b", t0), milliseconds(0));
    EXPECT_EQ(limiter.size(), 2u);
}

TEST(RateLimiter, ARefusedRequestTakesNoToken) {
    RateLimiter limiter(RateLimit{2, 1});
    EXPECT_EQ(limiter.acquire("a", t0), milliseconds(0));
    for (int i = 0; i < 5; ++i) EXPECT_GT(limiter.acquire("a", t0 + milliseconds(101)), milliseconds(0));
    EXPECT_EQ(limiter.acquire("a", t0 + milliseconds(510)), milliseconds(0));
}

TEST(RateLimiter, RateZeroIsOff) {
    RateLimiter limiter(RateLimit{});
    EXPECT_FALSE(limiter.enabled());
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.acquire("a", t0), milliseconds(0));
    EXPECT_EQ(limiter.size(), 0u);
}

TEST(RateLimiter, MemoryIsBoundedAndLimitedClientsAreForgottenLast) {
    RateLimiter limiter(RateLimit{1, 2, 3});
    EXPECT_EQ(limiter.acquire("limited", t0), milliseconds(0));
    EXPECT_EQ(limiter.acquire("limited", t0), milliseconds(0));
    EXPECT_EQ(limiter.acquire("busy", t0), milliseconds(0));
    EXPECT_EQ(limiter.acquire("busy", t0), milliseconds(0));
    EXPECT_EQ(limiter.acquire("calm", t0), milliseconds(0));
    // Full: "calm" (1 token left, the fullest) goes for "new", then "new" for "newer".
    EXPECT_EQ(limiter.acquire("new", t0), milliseconds(0));
    EXPECT_EQ(limiter.acquire("newer", t0), milliseconds(0));
    EXPECT_EQ(limiter.size(), 3u);
    EXPECT_GT(limiter.acquire("limited", t0), milliseconds(0));
    EXPECT_GT(limiter.acquire("busy", t0), milliseconds(0));
    // Buckets that refilled are dropped all at once.
    EXPECT_EQ(limiter.acquire("later", t0 + std::chrono::seconds(10)), milliseconds(0));
    EXPECT_EQ(limiter.size(), 1u);
}

TEST(RateLimiter, BadSettingsAreInputErrors) {
    EXPECT_THROW(RateLimiter(RateLimit{-1, 1}), InputError);
    EXPECT_THROW(RateLimiter(RateLimit{1, 0.5}), InputError);
    EXPECT_THROW(RateLimiter(RateLimit{std::nan(""), 1}), InputError);
}

}  // namespace
}  // namespace wangge::http
