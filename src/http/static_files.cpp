#include "wangge/http/static_files.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "wangge/auth/digest.hpp"

namespace wangge::http {

namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 20> content_types{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".geojson", "application/geo+json"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".webp", "image/webp"},
    {".svg", "image/svg+xml"},
    {".ico", "image/x-icon"},
    {".pbf", "application/x-protobuf"},
    {".mvt", "application/vnd.mapbox-vector-tile"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".ttf", "font/ttf"},
    {".wasm", "application/wasm"},
    {".txt", "text/plain; charset=utf-8"},
}};

ClientError missing(std::string_view relative) {
    return ClientError(ErrorKind::not_found, "not_found", "no file '" + std::string(relative) + "'",
                       "找不到文件 " + std::string(relative));
}

/// The text of every inline <script> (one without src) in an HTML page.
std::vector<std::string_view> inline_scripts(std::string_view html) {
    std::vector<std::string_view> scripts;
    for (std::size_t at = html.find("<script"); at != std::string_view::npos; at = html.find("<script", at)) {
        const std::size_t open_end = html.find('>', at);
        if (open_end == std::string_view::npos) break;
        const std::size_t close = html.find("</script>", open_end);
        if (close == std::string_view::npos) break;
        if (html.substr(at, open_end - at).find(" src=") == std::string_view::npos) {
            scripts.push_back(html.substr(open_end + 1, close - open_end - 1));
        }
        at = close;
    }
    return scripts;
}

/// The policy of the web map's files: its own files and API only; inline
/// styles and blob: workers because MapLibre GL needs them (it sets element
/// styles, and starts its worker from maplibre-gl-worker.mjs, whose own
/// policy is this one, or from a blob: URL); never framed by another page
/// (clickjacking). `scripts` are the script sources; `tile_origin` an online
/// basemap's server (empty: none), whose tiles MapLibre fetches.
std::string map_policy(std::string_view scripts, std::string_view tile_origin) {
    const std::string extra = tile_origin.empty() ? "" : " " + std::string(tile_origin);
    return "default-src 'self'; script-src " + std::string(scripts) +
           "; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:" + extra + "; font-src 'self' data:; "
           "connect-src 'self'" + extra + "; worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; "
           "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
}

/// A page's policy: inline scripts (the import map) only by their hash.
std::string page_policy(const std::filesystem::path& page, std::string_view tile_origin) {
    std::ifstream in(page, std::ios::binary);
    const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string scripts = "'self'";
    for (const std::string_view script : inline_scripts(html)) scripts += " 'sha256-" + auth::sha256_base64(script) + "'";
    return map_policy(scripts, tile_origin);
}

/// True when `inside` (canonical) lies in `root` (canonical).
bool within(const std::filesystem::path& root, const std::filesystem::path& inside) {
    const auto [root_end, inside_end] = std::mismatch(root.begin(), root.end(), inside.begin(), inside.end());
    return root_end == root.end();
}

}  // namespace

std::string_view content_type_for(const std::filesystem::path& file) {
    std::string extension = file.extension().string();
    std::ranges::transform(extension, extension.begin(),
                           [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    for (const auto& [suffix, type] : content_types) {
        if (suffix == extension) return type;
    }
    return "application/octet-stream";
}

StaticFiles::StaticFiles(std::filesystem::path root, std::string tile_origin)
    : root_(std::move(root)), tile_origin_(std::move(tile_origin)) {}

Response StaticFiles::serve(std::string_view relative) const {
    // The router already refuses these; checked again because this class is public.
    std::filesystem::path path = root_;
    for (std::string_view rest = relative; !rest.empty();) {
        const std::size_t slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        if (segment.empty() || segment == "." || segment == ".." || segment.find('\\') != std::string_view::npos ||
            segment.find('\0') != std::string_view::npos) {
            throw missing(relative);
        }
        path /= std::filesystem::path(std::u8string(segment.begin(), segment.end()));
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    }
    std::error_code ec;
    const std::filesystem::path root = std::filesystem::canonical(root_, ec);
    if (ec) throw missing(relative);
    std::filesystem::path resolved = std::filesystem::canonical(path, ec);
    if (!ec && std::filesystem::is_directory(resolved, ec)) {
        resolved = std::filesystem::canonical(resolved / "index.html", ec);
    }
    // Symbolic links may point anywhere; only what resolves inside the root is served.
    if (ec || !within(root, resolved) || !std::filesystem::is_regular_file(resolved, ec)) throw missing(relative);
    const std::string_view type = content_type_for(resolved);
    Response response = Response::file(resolved, type);
    // Every file gets the map's policy: a worker script's own answer sets the worker's policy.
    response.set_header("Content-Security-Policy",
                        type.starts_with("text/html") ? page_policy(resolved, tile_origin_)
                                                      : map_policy("'self'", tile_origin_));
    return response;
}

void add_static_routes(Router& router, std::string_view prefix, std::filesystem::path root, std::string tile_origin) {
    auto files = std::make_shared<const StaticFiles>(std::move(root), std::move(tile_origin));
    const std::string slashed = std::string(prefix) + "/";
    router.get(
        prefix, [slashed](const Request&) { return Response::redirect(slashed, Status::moved_permanently); },
        Execution::io);
    router.get(
        slashed + "{path*}", [files](const Request& request) { return files->serve(request.param("path")); },
        Execution::io);
}

}  // namespace wangge::http
