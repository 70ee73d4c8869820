#pragma once
// The incident workflow, visits and statistics over HTTP (DESIGN §5, §6).
//
//   POST /incidents                    {"category","triage","source","description","lon","lat"}
//                                      → 201 the routed incident (grid_code, assignee, light…)
//   GET  /incidents/{id}               → {"incident", "history"}
//   POST /incidents/{id}/transitions   {"action","note","approver","hours","assignee","department"}
//                                      → the incident; "department" (a code) for dispatch_department
//   GET  /incidents/overdue?area=CODE[&now=ISO8601] → open incidents past their deadline in a grid,
//                                      community or street
//   POST /visits                       {"household_id","kind","note"[,"staff_id"]} → 201 the visit
//   GET  /visits/due?staff=ID[&month=YYYY-MM]
//   GET  /stats?month=YYYY-MM[&level=grid|worker|community]
//   GET  /stats/report.xlsx?month=YYYY-MM → the monthly workbook of `wangge report`
//                                      (sheets 网格, 网格员, 社区), limited to the user's scope
//   /open311/v2/…                      Open311 GeoReport v2 (open311_routes.hpp)
//
// A department account (吹哨报到) reads the cases ever dispatched to its
// department and acts on those at it now; GET /incidents/{id} has
// "departments", the case's department steps with their clocks.
//
// Who acts comes from the request's session (AuthGate): the actor recorded in
// an event is the user name, the workflow role is the user's role, and the
// incident's or household's grid must be in the user's scope (403 otherwise).
// `now` is the server's clock (AuthGate::now(): std::chrono::system_clock
// unless a test replaces it), read at the edge and passed into the engine;
// only /incidents/overdue accepts another `now` to look ahead.
//
// Audit: every stored write appends an entry to the audit log (actions
// "incidents.report", "incidents.transition", "visits.record"; collection,
// record id, and what changed in `detail`) in the write's own transaction
// (http::Writer): a write is stored with its entry or not at all.
// Refused writes (401/403/4xx) change nothing and are not logged.
//
// Errors: a workflow::WorkflowError becomes {"error":{"code","message","message_zh"}}
// with 403 for "forbidden", 409 for "illegal_transition" and "time_order",
// 400 for every other code (the router's dispatch, router.cpp).
//
// Thread safety: the handlers only read the State's views and write through
// the Writer (which serialises writes).

#include <filesystem>

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/http/writer.hpp"
#include "wangge/workflow/config.hpp"

namespace wangge::http {

class Open311Clients;  // open311_routes.hpp
}  // namespace wangge::http
namespace wangge::store {
class DepartmentStore;  // store/departments.hpp
class Records;          // store/records.hpp
}  // namespace wangge::store
namespace wangge::http {

/// What the workflow routes need besides the State; all of it outlives the router.
struct WorkflowServices {
    Writer& writer;
    const AuthGate& gate;
    const workflow::WorkflowConfig& config;
    /// Apps that may submit Open311 requests with an api_key; null: only signed-in users may.
    const Open311Clients* open311_clients = nullptr;
    /// The departments of 吹哨报到 (department_routes.hpp); null: none to dispatch to.
    store::DepartmentStore* departments = nullptr;
    /// What the Snapshot does not hold (household versions in the report).
    const store::Records& records;
};

void add_workflow_routes(Router& router, const State& state, const WorkflowServices& services);

}  // namespace wangge::http
