// `wangge serve`: load the store into a snapshot and serve the HTTP API (DESIGN §3, §6).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <malloc.h>

#include <boost/program_options.hpp>

#include "config.hpp"
#include "options.hpp"
#include "wangge/app/app.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/http/open311_routes.hpp"
#include "wangge/http/server.hpp"
#include "wangge/workflow/config.hpp"

namespace wangge::cli {

namespace {

std::chrono::milliseconds positive_seconds(double seconds, std::string_view option) {
    if (!std::isfinite(seconds) || seconds <= 0 || seconds > 86'400) {
        throw InputError("--" + std::string(option) + " must be more than 0 and at most 86400 seconds");
    }
    return std::chrono::milliseconds(std::max<long long>(1, std::llround(seconds * 1000)));
}

/// Two malloc arenas per core instead of glibc's eight: the server's many
/// threads (I/O, workers, 64 writers, index builds) otherwise each keep
/// freed blocks in an arena of their own that the others cannot reuse (on
/// the 10k/1M/1M city, arenas capped at 2 cut the peak under one write and
/// read load from 1.92 to 1.68 GB). MALLOC_ARENA_MAX in the environment
/// still decides.
void limit_malloc_arenas() {
    if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
    mallopt(M_ARENA_MAX, static_cast<int>(2 * std::max(1u, std::thread::hardware_concurrency())));
}

}  // namespace

int serve_command(const Args& args) {
    limit_malloc_arenas();
    namespace po = boost::program_options;
    std::string store_path;
    std::string web_dir = "web-map";
    std::string styles_dir = "styles";
    app::AppConfig config;
    std::string basemap_file;
    std::string categories_path = "data/categories.json";
    std::string open311_clients_path;
    std::size_t tile_cache_mb = 64;
    std::size_t max_anonymous_streams = app::AppConfig{}.max_anonymous_streams;
    std::size_t photo_max_mb = app::AppConfig{}.photo_limits.max_bytes >> 20;
    bool secure_cookie = false;
    bool quiet = false;
    http::ServerOptions options;
    options.handle_signals = true;

    std::string config_path;
    double io_timeout_s = std::chrono::duration<double>(options.io_timeout).count();
    double shutdown_grace_s = std::chrono::duration<double>(options.shutdown_grace).count();
    double change_retention_h = std::chrono::duration<double, std::ratio<3600>>(config.follower.retention).count();

    // Everything but --help and --config can also come from the config file.
    po::options_description settings("server options (also settable in the --config file as name = value)");
    settings.add_options()
        ("store", po::value(&store_path)->value_name("STORE"),
         "store to serve: GeoPackage file or postgresql:// address (required)")
        ("host", po::value(&options.host)->default_value(options.host),
         "address to listen on; 0.0.0.0 serves every interface")
        ("port", po::value(&options.port)->default_value(options.port), "TCP port; 0 picks a free one and prints it")
        ("web", po::value(&web_dir)->default_value(web_dir)->value_name("DIR"),
         "web map files, served under /map/")
        ("styles", po::value(&styles_dir)->default_value(styles_dir)->value_name("DIR"),
         "map styles, served under /styles/")
        ("basemap", po::value(&basemap_file)->value_name("FILE"),
         "an MBTiles or PMTiles basemap (vector or raster) served under /basemap and drawn under the grids (docs/basemap.md)")
        ("basemap-url", po::value(&config.basemap.url)->value_name("URL"),
         "instead, an online raster basemap the browser loads: an XYZ template with {z}, {x}, {y} (天地图 WMTS "
         "with your key, an OSM tile server; docs/basemap.md)")
        ("basemap-attribution", po::value(&config.basemap.attribution)->value_name("TEXT"),
         "the credit the --basemap-url source requires, shown on the map")
        ("categories", po::value(&categories_path)->default_value(categories_path)->value_name("FILE"),
         "incident categories and deadlines; without it the workflow routes are off")
        ("open311-clients", po::value(&open311_clients_path)->value_name("FILE"),
         "apps that may submit Open311 requests with an api_key: {\"clients\":[{\"name\",\"api_key\"}]} "
         "(a secret: keep it out of the repository); without it only signed-in users submit")
        ("tile-cache-mb", po::value(&tile_cache_mb)->default_value(tile_cache_mb)->value_name("MB"),
         "memory for rendered grid and facility tiles (the same for every caller); 0 turns the cache off")
        ("photo-max-mb", po::value(&photo_max_mb)->default_value(photo_max_mb)->value_name("MB"),
         "largest case photo (POST /incidents/{id}/photos; larger: 413); --body-limit caps it too")
        ("threads", po::value(&options.threads)->default_value(0), "I/O threads; 0 means one per core")
        ("worker-threads", po::value(&options.worker_threads)->default_value(0),
         "threads for CPU-heavy requests (validation); 0 means as many as I/O threads")
        ("body-limit", po::value(&options.body_limit)->default_value(options.body_limit)->value_name("BYTES"),
         "largest accepted request body (larger: 413)")
        ("header-limit", po::value(&options.header_limit)->default_value(options.header_limit)->value_name("BYTES"),
         "largest accepted request line and header (larger: 431)")
        ("pipeline-limit", po::value(&options.pipeline_limit)->default_value(options.pipeline_limit)->value_name("N"),
         "requests read ahead of their answers on one connection")
        ("io-timeout", po::value(&io_timeout_s)->default_value(io_timeout_s)->value_name("SECONDS"),
         "time allowed to receive a request or send an answer; also the keep-alive idle limit")
        ("shutdown-grace", po::value(&shutdown_grace_s)->default_value(shutdown_grace_s)->value_name("SECONDS"),
         "on SIGTERM/SIGINT, time the requests in flight get to finish")
        ("rate-limit", po::value(&options.rate_limit)->default_value(options.rate_limit)->value_name("PER_SECOND"),
         "requests per second per client address (IPv6: per /64), past it 429; 0 turns it off "
         "(do that behind a reverse proxy, where every request has the proxy's address)")
        ("rate-burst", po::value(&options.rate_burst)->default_value(options.rate_burst)->value_name("N"),
         "requests a client may send at once on top of the rate")
        ("trusted-proxy", po::value(&options.trusted_proxies)->composing()->value_name("CIDR"),
         "a reverse proxy (address or CIDR block, repeatable) whose Forwarded / X-Forwarded-For header names "
         "the client, for the rate limit, the login throttle and the audit log; ignored from anyone else")
        ("public-url", po::value(&options.public_url)->value_name("URL"),
         "the server's address as clients see it (e.g. https://grid.example.gov.cn), used in OGC API links and "
         "TileJSON; default http://HOST:PORT, never the client's Host header")
        ("secure-cookie", po::value(&secure_cookie)->value_name("BOOL"),
         "mark the session cookie Secure (sent over HTTPS only); default true when --public-url is https://")
        ("max-anonymous-streams", po::value(&max_anonymous_streams)->default_value(max_anonymous_streams)->value_name("N"),
         "open /tiles/events streams without a session; more get 503")
        ("compress", po::value(&options.compress)->default_value(options.compress)->value_name("BOOL"),
         "gzip JSON and text answers for clients that accept it")
        ("change-retention", po::value(&change_retention_h)->default_value(change_retention_h)->value_name("HOURS"),
         "on a postgresql:// store, change-table rows older than this are deleted every 10 minutes (the newest "
         "stays); a replica down longer reloads in full when it returns. 0 keeps every row")
        ("quiet", po::bool_switch(&quiet), "no access log (one JSON line per request) on stderr");
    // The boundary rules of POST /validate and the drafts, shown to the map by GET /rules.
    rules::Options rules;
    add_rule_options(settings, rules);
    po::options_description description("usage: wangge serve --store STORE [options]\n\noptions");
    description.add_options()
        ("help,h", "show this help")
        ("config", po::value(&config_path)->value_name("FILE"),
         "read options from an INI file of name = value lines (docs/wangge.conf.example); the command line wins");
    description.add(settings);
    auto values = parse_options(args, description);
    if (!values) return 0;
    if (!config_path.empty()) apply_config_file(config_path, settings, *values);
    if (store_path.empty()) throw InputError("--store is required (see --help)");
    finish_rule_options(*values, rules);
    options.io_timeout = positive_seconds(io_timeout_s, "io-timeout");
    options.shutdown_grace = positive_seconds(shutdown_grace_s, "shutdown-grace");
    if (!std::isfinite(change_retention_h) || change_retention_h < 0 || change_retention_h > 87'600) {
        throw InputError("--change-retention must be from 0 to 87600 hours");
    }
    config.follower.retention = std::chrono::seconds(std::llround(change_retention_h * 3600));
    if (options.pipeline_limit == 0) throw InputError("--pipeline-limit must be at least 1");
    options.access_log = !quiet;
    if (!options.public_url.empty() && !options.public_url.starts_with("http://") &&
        !options.public_url.starts_with("https://")) {
        throw InputError("--public-url must start with http:// or https://");
    }
    if (!values->count("secure-cookie")) secure_cookie = options.public_url.starts_with("https://");

    config.basemap.file = basemap_file;
    config.basemap.check();
    config.store = store_path;
    config.web_dir = web_dir;
    config.styles_dir = styles_dir;
    config.tile_cache_bytes = tile_cache_mb << 20;
    config.max_anonymous_streams = max_anonymous_streams;
    config.gate.secure_cookie = secure_cookie;
    config.rules = rules;
    config.service_circles = circles_config(*values);
    config.photo_limits.max_bytes = photo_max_mb << 20;
    // The workflow writes need the category table; a missing default file
    // turns them off (read-only serving), a missing named file is an error.
    if (!open311_clients_path.empty()) config.open311_clients.emplace(http::Open311Clients::load(open311_clients_path));
    if (!(*values)["categories"].defaulted() || std::filesystem::exists(categories_path)) {
        config.workflow.emplace(workflow::WorkflowConfig::load(categories_path));
    } else {
        std::cerr << "wangge: no " << categories_path << ": /incidents, /visits and /stats are off (see --categories)\n";
    }
    const std::unique_ptr<app::App> app = app::App::open(std::move(config));
    const std::unique_ptr<http::Server> server = app->server(options);
    const unsigned short port = server->listen();
    std::cout << "wangge: serving " << app->state().view()->snapshot().current_grids().size() << " grids on http://"
              << options.host << ':' << port << std::endl;
    server->run();
    std::cerr << "wangge: stopped\n";
    return 0;
}

}  // namespace wangge::cli
