#pragma once
// Command-line parsing every subcommand shares: its options, at most one
// positional argument, and --help.

#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "wangge/auth/service.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/rules/validator.hpp"
#include "wangge/service/config.hpp"

namespace wangge::cli {

/// Parses `args` against `options` (which must declare "help"); a single
/// positional argument, when `positional` is given, is stored there. Returns
/// nullopt after printing the options when --help was asked for.
[[nodiscard]] std::optional<boost::program_options::variables_map> parse_options(
    const Args& args, const boost::program_options::options_description& options,
    std::string* positional = nullptr);

/// Declares the boundary rule thresholds (--min-width-m, --min-area-m2,
/// --edge-tolerance-m, --households-min, --households-max, --residents-min,
/// --residents-max, --community-households-max) bound to `rules`, and
/// --rules-config FILE: `wangge validate` and `wangge serve` (hence
/// wangge.conf) take the same set.
void add_rule_options(boost::program_options::options_description& options, rules::Options& rules);

/// Applies the --rules-config file to the thresholds not given as options,
/// then throws InputError naming the threshold when one is negative or a
/// range is empty.
void finish_rule_options(const boost::program_options::variables_map& values, rules::Options& rules);

/// The service circles' kinds: the defaults with the "service_circles" of
/// --rules-config FILE applied when it was given.
[[nodiscard]] service::CirclesConfig circles_config(const boost::program_options::variables_map& values);

/// The operating-system account running the command, for the audit log.
[[nodiscard]] auth::Actor cli_actor();

}  // namespace wangge::cli
