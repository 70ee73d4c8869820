// `wangge generate`: write a synthetic city into a new store (DESIGN §3).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

#include <boost/program_options.hpp>

#include "basemap_output.hpp"
#include "progress.hpp"
#include "options.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/error.hpp"
#include "wangge/store/store.hpp"
#include "wangge/synth/city.hpp"

namespace wangge::cli {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Counts are read signed: program_options would wrap "-3" into a huge unsigned number.
std::size_t count_option(std::int64_t value, std::string_view name) {
    if (value < 0) throw InputError("--" + std::string(name) + " must not be negative");
    return static_cast<std::size_t>(value);
}

}  // namespace

int generate_command(const Args& args) {
    namespace po = boost::program_options;
    synth::CityParams params;
    std::int64_t grids = 0;
    auto households = static_cast<std::int64_t>(params.households);
    auto incidents = static_cast<std::int64_t>(params.incidents);
    auto visits = static_cast<std::int64_t>(params.visits);
    std::string out;
    std::string basemap_out;
    bool no_basemap = false;
    bool no_history = false;

    po::options_description description(
        "usage: wangge generate --grids N --households N --incidents N [--seed S] --out FILE\n\n"
        "Writes a synthetic city around Beijing into a new store (a GeoPackage file or an empty\n"
        "PostgreSQL database): streets, communities and\n"
        "grids that tile each other exactly, staff with AB duties, households in compounds, facilities,\n"
        "incidents with hot spots over the 365 days before 2026-11-25, and visits. The same seed gives\n"
        "the same city.\n\noptions");
    description.add_options()
        ("help,h", "show this help")
        ("grids", po::value(&grids)->value_name("N"), "number of grids, 1 to 150000 (required)")
        ("households", po::value(&households)->value_name("N")->default_value(households), "number of households")
        ("incidents", po::value(&incidents)->value_name("N")->default_value(incidents), "number of incidents")
        ("visits", po::value(&visits)->value_name("N")->default_value(visits), "number of visits")
        ("seed", po::value(&params.seed)->value_name("S")->default_value(params.seed), "random seed")
        ("no-history", po::bool_switch(&no_history), "skip the incident event history (smaller, faster)")
        ("out", po::value(&out)->value_name("STORE"),
         "new .gpkg file, or postgresql:// address of a database without a store, to write (required)")
        ("basemap-out", po::value(&basemap_out)->value_name("FILE"),
         "new .mbtiles or .pmtiles file for the city's streets, compounds and buildings (default: next "
         "to --out, NAME.basemap.mbtiles; for `wangge serve --basemap`)")
        ("no-basemap", po::bool_switch(&no_basemap), "write no basemap");
    const auto values = parse_options(args, description);
    if (!values) return 0;
    if (values->count("grids") == 0 || out.empty()) throw InputError("--grids and --out are required (see --help)");
    const bool database = store::is_database_location(out);
    if (store::store_exists(out)) {
        throw InputError(database ? "a store already exists at " + out + "; generate into an empty database"
                                  : out + " already exists; generate into a new file");
    }
    if (database && basemap_out.empty() && !no_basemap) {
        throw InputError("a database --out needs --basemap-out FILE or --no-basemap");
    }
    if (basemap_out.empty()) basemap_out = std::filesystem::path(out).replace_extension(".basemap.mbtiles").string();
    if (!no_basemap && std::filesystem::exists(basemap_out)) {
        throw InputError(basemap_out + " already exists; give --basemap-out a new file or --no-basemap");
    }
    params.grids = count_option(grids, "grids");
    params.households = count_option(households, "households");
    params.incidents = count_option(incidents, "incidents");
    params.visits = count_option(visits, "visits");
    params.incident_history = !no_history;

    const store::Progress progress = terminal_progress();
    const auto start = std::chrono::steady_clock::now();
    model::Dataset city = synth::generate_city(params, progress);
    const double generated = seconds_since(start);

    const auto write_start = std::chrono::steady_clock::now();
    try {
        const std::unique_ptr<store::Store> store = store::create_store(out);
        store->append(city, progress);
    } catch (...) {
        // Leave no half-written store file behind (a database's transaction left nothing).
        if (!database) std::filesystem::remove(out);
        throw;
    }
    std::cerr << "wangge generate: " << city.grids.size() << " grids (all levels), " << city.households.size()
              << " households, " << city.incidents.size() << " incidents, " << city.incident_events.size()
              << " incident events, " << city.visits.size() << " visits, " << city.facilities.size() << " facilities, "
              << city.staff.size() << " staff -> " << out << " (generated in " << generated << " s, written in "
              << seconds_since(write_start) << " s)\n";
    if (!no_basemap) {
        // The streets the layout was cut from, and outlines around the households of each compound.
        const auto basemap_start = std::chrono::steady_clock::now();
        basemap::Basemap basemap = basemap::areas_from_households(city.households);
        for (synth::Street& street : synth::city_streets(params)) {
            basemap.streets.push_back({std::move(street.name), street.main_road ? "main" : "minor", std::move(street.lines)});
        }
        basemap::TilingOptions options;
        options.name = "wangge synthetic city";
        options.attribution = "© wangge 合成城市 (虚构数据)";
        write_basemap(basemap, basemap_out, options, basemap_start);
    }
    return 0;
}

}  // namespace wangge::cli
