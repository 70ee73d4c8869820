#pragma once
// Command-line parsing every subcommand shares: its options, at most one
// positional argument, and --help.

#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "wangge/cli/commands.hpp"

namespace wangge::cli {

/// Parses `args` against `options` (which must declare "help"); a single
/// positional argument, when `positional` is given, is stored there. Returns
/// nullopt after printing the options when --help was asked for.
[[nodiscard]] std::optional<boost::program_options::variables_map> parse_options(
    const Args& args, const boost::program_options::options_description& options,
    std::string* positional = nullptr);

}  // namespace wangge::cli
