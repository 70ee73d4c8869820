#pragma once
// Config files for commands with many options (`wangge serve --config FILE`).
//
// The format is INI as read by boost::program_options: `name = value` lines
// using the long option names of the command line, `#` comments. INI rather
// than JSON because the file then declares exactly the command-line options
// with the same types, defaults and checks: one schema, no mapping to keep in
// step, and every option is settable in the file as soon as it exists.

#include <filesystem>

#include <boost/program_options.hpp>

namespace wangge::cli {

/// Adds the options set in the file at `path` to `values` and notifies their
/// bound variables. Options already given on the command line keep their
/// value (the command line wins); defaulted ones are replaced. Throws
/// wangge::InputError naming the file for a missing or unreadable file, an
/// unknown option or a bad value.
void apply_config_file(const std::filesystem::path& path, const boost::program_options::options_description& options,
                       boost::program_options::variables_map& values);

}  // namespace wangge::cli
