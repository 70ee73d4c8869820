#pragma once
// Household versions in the store (issue #15): the table `household_versions`
// of the GeoPackage file, beside the entity layers like the audit log and
// the case photos. One row per change of a household, with the whole row
// before and after it as JSON, so a household's history and the month's
// change list survive its move-out and any later edit:
//
//   household_versions(id INTEGER PRIMARY KEY, household_id, kind
//                      'added'|'edited'|'moved_out', at (seconds UTC), user,
//                      source, grid_code (after the change), before, after)
//
// Writes go through store::Batch::write_household, in the same
// transaction as the household row and its audit row; the first one creates
// the table. Reads open a read-only connection of their own (WAL: they never
// wait for a writer and see only committed versions); a file without the
// table has no versions.
//
// Thread safety: the functions are reentrant (a connection per call).

#include <cstdint>
#include <filesystem>
#include <vector>

#include "wangge/model/time.hpp"
#include "wangge/workflow/household_changes.hpp"

namespace wangge::store {

/// The versions of one household, oldest first.
[[nodiscard]] std::vector<workflow::HouseholdChange> household_history(const std::filesystem::path& store,
                                                                       std::int64_t household_id);

/// Every household version written in [from, until), oldest first.
[[nodiscard]] std::vector<workflow::HouseholdChange> household_versions_between(const std::filesystem::path& store,
                                                                                model::Timestamp from,
                                                                                model::Timestamp until);

}  // namespace wangge::store
