// Times Snapshot::lookup in process for scripts/bench: loads a store, then
// looks up random points inside the extent of its grids on every core.
//
// usage: wangge_lookup_bench --store FILE.gpkg [--lookups N]
// Prints one JSON line: {"load_ms","grids","lookups","threads","seconds","per_second","found"}.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/model/snapshot.hpp"
#include "wangge/store/geopackage.hpp"

using namespace wangge;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
    std::string store_path;
    std::size_t lookups = 2'000'000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--store") {
            store_path = argv[i + 1];
        } else if (flag == "--lookups") {
            lookups = std::stoull(argv[i + 1]);
        } else {
            std::cerr << "wangge_lookup_bench: unknown option " << flag << '\n';
            return 2;
        }
    }
    if (store_path.empty()) {
        std::cerr << "usage: wangge_lookup_bench --store FILE.gpkg [--lookups N]\n";
        return 2;
    }

    const auto load_start = Clock::now();
    const std::vector<store::Layer> layers{store::Layer::grids, store::Layer::staff, store::Layer::staff_grids};
    auto snapshot = model::Snapshot::build(store::GeoPackageStore::open(store_path).load(layers), 1);
    const double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - load_start).count();

    // The points are drawn before timing so only lookups are measured.
    const geo::Box extent = snapshot->extent();
    std::mt19937_64 random(42);
    std::uniform_real_distribution<double> lon(extent.min_x, extent.max_x), lat(extent.min_y, extent.max_y);
    std::vector<geo::Point> points(lookups);
    for (geo::Point& p : points) p = {lon(random), lat(random)};

    const unsigned threads = std::max(1U, std::thread::hardware_concurrency());
    std::atomic<std::size_t> found{0};
    const auto start = Clock::now();
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            std::size_t hits = 0;
            for (std::size_t i = t; i < points.size(); i += threads) hits += snapshot->lookup(points[i]).has_value();
            found += hits;
        });
    }
    for (std::thread& worker : workers) worker.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

    std::cout << nlohmann::json{{"load_ms", load_ms},
                                {"grids", snapshot->current_grids().size()},
                                {"lookups", lookups},
                                {"threads", threads},
                                {"seconds", seconds},
                                {"per_second", static_cast<double>(lookups) / seconds},
                                {"found", found.load()}}
                     .dump()
              << '\n';
}
