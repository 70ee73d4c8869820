#pragma once
// Incident counts in square Web Mercator cells for heat tiles.
//
// A heat tile at zoom z counts incidents in cells of level min(z + 6, 22)
// (64×64 cells of 64 tile pixels each), so a cell at zoom z is exactly four
// cells at zoom z + 1 and heat tiles nest. One ring of cells around the tile is
// counted as well: it is the 64-pixel buffer, and it keeps heatmap kernels
// seamless across tile edges.
//
// Speed without scanning incidents: for every second cell level L (6, 8, …,
// 22) the incidents are sorted by (cell at L, reported_at). A query cell is at
// most four cells of the next stored level, and the incidents of each are a
// run sorted by time, so a time window is two binary searches per stored cell.
// Only category/state filters look at single incidents, and only at those in
// the time window. Memory: 12 bytes per incident per stored level (~110 MB
// for 1M incidents).
//
// Thread safety: immutable after construction.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wangge/model/entities.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::tiles {

/// Which incidents a heat tile counts; unset fields do not filter.
struct HeatFilter {
    std::optional<model::Timestamp> from;  ///< reported_at >= from
    std::optional<model::Timestamp> to;    ///< reported_at < to
    std::optional<std::string> category;
    std::optional<std::string> state;
};

/// One non-empty heat cell: column and row at `level` in the world.
struct HeatCell {
    std::uint32_t column = 0;
    std::uint32_t row = 0;
    int level = 0;
    std::uint32_t count = 0;
    friend bool operator==(const HeatCell&, const HeatCell&) = default;
};

class HeatIndex {
public:
    static constexpr int cell_shift = 6;
    static constexpr int max_level = 22;

    HeatIndex() = default;
    template <class Incidents>
    explicit HeatIndex(const Incidents& incidents) {
        std::vector<const model::Incident*> rows;
        rows.reserve(incidents.size());
        for (const model::Incident& incident : incidents) rows.push_back(&incident);
        build(rows);
    }

    /// An incident that changed (`before` set) or was appended (`before` null).
    struct Change {
        std::uint32_t item = 0;
        const model::Incident* before = nullptr;
        const model::Incident* after = nullptr;
    };
    /// The index after `changes`, sharing the sorted levels of this one (the
    /// tile index rebuilds them once the overlay grows: model/live_indexes.hpp).
    /// Counts are exactly those of a full build.
    [[nodiscard]] HeatIndex next(std::span<const Change> changes) const;
    /// Incidents changed or appended since the full build.
    [[nodiscard]] std::size_t overlay_size() const noexcept { return added_.size(); }

    /// The cell level used for tiles at zoom z.
    [[nodiscard]] static int cell_level(int z) noexcept { return std::min(z + cell_shift, max_level); }

    /// Non-empty cells of the tile and its one-cell buffer ring matching `filter`.
    [[nodiscard]] std::vector<HeatCell> cells(const TileId& tile, const HeatFilter& filter) const;

private:
    /// What heat counts of one incident.
    struct Counted {
        std::uint32_t item = 0;
        std::uint64_t code = 0;  // Morton code of the location (32 bits per axis)
        model::Timestamp time = 0;
        std::string category;
        std::string state;
        friend bool operator==(const Counted&, const Counted&) = default;
    };
    [[nodiscard]] static Counted counted_as(std::uint32_t item, const model::Incident& incident);
    void build(std::span<const model::Incident* const> incidents);
    /// Adds the overlay's counts to `out` (the base cells of the tile) in the same order.
    void apply_overlay(const TileId& tile, const HeatFilter& filter, std::vector<HeatCell>& out) const;

    struct Level {
        int level = 0;
        std::vector<std::uint64_t> cells;   // sorted Morton codes of the non-empty cells (level bits)
        std::vector<std::uint32_t> starts;  // entries of cells[i] are [starts[i], starts[i + 1])
        std::vector<model::Timestamp> times;
        std::vector<std::uint32_t> attributes;  // category id << 16 | state id
    };
    struct Match;

    void count_range(const Level& stored, std::uint64_t first, std::uint64_t last, int level, const Match& match,
                     std::vector<HeatCell>& out) const;

    /// What the last full build counted, shared by the versions after it.
    struct Base {
        std::vector<std::string> categories;  // sorted; ids are positions
        std::vector<std::string> states;
        std::vector<Level> levels;  // levels 6, 8, …, 22
    };
    std::shared_ptr<const Base> base_ = std::make_shared<const Base>();
    std::vector<Counted> added_;    // sorted by item: incidents changed or appended since the build, as they are now
    std::vector<Counted> removed_;  // sorted by item: what the build counted of those changed
};

}  // namespace wangge::tiles
