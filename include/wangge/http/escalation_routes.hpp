#pragma once
// Urgent cases not accepted in time (issue #15 item 2, DESIGN §5: 紧急 cases
// escalate to the street office when nobody accepts them), listed and pushed
// live to the supervisors' maps:
//
//   GET /incidents/escalated[?area=CODE]
//       {"now", "count", "incidents": [case, …]}, the longest overdue first
//   GET /incidents/escalated/events[?area=CODE]   (text/event-stream)
//       event: escalated   data: {"now", "count", "incidents": […]}
//       once on connect, then whenever the caller's list changes: a case
//       crosses its acceptance time (also when nothing is written then), is
//       accepted, voided, or a new one arrives already late.
//
// A case: {"id","grid_code","category","triage","triage_zh","state",
// "state_zh","assignee","description","lon","lat","waiting_since","due_at",
// "overdue_s"}. The limits are the workflow config's `escalation_minutes`
// per triage (workflow/config.hpp); a case waits from its report, or from
// its re-dispatch after a return (workflow::escalations_due).
//
// Access: handle_incident and read_incidents (grid workers, supervisors,
// admins; not department accounts, whose cases come by dispatch), each case
// only when the caller's scope covers its grid (so a supervisor sees their
// community's); `area` narrows to a grid, community or street code.
//
// Cost: the list scans the snapshot's incidents (on the worker pool). The
// stream's clock runs on one thread of its own that recomputes the waiting
// cases when a publish changed the snapshot (only while streams are open)
// and otherwise wakes when the next waiting case crosses its time (at least
// every 30 s, when it also closes the streams of ended sessions).
//
// Thread safety: the routes, the publish listener and the clock's thread may
// run at once; the feed's state is behind its mutex.

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/workflow/config.hpp"

namespace wangge::http {

/// Registers both routes before the workflow's /incidents/{id} (the first
/// matching route wins) and the publish listener; `state` and `gate` outlive
/// the router, whose destruction stops the clock's thread.
void add_escalation_routes(Router& router, State& state, const AuthGate& gate, workflow::EscalationPolicy policy);

}  // namespace wangge::http
