#pragma once
// A packed, read-only R-tree (Sort-Tile-Recursive bulk load), built once per snapshot.
//
// Thread safety: immutable after construction; any number of threads may query at once.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "wangge/geo/types.hpp"

namespace wangge::geo {

class PackedRTree {
public:
    static constexpr std::size_t default_node_size = 16;

    PackedRTree() = default;
    /// Indexes `items`; queries report positions in this span.
    explicit PackedRTree(std::span<const Box> items, std::size_t node_size = default_node_size);

    [[nodiscard]] std::size_t size() const noexcept { return item_count_; }
    [[nodiscard]] Box bounds() const noexcept { return boxes_.empty() ? Box{} : boxes_.back(); }

    /// Calls visit(item_index) for every item whose box intersects `box`;
    /// a visitor returning false stops the search.
    template <class Visitor>
    void query(const Box& box, Visitor&& visit) const {
        if (boxes_.empty()) return;
        std::vector<std::uint32_t> stack{static_cast<std::uint32_t>(boxes_.size() - 1)};
        while (!stack.empty()) {
            const std::uint32_t node = stack.back();
            stack.pop_back();
            if (!boxes_[node].intersects(box)) continue;
            if (node < item_count_) {
                if (!visit(static_cast<std::size_t>(ids_[node]))) return;
                continue;
            }
            const std::uint32_t first = ids_[node];
            const std::uint32_t last = std::min<std::uint32_t>(first + static_cast<std::uint32_t>(node_size_),
                                                               level_end(node));
            for (std::uint32_t child = first; child < last; ++child) stack.push_back(child);
        }
    }

    /// Items whose box contains `p`, visited as in query().
    template <class Visitor>
    void query(const Point& p, Visitor&& visit) const {
        query(Box{p.x, p.y, p.x, p.y}, std::forward<Visitor>(visit));
    }

private:
    /// End (exclusive) of the level that the children of `node` belong to.
    [[nodiscard]] std::uint32_t level_end(std::uint32_t node) const noexcept;

    std::size_t node_size_ = default_node_size;
    std::size_t item_count_ = 0;
    // Nodes of all levels, leaves first; for a leaf ids_ holds the item index,
    // for an inner node the position of its first child.
    std::vector<Box> boxes_;
    std::vector<std::uint32_t> ids_;
    std::vector<std::uint32_t> level_ends_;  // exclusive end of each level in boxes_
};

}  // namespace wangge::geo
