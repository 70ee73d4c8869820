// The PostGIS store against the GeoPackage store on one city
// (docs/postgis-store.md): copying it in, loading it (a server start), and
// the single-write latency of an incident report (a batch of one, durable
// with its event when the call returns).
//
// usage: wangge_store_bench --gpkg CITY.gpkg --pg postgresql://…/empty_db [--writes N] [--rounds N]
// The .gpkg is copied first, so the city itself is not written to. Prints
// one JSON line per store: {"store","copy_s","load_ms","write_p50_ms","write_p99_ms",...};
// copy_s is appending the whole city to a new, empty store of that kind.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/model/tables.hpp"
#include "wangge/store/store.hpp"

using namespace wangge;
using Clock = std::chrono::steady_clock;

namespace {

double since_ms(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, static_cast<std::size_t>(p * static_cast<double>(values.size())))];
}

nlohmann::json measure(store::Store& store, std::size_t writes, int rounds) {
    std::vector<double> loads;
    std::size_t households = 0;
    for (int round = 0; round < rounds; ++round) {
        const auto start = Clock::now();
        const model::Tables tables = store.load_tables();
        loads.push_back(since_ms(start));
        households = tables.households.size();
    }
    std::vector<double> latencies;
    for (std::size_t i = 0; i < writes; ++i) {
        model::Incident incident;
        incident.category = "环境卫生";
        incident.source = "热线";
        incident.triage = "general";
        incident.state = "reported";
        incident.location = {116.40 + 0.0001 * static_cast<double>(i % 100), 39.90};
        incident.reported_at = 1'790'000'000 + static_cast<model::Timestamp>(i);
        model::IncidentEvent event{0, 0, incident.reported_at, "bench", "", "reported", ""};
        const auto start = Clock::now();
        store.insert_incident(incident, event);
        latencies.push_back(since_ms(start));
    }
    return {{"store", store.location()},
            {"households", households},
            {"load_ms", percentile(loads, 0.5)},
            {"writes", writes},
            {"write_p50_ms", percentile(latencies, 0.5)},
            {"write_p99_ms", percentile(latencies, 0.99)}};
}

}  // namespace

int main(int argc, char** argv) {
    std::string gpkg;
    std::string pg;
    std::size_t writes = 500;
    int rounds = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--gpkg") {
            gpkg = argv[i + 1];
        } else if (flag == "--pg") {
            pg = argv[i + 1];
        } else if (flag == "--writes") {
            writes = std::stoull(argv[i + 1]);
        } else if (flag == "--rounds") {
            rounds = std::stoi(argv[i + 1]);
        } else {
            std::cerr << "wangge_store_bench: unknown option " << flag << '\n';
            return 2;
        }
    }
    if (gpkg.empty() || pg.empty() || writes == 0 || rounds < 1) {
        std::cerr << "usage: wangge_store_bench --gpkg CITY.gpkg --pg postgresql://…/empty_db [--writes N] [--rounds N]\n";
        return 2;
    }
    try {
        const std::filesystem::path copy = std::filesystem::path(gpkg).replace_extension(".bench-copy.gpkg");
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(copy.string() + suffix);
        std::filesystem::copy_file(gpkg, copy);
        {
            model::Dataset city = store::open_store(copy.string())->load();
            const std::filesystem::path fresh = std::filesystem::path(gpkg).replace_extension(".bench-new.gpkg");
            std::filesystem::remove(fresh);
            model::Dataset file_city = city;  // append() writes the ids back; the database gets the same rows
            const auto file_copy_start = Clock::now();
            store::create_store(fresh.string())->append(file_city);
            const double file_copy_s = since_ms(file_copy_start) / 1000;
            std::filesystem::remove(fresh);

            const auto copy_start = Clock::now();
            const std::unique_ptr<store::Store> database = store::create_store(pg);
            database->append(city);
            const double copy_s = since_ms(copy_start) / 1000;

            const std::unique_ptr<store::Store> file = store::open_store(copy.string(), true);
            nlohmann::json geopackage = measure(*file, writes, rounds);
            geopackage["copy_s"] = file_copy_s;
            std::cout << geopackage.dump() << '\n';
            nlohmann::json postgis = measure(*database, writes, rounds);
            postgis["copy_s"] = copy_s;
            std::cout << postgis.dump() << '\n';
        }  // both stores closed: the file's write-ahead log is folded back
        std::filesystem::remove(copy);
    } catch (const std::exception& e) {
        std::cerr << "wangge_store_bench: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
