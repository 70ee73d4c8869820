#include "wangge/http/event_stream.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace wangge::http::detail {
namespace {

TEST(BufferedSink, WakesOncePerBatchAndHandsOutEverythingInOrder) {
    int wakes = 0;
    BufferedSink sink(1024, [&wakes] { ++wakes; });
    sink.send("a");
    sink.send("");  // nothing to write, nothing to wake for
    sink.send("b");
    EXPECT_EQ(wakes, 1);
    EXPECT_EQ(sink.queued(), 2u);
    BufferedSink::Batch batch = sink.take();
    EXPECT_EQ(batch.bytes, "ab");
    EXPECT_FALSE(batch.closed);
    EXPECT_FALSE(batch.overflowed);
    EXPECT_EQ(sink.queued(), 2u);  // in flight until written
    sink.send("c");
    EXPECT_EQ(wakes, 2);
    sink.written(2);
    EXPECT_EQ(sink.queued(), 1u);
    EXPECT_EQ(sink.take().bytes, "c");
}

TEST(BufferedSink, CloseKeepsWhatIsQueuedAndRefusesMore) {
    int wakes = 0;
    BufferedSink sink(1024, [&wakes] { ++wakes; });
    sink.send("last words");
    sink.close();
    EXPECT_FALSE(sink.open());
    EXPECT_EQ(wakes, 2);
    sink.send("too late");
    sink.close();
    EXPECT_EQ(wakes, 2);
    const BufferedSink::Batch batch = sink.take();
    EXPECT_EQ(batch.bytes, "last words");
    EXPECT_TRUE(batch.closed);
}

TEST(BufferedSink, MoreThanTheLimitQueuedOrInFlightOverflows) {
    int wakes = 0;
    BufferedSink sink(10, [&wakes] { ++wakes; });
    sink.send("123456");
    (void)sink.take();  // 6 bytes in flight, the client not reading
    sink.send("1234");  // exactly at the limit: still fine
    EXPECT_TRUE(sink.open());
    sink.send("5");
    EXPECT_FALSE(sink.open());
    EXPECT_EQ(wakes, 3);
    const BufferedSink::Batch batch = sink.take();
    EXPECT_TRUE(batch.overflowed);
    EXPECT_TRUE(batch.bytes.empty());  // dropped: the connection is closed anyway
}

TEST(BufferedSink, DetachSilencesTheSinkForGood) {
    int wakes = 0;
    BufferedSink sink(1024, [&wakes] { ++wakes; });
    sink.detach();
    sink.send("x");
    sink.close();
    EXPECT_FALSE(sink.open());
    EXPECT_EQ(wakes, 0);
    EXPECT_EQ(sink.queued(), 0u);
}

TEST(BufferedSink, SendsFromManyThreadsAllArrive) {
    std::atomic<int> wakes = 0;
    BufferedSink sink(1 << 20, [&wakes] { ++wakes; });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&sink] {
            for (int i = 0; i < 1000; ++i) sink.send("x");
        });
    }
    std::size_t total = 0;
    while (total < 4000) total += sink.take().bytes.size();
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(total, 4000u);
    EXPECT_GE(wakes, 1);
}

}  // namespace
}  // namespace wangge::http::detail
