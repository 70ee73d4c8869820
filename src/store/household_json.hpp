#pragma once
// A household as the JSON text of a household version's before/after column
// (store/household_versions.hpp), one encoding for both stores.
//
// Private to the store module. Thread safety: a pure function.

#include <string>

#include "wangge/model/entities.hpp"

namespace wangge::store::detail {

/// The whole row as JSON; invalid UTF-8 is replaced, not refused.
[[nodiscard]] std::string household_version_json(const model::Household& household);

}  // namespace wangge::store::detail
