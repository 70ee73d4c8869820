#pragma once
// The incident state machine of GB/T 30428 (DESIGN §5).
//
//   reported 上报 → filed 立案 → dispatched 派遣 → in_progress 处置 → resolved 处置反馈
//     → verified 核查 → closed 结案
//
// Side transitions: return 退回 (resolved/verified → returned, then dispatched
// again; counts as rework 返工), void 作废 (reported/filed → voided), extend 延期
// (dispatched/in_progress, the state stays and the deadline moves), suspend 挂起
// (dispatched/in_progress → suspended) and resume (suspended → the state before).
// Extend and suspend need an approver and a reason; return and void a reason.
//
// Who may do what (transition_rules() is the table itself):
//
//   action   from                    to            grid_worker supervisor admin
//   file     reported                filed                         ✓        ✓
//   void     reported, filed         voided                        ✓        ✓
//   dispatch filed, returned         dispatched                    ✓        ✓
//   accept   dispatched              in_progress        ✓          ✓        ✓
//   resolve  in_progress             resolved           ✓          ✓        ✓
//   verify   resolved                verified           ✓          ✓        ✓
//   return   resolved                returned           ✓          ✓        ✓
//   return   verified                returned                      ✓        ✓
//   close    verified                closed                        ✓        ✓
//   extend   dispatched, in_progress (unchanged)                   ✓        ✓
//   suspend  dispatched, in_progress suspended                     ✓        ✓
//   resume   suspended               (state before)                ✓        ✓
//
// The department step (吹哨报到, departments.hpp), with the department role:
//
//   action              from                         to           worker supervisor admin department
//   dispatch_department filed, returned, dispatched, dispatched              ✓        ✓
//                       in_progress
//   acknowledge 报到    dispatched (at a department) in_progress                      ✓      ✓
//   resolve             in_progress                  resolved      ✓      ✓        ✓      ✓
//
// While a case is at a department (its assignee is "department:<code>") it
// is acknowledged, not accepted, and only the department or an admin
// resolves it; a department account makes no other transition, and none on
// a case not at a department. dispatch_department needs a reason (why the
// community cannot settle it) and the department; the department's own
// deadlines go into the event's note (departments.hpp).
//
// planner has no workflow rights. Whether a user may act on a particular
// incident (their grid, their assignment) is the HTTP layer's check.
//
// Deadline clock: the first dispatch sets dispatched_at and deadline =
// dispatched_at + the category's hours for the triage (calendar hours). A
// resume moves the deadline by the time spent suspended, an extension by its
// hours. A re-dispatch after a return keeps both: rework eats into the same time.
//
// A transition returns the new Incident and the IncidentEvent to append; the
// caller stores both in one transaction.
//
// Thread safety: reentrant, no shared state.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wangge/geo/types.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/workflow/config.hpp"
#include "wangge/workflow/departments.hpp"
#include "wangge/workflow/states.hpp"

namespace wangge::workflow {

/// A set of roles as a bit mask.
using RoleSet = unsigned;
[[nodiscard]] constexpr RoleSet role_bit(Role role) noexcept { return 1U << static_cast<unsigned>(role); }

struct TransitionRule {
    Action action;
    State from;
    std::optional<State> to;  ///< nullopt: the state before the suspension (resume)
    RoleSet roles;
    bool needs_approver;  ///< an approver and a reason
    bool needs_reason;
};

/// The whole table above, one row per (action, from state).
[[nodiscard]] std::span<const TransitionRule> transition_rules() noexcept;

/// The rule for doing `action` in `from`; nullptr when the table has none.
[[nodiscard]] const TransitionRule* find_rule(Action action, State from) noexcept;

/// The rules `role` may use on an incident in `state`, in table order: the
/// actions apply() would not refuse for want of the role or the state (it may
/// still refuse a missing reason, approver or hours). The map shows exactly
/// these as buttons. `at_department`: the incident is at a department (see above).
[[nodiscard]] std::vector<const TransitionRule*> allowed_rules(State state, Role role, bool at_department = false);

struct TransitionRequest {
    Action action = Action::file;
    Role role = Role::grid_worker;
    std::string actor;  ///< user name or staff id, recorded in the event
    model::Timestamp at = 0;
    std::string note;                  ///< the reason, where one is needed; a remark otherwise
    std::string approver;              ///< extend and suspend
    std::int64_t extension_hours = 0;  ///< extend: 1 … max_extension_hours
    std::string assignee;              ///< dispatch: replaces the routed assignee when not empty
    std::optional<Department> department;  ///< dispatch_department: where to
};

inline constexpr std::int64_t max_extension_hours = 24 * 30;

struct Transition {
    model::Incident incident;
    model::IncidentEvent event;  ///< id 0: the store assigns it
};

/// Applies `request` to `incident`, whose events so far are `history` (time
/// order). `categories` gives the deadline at the first dispatch. Throws
/// WorkflowError with code illegal_transition, forbidden, approver_required,
/// reason_required, actor_required, invalid_extension, time_order,
/// invalid_incident, unknown_category, no_assignee, department_required or
/// department_redispatch (a dispatch that would leave the case with a department).
[[nodiscard]] Transition apply(const model::Incident& incident, std::span<const model::IncidentEvent> history,
                               const TransitionRequest& request, const CategoryTable& categories);

/// The reporter's 1–5 rating (满意度) of a closed case: the incident unchanged
/// and an event closed → closed with rating_note(). Throws WorkflowError
/// "invalid_rating" (score outside 1–5), "illegal_transition" (not closed),
/// "forbidden" (`actor` is not who reported it: the report event's actor),
/// "illegal_transition" (already rated: one rating per case) or "time_order".
[[nodiscard]] Transition rate(const model::Incident& incident, std::span<const model::IncidentEvent> history,
                              int score, std::string_view comment, const std::string& actor, model::Timestamp at);

/// A new incident as reported by a worker, a resident, the hotline or a higher office.
struct IncidentReport {
    std::string category;
    std::string source;  ///< 网格员巡查, 居民上报, 热线, 上级交办
    Triage triage = Triage::general;
    std::string description;
    geo::Point location;  ///< lon/lat
    std::string actor;
    model::Timestamp at = 0;
};

/// The four sources of DESIGN §1, in report column order.
[[nodiscard]] std::span<const std::string_view> incident_sources() noexcept;

/// Creates the incident in state reported, routed by its location (grid,
/// assignee from triage), and its first event ("" → reported). Throws
/// WorkflowError for an unknown category or source, a missing actor or
/// description, or a location outside every grid.
[[nodiscard]] Transition report_incident(const model::Snapshot& snapshot, const CategoryTable& categories,
                                         const IncidentReport& incident_report);

}  // namespace wangge::workflow
