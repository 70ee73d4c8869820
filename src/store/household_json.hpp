#pragma once
// Household version rows (store/household_versions.hpp) as both stores
// write and read them: the household as JSON text in before/after.
//
// Private to the store module. Thread safety: a pure function.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/model/entities.hpp"
#include "wangge/store/store.hpp"
#include "wangge/workflow/household_changes.hpp"

namespace wangge::store::detail {

/// The whole row as JSON; invalid UTF-8 is replaced, not refused.
[[nodiscard]] std::string household_version_json(const model::Household& household);

/// The household of a before/after column; throws nlohmann::json::exception.
[[nodiscard]] model::Household household_from_version_json(std::string_view text);

/// A version from a row of (id, household_id, kind, at seconds, user, source,
/// before, after): row.int64(i), row.text(i), row.is_null(i).
template <class Row>
workflow::HouseholdChange household_change_of(const Row& row) {
    workflow::HouseholdChange change;
    change.id = row.int64(0);
    const auto kind = workflow::parse_household_change_kind(row.text(2));
    if (!kind) throw StoreError("household version " + std::to_string(change.id) + " has an unknown kind");
    change.kind = *kind;
    change.at = row.int64(3);
    change.user = std::string(row.text(4));
    change.source = std::string(row.text(5));
    try {
        if (!row.is_null(6)) change.before = household_from_version_json(row.text(6));
        change.after = household_from_version_json(row.text(7));
    } catch (const nlohmann::json::exception& e) {
        throw StoreError("household version " + std::to_string(change.id) + " is damaged: " + e.what());
    }
    return change;
}

}  // namespace wangge::store::detail
