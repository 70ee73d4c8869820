#include "wangge/geo/packed_rtree.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace wangge::geo {

namespace {

double center_x(const Box& b) noexcept { return (b.min_x + b.max_x) / 2.0; }
double center_y(const Box& b) noexcept { return (b.min_y + b.max_y) / 2.0; }

/// Sort-Tile-Recursive order: vertical slices by x, each slice sorted by y.
std::vector<std::uint32_t> str_order(std::span<const Box> boxes, std::size_t node_size) {
    std::vector<std::uint32_t> order(boxes.size());
    std::iota(order.begin(), order.end(), 0U);
    std::sort(order.begin(), order.end(),
              [&](std::uint32_t a, std::uint32_t b) { return center_x(boxes[a]) < center_x(boxes[b]); });
    const auto node_count = static_cast<double>((boxes.size() + node_size - 1) / node_size);
    const auto slice_count = static_cast<std::size_t>(std::ceil(std::sqrt(node_count)));
    const std::size_t slice_size = node_size * std::max<std::size_t>(1, (static_cast<std::size_t>(node_count) + slice_count - 1) / slice_count);
    for (std::size_t start = 0; start < order.size(); start += slice_size) {
        const auto end = order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), start + slice_size));
        std::sort(order.begin() + static_cast<std::ptrdiff_t>(start), end,
                  [&](std::uint32_t a, std::uint32_t b) { return center_y(boxes[a]) < center_y(boxes[b]); });
    }
    return order;
}

}  // namespace

PackedRTree::PackedRTree(std::span<const Box> items, std::size_t node_size)
    : node_size_(std::max<std::size_t>(2, node_size)), item_count_(items.size()) {
    if (items.size() >= std::size_t{1} << 31) throw std::length_error("PackedRTree: too many items");
    if (items.empty()) return;

    const std::vector<std::uint32_t> order = str_order(items, node_size_);
    boxes_.reserve(items.size() * node_size_ / (node_size_ - 1) + 1);
    ids_.reserve(boxes_.capacity());
    for (std::uint32_t item : order) {
        boxes_.push_back(items[item]);
        ids_.push_back(item);
    }
    level_ends_.push_back(static_cast<std::uint32_t>(boxes_.size()));

    // Each upper level groups node_size consecutive nodes of the level below;
    // the STR order keeps consecutive nodes spatially close.
    std::size_t level_start = 0;
    while (boxes_.size() - level_start > 1) {
        const std::size_t level_end = boxes_.size();
        for (std::size_t first = level_start; first < level_end; first += node_size_) {
            Box box;
            for (std::size_t child = first; child < std::min(level_end, first + node_size_); ++child) {
                box.expand(boxes_[child]);
            }
            boxes_.push_back(box);
            ids_.push_back(static_cast<std::uint32_t>(first));
        }
        level_start = level_end;
        level_ends_.push_back(static_cast<std::uint32_t>(boxes_.size()));
    }
}

std::uint32_t PackedRTree::level_end(std::uint32_t node) const noexcept {
    // Children of a node in level k live in level k-1.
    const std::uint32_t first_child = ids_[node];
    return *std::upper_bound(level_ends_.begin(), level_ends_.end(), first_child);
}

}  // namespace wangge::geo
