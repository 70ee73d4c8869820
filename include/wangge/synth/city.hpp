#pragma once
// The synthetic city of `wangge generate` (DESIGN §3): a realistic layout of
// streets, communities and grids with staff, households in residential
// compounds, facilities, incidents with hot spots and a year of time stamps,
// and visits. Benchmarks and tests run on it.
//
// Deterministic: the same CityParams give the same Dataset (own PRNG and
// distributions, no wall clock, single-threaded); coordinates are rounded to
// 1e-7 degrees, so only a differing C math library could change a vertex.
//
// Thread safety: generate_city is a pure function of its arguments.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "wangge/geo/types.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/synth/layout.hpp"

namespace wangge::synth {

/// 2026-11-25T00:00:00+08:00: the default end of the city's incident year.
inline constexpr model::Timestamp default_reference_time = 1'795'536'000;
/// 2026-01-01T00:00:00+08:00: when the generated layout comes into force.
inline constexpr model::Timestamp default_layout_valid_from = 1'767'196'800;

struct CityParams {
    std::size_t grids = 100;
    std::size_t households = 10'000;
    std::size_t incidents = 10'000;
    std::size_t visits = 0;
    bool incident_history = true;  ///< also generate incident_events
    std::uint64_t seed = 1;
    /// Incidents are reported in the 365 days before this time; nothing happens after it.
    model::Timestamp reference_time = default_reference_time;
    geo::Point centre{116.45, 39.90};
    double cell_size_m = 350.0;
};

/// Reports progress: stage (a layer name), items done, items in the stage.
using Progress = std::function<void(std::string_view stage, std::size_t done, std::size_t total)>;

/// Builds the whole city in memory. Every id is set (1, 2, … per layer) and
/// every grid_code is the grid whose polygon contains the point.
/// Throws InputError for parameters it cannot honour: zero or more than 150000
/// grids, more than 50 million households, incidents or visits.
[[nodiscard]] model::Dataset generate_city(const CityParams& params, const Progress& progress = {});

/// The streets generate_city(params)'s layout is cut from (build_streets).
[[nodiscard]] std::vector<Street> city_streets(const CityParams& params);

}  // namespace wangge::synth
