#pragma once
// GET /basemap.json (TileJSON 3.0 from the MBTiles metadata) and GET
// /basemap/{z}/{x}/{y} (the tiles, XYZ) of `wangge serve --basemap FILE`.
//
// The basemap is public map data, not personal data: anonymous callers read
// it (auth::Action::read_basemap) and shared caches may keep it. Tiles carry
// an ETag of their bytes, Cache-Control "public, max-age=3600" (the file
// changes only with a restart; revalidation is cheap), their format's
// Content-Type, and Content-Encoding gzip when stored gzip'd (as vector
// MBTiles usually are) and the client accepts it — otherwise they are
// inflated for it. A tile the file lacks inside its zoom range is 204 No
// Content; outside it, 404. Without a basemap both routes answer 404
// no_basemap, so the map can ask and fall back.
//
// Reads run on the worker pool (SQLite reads the disk).

#include <filesystem>

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"

namespace wangge::basemap {

/// Registers both routes; opens `mbtiles` (empty: no basemap). Throws
/// MbtilesError when the file is not a readable MBTiles.
void add_basemap_routes(http::Router& router, const http::AuthGate& gate, const std::filesystem::path& mbtiles);

}  // namespace wangge::basemap
