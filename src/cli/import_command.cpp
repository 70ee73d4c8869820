// `wangge import`: read a vector file into one layer of a store (DESIGN §3).

#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "layer_args.hpp"
#include "progress.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/store/importer.hpp"

namespace wangge::cli {

int import_command(const Args& args) {
    namespace po = boost::program_options;
    std::vector<std::string> mappings;
    store::ImportOptions options;
    bool create = false;

    po::options_description description(
        "usage: wangge import --store FILE --layer LAYER SOURCE [options]\n\n"
        "Reads SOURCE (GeoJSON, CSV with lon/lat columns, GeoPackage, Shapefile, FlatGeobuf…) into LAYER.\n"
        "Every row is checked first; when one is bad nothing is written.\n\noptions");
    description.add_options()
        ("crs", po::value(&options.crs)->value_name("CRS"),
         "coordinates of SOURCE when it declares none or declares them wrongly: EPSG:xxxx, gcj02 or bd09")
        ("map", po::value(&mappings)->composing()->value_name("FIELD=COLUMN"),
         "read FIELD from COLUMN (repeatable); lon=COLUMN and lat=COLUMN name the coordinates")
        ("create", po::bool_switch(&create), "create the store if it does not exist");
    const std::optional<LayerArgs> parsed = parse_layer_args(args, description, "SOURCE");
    if (!parsed) return 0;
    options.layer = parsed->layer;
    options.now = std::time(nullptr);
    for (const std::string& mapping : mappings) {
        const std::size_t equals = mapping.find('=');
        if (equals == std::string::npos || equals == 0 || equals + 1 == mapping.size()) {
            throw InputError("--map " + mapping + ": expected FIELD=COLUMN");
        }
        options.columns[mapping.substr(0, equals)] = mapping.substr(equals + 1);
    }

    const bool exists = std::filesystem::exists(parsed->store);
    if (!exists && !create) throw InputError("no store at " + parsed->store + " (add --create to make one)");
    std::optional<store::GeoPackageStore> store;
    store.emplace(exists ? store::GeoPackageStore::open(parsed->store, true)
                         : store::GeoPackageStore::create(parsed->store));
    store::ImportSummary summary;
    try {
        summary = store::import_file(*store, parsed->file, options, terminal_progress());
    } catch (...) {
        // A failed first import leaves no empty store behind.
        if (!exists) {
            store.reset();
            std::filesystem::remove(parsed->store);
        }
        throw;
    }
    std::cerr << "wangge import: " << summary.rows << ' ' << store::to_string(parsed->layer) << " rows from "
              << parsed->file;
    if (summary.outside_grids > 0) std::cerr << " (" << summary.outside_grids << " outside every grid)";
    std::cerr << '\n';
    return 0;
}

}  // namespace wangge::cli
