#include "layer_args.hpp"

#include "options.hpp"

#include "wangge/error.hpp"

namespace wangge::cli {

std::optional<LayerArgs> parse_layer_args(const Args& args, boost::program_options::options_description& options,
                                          const std::string& file_name) {
    namespace po = boost::program_options;
    LayerArgs result;
    std::string layer_name;
    options.add_options()
        ("help,h", "show this help")
        ("store", po::value(&result.store)->value_name("STORE"),
         "store (GeoPackage file or postgresql:// address; required)")
        ("layer", po::value(&layer_name)->value_name("LAYER"),
         "grids, staff, staff_grids, households, facilities, incidents, incident_events or visits (required)");
    if (!parse_options(args, options, &result.file)) return std::nullopt;
    if (result.store.empty() || layer_name.empty() || result.file.empty()) {
        throw InputError("--store, --layer and " + file_name + " are required (see --help)");
    }
    const auto layer = store::parse_layer(layer_name);
    if (!layer) throw InputError("unknown layer '" + layer_name + "' (see --help)");
    result.layer = *layer;
    return result;
}

}  // namespace wangge::cli
