#pragma once
// Internal to the synth module: incidents with their history, and visits.

#include <cstdint>
#include <span>
#include <vector>

#include "grid_area.hpp"
#include "population.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/synth/city.hpp"
#include "wangge/synth/random.hpp"

namespace wangge::synth::detail {

/// Adds params.incidents incidents over the 365 days before params.reference_time:
/// mostly around Gaussian hot spots, the rest where people live; with seasonal
/// categories, daytime peaks, workflow states and (if asked) their event history.
void add_incidents(model::Dataset& data, std::span<const GridArea> grids, const Duties& duties, const CityParams& params,
                   Random random, const Progress& progress);

/// Adds params.visits visits in the 90 days before params.reference_time, each
/// by the A or B worker of the visited household's grid.
void add_visits(model::Dataset& data, const std::vector<std::uint32_t>& household_grid, const Duties& duties,
                const CityParams& params, Random random, const Progress& progress);

}  // namespace wangge::synth::detail
