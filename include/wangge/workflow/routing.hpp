#pragma once
// Where an incident belongs and who handles it: the grid chain of its
// location, the assignee its triage calls for, and the incidents waiting too
// long to be accepted.
//
// Triage routing (DESIGN §5): general → the grid's A岗 worker, or its B岗
// worker while the A岗 is on leave or missing (AB岗; a grid whose staff are
// all away or missing falls back to its community), coordination →
// the community code, urgent → the street code. A general case inside a
// dedicated grid (专属网格) goes to that grid's A岗/B岗 first and takes its
// code; with none of them available, to the base grid's as above. The
// assignee is stored as text: a staff id or a grid code.
//
// Thread safety: reentrant; the Snapshot is read only.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/geo/types.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/workflow/config.hpp"
#include "wangge/workflow/history.hpp"
#include "wangge/workflow/states.hpp"

namespace wangge::workflow {

/// The codes of the finest grid and of the community and street above it;
/// empty where the layout has no such level.
struct Areas {
    std::string grid;
    std::string community;
    std::string street;
};

/// Walks the current layout up from `grid_code`; a code not in the layout
/// gives {grid_code, "", ""}.
[[nodiscard]] Areas areas_of(const model::Snapshot& snapshot, std::string_view grid_code);

struct Route {
    Areas areas;
    std::string assignee;
    bool near_boundary = false;  ///< within Snapshot::near_boundary_m of the grid's border
};

/// Finds the grid containing `location` (a point on a shared border goes to
/// the smaller grid code, the Snapshot's rule) and the triage's assignee at
/// time `at` (leave). Throws WorkflowError "outside_grids" when no grid
/// contains the point and "no_assignee" when the layout lacks the level the
/// triage goes to.
[[nodiscard]] Route route(const model::Snapshot& snapshot, const geo::Point& location, Triage triage,
                          model::Timestamp at);

/// The assignee for an incident in `areas` at time `at` (see the header comment).
[[nodiscard]] std::string assignee_for(const model::Snapshot& snapshot, const Areas& areas, Triage triage,
                                       model::Timestamp at);

/// An incident not accepted within its triage's limit.
struct Escalation {
    std::int64_t incident_id = 0;
    std::string assignee;
    Triage triage = Triage::general;
    model::Timestamp waiting_since = 0;  ///< report, or the re-dispatch after a return
    model::Timestamp due_at = 0;         ///< waiting_since + the policy's limit
    std::int64_t overdue_s = 0;          ///< now - due_at
};

/// Incidents still waiting to be accepted (reported, filed or dispatched) whose
/// limit has passed at `now`, the longest overdue first (`histories` may be
/// IncidentHistories::for_clocks). Incidents whose
/// triage or state cannot be parsed are skipped: escalation is a reminder
/// list, and bad rows are reported by whoever wrote them.
[[nodiscard]] std::vector<Escalation> escalations_due(std::span<const model::Incident> incidents,
                                                      const IncidentHistories& histories,
                                                      const EscalationPolicy& policy, model::Timestamp now);

}  // namespace wangge::workflow
