#pragma once
// Household upkeep from the map (实时采集、动态管理; issue #15): grid workers
// add, edit and move out the households of their grids, every change kept as
// a version (store/household_versions.hpp), and the community's monthly
// change list (每月初上报上月的变更情况).
//
//   POST  /households                {"lon","lat","compound","building","unit",
//                                    "room","members","tags","head_name",
//                                    "id_number","phone","moved_in"}: a new
//                                    household; its grid comes from its
//                                    location (201)
//   PATCH /households/{id}           the given fields changed; a new location
//                                    re-derives the grid
//   POST  /households/{id}/move-out  {"date":"YYYY-MM-DD"} (today when absent):
//                                    迁出; the row stays for its history
//   GET   /households/{id}/history   its versions, oldest first
//   GET   /households/changes?month=YYYY-MM&area=CODE
//                                    the month's 新增、迁出、标签变化 (JSON)
//
// Writes need edit_households for the household's grid (for a move, both the
// old and the new one) and go through the Writer with their audit row and
// version, in one transaction; refusals are audited by the router's
// refused-write hook. A household that moved out is not edited again (409).
// Reads need read_household_personal: the history for the household's grid
// (refused outside it, audited), the change list record by record (lines of
// other grids are left out); every answer with personal fields is audited.
// A recent move-in makes the household a 五必访 (workflow/visits.hpp).
//
// Thread safety: the handlers keep no state; requests run concurrently.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "wangge/auth/user.hpp"
#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/http/writer.hpp"
#include "wangge/store/records.hpp"
#include "wangge/workflow/household_changes.hpp"

namespace wangge::http {

/// The household changes of a month that a caller may see, with the versions
/// its lines point into (so not copyable: the lines would dangle).
struct VisibleHouseholdChanges {
    VisibleHouseholdChanges() = default;
    VisibleHouseholdChanges(const VisibleHouseholdChanges&) = delete;
    VisibleHouseholdChanges& operator=(const VisibleHouseholdChanges&) = delete;

    std::vector<workflow::HouseholdChange> versions;
    workflow::MonthlyHouseholdChanges month;
};

/// The month's changes of households in `area` (a grid code prefix; all when
/// empty) whose grid `who` may read personal data of.
[[nodiscard]] std::unique_ptr<VisibleHouseholdChanges> visible_household_changes(
    const store::Records& records, const auth::Principal& who, const workflow::Month& month,
    std::string_view area);

void add_household_routes(Router& router, const State& state, Writer& writer, const AuthGate& gate,
                          const store::Records& records);

}  // namespace wangge::http
