#pragma once
// The departments of 吹哨报到 over HTTP (DESIGN §5, workflow/departments.hpp):
//
//   GET  /departments                     → {"departments": [{"code","name","acknowledge_hours",
//                                            "deadline_hours":{"general","coordination","urgent"}}]}
//                                            (whoever handles cases: the chooser of 派遣至部门)
//   POST /departments                     the same fields → 201 new / 200 replaced (admin;
//                                            audited "departments.put")
//   GET  /departments/{code}/incidents    → the cases ever dispatched to the department, newest
//                                            first, each with its last step there ("step") and
//                                            whether it waits on the department now (acknowledgement
//                                            or result due: "at_department"): the
//                                            department's own account, an admin, or a supervisor
//                                            (the cases of their scope)
//   GET  /stats/departments?month=YYYY-MM → per department: dispatched, acknowledged on time,
//                                            resolved (on time), overdue now (read_statistics)
//
// Dispatching itself is a transition (POST /incidents/{id}/transitions with
// "action":"dispatch_department","department":CODE), acknowledging too
// ("acknowledge"), so the case's history, audit and durability are those of
// every transition.
//
// Thread safety: the handlers read the State's views and the DepartmentStore
// (safe from any thread).

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/store/departments.hpp"

namespace wangge::http {

void add_department_routes(Router& router, const State& state, const AuthGate& gate,
                           store::DepartmentStore& departments);

}  // namespace wangge::http
