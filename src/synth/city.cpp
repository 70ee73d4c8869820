#include "wangge/synth/city.hpp"

#include <string>
#include <vector>

#include "grid_area.hpp"
#include "incidents.hpp"
#include "population.hpp"
#include "wangge/error.hpp"
#include "wangge/synth/layout.hpp"
#include "wangge/synth/random.hpp"

namespace wangge::synth {

namespace {
// Keeps a mistyped count from exhausting memory (a household takes ~300 bytes).
constexpr std::size_t max_rows = 50'000'000;
LayoutParams layout_params(const CityParams& params) {
    LayoutParams layout;
    layout.grids = params.grids;
    layout.seed = params.seed;
    layout.centre = params.centre;
    layout.cell_size_m = params.cell_size_m;
    layout.valid_from = default_layout_valid_from;
    return layout;
}

}  // namespace

std::vector<Street> city_streets(const CityParams& params) { return build_streets(layout_params(params)); }

model::Dataset generate_city(const CityParams& params, const Progress& progress) {
    for (const std::size_t count : {params.households, params.incidents, params.visits}) {
        if (count > max_rows) {
            throw InputError("synthetic city: at most " + std::to_string(max_rows) + " households, incidents or visits");
        }
    }
    const LayoutParams layout = layout_params(params);
    model::Dataset data;
    data.grids = build_layout(layout);
    if (progress) progress("grids", data.grids.size(), data.grids.size());

    const LocalFrame frame = layout_frame(layout);
    std::vector<detail::GridArea> areas;
    areas.reserve(params.grids);
    for (const model::Grid& grid : data.grids) {
        if (grid.level == model::GridLevel::grid) areas.emplace_back(grid, frame);
    }
    // Each stage draws from its own stream, so changing one count leaves the others' numbers alone.
    const Random root(params.seed);
    const detail::Duties duties = detail::add_staff(data, areas, root.fork(11));
    if (progress) progress("staff", data.staff.size(), data.staff.size());
    const auto household_grid =
        detail::add_households(data, areas, params.households, params.reference_time, root.fork(12), progress);
    detail::add_facilities(data, areas, root.fork(13));
    if (progress) progress("facilities", data.facilities.size(), data.facilities.size());
    detail::add_incidents(data, areas, duties, params, root.fork(14), progress);
    detail::add_visits(data, household_grid, duties, params, root.fork(15), progress);
    detail::add_organisations(data, areas, household_grid, root.fork(16));
    if (progress) progress("organisations", data.facilities.size(), data.facilities.size());
    return data;
}

}  // namespace wangge::synth
