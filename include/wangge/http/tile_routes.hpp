#pragma once
// GET /tiles/{layer}.json (TileJSON 3.0) and GET /tiles/{layer}/{z}/{x}/{y}.mvt
// (DESIGN §6), served from the tiles::TileIndex derived from each snapshot.
//
// Tiles carry an ETag of the snapshot version (plus the heat filter, or the
// minute for the time-dependent incident lights), answer If-None-Match with
// 304 (the server gzips them when the client accepts it), and an empty tile
// is 204 No Content. Heat takes from, to (ISO 8601 date or date-time, local
// +08:00 without offset, `to` exclusive), category and state.
//
// Access (auth/policy.hpp), for the TileJSON and the tiles alike: grids are
// public (Cache-Control: public); households, facilities, incidents and heat
// need a login (401 login_required) and are private to the caller (Vary:
// Authorization, Cookie). Household tiles carry special-group tags only for
// households whose grid the caller may see personal data of
// (auth::personal_view), so their ETag includes a fingerprint of that scope,
// and a tile that shows tags is audit-logged ("households.tags", with the
// household ids).

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/tiles/tile_cache.hpp"

namespace wangge::http {

/// Registers the routes and the TileIndex derivation; call before the first
/// publish(). The gate outlives the router. Grid and facility tiles, the same
/// for every caller, are kept in a tiles::TileCache of `tile_cache_bytes` (0: off).
void add_tile_routes(Router& router, State& state, const AuthGate& gate,
                     std::size_t tile_cache_bytes = tiles::TileCache::default_budget_bytes);

}  // namespace wangge::http
