#pragma once
// Accounts, roles and scopes, and the principal a request acts as (DESIGN §6).
//
// Thread safety: plain values and pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/model/time.hpp"

namespace wangge::auth {

/// department: an account of a functional department (城管, 市场监管…, 吹哨报到)
/// that acknowledges and handles the cases dispatched to it (DESIGN §5).
enum class Role { admin, planner, supervisor, grid_worker, department };

/// "admin" / "planner" / "supervisor" / "grid_worker" / "department".
[[nodiscard]] std::string_view to_string(Role role) noexcept;
/// Parses the names above; nullopt for anything else.
[[nodiscard]] std::optional<Role> parse_role(std::string_view text) noexcept;

struct User {
    std::int64_t id = 0;
    std::string name{};
    Role role = Role::grid_worker;
    /// Scope as grid code prefixes: a grid_worker lists the grids whose
    /// residents they serve, a supervisor community or street codes. A code
    /// covers itself and every grid below it (its code is a prefix of theirs).
    /// Empty for admin and planner. A department account holds exactly one
    /// code here instead: its department's (workflow/departments.hpp), which
    /// covers no grid (department codes are letters, grid codes digits).
    std::vector<std::string> grid_codes{};
    std::optional<std::int64_t> staff_id{};  ///< link to model::Staff
    bool disabled = false;
    model::Timestamp created_at = 0;
    model::Timestamp updated_at = 0;
};

/// True when the user's scope covers `grid_code` (admins cover everything,
/// department accounts no grid: they reach cases by dispatch, not by area).
[[nodiscard]] bool covers(const User& user, std::string_view grid_code) noexcept;

/// Throws InputError unless the name is 1–64 characters of valid UTF-8 without
/// control characters, spaces or commas.
void check_user_name(std::string_view name);

/// "110105001001001,110105001001002" → codes; throws InputError on an empty
/// or non-alphanumeric code. Duplicates are dropped, order is kept.
[[nodiscard]] std::vector<std::string> parse_grid_codes(std::string_view comma_separated);

/// Throws InputError when the role and the scope do not fit together:
/// grid_worker and supervisor need at least one code, admin and planner none,
/// department exactly one (its department code).
void check_scope(Role role, const std::vector<std::string>& grid_codes);

/// Who a request acts as: nobody (anonymous) or a signed-in user.
struct Principal {
    std::optional<User> user{};

    [[nodiscard]] bool anonymous() const noexcept { return !user.has_value(); }
};

/// The department code of an enabled department account; empty for anyone else.
[[nodiscard]] std::string_view department_of(const Principal& principal) noexcept;

}  // namespace wangge::auth
