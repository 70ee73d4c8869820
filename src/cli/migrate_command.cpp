// `wangge migrate`: move a deployment from a GeoPackage file into a
// PostgreSQL/PostGIS database (store/migrate.hpp, docs/postgis-store.md).

#include <iomanip>
#include <iostream>
#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "options.hpp"
#include "progress.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/error.hpp"
#include "wangge/store/migrate.hpp"

namespace wangge::cli {

int migrate_command(const Args& args) {
    namespace po = boost::program_options;
    std::string from;
    std::string to;
    po::options_description description(
        "usage: wangge migrate --from FILE.gpkg --to postgresql://user@host/db\n\n"
        "Moves a deployment: every layer with its ids, the audit log, users, sessions, departments, case photos\n"
        "and household versions are copied from the GeoPackage into a database that holds no wangge store yet,\n"
        "in one transaction. The rows of every table are counted in both and printed; when a count differs or\n"
        "anything fails, nothing is stored (exit 1). Stop the servers on FILE first.\n\noptions");
    description.add_options()
        ("help,h", "show this help")
        ("from", po::value(&from)->value_name("FILE.gpkg"), "the GeoPackage store to move")
        ("to", po::value(&to)->value_name("URL"), "the database: postgresql://user[:password]@host[:port]/db");
    if (!parse_options(args, description)) return 0;
    if (from.empty() || to.empty()) throw InputError("--from and --to are required (see --help)");
    if (store::is_database_location(from)) throw InputError("--from " + from + ": expected a GeoPackage file");
    if (!store::is_database_location(to)) throw InputError("--to " + to + ": expected a postgresql:// address");

    std::vector<store::TableCount> counts;
    try {
        counts = store::migrate_to_database(from, to, terminal_progress());
    } catch (const store::StoreError& e) {
        std::cerr << "wangge migrate: " << e.what() << '\n';
        return 1;
    }
    std::cout << std::left << std::setw(20) << "table" << std::right << std::setw(12) << "file" << std::setw(12)
              << "database" << '\n';
    for (const store::TableCount& count : counts) {
        std::cout << std::left << std::setw(20) << count.table << std::right << std::setw(12) << count.source
                  << std::setw(12) << count.target << '\n';
    }
    std::cerr << "wangge migrate: " << from << " moved into the database; every count matches\n";
    return 0;
}

}  // namespace wangge::cli
