#pragma once
// A persistent (copy-on-write) vector: the rows of one layer of a Snapshot.
//
// Rows live in fixed-size chunks held by shared_ptr. Copying a Table copies
// the chunk pointers only (about 1000 for a million rows), and changing or
// appending a row copies the one chunk it lands in, so consecutive snapshot
// versions share every chunk a write did not touch (DESIGN §2: a write costs
// in proportion to what it changes). Positions are stable: rows are only
// replaced in place or appended, never removed.
//
// Chosen over a persistent tree (immer-style RRB vectors, not packaged for
// Debian 12): positions index many per-snapshot arrays (point indexes, tile
// indexes), a flat chunk table gives O(1) random access with one indirection,
// and a chunk of 1024 rows is cheap to copy (a few tens of microseconds).
// Chunks come from the table's ChunkPool (model/chunk_pool.hpp), on huge
// pages; copies of a table share it.
//
// Thread safety: a const Table may be read from any number of threads. A
// non-const Table is one thread's; it never changes a chunk another Table
// shares (it copies it first), so copies of it may be read meanwhile.

#include <cassert>
#include <cstddef>
#include <iterator>
#include <memory>
#include <vector>

#include "wangge/model/chunk_pool.hpp"

namespace wangge::model {

template <class T>
class Table {
public:
    static constexpr std::size_t chunk_bits = 10;
    static constexpr std::size_t chunk_size = std::size_t{1} << chunk_bits;

    class const_iterator {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using pointer = const T*;
        using reference = const T&;

        const_iterator() = default;
        const_iterator(const Table* table, std::size_t position) : table_(table), position_(position) {}

        reference operator*() const { return (*table_)[position_]; }
        pointer operator->() const { return &(*table_)[position_]; }
        reference operator[](difference_type n) const { return (*table_)[position_ + static_cast<std::size_t>(n)]; }
        const_iterator& operator++() { ++position_; return *this; }
        const_iterator operator++(int) { const_iterator old = *this; ++position_; return old; }
        const_iterator& operator--() { --position_; return *this; }
        const_iterator operator--(int) { const_iterator old = *this; --position_; return old; }
        const_iterator& operator+=(difference_type n) { position_ += static_cast<std::size_t>(n); return *this; }
        const_iterator& operator-=(difference_type n) { position_ -= static_cast<std::size_t>(n); return *this; }
        friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
        friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
        friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
        friend difference_type operator-(const const_iterator& a, const const_iterator& b) {
            return static_cast<difference_type>(a.position_) - static_cast<difference_type>(b.position_);
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) { return a.position_ == b.position_; }
        friend auto operator<=>(const const_iterator& a, const const_iterator& b) { return a.position_ <=> b.position_; }

        /// The row's position in the table.
        [[nodiscard]] std::size_t position() const noexcept { return position_; }

    private:
        const Table* table_ = nullptr;
        std::size_t position_ = 0;
    };
    using iterator = const_iterator;
    using value_type = T;
    using size_type = std::size_t;

    Table() = default;
    explicit Table(std::vector<T> rows) {
        size_ = rows.size();
        for (std::size_t begin = 0; begin < rows.size(); begin += chunk_size) {
            const std::size_t end = std::min(rows.size(), begin + chunk_size);
            std::shared_ptr<Chunk> chunk = new_chunk();
            for (std::size_t i = begin; i < end; ++i) chunk->push_back(std::move(rows[i]));
            chunks_.push_back(std::move(chunk));
        }
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] const T& operator[](std::size_t i) const noexcept {
        assert(i < size_);
        return (*chunks_[i >> chunk_bits])[i & (chunk_size - 1)];
    }
    [[nodiscard]] const T& front() const noexcept { return (*this)[0]; }
    [[nodiscard]] const T& back() const noexcept { return (*this)[size_ - 1]; }
    [[nodiscard]] const_iterator begin() const noexcept { return {this, 0}; }
    [[nodiscard]] const_iterator end() const noexcept { return {this, size_}; }

    /// Replaces the row at `i` (< size()).
    void set(std::size_t i, T row) { writable_chunk(i >> chunk_bits)[i & (chunk_size - 1)] = std::move(row); }

    void push_back(T row) { emplace_back() = std::move(row); }

    /// Appends a default row and returns it, to be filled in place (a store
    /// load: no row is moved).
    T& emplace_back() {
        if ((size_ & (chunk_size - 1)) == 0) chunks_.push_back(new_chunk());
        T& row = writable_chunk(chunks_.size() - 1).emplace_back();
        ++size_;
        return row;
    }

    /// True when both tables hold the very same chunks (no row differs).
    [[nodiscard]] bool shares_all(const Table& other) const noexcept {
        return size_ == other.size_ && chunks_ == other.chunks_;
    }

    [[nodiscard]] std::vector<T> to_vector() const { return std::vector<T>(begin(), end()); }

private:
    using Chunk = std::vector<T, ChunkAllocator<T>>;

    /// An empty chunk with room for chunk_size rows.
    std::shared_ptr<Chunk> new_chunk() {
        if (!pool_) pool_ = std::make_shared<ChunkPool>(chunk_size * sizeof(T));
        auto chunk = std::make_shared<Chunk>(ChunkAllocator<T>(pool_, chunk_size));
        chunk->reserve(chunk_size);
        return chunk;
    }
    Chunk& writable_chunk(std::size_t c) {
        std::shared_ptr<Chunk>& chunk = chunks_[c];
        if (chunk.use_count() > 1) {
            std::shared_ptr<Chunk> copy = new_chunk();
            copy->assign(chunk->begin(), chunk->end());
            chunk = std::move(copy);
        }
        return *chunk;
    }

    std::shared_ptr<ChunkPool> pool_;  // shared by the copies of this table
    std::vector<std::shared_ptr<Chunk>> chunks_;
    std::size_t size_ = 0;
};

}  // namespace wangge::model
