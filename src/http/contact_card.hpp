#pragma once
// The public contact card of a grid (staff names, roles, duty, work phones),
// shown to anonymous users by /lookup and the grids collection (DESIGN §6).

#include <string_view>

#include <nlohmann/json.hpp>

#include "wangge/model/snapshot.hpp"

namespace wangge::http::detail {

/// [{"name","role","duty","phone"}…], A岗 first.
[[nodiscard]] nlohmann::json contact_card(const model::Snapshot& snapshot, std::string_view grid_code);

}  // namespace wangge::http::detail
