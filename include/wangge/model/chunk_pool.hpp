#pragma once
// Memory for the chunks of one Table (model/table.hpp), on transparent huge
// pages.
//
// Why: a city's rows are about 600 MB of 1024-row chunks (300 KB each).
// From malloc each chunk is a mapping of its own (or a piece of a thread
// arena), faulted in 4 KB at a time: at server start that was half of all
// page faults, and page faults were a quarter of the start's CPU on the
// (virtualised) 2-core machines we run on. The pool maps slabs of many
// chunks, asks for huge pages on them (MADV_HUGEPAGE: a no-op where THP is
// off), and keeps freed chunks for the next copy-on-write of a chunk, which
// then takes no page fault at all.
//
// Every block has the one size given at construction; slabs grow
// geometrically (1, 2, 4 … 64 blocks), so a table of a few rows maps a few
// hundred KB, not a slab of megabytes. Slabs are unmapped when the pool dies,
// which is when the last chunk allocated from it is freed (ChunkAllocator
// holds the pool).
//
// Thread safety: allocate() and deallocate() may be called from any thread.

#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace wangge::model {

class ChunkPool {
public:
    explicit ChunkPool(std::size_t block_bytes);
    ChunkPool(const ChunkPool&) = delete;
    ChunkPool& operator=(const ChunkPool&) = delete;
    ~ChunkPool();

    /// A block of block_bytes(), aligned for any object; throws std::bad_alloc.
    [[nodiscard]] void* allocate();
    /// Returns a block allocate() gave.
    void deallocate(void* block) noexcept;

    [[nodiscard]] std::size_t block_bytes() const noexcept { return block_bytes_; }
    /// Bytes mapped for blocks so far (used or free).
    [[nodiscard]] std::size_t mapped_bytes() const;

private:
    struct Slab {
        void* begin = nullptr;
        std::size_t bytes = 0;
    };

    std::size_t block_bytes_;
    mutable std::mutex mutex_;
    std::vector<Slab> slabs_;
    std::vector<void*> free_;  // freed blocks, reused last-in first-out (still faulted in)
    char* next_ = nullptr;     // the unused rest of the newest slab
    char* end_ = nullptr;
};

/// std::allocator for a Table's chunks: blocks of exactly `capacity` rows
/// come from a ChunkPool, any other size from operator new.
template <class T>
class ChunkAllocator {
public:
    using value_type = T;

    ChunkAllocator(std::shared_ptr<ChunkPool> pool, std::size_t capacity) noexcept
        : pool_(std::move(pool)), capacity_(capacity) {}
    template <class U>
    ChunkAllocator(const ChunkAllocator<U>& other) noexcept : pool_(other.pool_), capacity_(other.capacity_) {}

    [[nodiscard]] T* allocate(std::size_t n) {
        if (n == capacity_ && pool_) return static_cast<T*>(pool_->allocate());
        return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{alignof(T)}));
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (n == capacity_ && pool_) {
            pool_->deallocate(p);
        } else {
            ::operator delete(p, std::align_val_t{alignof(T)});
        }
    }

    template <class U>
    friend bool operator==(const ChunkAllocator& a, const ChunkAllocator<U>& b) noexcept {
        return a.pool_ == b.pool_ && a.capacity_ == b.capacity_;
    }

private:
    template <class U>
    friend class ChunkAllocator;
    std::shared_ptr<ChunkPool> pool_;
    std::size_t capacity_;
};

}  // namespace wangge::model
