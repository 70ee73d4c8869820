#include "wangge/auth/login_throttle.hpp"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "wangge/auth/token_buckets.hpp"
#include "wangge/error.hpp"

namespace wangge::auth {
namespace {

constexpr model::Timestamp t0 = 1'800'000'000;

TEST(LoginThrottle, BackOffDoublesAfterTheFreeFailures) {
    LoginThrottle throttle;  // 3 free, then 2 s, 4 s, 8 s … up to 15 min
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(throttle.retry_after("wang", "10.0.0.66", t0), 0);
        throttle.record_failure("wang", "10.0.0.66", t0);
    }
    EXPECT_EQ(throttle.retry_after("wang", "10.0.0.66", t0), 0);
    throttle.record_failure("wang", "10.0.0.66", t0);
    EXPECT_EQ(throttle.retry_after("wang", "10.0.0.66", t0), 2);
    throttle.record_failure("wang", "10.0.0.66", t0 + 2);
    EXPECT_EQ(throttle.retry_after("wang", "10.0.0.66", t0 + 2), 4);
    EXPECT_EQ(throttle.retry_after("wang", "10.0.0.66", t0 + 5), 1);
    for (int i = 0; i < 20; ++i) throttle.record_failure("wang", "10.0.0.66", t0 + 6);
    EXPECT_EQ(throttle.retry_after("wang", "10.0.0.66", t0 + 6), 15 * 60);
    // A success from the address clears it.
    throttle.record_success("wang", "10.0.0.66");
    EXPECT_EQ(throttle.retry_after("wang", "10.0.0.66", t0 + 6), 0);
}

TEST(LoginThrottle, AnotherAddressIsNeverLockedOut) {
    LoginThrottle throttle;
    for (int i = 0; i < 25; ++i) throttle.record_failure("admin", "203.0.113.9", t0);
    EXPECT_GT(throttle.retry_after("admin", "203.0.113.9", t0), 0);
    EXPECT_EQ(throttle.retry_after("admin", "10.0.0.7", t0), 0);
    EXPECT_EQ(throttle.retry_after("admin", "", t0), 0);
}

TEST(LoginThrottle, OneAddressHasABudgetOverAllAccounts) {
    LoginThrottle throttle({.free_failures = 3, .address_failures = 6, .address_refill_seconds = 60});
    for (int i = 0; i < 6; ++i) throttle.record_failure("user" + std::to_string(i), "10.0.0.66", t0);
    EXPECT_EQ(throttle.retry_after("fresh", "10.0.0.66", t0), 10);  // one failure back every 10 s
    EXPECT_EQ(throttle.retry_after("fresh", "10.0.0.67", t0), 0);
    EXPECT_EQ(throttle.retry_after("fresh", "10.0.0.66", t0 + 10), 0);
}

TEST(LoginThrottle, AQuietSpellStartsAfresh) {
    LoginThrottle throttle({.free_failures = 1, .first_backoff_seconds = 1, .max_backoff_seconds = 60});
    throttle.record_failure("wang", "a", t0);
    throttle.record_failure("wang", "a", t0);
    EXPECT_EQ(throttle.retry_after("wang", "a", t0), 1);
    throttle.record_failure("wang", "a", t0 + 61);
    EXPECT_EQ(throttle.retry_after("wang", "a", t0 + 61), 0);  // the first failure of a new count is free
}

TEST(LoginThrottle, ClockGoingBackDoesNotShortenTheWait) {
    LoginThrottle throttle({.free_failures = 0});
    throttle.record_failure("k", "a", t0);
    EXPECT_EQ(throttle.retry_after("k", "a", t0 - 1000), 2);
}

TEST(LoginThrottle, MemoryIsBoundedAndThrottledKeysStay) {
    LoginThrottle throttle({.free_failures = 0, .max_keys = 3});
    for (int i = 0; i < 5; ++i) throttle.record_failure("target", "10.0.0.1", t0);
    // A flood of new pairs may not push out the throttled one.
    for (int i = 0; i < 100; ++i) {
        throttle.record_failure("user", std::to_string(i), t0 + 1);
        EXPECT_LE(throttle.size(), 6u);  // 3 back-off entries + 3 address buckets
    }
    EXPECT_GT(throttle.retry_after("target", "10.0.0.1", t0 + 1), 0);
}

TEST(LoginThrottle, CountsEveryFailureUnderConcurrency) {
    constexpr int threads = 4;
    constexpr int failures_each = 10;
    LoginThrottle throttle({.free_failures = threads * failures_each - 1, .address_failures = 1000});
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
        workers.emplace_back([&] {
            for (int k = 0; k < failures_each; ++k) throttle.record_failure("shared", "a", t0);
        });
    }
    for (std::thread& worker : workers) worker.join();
    EXPECT_EQ(throttle.retry_after("shared", "a", t0), 2);
}

TEST(TokenBuckets, SpendAcquireAndWait) {
    TokenBuckets buckets({.capacity = 2, .refill_per_second = 0.5, .max_keys = 10});
    EXPECT_EQ(buckets.acquire("k", 0), 0);
    buckets.spend("k", 0);
    buckets.spend("k", 0);  // never below empty
    EXPECT_DOUBLE_EQ(buckets.wait("k", 0), 2);
    EXPECT_DOUBLE_EQ(buckets.acquire("k", 1), 1);
    EXPECT_EQ(buckets.acquire("k", 2), 0);
    EXPECT_EQ(buckets.wait("other", 0), 0);
    buckets.forget("k");
    EXPECT_EQ(buckets.size(), 0u);
    EXPECT_THROW(TokenBuckets({.capacity = 0.5}), InputError);
    EXPECT_THROW(TokenBuckets({.capacity = 1, .refill_per_second = 0}), InputError);
}

}  // namespace
}  // namespace wangge::auth
