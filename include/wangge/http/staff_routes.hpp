#pragma once
// Staffing from the map (定人、定岗、定责; issue #15): who works in which grid
// with which duty (AB岗), and who is on leave, so that a grid's B岗 takes
// over its cases meanwhile (workflow/routing.hpp).
//
//   GET /staff?q=&grid=&limit=    staff, matching a name or phone part and/or
//                                 linked to a grid, by id (read_staff)
//   GET /grids/{code}/staff       the grid's staff, A岗 first, and its
//                                 no_primary_staff message when it has not
//                                 exactly one A岗 (read_staff)
//   PUT /grids/{code}/staff       {"staff":[{"id":1,"duty":"A",
//                                 "duty_days":[1,2,3,4,5]},…]}: the grid's
//                                 links replaced whole (assign_staff); at most
//                                 one A岗, each person once. duty_days (值班日,
//                                 posted on the contact card) are ISO weekdays
//                                 1–7 or Chinese text ("周一至周五"); null or []
//                                 clears them, leaving them out keeps a
//                                 person's days in the grid.
//   Members in the answers carry duty_days (Chinese text or null) and
//   duty_weekdays ([1…7]).
//   PUT /staff/{id}/leave         {"from":"2026-12-01","until":"2026-12-10"}:
//                                 leave over whole days, China time, either
//                                 end open (null); both null ends the leave
//                                 (set_staff_leave; a supervisor only for
//                                 staff of grids in the supervisor's scope)
//
// Staff are a person's work identity (name, role, work phone, as on the posted
// contact cards), not residents' personal data; the lists still need a
// login. Every change goes through the Writer with its audit row; refusals
// are audited by the router's refused-write hook.
//
// Thread safety: the handlers keep no state; requests run concurrently.

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/http/writer.hpp"

namespace wangge::http {

void add_staff_routes(Router& router, const State& state, Writer& writer, const AuthGate& gate);

}  // namespace wangge::http
