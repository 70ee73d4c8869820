#include "wangge/geo/packed_rtree.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wangge::geo {

namespace {

double center_x(const Box& b) noexcept { return (b.min_x + b.max_x) / 2.0; }
double center_y(const Box& b) noexcept { return (b.min_y + b.max_y) / 2.0; }

/// Sort-Tile-Recursive order: vertical slices by x, each slice sorted by y.
/// Sorts (key, item) pairs side by side rather than items compared through
/// their boxes: at a million points the indirect compares were cache misses.
std::vector<std::uint32_t> str_order(std::span<const Box> boxes, std::size_t node_size) {
    struct Keyed {
        double key;
        std::uint32_t item;
        bool operator<(const Keyed& other) const noexcept {
            return key < other.key || (key == other.key && item < other.item);
        }
    };
    std::vector<Keyed> keyed(boxes.size());
    for (std::uint32_t i = 0; i < boxes.size(); ++i) keyed[i] = {center_x(boxes[i]), i};
    std::sort(keyed.begin(), keyed.end());
    const auto node_count = static_cast<double>((boxes.size() + node_size - 1) / node_size);
    const auto slice_count = static_cast<std::size_t>(std::ceil(std::sqrt(node_count)));
    const std::size_t slice_size = node_size * std::max<std::size_t>(1, (static_cast<std::size_t>(node_count) + slice_count - 1) / slice_count);
    for (Keyed& k : keyed) k.key = center_y(boxes[k.item]);
    for (std::size_t start = 0; start < keyed.size(); start += slice_size) {
        const auto end = keyed.begin() + static_cast<std::ptrdiff_t>(std::min(keyed.size(), start + slice_size));
        std::sort(keyed.begin() + static_cast<std::ptrdiff_t>(start), end);
    }
    std::vector<std::uint32_t> order(keyed.size());
    for (std::size_t i = 0; i < keyed.size(); ++i) order[i] = keyed[i].item;
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
