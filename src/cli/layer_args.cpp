#include "layer_args.hpp"

#include <iostream>

#include "wangge/error.hpp"

namespace wangge::cli {

std::optional<LayerArgs> parse_layer_args(const Args& args, boost::program_options::options_description& options,
                                          const std::string& file_name) {
    namespace po = boost::program_options;
    LayerArgs result;
    std::string layer_name;
    options.add_options()
        ("help,h", "show this help")
        ("store", po::value(&result.store)->value_name("FILE"), "GeoPackage store (required)")
        ("layer", po::value(&layer_name)->value_name("LAYER"),
         "grids, staff, staff_grids, households, facilities, incidents, incident_events or visits (required)");
    po::options_description hidden;
    hidden.add_options()("file", po::value(&result.file));
    po::options_description all;
    all.add(options).add(hidden);
    po::positional_options_description positional;
    positional.add("file", 1);

    po::variables_map values;
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), values);
    po::notify(values);
    if (values.count("help") != 0) {
        std::cout << options;
        return std::nullopt;
    }
    if (result.store.empty() || layer_name.empty() || result.file.empty()) {
        throw InputError("--store, --layer and " + file_name + " are required (see --help)");
    }
    const auto layer = store::parse_layer(layer_name);
    if (!layer) throw InputError("unknown layer '" + layer_name + "' (see --help)");
    result.layer = *layer;
    return result;
}

}  // namespace wangge::cli
