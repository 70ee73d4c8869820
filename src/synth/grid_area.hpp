#pragma once
// Internal to the synth module: a grid polygon prepared for placing points.

#include <optional>

#include "wangge/model/entities.hpp"
#include "wangge/synth/layout.hpp"
#include "wangge/synth/random.hpp"

namespace wangge::synth::detail {

/// Thread safety: immutable after construction; refers to the grid and frame it was built from.
class GridArea {
public:
    GridArea(const model::Grid& grid, const LocalFrame& frame);

    [[nodiscard]] const model::Grid& grid() const noexcept { return *grid_; }
    [[nodiscard]] const geo::Box& box() const noexcept { return box_; }

    /// Inside the polygon and at least `margin_m` from its border.
    [[nodiscard]] bool fits(const geo::Point& lonlat, double margin_m) const noexcept;
    /// A uniform point that fits, or nullopt after `attempts` misses.
    [[nodiscard]] std::optional<geo::Point> random_point(Random& random, double margin_m, int attempts = 200) const;
    /// Like random_point, trying smaller margins until one fits; falls back to a
    /// point just inside the first border segment.
    [[nodiscard]] geo::Point random_point_shrinking(Random& random, double margin_m) const;
    /// `lonlat` moved by metres east and north, rounded to 7 decimals like every stored coordinate.
    [[nodiscard]] geo::Point moved(const geo::Point& lonlat, double east_m, double north_m) const noexcept;

private:
    /// No border segment is closer than margin_m (early exit: most candidates fail or pass fast).
    [[nodiscard]] bool clear_of_border(const geo::Point& lonlat, double margin_m) const noexcept;

    const model::Grid* grid_;
    const LocalFrame* frame_;
    geo::Box box_;
};

}  // namespace wangge::synth::detail
