#include "wangge/tiles/point_index.hpp"

#include <algorithm>
#include <cmath>

namespace wangge::tiles {
namespace {

constexpr double axis_cells = 4294967296.0;  // 2^32

std::uint64_t spread_bits(std::uint64_t v) noexcept {
    v &= 0xFFFFFFFFull;
    v = (v | (v << 16)) & 0x0000FFFF0000FFFFull;
    v = (v | (v << 8)) & 0x00FF00FF00FF00FFull;
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0Full;
    v = (v | (v << 2)) & 0x3333333333333333ull;
    v = (v | (v << 1)) & 0x5555555555555555ull;
    return v;
}

std::uint32_t gather_bits(std::uint64_t v) noexcept {
    v &= 0x5555555555555555ull;
    v = (v | (v >> 1)) & 0x3333333333333333ull;
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0Full;
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FFull;
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFFull;
    v = (v | (v >> 16)) & 0x00000000FFFFFFFFull;
    return static_cast<std::uint32_t>(v);
}

std::uint64_t quantise(double v) noexcept {
    return static_cast<std::uint64_t>(std::clamp(std::floor(v * axis_cells), 0.0, axis_cells - 1.0));
}

}  // namespace

std::uint64_t morton_code(const geo::Point& world) noexcept {
    return spread_bits(quantise(world.x)) | (spread_bits(quantise(world.y)) << 1);
}

geo::Point morton_point(std::uint64_t code) noexcept {
    const MortonCell cell = morton_decode(code);
    return {(cell.column + 0.5) / axis_cells, (cell.row + 0.5) / axis_cells};
}

MortonCell morton_decode(std::uint64_t code) noexcept { return {gather_bits(code), gather_bits(code >> 1)}; }

MortonRange morton_cell_range(std::uint32_t column, std::uint32_t row, int level) noexcept {
    if (level == 0) return {0, ~std::uint64_t{0}};
    const int shift = 64 - 2 * level;
    const std::uint64_t prefix = spread_bits(column) | (spread_bits(row) << 1);
    const std::uint64_t first = prefix << shift;
    return {first, first | ((std::uint64_t{1} << shift) - 1)};
}

PointIndex::PointIndex(std::span<const geo::Point> lonlats) {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> sorted;
    sorted.reserve(lonlats.size());
    for (std::size_t i = 0; i < lonlats.size(); ++i) {
        sorted.emplace_back(morton_code(lonlat_to_world(lonlats[i])), static_cast<std::uint32_t>(i));
    }
    std::sort(sorted.begin(), sorted.end());
    codes_.reserve(sorted.size());
    items_.reserve(sorted.size());
    for (const auto& [code, item] : sorted) {
        codes_.push_back(code);
        items_.push_back(item);
    }
}

}  // namespace wangge::tiles
