// Times the 15-minute living circles (service/circles.hpp) for scripts/bench:
// loads a store's grids, households and facilities, computes every service
// kind of the default config afresh (one after another, then all at once),
// then one facility edit incrementally;
// in straight lines, and with --basemap along the basemap's streets
// (service/network.hpp) in the same run, reading them from its tiles first.
//
// usage: wangge_service_circles_bench --store FILE.gpkg [--basemap FILE.mbtiles] [--threads N]
// Prints one JSON line: {"load_ms","grids","households","facilities","threads",
// "full_ms" (the kinds one after another, each over the threads),
// "kinds_parallel_ms" (the kinds over the threads, Coverage::compute_all), "kinds_parallel_same" (same totals),
// "kinds":[{"kind","full_ms","facilities","covered","households","grids_partial"}],
// "incremental":{"ms","households_checked","grids"},
// "network":{"streets_read_ms","network_build_ms","nodes","segments","length_km","snap_distance_m",
//            "households_off_streets","full_ms","kinds":[…],"incremental":{…}}} (null without --basemap).

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "wangge/basemap/vector_tile.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/service/circles.hpp"
#include "wangge/store/geopackage.hpp"

using namespace wangge;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// Every kind afresh, then one facility of the first kind moved 300 m
/// north-east (what a write costs), walking along `network` (null: straight).
nlohmann::json run(const model::Snapshot& snapshot, const service::CirclesConfig& config,
                   const std::shared_ptr<const service::StreetNetwork>& network, unsigned threads) {
    nlohmann::json kinds = nlohmann::json::array();
    std::vector<service::Coverage> computed;
    const auto full_start = Clock::now();
    for (const service::ServiceKind& kind : config.kinds) {
        const auto start = Clock::now();
        computed.push_back(service::Coverage::compute(snapshot, kind, nullptr, threads, network));
        const service::Coverage& coverage = computed.back();
        std::size_t partial = 0;
        for (std::size_t g = 0; g < snapshot.current_grids().size(); ++g) {
            const service::GridArea* area = coverage.area(g);
            partial += area != nullptr && area->reach == service::Reach::partial;
        }
        kinds.push_back({{"kind", kind.id},
                         {"full_ms", ms_since(start)},
                         {"facilities", coverage.facilities().size()},
                         {"households", coverage.total().households},
                         {"covered", coverage.total().covered},
                         {"grids_partial", partial}});
    }
    const double full_ms = ms_since(full_start);

    // The same kinds spread over the threads, at most one per kind (what `wangge report` does).
    const auto parallel_start = Clock::now();
    const std::vector<service::Coverage> together = service::Coverage::compute_all(snapshot, config.kinds, threads, network);
    const double parallel_ms = ms_since(parallel_start);
    bool same = together.size() == computed.size();
    for (std::size_t k = 0; same && k < computed.size(); ++k) same = together[k].total() == computed[k].total();

    // One facility of the first kind moved 300 m north-east: what a write costs.
    nlohmann::json incremental = nullptr;
    const service::Coverage& base = computed.front();
    if (!base.facilities().empty()) {
        const std::int64_t id = base.facilities().front().first;
        model::Facility moved = *snapshot.facility(id);
        moved.location = service::offset(moved.location, 300, 300);
        model::SnapshotEditor editor(snapshot);
        editor.replace_facility(moved);
        const auto next = editor.finish(2);
        const auto start = Clock::now();
        const service::Coverage after = service::Coverage::compute(*next, config.kinds.front(), &base, threads, network);
        incremental = {{"ms", ms_since(start)},
                       {"households_checked", after.work().households_checked},
                       {"grids", after.work().grids_computed}};
    }

    return {{"full_ms", full_ms},
            {"kinds_parallel_ms", parallel_ms},
            {"kinds_parallel_same", same},
            {"kinds", kinds},
            {"incremental", incremental}};
}

}  // namespace

int main(int argc, char** argv) {
    std::string store_path;
    std::string basemap_path;
    unsigned threads = std::max(1U, std::thread::hardware_concurrency());
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--store") {
            store_path = argv[i + 1];
        } else if (flag == "--basemap") {
            basemap_path = argv[i + 1];
        } else if (flag == "--threads") {
            threads = static_cast<unsigned>(std::stoul(argv[i + 1]));
        } else {
            std::cerr << "wangge_service_circles_bench: unknown option " << flag << '\n';
            return 2;
        }
    }
    if (store_path.empty()) {
        std::cerr << "usage: wangge_service_circles_bench --store FILE.gpkg [--basemap FILE.mbtiles] [--threads N]\n";
        return 2;
    }

    const auto load_start = Clock::now();
    const std::vector<store::Layer> layers{store::Layer::grids, store::Layer::households, store::Layer::facilities};
    const auto snapshot = model::Snapshot::build(store::GeoPackageStore::open(store_path).load(layers), 1);
    const double load_ms = ms_since(load_start);

    const service::CirclesConfig config;
    nlohmann::json out = run(*snapshot, config, nullptr, threads);
    out["network"] = nullptr;
    if (!basemap_path.empty()) {
        const auto read_start = Clock::now();
        const auto lines = basemap::read_street_lines(basemap_path);
        const double read_ms = ms_since(read_start);
        const auto build_start = Clock::now();
        const auto network = std::make_shared<const service::StreetNetwork>(lines, config.snap_distance_m);
        const double build_ms = ms_since(build_start);
        nlohmann::json walked = run(*snapshot, config, network, threads);
        walked["streets_read_ms"] = read_ms;
        walked["network_build_ms"] = build_ms;
        walked["nodes"] = network->nodes().size();
        walked["segments"] = network->segments().size();
        walked["length_km"] = network->length_m() / 1000;
        walked["snap_distance_m"] = network->snap_m();
        std::size_t off_streets = 0;
        for (const model::Household& household : snapshot->data().households) off_streets += !network->attach(household.location);
        walked["households_off_streets"] = off_streets;
        out["network"] = std::move(walked);
    }
    out["load_ms"] = load_ms;
    out["grids"] = snapshot->current_grids().size();
    out["households"] = snapshot->data().households.size();
    out["facilities"] = snapshot->data().facilities.size();
    out["threads"] = threads;
    std::cout << out.dump() << '\n';
}
