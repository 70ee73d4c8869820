#pragma once
// GET /health. The other routes of DESIGN §6 live in their own files and are
// wired together, for `wangge serve` and the tests, by app::App (src/app/).
//
// Who may call what (auth/policy.hpp; 401 login_required, 403 forbidden or
// out_of_scope): public — /health, /, /conformance, /collections (lists what
// the caller may read), grids (items, tiles), /lookup, /map/, /styles/,
// /auth/login, /auth/logout; any signed-in user — households (personal
// fields per scope, see features.hpp), facilities, incidents, heat tiles,
// POST /validate; the workflow, draft, audit and account routes check their
// own actions.

#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"

namespace wangge::http {

class ReplicationStatus;  // http/replica.hpp

/// GET /health: {"status":"ok","store":…,"snapshot_version":…,"counts":{…}},
/// and on a database store "replication": {"applied_seq", "database_seq",
/// "lag", "last_applied_at"} from `replication` (which outlives the router).
void add_health_route(Router& router, const State& state, const ReplicationStatus* replication = nullptr);

}  // namespace wangge::http
