// Times wangge's vector tiles for scripts/bench: loads a store (or generates
// a city in memory), builds the TileIndex, then renders a fixed set of tiles.
//
// usage: wangge_tile_bench [--store FILE.gpkg | --grids N --households N --incidents N --seed S]
//                          [--repeat R] [--tile LAYER@Z/X/Y ... | --stdin]
// Prints JSON lines: one {"build_ms","rss_mb","tiles",…} line, then per tile
// {"layer","tile","ms","cpu_ms","bytes","gzip_bytes"}: the medians of R renders
// in wall time and in this thread's CPU time; for the layers the server caches
// (tiles::is_cacheable) also "cached_ms" and "cached_cpu_ms": the medians of R
// requests answered from a warm tiles::TileCache (a lookup plus the copy of
// the stored bytes the server makes for the response). Without --tile, the tiles are
// grids z11/z12/z14, households z14/z16 and heat z12 (last 90 days) around the
// centre of the data (listed in "tiles" of the first line). With --stdin it
// stays loaded and times the LAYER@Z/X/Y requests read one per line, so
// scripts/bench can interleave it with the other implementations.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/http/compression.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/synth/city.hpp"
#include "wangge/tiles/tile_cache.hpp"
#include "wangge/tiles/tile_index.hpp"

using namespace wangge;

namespace {

struct Options {
    std::string store;
    synth::CityParams city;
    int repeat = 21;
    std::vector<std::string> tiles;
    bool from_stdin = false;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "wangge_tile_bench: " << problem
              << "\nusage: wangge_tile_bench [--store FILE | --grids N --households N --incidents N --seed S]"
                 " [--repeat R] [--tile LAYER@Z/X/Y ... | --stdin]\n";
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--stdin") {
            options.from_stdin = true;
            continue;
        }
        if (i + 1 >= argc) usage("missing value after " + flag);
        const std::string value = argv[++i];
        if (flag == "--store") options.store = value;
        else if (flag == "--grids") options.city.grids = std::stoul(value);
        else if (flag == "--households") options.city.households = std::stoul(value);
        else if (flag == "--incidents") options.city.incidents = std::stoul(value);
        else if (flag == "--seed") options.city.seed = std::stoull(value);
        else if (flag == "--repeat") options.repeat = std::max(1, std::stoi(value));
        else if (flag == "--tile") options.tiles.push_back(value);
        else usage("unknown option " + flag);
    }
    return options;
}

double resident_mb() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0.0;
}

double elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

/// CPU time of the calling thread.
double thread_cpu_ms() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

double median(std::vector<double> values) {
    const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::ranges::nth_element(values, middle);
    return *middle;
}

tiles::TileQuery parse_tile(const std::string& text, const tiles::HeatFilter& heat) {
    const auto at = text.find('@');
    if (at == std::string::npos) usage("tile must be LAYER@Z/X/Y: " + text);
    const auto layer = tiles::parse_layer(text.substr(0, at));
    long long z = 0, x = 0, y = 0;
    if (!layer || std::sscanf(text.c_str() + at + 1, "%lld/%lld/%lld", &z, &x, &y) != 3) usage("bad tile " + text);
    const auto tile = tiles::make_tile(z, x, y);
    if (!tile) usage("tile out of range " + text);
    tiles::TileQuery query;
    query.layer = *layer;
    query.tile = *tile;
    query.heat = heat;
    return query;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    auto started = std::chrono::steady_clock::now();
    model::Dataset data = options.store.empty() ? synth::generate_city(options.city)
                                                : store::GeoPackageStore::open(options.store).load();
    const double load_ms = elapsed_ms(started);
    const auto snapshot = model::Snapshot::build(std::move(data), 1);
    const double rss_before = resident_mb();
    started = std::chrono::steady_clock::now();
    const tiles::TileIndex index(*snapshot);
    const double build_ms = elapsed_ms(started);

    // Heat over the last 90 days of the data.
    model::Timestamp last = 0;
    for (const model::Incident& incident : snapshot->data().incidents) last = std::max(last, incident.reported_at);
    tiles::HeatFilter heat;
    heat.to = last + 1;
    heat.from = *heat.to - 90 * 86400;

    const geo::Box extent = snapshot->extent();
    const geo::Point centre{(extent.min_x + extent.max_x) / 2.0, (extent.min_y + extent.max_y) / 2.0};
    std::vector<std::string> requests = options.tiles;
    if (requests.empty()) {
        for (const auto& [layer, z] : std::vector<std::pair<std::string, int>>{
                 {"grids", 11}, {"grids", 12}, {"grids", 14}, {"households", 14}, {"households", 16}, {"heat", 12}}) {
            const tiles::TileId tile = tiles::tile_containing(centre, z);
            requests.push_back(layer + "@" + std::to_string(z) + "/" + std::to_string(tile.x) + "/" + std::to_string(tile.y));
        }
    }
    std::size_t grid_vertices = 0;
    for (const model::Grid* grid : snapshot->current_grids()) grid_vertices += geo::vertex_count(grid->geometry);
    std::cout << nlohmann::json{{"load_ms", load_ms},
                                {"grid_vertices", grid_vertices},
                                {"build_ms", build_ms},
                                {"index_rss_mb", resident_mb() - rss_before},
                                {"rss_mb", resident_mb()},
                                {"grids", snapshot->current_grids().size()},
                                {"households", snapshot->data().households.size()},
                                {"incidents", snapshot->data().incidents.size()},
                                {"centre", {centre.x, centre.y}},
                                {"heat_from", model::format_iso8601(*heat.from)},
                                {"heat_to", model::format_iso8601(*heat.to)},
                                {"tiles", requests}}
              << std::endl;

    // The median of single runs: on a shared machine a preempted run must
    // not move the figure, as it would move a mean. CPU time besides wall
    // time, because other processes inflate the latter.
    const auto time_runs = [&](const auto& run) {
        run();  // warm-up
        std::vector<double> times(static_cast<std::size_t>(options.repeat));
        std::vector<double> cpu_times(times.size());
        for (std::size_t i = 0; i < times.size(); ++i) {
            const double cpu_started = thread_cpu_ms();
            const auto started_at = std::chrono::steady_clock::now();
            run();
            times[i] = elapsed_ms(started_at);
            cpu_times[i] = thread_cpu_ms() - cpu_started;
        }
        return std::pair{median(times), median(cpu_times)};
    };
    tiles::TileCache cache;
    const auto time_tile = [&](const std::string& request) {
        const tiles::TileQuery query = parse_tile(request, heat);
        std::string bytes;
        const auto [ms, cpu_ms] = time_runs([&] { bytes = index.render(query); });
        const auto at = request.find('@');
        nlohmann::json line{{"layer", request.substr(0, at)},
                            {"tile", request.substr(at + 1)},
                            {"ms", ms},
                            {"cpu_ms", cpu_ms},
                            {"bytes", bytes.size()},
                            {"gzip_bytes", http::gzip(bytes).size()}};
        if (tiles::is_cacheable(query)) {
            const tiles::TileKey key{query.layer, query.tile, index.version()};
            std::string served;
            const auto [cached_ms, cached_cpu_ms] = time_runs(
                [&] {
                    served = cache.get_or_render(key, [&] { return tiles::EncodedTile{index.render(query), {}}; })->mvt;
                });
            if (served != bytes) {
                std::cerr << "wangge_tile_bench: the cached tile differs from the rendered one: " << request << "\n";
                std::exit(1);
            }
            line["cached_ms"] = cached_ms;
            line["cached_cpu_ms"] = cached_cpu_ms;
        }
        if (query.layer == tiles::Layer::heat) {
            line["from"] = model::format_iso8601(*heat.from);
            line["to"] = model::format_iso8601(*heat.to);
        }
        std::cout << line << std::endl;
    };
    if (options.from_stdin) {
        std::string request;
        while (std::getline(std::cin, request)) {
            if (!request.empty()) time_tile(request);
        }
    } else {
        for (const std::string& request : requests) time_tile(request);
    }
    return 0;
}
