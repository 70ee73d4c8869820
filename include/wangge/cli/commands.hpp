#pragma once
// The subcommands of the `wangge` executable (DESIGN §3). Each takes the
// arguments after its name and returns the process exit code; each prints
// its own --help.

#include <string>
#include <vector>

namespace wangge::cli {

using Args = std::vector<std::string>;

int serve_command(const Args& args);
int import_command(const Args& args);
int export_command(const Args& args);
int generate_command(const Args& args);
int validate_command(const Args& args);
int report_command(const Args& args);
int user_command(const Args& args);
int basemap_command(const Args& args);
int print_command(const Args& args);
int migrate_command(const Args& args);

}  // namespace wangge::cli
