#pragma once
// Static files (the web map, the map styles) from a directory, without
// leaving it: dot segments are refused by the router, and symbolic links that
// resolve outside the directory are answered 404. HTML pages carry the web
// map's Content-Security-Policy, with the SHA-256 of each inline script
// (docs/security.md, "Response headers").
//
// Thread safety: immutable after construction.

#include <filesystem>
#include <string>
#include <string_view>

#include "wangge/http/router.hpp"

namespace wangge::http {

/// The Content-Type for a file name by its extension; application/octet-stream when unknown.
[[nodiscard]] std::string_view content_type_for(const std::filesystem::path& file);

class StaticFiles {
public:
    /// `root` need not exist yet; then every request is answered 404.
    explicit StaticFiles(std::filesystem::path root, std::string tile_origin = {});

    /// The file at `relative` (decoded, '/'-separated, from a `{path*}` route
    /// parameter); a directory serves its index.html. ClientError 404 when missing.
    [[nodiscard]] Response serve(std::string_view relative) const;

private:
    std::filesystem::path root_;
    std::string tile_origin_;
};

/// GET `prefix` → redirect to `prefix`/, and GET `prefix`/{path*} → files under `root`.
/// `tile_origin` ("https://host"): an online basemap the pages may load images and data from.
void add_static_routes(Router& router, std::string_view prefix, std::filesystem::path root,
                       std::string tile_origin = {});

}  // namespace wangge::http
