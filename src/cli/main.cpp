// The `wangge` command: dispatches to one subcommand per DESIGN §3.

#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

#include <unistd.h>

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
    {"migrate", wangge::cli::migrate_command, "move a GeoPackage store into a PostgreSQL/PostGIS database"},
    {"validate", wangge::cli::validate_command, "check a grid layout against the boundary rules"},
    {"basemap", wangge::cli::basemap_command, "write a store's streets, compounds and buildings as an MBTiles or PMTiles basemap"},
    {"print", wangge::cli::print_command, "print a grid's, community's or street's map and contact card (PDF, PNG)"},
};

void print_usage(std::ostream& out) {
    out << "usage: wangge <command> [options]\n\ncommands:\n";
    for (const Command& command : commands) {
        out << "  " << command.name << std::string(10 - command.name.size(), ' ') << command.summary << '\n';
    }
    out << "\nRun 'wangge <command> --help' for the options of a command.\n";
}

/// `serve` holds a whole city in memory: with glibc's malloc on transparent
/// huge pages it takes fewer page faults and starts with about an eighth
/// less CPU (10k/1M/1M city: 8.7 -> 7.6 s of CPU, RSS +10 MB). glibc reads
/// its tunables only when a process starts, so the process executes itself
/// once more with the tunable set. An environment that sets GLIBC_TUNABLES
/// itself is left as it is. In a sanitized build the sanitizer's allocator
/// replaces glibc's malloc: the tunable would do nothing, and the second start
/// of the ~200 MB executable would double the start-up of every test server.
void exec_with_huge_pages([[maybe_unused]] char** argv) {
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
    if (setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1) != 0) return;
    execv("/proc/self/exe", argv);
    unsetenv("GLIBC_TUNABLES");  // no exec (no /proc, say): go on as we are
#endif
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
        print_usage(argc < 2 ? std::cerr : std::cout);
        return argc < 2 ? 2 : 0;
    }
    const std::string_view name = argv[1];
    if (name == "serve") exec_with_huge_pages(argv);
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
