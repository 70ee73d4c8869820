#include "wangge/auth/user.hpp"

#include <algorithm>

#include "enum_names.hpp"
#include "utf8.hpp"
#include "wangge/error.hpp"

namespace wangge::auth {

namespace {

constexpr detail::EnumNames<Role, 5> role_names{{
    {Role::admin, "admin"},
    {Role::planner, "planner"},
    {Role::supervisor, "supervisor"},
    {Role::grid_worker, "grid_worker"},
    {Role::department, "department"},
}};

constexpr std::size_t max_name_code_points = 64;
constexpr std::size_t max_grid_code_length = 32;

bool is_ascii_alphanumeric(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

}  // namespace

std::string_view to_string(Role role) noexcept { return detail::name_of(role_names, role); }

std::optional<Role> parse_role(std::string_view text) noexcept { return detail::value_of(role_names, text); }

bool covers(const User& user, std::string_view grid_code) noexcept {
    if (user.role == Role::admin) return true;
    if (user.role == Role::department) return false;
    return !grid_code.empty() && std::any_of(user.grid_codes.begin(), user.grid_codes.end(),
                                             [&](const std::string& code) { return grid_code.starts_with(code); });
}

void check_user_name(std::string_view name) {
    const auto characters = detail::split_utf8(name);
    if (!characters) throw InputError("user name is not valid UTF-8");
    if (characters->empty() || characters->size() > max_name_code_points) {
        throw InputError("user name must have 1 to " + std::to_string(max_name_code_points) + " characters");
    }
    if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == ',' || c == 0x7F; })) {
        throw InputError("user name must not contain spaces, commas or control characters");
    }
}

std::vector<std::string> parse_grid_codes(std::string_view comma_separated) {
    std::vector<std::string> codes;
    while (true) {
        const std::size_t comma = comma_separated.find(',');
        const std::string_view code = comma_separated.substr(0, comma);
        if (code.empty() || code.size() > max_grid_code_length ||
            !std::all_of(code.begin(), code.end(), is_ascii_alphanumeric)) {
            throw InputError("grid code '" + std::string(code) + "' must be 1 to " +
                             std::to_string(max_grid_code_length) + " letters or digits");
        }
        if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.emplace_back(code);
        if (comma == std::string_view::npos) return codes;
        comma_separated.remove_prefix(comma + 1);
    }
}

void check_scope(Role role, const std::vector<std::string>& grid_codes) {
    if (role == Role::department) {
        if (grid_codes.size() != 1) {
            throw InputError("role department needs exactly one department code (--grids chengguan)");
        }
        return;
    }
    const bool scoped = role == Role::grid_worker || role == Role::supervisor;
    if (scoped && grid_codes.empty()) {
        throw InputError("role " + std::string(to_string(role)) + " needs the grid codes of its scope (--grids)");
    }
    if (!scoped && !grid_codes.empty()) {
        throw InputError("role " + std::string(to_string(role)) + " has no grid scope; leave out --grids");
    }
}

std::string_view department_of(const Principal& principal) noexcept {
    const std::optional<User>& user = principal.user;
    if (!user || user->disabled || user->role != Role::department || user->grid_codes.size() != 1) return {};
    return user->grid_codes.front();
}

}  // namespace wangge::auth
