#pragma once
// GET /tiles/{layer}.json (TileJSON 3.0) and GET /tiles/{layer}/{z}/{x}/{y}.mvt
// (DESIGN §6), served from the tiles::TileIndex derived from each snapshot.
//
// Tiles carry an ETag of the tile's version, the version of the newest
// change that touched it (tiles::ChangeLog, derived from each snapshot and
// the one before), so a publish or an incident write changes the ETags of
// just the tiles it touches (tile_feed.hpp pushes which). Heat ETags add the
// filter, incident ETags the minute (for the time-dependent deadline lights).
// Tiles answer If-None-Match with 304, are revalidated on every use
// (Cache-Control: no-cache), are gzipped when the client accepts it, and an
// empty tile is 204 No Content. Heat takes from, to (ISO 8601 date or date-time, local
// +08:00 without offset, `to` exclusive), category and state.
//
// OGC API – Tiles over the same tiles (WebMercatorQuad only): GET
// /tileMatrixSets, /tileMatrixSets/WebMercatorQuad (OGC 2D TMS 2.0 JSON),
// /tiles (the tilesets of the collections the caller may read),
// /collections/{c}/tiles (tileset list), /collections/{c}/tiles/WebMercatorQuad
// (tileset: the item link template {tileMatrix}/{tileRow}/{tileCol}, the MVT
// layers, the bounds) and the tiles at
// /collections/{c}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol},
// the same tiles, ETags, caching and audit as /tiles/{c}/{z}/{x}/{y}.mvt. The
// collections are grids, households, facilities and incidents (heat has
// filters and no collection: TileJSON only).
//
// Access (auth/policy.hpp), for the TileJSON, the OGC tileset metadata and the tiles alike: grids are
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

/// What a caller needs to read a tile layer (auth/policy.hpp).
[[nodiscard]] auth::Action tile_read_action(tiles::Layer layer) noexcept;

/// Registers the routes and the TileIndex and ChangeLog derivations; call
/// before the first publish() and before add_tile_feed_routes(). The gate outlives the router. Grid and facility tiles, the same
/// for every caller, are kept in a tiles::TileCache of `tile_cache_bytes` (0: off).
void add_tile_routes(Router& router, State& state, const AuthGate& gate,
                     std::size_t tile_cache_bytes = tiles::TileCache::default_budget_bytes);

}  // namespace wangge::http
