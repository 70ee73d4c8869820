#pragma once
// Enum ↔ name lookups over a constant table of pairs.
//
// Private to the auth module. Thread safety: pure functions.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace wangge::auth::detail {

template <class Enum, std::size_t N>
using EnumNames = std::array<std::pair<Enum, std::string_view>, N>;

template <class Enum, std::size_t N>
[[nodiscard]] constexpr std::string_view name_of(const EnumNames<Enum, N>& names, Enum value) noexcept {
    for (const auto& [candidate, name] : names) {
        if (candidate == value) return name;
    }
    return "unknown";
}

template <class Enum, std::size_t N>
[[nodiscard]] constexpr std::optional<Enum> value_of(const EnumNames<Enum, N>& names, std::string_view text) noexcept {
    for (const auto& [value, name] : names) {
        if (name == text) return value;
    }
    return std::nullopt;
}

}  // namespace wangge::auth::detail
