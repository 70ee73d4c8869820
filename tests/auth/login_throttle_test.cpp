#include "wangge/auth/login_throttle.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace wangge::auth {
namespace {

constexpr model::Timestamp t0 = 1'800'000'000;

TEST(LoginThrottle, FiveFailuresThenWait) {
    LoginThrottle throttle;
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(throttle.retry_after("user:wang", t0), 0);
        throttle.record_failure("user:wang", t0);
    }
    // 5 tokens per 15 minutes: one comes back every 180 s.
    EXPECT_EQ(throttle.retry_after("user:wang", t0), 180);
    EXPECT_EQ(throttle.retry_after("user:wang", t0 + 100), 80);
    EXPECT_EQ(throttle.retry_after("user:wang", t0 + 180), 0);
    throttle.record_failure("user:wang", t0 + 180);
    EXPECT_EQ(throttle.retry_after("user:wang", t0 + 180), 180);
    // Fully refilled after 15 minutes.
    EXPECT_EQ(throttle.retry_after("user:wang", t0 + 180 + 900), 0);
}

TEST(LoginThrottle, KeysAreIndependentAndForgettable) {
    LoginThrottle throttle({.failures = 2, .refill_seconds = 60, .max_keys = 100});
    throttle.record_failure("addr:10.0.0.1", t0);
    throttle.record_failure("addr:10.0.0.1", t0);
    EXPECT_GT(throttle.retry_after("addr:10.0.0.1", t0), 0);
    EXPECT_EQ(throttle.retry_after("addr:10.0.0.2", t0), 0);
    throttle.forget("addr:10.0.0.1");
    EXPECT_EQ(throttle.retry_after("addr:10.0.0.1", t0), 0);
}

TEST(LoginThrottle, ClockGoingBackDoesNotRefill) {
    LoginThrottle throttle({.failures = 1, .refill_seconds = 60, .max_keys = 10});
    throttle.record_failure("k", t0);
    EXPECT_EQ(throttle.retry_after("k", t0 - 1000), 60);
}

TEST(LoginThrottle, MemoryIsBoundedAndThrottledKeysStay) {
    LoginThrottle throttle({.failures = 5, .refill_seconds = 900, .max_keys = 3});
    for (int i = 0; i < 5; ++i) throttle.record_failure("user:target", t0);
    // A flood of new keys may not push out the throttled one.
    for (int i = 0; i < 100; ++i) {
        throttle.record_failure("addr:" + std::to_string(i), t0 + 1);
        EXPECT_LE(throttle.size(), 3u);
    }
    EXPECT_GT(throttle.retry_after("user:target", t0 + 1), 0);
    // Refilled buckets are dropped first.
    throttle.record_failure("addr:late", t0 + 2000);
    EXPECT_LE(throttle.size(), 3u);
    EXPECT_EQ(throttle.retry_after("user:target", t0 + 2000), 0);
}

TEST(LoginThrottle, CountsEveryFailureUnderConcurrency) {
    constexpr int threads = 4;
    constexpr int failures_each = 250;
    LoginThrottle throttle({.failures = threads * failures_each, .refill_seconds = 1'000'000'000, .max_keys = 10});
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
        workers.emplace_back([&] {
            for (int k = 0; k < failures_each; ++k) throttle.record_failure("user:shared", t0);
        });
    }
    for (std::thread& worker : workers) worker.join();
    EXPECT_GT(throttle.retry_after("user:shared", t0), 0);
}

}  // namespace
}  // namespace wangge::auth
