#include "wangge/tiles/tile_cache.hpp"

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tile_fixture.hpp"

using namespace wangge;
using namespace wangge::tiles;

namespace {

TileKey key_at(std::uint32_t x, std::uint64_t version = 1) { return {Layer::grids, {14, x, 6208}, version}; }

/// Bytes that tell which key they belong to.
std::string bytes_for(const TileKey& key, std::size_t size) {
    std::string bytes = std::to_string(key.tile.x) + "@" + std::to_string(key.version) + ":";
    bytes.resize(std::max(size, bytes.size()), 'x');
    return bytes;
}

EncodedTile encoded(std::string bytes) { return EncodedTile{std::move(bytes), {}}; }
SharedTile shared(std::string bytes) { return std::make_shared<const EncodedTile>(encoded(std::move(bytes))); }

}  // namespace

TEST(TileCache, RendersOnceThenServesTheStoredBytes) {
    TileCache cache;
    int renders = 0;
    const auto render = [&] {
        ++renders;
        return encoded("tile");
    };
    const SharedTile first = cache.get_or_render(key_at(1), render);
    const SharedTile second = cache.get_or_render(key_at(1), render);
    EXPECT_EQ(renders, 1);
    EXPECT_EQ(first.get(), second.get());
    EXPECT_EQ(second->mvt, "tile");
    // Another layer, tile or version is another entry.
    (void)cache.get_or_render({Layer::facilities, {14, 1, 6208}, 1}, render);
    (void)cache.get_or_render({Layer::grids, {15, 1, 6208}, 1}, render);
    EXPECT_EQ(renders, 3);
    const TileCache::Stats stats = cache.stats();
    EXPECT_EQ(stats.hits, 1U);
    EXPECT_EQ(stats.misses, 3U);
    EXPECT_EQ(stats.entries, 3U);
    EXPECT_EQ(stats.bytes, 3 * (4 + TileCache::entry_overhead_bytes));
}

TEST(TileCache, EvictsTheLeastRecentlyUsedByBytes) {
    constexpr std::size_t tile_size = 1000;
    TileCache cache(3 * (tile_size + TileCache::entry_overhead_bytes));
    for (std::uint32_t x = 1; x <= 3; ++x) cache.insert(key_at(x), shared(bytes_for(key_at(x), tile_size)));
    ASSERT_NE(cache.find(key_at(1)), nullptr);  // 1 is now the most recent, 2 the least
    cache.insert(key_at(4), shared(bytes_for(key_at(4), tile_size)));
    EXPECT_EQ(cache.find(key_at(2)), nullptr);
    for (const std::uint32_t x : {1U, 3U, 4U}) {
        const SharedTile tile = cache.find(key_at(x));
        ASSERT_NE(tile, nullptr) << x;
        EXPECT_EQ(tile->mvt, bytes_for(key_at(x), tile_size));
    }
    EXPECT_EQ(cache.stats().evictions, 1U);
    EXPECT_LE(cache.stats().bytes, cache.budget_bytes());
}

TEST(TileCache, KeepsNothingLargerThanTheBudgetAndNothingWithoutOne) {
    TileCache small(100);
    small.insert(key_at(1), shared(std::string(100, 'x')));
    EXPECT_EQ(small.find(key_at(1)), nullptr);
    TileCache disabled(0);
    int renders = 0;
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(disabled.get_or_render(key_at(1), [&] { return encoded(std::string(++renders, 'x')); })->mvt,
                  std::string(i + 1, 'x'));
    }
    EXPECT_EQ(disabled.stats().entries, 0U);
}

TEST(TileCache, ANewerVersionOfATileReplacesTheOlderOneOnly) {
    TileCache cache;
    cache.insert(key_at(1, 5), shared("v5"));
    cache.insert(key_at(2, 3), shared("v3"));
    const SharedTile held = cache.find(key_at(1, 5));
    cache.insert(key_at(1, 6), shared("v6"));
    EXPECT_EQ(cache.find(key_at(1, 5)), nullptr);
    EXPECT_EQ(cache.find(key_at(1, 6))->mvt, "v6");
    EXPECT_EQ(held->mvt, "v5");  // still valid for the request that holds it
    // Another tile keeps its own, older version: a change elsewhere does not touch it.
    EXPECT_EQ(cache.find(key_at(2, 3))->mvt, "v3");
    // A request still on an older version of a tile does not replace the newer one.
    cache.insert(key_at(1, 5), shared("v5"));
    EXPECT_EQ(cache.find(key_at(1, 6))->mvt, "v6");
    EXPECT_EQ(cache.find(key_at(1, 5)), nullptr);
    EXPECT_EQ(cache.stats().entries, 2U);
    EXPECT_EQ(cache.stats().bytes, 4 + 2 * TileCache::entry_overhead_bytes);
}

TEST(TileCache, ManyThreadsGetTheRightBytesWithinTheBudget) {
    constexpr std::size_t tile_size = 500;
    TileCache cache(20 * (tile_size + TileCache::entry_overhead_bytes));  // fewer than the keys: evictions race hits
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                // Versions rise over time, as published snapshots do.
                // Each thread asks a tile four times running (hits) while others evict.
                const TileKey key = key_at(static_cast<std::uint32_t>((i / 4 * 7 + t) % 50), static_cast<std::uint64_t>(i / 500));
                const SharedTile tile = cache.get_or_render(key, [&] { return encoded(bytes_for(key, tile_size)); });
                if (tile->mvt != bytes_for(key, tile_size)) ++wrong;
                if (i % 100 == 0) (void)cache.stats();
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(wrong.load(), 0);
    const TileCache::Stats stats = cache.stats();
    EXPECT_LE(stats.bytes, cache.budget_bytes());
    EXPECT_EQ(stats.bytes, stats.entries * (tile_size + TileCache::entry_overhead_bytes));
    EXPECT_EQ(stats.hits + stats.misses, 6U * 2000U);
    EXPECT_GT(stats.hits, 0U);
}

TEST(TileCache, StoresWhatTheTileIndexRenders) {
    const auto snapshot = model::Snapshot::build(test::community(), 3);
    const TileIndex index(*snapshot);
    TileCache cache;
    TileQuery query;
    query.layer = Layer::grids;
    query.tile = tile_containing({test::middle, (test::south + test::north) / 2.0}, 14);
    const TileKey key{query.layer, query.tile, index.version()};
    const std::string rendered = index.render(query);
    ASSERT_FALSE(rendered.empty());
    EXPECT_TRUE(is_cacheable(query));
    EXPECT_EQ(cache.get_or_render(key, [&] { return encoded(index.render(query)); })->mvt, rendered);
    EXPECT_EQ(cache.get_or_render(key, [] { return encoded("not rendered again"); })->mvt, rendered);
}

TEST(TileCache, CachesOnlyTilesTheSameForEveryCaller) {
    TileQuery query;
    for (const Layer layer : {Layer::grids, Layer::facilities, Layer::households}) {
        query.layer = layer;
        EXPECT_TRUE(is_cacheable(query)) << to_string(layer);
    }
    query.include_tags = true;
    EXPECT_FALSE(is_cacheable(query));
    query.include_tags = false;
    query.show_tags = [](const model::Household&) { return false; };
    EXPECT_FALSE(is_cacheable(query));
    query.layer = Layer::heat;
    EXPECT_FALSE(is_cacheable(query));
    // Incidents: only with the lights of a minute's start, which the key names.
    query.layer = Layer::incidents;
    query.now = 1'764'900'000;  // a whole minute
    EXPECT_TRUE(is_cacheable(query));
    query.now += 7;
    EXPECT_FALSE(is_cacheable(query));
}

TEST(TileCache, IncidentTilesOfAnotherMinuteAreAnotherRender) {
    TileCache cache;
    const TileKey at_10{Layer::incidents, {14, 3, 6208}, 4, 10};
    const TileKey at_11{Layer::incidents, {14, 3, 6208}, 4, 11};
    const TileKey newer_at_10{Layer::incidents, {14, 3, 6208}, 5, 10};
    cache.insert(at_10, shared("lights at 10"));
    EXPECT_EQ(cache.find(at_11), nullptr);
    cache.insert(at_11, shared("lights at 11"));
    EXPECT_EQ(cache.find(at_10), nullptr);
    // A request that read the clock a moment earlier does not put back the older minute.
    cache.insert(at_10, shared("lights at 10"));
    EXPECT_EQ(cache.find(at_11)->mvt, "lights at 11");
    // A newer version of the tile is fresher whatever minute its request read.
    cache.insert(newer_at_10, shared("after a write"));
    EXPECT_EQ(cache.find(newer_at_10)->mvt, "after a write");
    EXPECT_EQ(cache.stats().entries, 1U);
}

TEST(TileCache, ConcurrentMissesOfATileRenderOnce) {
    TileCache cache;
    std::atomic<int> renders{0};
    std::atomic<bool> release{false};
    const auto slow_render = [&] {
        ++renders;
        while (!release) std::this_thread::yield();
        return EncodedTile{"tile", "gzipped"};
    };
    std::vector<std::thread> threads;
    std::atomic<int> right{0};
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&] {
            if (cache.get_or_render(key_at(1), slow_render)->gzipped == "gzipped") ++right;
        });
    }
    // Every thread has missed before the render ends.
    while (cache.stats().misses < 6) std::this_thread::yield();
    release = true;
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(renders.load(), 1);
    EXPECT_EQ(right.load(), 6);
    EXPECT_EQ(cache.stats().renders, 1U);
    EXPECT_EQ(cache.stats().bytes, 4 + 7 + TileCache::entry_overhead_bytes);  // both encodings count
}

TEST(TileCache, AFailedRenderFailsItsWaitersAndIsTriedAgain) {
    TileCache cache;
    EXPECT_THROW((void)cache.get_or_render(key_at(1), []() -> EncodedTile { throw std::runtime_error("no"); }),
                 std::runtime_error);
    EXPECT_EQ(cache.get_or_render(key_at(1), [] { return encoded("second try"); })->mvt, "second try");
}
