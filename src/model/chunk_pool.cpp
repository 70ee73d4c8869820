#include "wangge/model/chunk_pool.hpp"

#include <sys/mman.h>

#include <algorithm>

namespace wangge::model {
namespace {

constexpr std::size_t block_alignment = 64;
constexpr std::size_t huge_page = std::size_t{2} << 20;
constexpr std::size_t max_blocks_per_slab = 64;

}  // namespace

ChunkPool::ChunkPool(std::size_t block_bytes)
    : block_bytes_((std::max<std::size_t>(block_bytes, 1) + block_alignment - 1) / block_alignment * block_alignment) {}

ChunkPool::~ChunkPool() {
    for (const Slab& slab : slabs_) munmap(slab.begin, slab.bytes);
}

void* ChunkPool::allocate() {
    const std::lock_guard lock(mutex_);
    if (!free_.empty()) {
        void* block = free_.back();
        free_.pop_back();
        return block;
    }
    if (next_ == end_) {
        const std::size_t blocks = std::min(max_blocks_per_slab, std::size_t{1} << std::min<std::size_t>(slabs_.size(), 6));
        const std::size_t bytes = blocks * block_bytes_;
        void* begin = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (begin == MAP_FAILED) throw std::bad_alloc();
        // Only a slab spanning whole huge pages can use them.
        if (bytes >= 2 * huge_page) madvise(begin, bytes, MADV_HUGEPAGE);
        slabs_.push_back({begin, bytes});
        next_ = static_cast<char*>(begin);
        end_ = next_ + bytes;
    }
    void* block = next_;
    next_ += block_bytes_;
    return block;
}

void ChunkPool::deallocate(void* block) noexcept {
    const std::lock_guard lock(mutex_);
    try {
        free_.push_back(block);
    } catch (const std::bad_alloc&) {
        // No room to remember it: the block stays mapped, unused, until the pool dies.
    }
}

std::size_t ChunkPool::mapped_bytes() const {
    const std::lock_guard lock(mutex_);
    std::size_t bytes = 0;
    for (const Slab& slab : slabs_) bytes += slab.bytes;
    return bytes;
}

}  // namespace wangge::model
