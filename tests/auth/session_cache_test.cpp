#include "wangge/auth/session_cache.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace wangge::auth {
namespace {

constexpr model::Timestamp t0 = 1'800'000'000;

ActiveSession session_of(std::int64_t user_id, model::Timestamp expires_at) {
    return ActiveSession{User{.id = user_id, .name = "user" + std::to_string(user_id)}, expires_at};
}

TEST(SessionCache, FindsUnexpiredSessions) {
    SessionCache cache(10);
    cache.insert("a", session_of(1, t0 + 10), cache.epoch(), t0);
    ASSERT_TRUE(cache.find("a", t0 + 9));
    EXPECT_EQ(cache.find("a", t0 + 9)->name, "user1");
    EXPECT_FALSE(cache.find("a", t0 + 10));
    EXPECT_FALSE(cache.find("b", t0));
}

TEST(SessionCache, ErasesByTokenAndByUser) {
    SessionCache cache(10);
    cache.insert("a", session_of(1, t0 + 10), cache.epoch(), t0);
    cache.insert("b", session_of(1, t0 + 10), cache.epoch(), t0);
    cache.insert("c", session_of(2, t0 + 10), cache.epoch(), t0);
    cache.erase_token("c");
    EXPECT_FALSE(cache.find("c", t0));
    cache.erase_user(1);
    EXPECT_EQ(cache.size(), 0U);
}

TEST(SessionCache, AFillThatRacedWithARevocationIsDropped) {
    SessionCache cache(10);
    const std::uint64_t before_read = cache.epoch();
    cache.erase_user(1);  // revoked while the caller read the store
    cache.insert("a", session_of(1, t0 + 10), before_read, t0);
    EXPECT_FALSE(cache.find("a", t0));
    cache.insert("a", session_of(1, t0 + 10), cache.epoch(), t0);
    EXPECT_TRUE(cache.find("a", t0));
}

TEST(SessionCache, StaysWithinItsCapacity) {
    SessionCache cache(3);
    cache.insert("a", session_of(1, t0 + 1), cache.epoch(), t0);
    cache.insert("b", session_of(2, t0 + 100), cache.epoch(), t0);
    cache.insert("c", session_of(3, t0 + 100), cache.epoch(), t0);
    // Full: the expired session makes room.
    cache.insert("d", session_of(4, t0 + 100), cache.epoch(), t0 + 50);
    EXPECT_EQ(cache.size(), 3U);
    EXPECT_FALSE(cache.find("a", t0));
    EXPECT_TRUE(cache.find("d", t0));
    // Full of live sessions: starts over rather than growing.
    cache.insert("e", session_of(5, t0 + 100), cache.epoch(), t0 + 50);
    EXPECT_LE(cache.size(), 3U);
    EXPECT_TRUE(cache.find("e", t0));
    EXPECT_THROW(SessionCache(0), std::invalid_argument);
}

TEST(SessionCache, ManyThreadsReadWhileOthersRevoke) {
    SessionCache cache(1000);
    std::atomic<bool> stop = false;
    std::vector<std::thread> readers;
    std::atomic<std::size_t> lookups = 0;
    std::atomic<int> reading = 0;
    for (int r = 0; r < 4; ++r) {
        readers.emplace_back([&] {
            for (std::size_t i = 0; i == 0 || !stop; ++i) {
                // Whatever is found must be whole: the user that was inserted under that key.
                if (const auto user = cache.find("k" + std::to_string(i % 50), t0)) {
                    EXPECT_LT(user->id, 7);
                }
                ++lookups;
                if (i == 0) ++reading;
            }
        });
    }
    // Threads start late on a loaded machine: the writes begin once every reader reads.
    while (reading < 4) std::this_thread::yield();
    for (int i = 0; i < 2000; ++i) {
        cache.insert("k" + std::to_string(i % 50), session_of(i % 7, t0 + 10), cache.epoch(), t0);
        if (i % 10 == 0) cache.erase_user(i % 7);
        if (i % 100 == 0) cache.clear();
    }
    stop = true;
    for (std::thread& reader : readers) reader.join();
    EXPECT_LE(cache.size(), 50U);
    EXPECT_GT(lookups.load(), 0U);
}

}  // namespace
}  // namespace wangge::auth
