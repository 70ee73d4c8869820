#pragma once
// GET /lookup?lon=&lat=: the grid chain containing a point, the grid's staff
// (public contact card) and how near the point is to the grid's border.
// Public (auth::Action::lookup): no session needed.

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"

namespace wangge::http {

void add_lookup_route(Router& router, const State& state, const AuthGate& gate);

}  // namespace wangge::http
