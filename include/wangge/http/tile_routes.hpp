#pragma once
// GET /tiles/{layer}.json (TileJSON 3.0) and GET /tiles/{layer}/{z}/{x}/{y}.mvt
// (DESIGN §6), served from the tiles::TileIndex derived from each snapshot.
//
// Tiles carry an ETag of the snapshot version (plus the heat filter, or the
// minute for the time-dependent incident lights), answer If-None-Match with
// 304 (the server gzips them when the client accepts it), and an empty tile
// is 204 No Content. Heat takes from, to (ISO 8601 date or date-time, local
// +08:00 without offset, `to` exclusive), category and state.

#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"

namespace wangge::http {

/// Registers the routes and the TileIndex derivation; call before the first publish().
void add_tile_routes(Router& router, State& state);

}  // namespace wangge::http
