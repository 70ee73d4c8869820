#pragma once
// GET /lookup?lon=&lat=: the grid chain containing a point, the grid's staff
// (public contact card), how near the point is to the grid's border, and the
// dedicated grid (专属网格) over the point with its purpose and staff, or null.
// Public (auth::Action::lookup): no session needed.

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"

namespace wangge::http {

void add_lookup_route(Router& router, const State& state, const AuthGate& gate);

}  // namespace wangge::http
