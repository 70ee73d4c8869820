#pragma once
// Who may do what (DESIGN §6), as one table: for every action and role, the
// reach the role has — none, only records of grids in the user's scope, or all.
//
//   action                        anonymous grid_worker supervisor planner admin
//   read_grid_outlines            all       all         all        all     all
//   read_contact_cards            all       all         all        all     all
//   lookup                        all       all         all        all     all
//   validate_layout               -         all         all        all     all
//   read_households               -         all         all        all     all
//   read_household_personal       -         scoped      scoped     -       all
//   reveal_household_identifiers  -         scoped      scoped     -       all
//   read_facilities               -         all         all        all     all
//   read_incidents                -         all         all        all     all
//   read_heat_tiles               -         all         all        all     all
//   report_incident               -         scoped      scoped     -       all
//   handle_incident               -         scoped      scoped     -       all
//   record_visit                  -         scoped      scoped     -       all
//   read_statistics               -         scoped      scoped     all     all
//   edit_drafts                   -         -           -          all     all
//   publish_layout                -         -           -          all     all
//   import_data                   -         -           -          all     all
//   manage_users                  -         -           -          -       all
//   read_audit_log                -         -           -          -       all
//   read_staff                    -         -           all        all     all
//   assign_staff                  -         -           -          all     all
//   set_staff_leave               -         -           scoped     all     all
//   edit_households               -         scoped      scoped     -       all
//   read_basemap                  all       all         all        all     all
//
// A department account (吹哨报到) reaches read_grid_outlines, read_contact_cards,
// lookup, read_facilities and read_basemap (all) and handle_incident (scoped: the cases
// dispatched to its department, which the workflow routes check), nothing else.
//
// Households: every signed-in user sees location, address, grid and member
// count. The personal fields (head's name, ID number, phone, and the tags,
// which reveal disability, poverty or correction status) go only to users
// whose scope covers the household's grid, and to admins. Even for them,
// names, ID numbers and phones come masked (张*, 110105********1234,
// 138****5678) unless the request asks for them explicitly (reveal). The HTTP
// layer audit-logs every response that carries personal fields. Lists and
// tiles keep the households of other grids without their personal fields;
// one household asked for by id (its resident file) is refused outright
// (403 out_of_scope) to a scoped role whose scope misses its grid.
//
// Thread safety: pure functions.

#include <array>
#include <optional>
#include <string_view>

#include "wangge/auth/user.hpp"

namespace wangge::auth {

enum class Action {
    read_grid_outlines,
    read_contact_cards,
    lookup,
    validate_layout,
    read_households,
    read_household_personal,
    reveal_household_identifiers,
    read_facilities,
    read_incidents,
    read_heat_tiles,
    report_incident,
    handle_incident,
    record_visit,
    read_statistics,
    edit_drafts,
    publish_layout,
    import_data,  ///< upload a file into a layer (POST /import/{layer})
    manage_users,
    read_audit_log,
    read_staff,       ///< the staff list with duties and leave (GET /staff)
    assign_staff,     ///< a grid's AB岗 links (PUT /grids/{code}/staff)
    set_staff_leave,  ///< a person's leave; scoped: staff of the supervisor's grids
    edit_households,  ///< add, edit or move out a household (实时采集、动态管理)
    read_basemap,     ///< streets, compounds, buildings under the grids: public map data
};

inline constexpr std::array all_actions{
    Action::read_grid_outlines, Action::read_contact_cards,      Action::lookup,
    Action::validate_layout,    Action::read_households,         Action::read_household_personal,
    Action::reveal_household_identifiers, Action::read_facilities, Action::read_incidents,
    Action::read_heat_tiles,    Action::report_incident,         Action::handle_incident,
    Action::record_visit,       Action::read_statistics,         Action::edit_drafts,
    Action::publish_layout,     Action::import_data,             Action::manage_users,
    Action::read_audit_log,     Action::read_staff,              Action::assign_staff,
    Action::set_staff_leave,    Action::edit_households,         Action::read_basemap,
};

/// e.g. "read_household_personal".
[[nodiscard]] std::string_view to_string(Action action) noexcept;
[[nodiscard]] std::optional<Action> parse_action(std::string_view text) noexcept;

/// A table cell: which records of an action a role reaches.
enum class Reach { none, scoped, all };

/// Outcome of a check; the HTTP layer maps login_required to 401 and
/// forbidden / out_of_scope to 403.
enum class Decision { allowed, login_required, forbidden, out_of_scope };

[[nodiscard]] std::string_view to_string(Decision decision) noexcept;

/// The table cell for the principal's role (anonymous when signed out). A
/// disabled user reaches nothing beyond what anonymous does.
[[nodiscard]] Reach reach(const Principal& principal, Action action) noexcept;

/// True when anonymous callers reach every record of the action: handlers
/// need no session for it, and shared caches may keep its responses.
[[nodiscard]] bool is_public(Action action) noexcept;

/// May the principal use the action at all (an endpoint check)? Scoped reach
/// counts as allowed: the handler then filters records with the overload below.
[[nodiscard]] Decision decide(const Principal& principal, Action action) noexcept;

/// May the principal act on a record of grid `grid_code`?
[[nodiscard]] Decision decide(const Principal& principal, Action action, std::string_view grid_code) noexcept;

/// How much personal data of a household the principal gets.
enum class PersonalView {
    none,    ///< no personal fields, no tags
    masked,  ///< tags; name, ID number and phone masked
    full,    ///< everything (an explicit, audit-logged reveal)
};

/// The view for a household of grid `grid_code`; `reveal` is the request's
/// explicit ask for unmasked identifiers.
[[nodiscard]] PersonalView personal_view(const Principal& principal, std::string_view grid_code,
                                         bool reveal) noexcept;

}  // namespace wangge::auth
