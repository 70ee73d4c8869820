#include "wangge/model/entities.hpp"

#include <array>
#include <utility>

namespace wangge::model {

namespace {
constexpr std::array<std::pair<GridLevel, std::string_view>, 5> level_names{{
    {GridLevel::street, "street"},
    {GridLevel::community, "community"},
    {GridLevel::grid, "grid"},
    {GridLevel::subgrid, "subgrid"},
    {GridLevel::dedicated, "dedicated"},
}};
}  // namespace

std::string_view to_string(GridLevel level) noexcept {
    for (const auto& [value, name] : level_names) {
        if (value == level) return name;
    }
    return "grid";
}

std::optional<GridLevel> parse_grid_level(std::string_view text) noexcept {
    for (const auto& [value, name] : level_names) {
        if (name == text) return value;
    }
    return std::nullopt;
}

std::string_view to_string(Duty duty) noexcept { return duty == Duty::primary ? "A" : "B"; }

std::optional<Duty> parse_duty(std::string_view text) noexcept {
    if (text == "A") return Duty::primary;
    if (text == "B") return Duty::backup;
    return std::nullopt;
}

}  // namespace wangge::model
