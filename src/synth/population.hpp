#pragma once
// Internal to the synth module: staff, households and facilities of the city.

#include <cstdint>
#include <span>
#include <vector>

#include "grid_area.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/synth/city.hpp"
#include "wangge/synth/random.hpp"

namespace wangge::synth::detail {

/// Who answers for each grid (by grid index): its A and B worker and its community head.
struct Duties {
    std::vector<std::int64_t> a_worker;
    std::vector<std::int64_t> b_worker;
    std::vector<std::int64_t> leader;
};

/// Adds staff and staff_grids: a 网格长 per community, a 专职网格员 (A) per grid,
/// a 兼职网格员 (B) for every three grids, a 楼栋长 per grid and a 志愿者 per community.
Duties add_staff(model::Dataset& data, std::span<const GridArea> grids, Random random);

/// Adds `count` households in residential compounds; returns each one's grid index.
std::vector<std::uint32_t> add_households(model::Dataset& data, std::span<const GridArea> grids, std::size_t count,
                                          model::Timestamp now, Random random, const Progress& progress);

/// Adds facilities: service centres per community, hydrants and shops per grid,
/// schools, kindergartens, shelters and markets spread over each street.
void add_facilities(model::Dataset& data, std::span<const GridArea> grids, Random random);

/// Adds organisations to the places layer, each with a contact: a 网格党支部
/// per grid, one or two 社会组织 and up to two 企业 per community, and per
/// compound (by `household_grid`, each household's grid index) most often a
/// 物业, sometimes a 业委会 and a 党群微家 serving it.
void add_organisations(model::Dataset& data, std::span<const GridArea> grids,
                       std::span<const std::uint32_t> household_grid, Random random);

/// Tags whose households belong to the 五必访 visits.
[[nodiscard]] bool needs_must_visit(const model::Household& household) noexcept;

}  // namespace wangge::synth::detail
