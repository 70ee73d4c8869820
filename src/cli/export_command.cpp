// `wangge export`: write one layer of a store to a file (DESIGN §3).

#include <iostream>
#include <optional>

#include <boost/program_options.hpp>

#include "layer_args.hpp"
#include "progress.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/store/exporter.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::cli {

int export_command(const Args& args) {
    boost::program_options::options_description description(
        "usage: wangge export --store FILE --layer LAYER DEST\n\n"
        "Writes LAYER to DEST; the extension picks the format: .gpkg .shp .geojson .json .csv .fgb .xlsx.\n"
        "Columns are those `wangge import` reads, so an exported file imports back.\n\noptions");
    const std::optional<LayerArgs> parsed = parse_layer_args(args, description, "DEST");
    if (!parsed) return 0;
    const store::GeoPackageStore store = store::GeoPackageStore::open(parsed->store);
    const std::size_t rows = store::export_layer(store, parsed->layer, parsed->file, terminal_progress());
    std::cerr << "wangge export: " << rows << ' ' << store::to_string(parsed->layer) << " rows to " << parsed->file
              << '\n';
    return 0;
}

}  // namespace wangge::cli
