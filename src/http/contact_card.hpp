#pragma once
// The public contact card of a grid (staff names, roles, duty, work phones,
// the days on duty of the posted 值班安排),
// shown to anonymous users by /lookup and the grids collection (DESIGN §6).

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wangge/model/snapshot.hpp"

namespace wangge::http::detail {

/// [{"name","role","duty","phone","duty_days"}…], A岗 first; duty_days is
/// Chinese text ("周一至周五") or null when not set.
[[nodiscard]] nlohmann::json contact_card(const model::Snapshot& snapshot, std::string_view grid_code);

/// Duty days as the JSON of the API: Chinese text, or null for none.
[[nodiscard]] nlohmann::json duty_days_json(std::uint8_t days);

}  // namespace wangge::http::detail
