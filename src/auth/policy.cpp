#include "wangge/auth/policy.hpp"

#include <utility>

#include "enum_names.hpp"

namespace wangge::auth {

namespace {

/// Reach by role, in the column order of the table in policy.hpp.
struct Row {
    Action action;
    std::string_view name;
    Reach anonymous, grid_worker, supervisor, planner, admin;
};

constexpr Reach o = Reach::none;
constexpr Reach s = Reach::scoped;
constexpr Reach a = Reach::all;

constexpr std::array<Row, all_actions.size()> table{{
    {Action::read_grid_outlines, "read_grid_outlines", a, a, a, a, a},
    {Action::read_contact_cards, "read_contact_cards", a, a, a, a, a},
    {Action::lookup, "lookup", a, a, a, a, a},
    {Action::validate_layout, "validate_layout", o, a, a, a, a},
    {Action::read_households, "read_households", o, a, a, a, a},
    {Action::read_household_personal, "read_household_personal", o, s, s, o, a},
    {Action::reveal_household_identifiers, "reveal_household_identifiers", o, s, s, o, a},
    {Action::read_facilities, "read_facilities", o, a, a, a, a},
    {Action::read_incidents, "read_incidents", o, a, a, a, a},
    {Action::read_heat_tiles, "read_heat_tiles", o, a, a, a, a},
    {Action::report_incident, "report_incident", o, s, s, o, a},
    {Action::handle_incident, "handle_incident", o, s, s, o, a},
    {Action::record_visit, "record_visit", o, s, s, o, a},
    {Action::read_statistics, "read_statistics", o, s, s, a, a},
    {Action::edit_drafts, "edit_drafts", o, o, o, a, a},
    {Action::publish_layout, "publish_layout", o, o, o, a, a},
    {Action::import_data, "import_data", o, o, o, a, a},
    {Action::manage_users, "manage_users", o, o, o, o, a},
    {Action::read_audit_log, "read_audit_log", o, o, o, o, a},
    {Action::read_staff, "read_staff", o, o, a, a, a},
    {Action::assign_staff, "assign_staff", o, o, o, a, a},
    {Action::set_staff_leave, "set_staff_leave", o, o, s, a, a},
    {Action::edit_households, "edit_households", o, s, s, o, a},
    {Action::read_basemap, "read_basemap", a, a, a, a, a},
}};

constexpr bool table_in_enum_order() {
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (table[i].action != all_actions[i] || static_cast<std::size_t>(table[i].action) != i) return false;
    }
    return true;
}
static_assert(table_in_enum_order(), "one row per action, in the order of the enum");

constexpr detail::EnumNames<Decision, 4> decision_names{{
    {Decision::allowed, "allowed"},
    {Decision::login_required, "login_required"},
    {Decision::forbidden, "forbidden"},
    {Decision::out_of_scope, "out_of_scope"},
}};

const Row& row_of(Action action) noexcept { return table[static_cast<std::size_t>(action)]; }

// Department accounts (吹哨报到) in a list of their own rather than a column
// of the table: they reach only these, everything else is none. Their cases
// are those dispatched to their department, not a grid area, so
// handle_incident is scoped and the workflow routes check the dispatch
// (a grid check always fails for them: covers() is false). Households,
// incident lists and heat maps stay closed to them.
constexpr std::array<std::pair<Action, Reach>, 6> department_reach{{
    {Action::read_grid_outlines, a},
    {Action::read_contact_cards, a},
    {Action::lookup, a},
    {Action::read_facilities, a},
    {Action::handle_incident, s},
    {Action::read_basemap, a},
}};

Reach reach_of_department(Action action) noexcept {
    for (const auto& [listed, reach] : department_reach) {
        if (listed == action) return reach;
    }
    return o;
}

bool signed_in(const Principal& principal) noexcept { return principal.user && !principal.user->disabled; }

}  // namespace

std::string_view to_string(Action action) noexcept { return row_of(action).name; }

std::optional<Action> parse_action(std::string_view text) noexcept {
    for (const Row& row : table) {
        if (row.name == text) return row.action;
    }
    return std::nullopt;
}

std::string_view to_string(Decision decision) noexcept { return detail::name_of(decision_names, decision); }

Reach reach(const Principal& principal, Action action) noexcept {
    const Row& row = row_of(action);
    if (!signed_in(principal)) return row.anonymous;
    switch (principal.user->role) {
        case Role::grid_worker: return row.grid_worker;
        case Role::supervisor: return row.supervisor;
        case Role::planner: return row.planner;
        case Role::admin: return row.admin;
        case Role::department: return reach_of_department(action);
    }
    return Reach::none;
}

bool is_public(Action action) noexcept { return row_of(action).anonymous == Reach::all; }

Decision decide(const Principal& principal, Action action) noexcept {
    if (reach(principal, action) != Reach::none) return Decision::allowed;
    return signed_in(principal) ? Decision::forbidden : Decision::login_required;
}

Decision decide(const Principal& principal, Action action, std::string_view grid_code) noexcept {
    const Decision overall = decide(principal, action);
    if (overall != Decision::allowed) return overall;
    if (reach(principal, action) == Reach::all || covers(*principal.user, grid_code)) return Decision::allowed;
    return Decision::out_of_scope;
}

PersonalView personal_view(const Principal& principal, std::string_view grid_code, bool reveal) noexcept {
    if (decide(principal, Action::read_household_personal, grid_code) != Decision::allowed) return PersonalView::none;
    if (reveal && decide(principal, Action::reveal_household_identifiers, grid_code) == Decision::allowed) {
        return PersonalView::full;
    }
    return PersonalView::masked;
}

}  // namespace wangge::auth
