#include "wangge/model/chunk_pool.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "wangge/model/table.hpp"

namespace wangge::model {
namespace {

TEST(ChunkPoolTest, BlocksAreDistinctAlignedAndWritable) {
    ChunkPool pool(1000);
    EXPECT_EQ(pool.block_bytes() % 64, 0u);
    EXPECT_GE(pool.block_bytes(), 1000u);
    std::set<void*> blocks;
    for (int i = 0; i < 300; ++i) {
        void* block = pool.allocate();
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(block) % 64, 0u);
        std::memset(block, i & 0xFF, pool.block_bytes());
        EXPECT_TRUE(blocks.insert(block).second) << "block given twice";
    }
    for (void* block : blocks) pool.deallocate(block);
}

TEST(ChunkPoolTest, SlabsGrowGeometricallySoASmallTableMapsLittle) {
    ChunkPool pool(4096);
    (void)pool.allocate();
    EXPECT_EQ(pool.mapped_bytes(), 4096u);  // one block, not a slab of megabytes
    for (int i = 0; i < 2; ++i) (void)pool.allocate();
    EXPECT_EQ(pool.mapped_bytes(), 3 * 4096u);  // slabs of 1 and 2 blocks
}

TEST(ChunkPoolTest, FreedBlocksAreReusedBeforeMappingMore) {
    ChunkPool pool(4096);
    std::vector<void*> blocks;
    for (int i = 0; i < 7; ++i) blocks.push_back(pool.allocate());  // slabs of 1, 2 and 4 blocks: full
    const std::size_t mapped = pool.mapped_bytes();
    pool.deallocate(blocks[3]);
    EXPECT_EQ(pool.allocate(), blocks[3]);
    EXPECT_EQ(pool.mapped_bytes(), mapped);
}

TEST(ChunkPoolTest, ThreadsAllocateAndFreeConcurrently) {
    ChunkPool pool(512);
    std::vector<std::thread> threads;
    std::vector<std::vector<void*>> kept(4);
    for (std::size_t t = 0; t < kept.size(); ++t) {
        threads.emplace_back([&pool, &mine = kept[t], t] {
            for (int i = 0; i < 2000; ++i) {
                void* block = pool.allocate();
                std::memset(block, static_cast<int>(t), pool.block_bytes());
                if (i % 2 == 0) {
                    pool.deallocate(block);
                } else {
                    mine.push_back(block);
                }
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    std::set<void*> distinct;
    for (std::size_t t = 0; t < kept.size(); ++t) {
        for (void* block : kept[t]) {
            EXPECT_TRUE(distinct.insert(block).second);
            EXPECT_EQ(*static_cast<unsigned char*>(block), t) << "a block another thread still held was handed out";
        }
    }
}

// A table's chunks live in its pool; a copy shares the pool and the rows,
// and a copy-on-write leaves the other table's rows as they were.
TEST(ChunkPoolTest, TableChunksOutliveTheTableThatMadeThem) {
    Table<std::string> copy;
    {
        Table<std::string> table;
        for (int i = 0; i < 5000; ++i) table.push_back("row " + std::to_string(i) + std::string(20, 'x'));
        copy = table;
        table.set(10, "changed");
        EXPECT_EQ(table[10], "changed");
        EXPECT_EQ(copy[10], "row 10" + std::string(20, 'x'));
    }
    ASSERT_EQ(copy.size(), 5000u);
    for (int i = 0; i < 5000; i += 997) EXPECT_EQ(copy[i], "row " + std::to_string(i) + std::string(20, 'x'));
    copy.push_back("appended");
    EXPECT_EQ(copy.back(), "appended");
}

}  // namespace
}  // namespace wangge::model
