#pragma once
// Clipping geometry in tile pixel space to the buffered tile square, and
// snapping it to the integer grid of the MVT encoding.
//
// Crack-free borders depend on this: a border shared by two grids reaches
// here as the same vertices (in opposite order), and every intersection is
// computed from the segment's endpoints in a canonical order, so both sides
// get bit-identical clipped vertices and hence identical integer vertices.
//
// Thread safety: pure functions.

#include <cstdint>
#include <span>
#include <vector>

#include "wangge/geo/types.hpp"

namespace wangge::tiles {

struct PixelPoint {
    std::int32_t x = 0;
    std::int32_t y = 0;
    friend bool operator==(const PixelPoint&, const PixelPoint&) = default;
};

/// An open ring (the closing vertex is implied) in integer tile pixels.
using PixelRing = std::vector<PixelPoint>;
/// A line string in integer tile pixels.
using PixelLine = std::vector<PixelPoint>;

/// Sutherland–Hodgman clipping of open rings against a box. Good for
/// rendering: a concave ring leaving and re-entering the box keeps zero-area
/// connecting edges along the box border instead of splitting into parts.
/// Reuses its buffers from ring to ring, hence a class.
class RingClipper {
public:
    explicit RingClipper(const geo::Box& box) noexcept : box_(box) {}
    /// The clipped ring, valid until the next call; empty when nothing is left.
    [[nodiscard]] std::span<const geo::Point> clip(std::span<const geo::Point> ring);

private:
    geo::Box box_;
    std::vector<geo::Point> current_;
    std::vector<geo::Point> next_;
};

/// Clips a line string to a box (Liang–Barsky per segment): the pieces inside,
/// appended to `out` (a line leaving and re-entering the box gives two pieces).
void clip_line(std::span<const geo::Point> line, const geo::Box& box, std::vector<std::vector<geo::Point>>& out);

/// Rounds a line to integer pixels into `out`, dropping repeated vertices;
/// `out` is left empty when fewer than two distinct vertices remain.
void snap_line(std::span<const geo::Point> line, PixelLine& out);

/// Rounds an open ring to integer pixels into `out`, dropping repeated
/// vertices and spikes that fold back on themselves; `out` is left empty when
/// fewer than three vertices or no area remain (a degenerate ring).
void snap_ring(std::span<const geo::Point> ring, PixelRing& out);

/// Twice the signed area by the surveyor's formula in tile coordinates
/// (y down): positive means clockwise on screen, the MVT exterior ring order.
[[nodiscard]] std::int64_t twice_signed_area(const PixelRing& ring) noexcept;

/// True for a pixel position inside the tile grown by `buffer` on each side
/// (lower edges inclusive, upper exclusive, so neighbours never disagree).
[[nodiscard]] bool in_buffered_tile(const geo::Point& pixel, double extent, double buffer) noexcept;

/// The rounded pixel of a position (coordinates outside int32 are clamped).
[[nodiscard]] PixelPoint snap(const geo::Point& pixel) noexcept;

}  // namespace wangge::tiles
