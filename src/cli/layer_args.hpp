#pragma once
// The arguments `wangge import` and `wangge export` share: --store, --layer
// and one file named on the command line.

#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "wangge/cli/commands.hpp"
#include "wangge/store/store.hpp"

namespace wangge::cli {

struct LayerArgs {
    std::string store;
    store::Layer layer = store::Layer::grids;
    std::string file;
};

/// Adds --help, --store and --layer to the command's own `options`, parses
/// `args` with the one positional argument called `file_name` (as in the usage
/// line), and checks all three are given. Returns nullopt when --help was
/// asked for and printed.
[[nodiscard]] std::optional<LayerArgs> parse_layer_args(const Args& args,
                                                        boost::program_options::options_description& options,
                                                        const std::string& file_name);

}  // namespace wangge::cli
