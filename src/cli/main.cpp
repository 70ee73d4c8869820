// The `wangge` command: dispatches to one subcommand per DESIGN §3.

#include <cstring>
#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

#include "wangge/cli/commands.hpp"

namespace {

struct Command {
    std::string_view name;
    int (*run)(const wangge::cli::Args&);
    std::string_view summary;
};

// One line per command.
const std::vector<Command> commands{
    {"serve", wangge::cli::serve_command, "serve the HTTP API and the web map"},
    {"import", wangge::cli::import_command, "read a vector file into a layer of a store"},
    {"export", wangge::cli::export_command, "write a layer of a store to a file"},
    {"generate", wangge::cli::generate_command, "write a synthetic city into a new store"},
    {"report", wangge::cli::report_command, "write the monthly assessment workbook (XLSX)"},
    {"user", wangge::cli::user_command, "add, disable and list the accounts of the API"},
    {"validate", wangge::cli::validate_command, "check a grid layout against the boundary rules"},
};

void print_usage(std::ostream& out) {
    out << "usage: wangge <command> [options]\n\ncommands:\n";
    for (const Command& command : commands) {
        out << "  " << command.name << std::string(10 - command.name.size(), ' ') << command.summary << '\n';
    }
    out << "\nRun 'wangge <command> --help' for the options of a command.\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
        print_usage(argc < 2 ? std::cerr : std::cout);
        return argc < 2 ? 2 : 0;
    }
    const std::string_view name = argv[1];
    for (const Command& command : commands) {
        if (command.name != name) continue;
        try {
            return command.run(wangge::cli::Args(argv + 2, argv + argc));
        } catch (const std::exception& e) {
            std::cerr << "wangge " << name << ": " << e.what() << '\n';
            return 2;
        }
    }
    std::cerr << "wangge: unknown command '" << name << "'\n";
    print_usage(std::cerr);
    return 2;
}
