#pragma once
// Points sorted along a Morton (Z-order) curve of Web Mercator, so that every
// tile and every sub-tile cell is one contiguous run of the sorted array.
//
// Per-tile limits: below a layer's detail zoom, points are clustered into
// cells of 64×64 tile pixels (the buffer width): each non-empty cell yields one
// feature, placed at the cell's first point in Morton order, carrying the
// number of points in it. A tile with its buffer spans 66×66 cells, so it holds
// at most 4356 point features. Cells are global, so neighbouring tiles agree on
// every feature in their shared buffer. From the detail zoom on (a tile of at
// most ~2.4 km side at z14), every point is a feature.
//
// Thread safety: immutable after construction.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "wangge/geo/types.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::tiles {

/// A position in world coordinates quantised to 32 bits per axis.
[[nodiscard]] std::uint64_t morton_code(const geo::Point& world) noexcept;
/// The centre of the smallest Morton cell around a code, in world coordinates.
[[nodiscard]] geo::Point morton_point(std::uint64_t code) noexcept;

/// Column and row of a cell from its Morton code at the cell's own level.
struct MortonCell {
    std::uint32_t column = 0;
    std::uint32_t row = 0;
};
[[nodiscard]] MortonCell morton_decode(std::uint64_t code) noexcept;

/// The codes of Morton cells at `level` (0..32) cover [first, last] (inclusive).
struct MortonRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};
[[nodiscard]] MortonRange morton_cell_range(std::uint32_t column, std::uint32_t row, int level) noexcept;

/// Calls visit(column, row) for each cell at `level` = tile.z + cell_shift that
/// lies within `ring` cells of the tile's border on the outside (the buffer ring),
/// clipped to the world.
template <class Visitor>
void for_each_buffer_cell(const TileId& tile, int cell_shift, std::uint32_t ring, Visitor&& visit) {
    const std::int64_t per_tile = std::int64_t{1} << cell_shift;
    const std::int64_t world_cells = std::int64_t{1} << (tile.z + cell_shift);
    const std::int64_t first_column = std::int64_t{tile.x} * per_tile - ring;
    const std::int64_t first_row = std::int64_t{tile.y} * per_tile - ring;
    const std::int64_t end_column = std::int64_t{tile.x + 1} * per_tile + ring;
    const std::int64_t end_row = std::int64_t{tile.y + 1} * per_tile + ring;
    for (std::int64_t row = first_row; row < end_row; ++row) {
        if (row < 0 || row >= world_cells) continue;
        const bool inner_row = row >= first_row + ring && row < end_row - ring;
        for (std::int64_t column = first_column; column < end_column; ++column) {
            if (inner_row && column == first_column + ring) column = end_column - ring;  // skip the tile itself
            if (column < 0 || column >= world_cells) continue;
            visit(static_cast<std::uint32_t>(column), static_cast<std::uint32_t>(row));
        }
    }
}

class PointIndex {
public:
    /// Clustering cells are 2^cluster_shift times smaller than the tile (64 px).
    static constexpr int cluster_shift = 6;

    PointIndex() = default;
    /// Indexes lon/lat positions; visits report positions in this span.
    explicit PointIndex(std::span<const geo::Point> lonlats);
    /// Indexes `lonlats[i]` as item `items[i]` (the spans have one size):
    /// rows left out, such as households that moved out, are never visited.
    PointIndex(std::span<const geo::Point> lonlats, std::span<const std::uint32_t> items);

    /// A point that moved, was appended (`before` empty) or left the index
    /// (`after` empty).
    struct Move {
        std::uint32_t item = 0;
        std::optional<geo::Point> before;  ///< lon/lat
        std::optional<geo::Point> after;   ///< lon/lat
    };
    /// The index after `moves`, sharing the sorted arrays of this one (the
    /// tile index rebuilds them once the overlay grows: model/live_indexes.hpp).
    /// Visits are exactly those of a full build over the new positions.
    [[nodiscard]] PointIndex next(std::span<const Move> moves) const;
    /// Points moved or appended since the full build.
    [[nodiscard]] std::size_t overlay_size() const noexcept { return overlaid_.size(); }

    [[nodiscard]] std::size_t size() const noexcept {
        return (base_ ? base_->codes.size() : 0) + added_.size() - removed_.size();
    }

    /// Calls visit(item, count, world_position) for the features of a tile with
    /// its buffer: one per point from `detail_zoom` on (count 1), one per
    /// non-empty 64-pixel cell below it.
    template <class Visitor>
    void visit(const TileId& tile, int detail_zoom, Visitor&& visit) const {
        if (!base_) return;
        const bool clustered = tile.z < detail_zoom;
        const int level = tile.z + cluster_shift;
        const Run codes = base_->codes;
        if (overlay_touches(tile)) {
            visit_merged(morton_cell_range(tile.x, tile.y, tile.z), level, clustered, visit);
            for_each_buffer_cell(tile, cluster_shift, 1, [&](std::uint32_t column, std::uint32_t row) {
                visit_merged(morton_cell_range(column, row, level), level, clustered, visit);
            });
            return;
        }
        visit_range(run(morton_cell_range(tile.x, tile.y, tile.z), codes), base_->items.data() - 0, codes.data(), level,
                    clustered, visit);
        // Each buffer cell lies in one of the 8 neighbouring tiles: searching
        // the neighbour's short run of codes instead of the whole array keeps
        // the ~260 searches in cache.
        std::array<std::optional<Run>, 9> neighbours;
        for_each_buffer_cell(tile, cluster_shift, 1, [&](std::uint32_t column, std::uint32_t row) {
            const std::uint32_t tile_column = column >> cluster_shift;
            const std::uint32_t tile_row = row >> cluster_shift;
            // Unsigned wrap-around gives 0..2 for the columns and rows tile.x - 1 .. tile.x + 1.
            std::optional<Run>& neighbour = neighbours[(tile_row + 1 - tile.y) * 3 + (tile_column + 1 - tile.x)];
            if (!neighbour) neighbour = run(morton_cell_range(tile_column, tile_row, tile.z), codes);
            if (neighbour->empty()) return;
            visit_range(run(morton_cell_range(column, row, level), *neighbour), base_->items.data(), codes.data(),
                        level, clustered, visit);
        });
    }

private:
    /// Consecutive sorted codes.
    using Run = std::span<const std::uint64_t>;
    struct Sorted {
        std::vector<std::uint64_t> codes;  // sorted
        std::vector<std::uint32_t> items;  // item of each code
    };
    struct Entry {
        std::uint64_t code = 0;
        std::uint32_t item = 0;
        friend auto operator<=>(const Entry&, const Entry&) = default;
    };

    /// The codes of `codes` within a range.
    [[nodiscard]] static Run run(const MortonRange& range, Run codes) noexcept {
        const auto first = std::lower_bound(codes.begin(), codes.end(), range.first);
        const auto last = std::upper_bound(first, codes.end(), range.last);
        return {first, last};
    }

    /// `items` holds the item of each code of the array `origin` starts.
    template <class Visitor>
    static void visit_range(Run codes, const std::uint32_t* items, const std::uint64_t* origin, int level,
                            bool clustered, Visitor& visit) {
        auto it = codes.begin();
        const auto end = codes.end();
        const auto item = [&](auto at) { return items[static_cast<std::size_t>(&*at - origin)]; };
        if (!clustered) {
            for (; it != end; ++it) visit(item(it), std::size_t{1}, morton_point(*it));
            return;
        }
        const int shift = 64 - 2 * level;
        while (it != end) {
            const std::uint64_t cell_last = *it | ((std::uint64_t{1} << shift) - 1);
            const auto next = std::upper_bound(it, end, cell_last);
            visit(item(it), static_cast<std::size_t>(next - it), morton_point(*it));
            it = next;
        }
    }

    /// Whether a point moved or appended since the last full build lies in the tile or its 8 neighbours.
    [[nodiscard]] bool overlay_touches(const TileId& tile) const noexcept;
    /// The points of a range with the overlay applied, in (code, item) order.
    void collect(const MortonRange& range, std::vector<std::uint64_t>& codes, std::vector<std::uint32_t>& items) const;

    template <class Visitor>
    void visit_merged(const MortonRange& range, int level, bool clustered, Visitor& visit) const {
        std::vector<std::uint64_t> codes;
        std::vector<std::uint32_t> items;
        collect(range, codes, items);
        visit_range(codes, items.data(), codes.data(), level, clustered, visit);
    }

    std::shared_ptr<const Sorted> base_;
    std::vector<Entry> added_;    // sorted: the current entries of points moved or appended since the build
    std::vector<Entry> removed_;  // sorted: base entries of points moved since
    std::vector<std::uint32_t> overlaid_;  // sorted items of added_
};

}  // namespace wangge::tiles
