#pragma once
// The synthetic city's boundaries: streets → communities → grids that tile
// their parents exactly.
//
// All borders come from one planar network of irregular street lines. Each
// border between two crossings is computed once (rounded to 1e-7 degrees) and
// reused, reversed, by the polygon on its other side; parents are chained from
// the same pieces. So neighbours share every vertex bit for bit and the sum of
// the children's areas equals the parent's.
//
// Thread safety: free functions on values; LocalFrame is immutable.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wangge/geo/types.hpp"
#include "wangge/model/entities.hpp"

namespace wangge::synth {

/// Equirectangular metres around an origin. At city scale it is accurate to
/// a few 1e-4 and, unlike a PROJ transform, cheap and bit-reproducible.
class LocalFrame {
public:
    explicit LocalFrame(geo::Point origin_lonlat) noexcept;
    /// Metres east/north of the origin to lon/lat rounded to 7 decimals (~1 cm).
    [[nodiscard]] geo::Point to_lonlat(double x, double y) const noexcept;
    [[nodiscard]] geo::Point to_metres(const geo::Point& lonlat) const noexcept;
    [[nodiscard]] double metres_per_degree_lon() const noexcept { return metres_per_degree_lon_; }
    [[nodiscard]] double metres_per_degree_lat() const noexcept { return metres_per_degree_lat_; }

private:
    geo::Point origin_;
    double metres_per_degree_lon_;
    double metres_per_degree_lat_;
};

struct LayoutParams {
    std::size_t grids = 100;                 ///< exact number of grid-level polygons
    std::uint64_t seed = 1;
    geo::Point centre{116.45, 39.90};        ///< lon/lat of the city centre
    double cell_size_m = 350.0;              ///< nominal street spacing; merged cells are twice as wide
    std::string county_code = "110105";      ///< 6 digits, prefix of every code
    model::Timestamp valid_from = 0;
};

/// Streets, then communities, then grids, each level ordered by code.
/// Codes follow DB11/T 2157-2023: county + 3 digits per level, numbered
/// west→east then north→south inside the parent.
/// Throws InputError for zero grids or more than 150000 (999 streets' worth).
[[nodiscard]] std::vector<model::Grid> build_layout(const LayoutParams& params);

/// A street of the network the layout is cut from, with an invented name
/// (…大街 and …街 east-west, …路 and …胡同 north-south).
struct Street {
    std::string name;
    bool main_road = false;
    /// lon/lat line strings: one, or several where its border jogs along a cross street.
    std::vector<std::vector<geo::Point>> lines;
};

/// The streets of build_layout(params): every grid border lies on one.
/// Throws InputError as build_layout does.
[[nodiscard]] std::vector<Street> build_streets(const LayoutParams& params);

/// The frame build_layout uses for `params` (for placing points in metres).
[[nodiscard]] LocalFrame layout_frame(const LayoutParams& params);

}  // namespace wangge::synth
