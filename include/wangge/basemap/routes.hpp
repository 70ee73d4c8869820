#pragma once
// GET /basemap.json (TileJSON 3.0 from the archive's metadata) and GET
// /basemap/{z}/{x}/{y} (the tiles, XYZ) of `wangge serve --basemap FILE`, an
// MBTiles or PMTiles file (tile_archive.hpp): the browser sees one API for
// both, so it needs no PMTiles client of its own.
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
// An online raster source instead (`serve --basemap-url`, e.g. 天地图 WMTS
// with a key, an OSM tile server): /basemap.json answers its TileJSON (the
// URL template and the attribution the source requires) and the browser
// loads the tiles from it directly; the map page's Content-Security-Policy
// then allows that origin (origin()). Never a default: the map works offline.
//
// Reads run on the worker pool (SQLite or pread read the disk).

#include <filesystem>
#include <string>

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"

namespace wangge::basemap {

struct BasemapSource {
    std::filesystem::path file{};  ///< a local MBTiles or PMTiles file, served under /basemap/
    std::string url{};                ///< or an online XYZ raster template with {z}, {x} and {y}
    std::string attribution{};        ///< the credit the online source requires (its TileJSON's attribution)

    /// "scheme://host[:port]" of `url`; empty without one.
    [[nodiscard]] std::string origin() const;
    /// Throws InputError naming the problem: both a file and a URL, a URL
    /// that is not http(s) or lacks {z}/{x}/{y}, a URL without attribution.
    void check() const;
};

/// Registers both routes; opens the tile file if given. Throws MbtilesError
/// when it is not a readable MBTiles or PMTiles file, InputError as check().
void add_basemap_routes(http::Router& router, const http::AuthGate& gate, const BasemapSource& source);

}  // namespace wangge::basemap
