// `wangge import`: read a vector file into one layer of a store (DESIGN §3, docs/import.md).

#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "layer_args.hpp"
#include "progress.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/store/store.hpp"
#include "wangge/store/importer.hpp"

namespace wangge::cli {

namespace {

/// Bad rows shown on the terminal; --report FILE has all of them.
constexpr std::size_t problems_shown = 20;

/// Parses repeated FIELD=VALUE options into `into`.
void parse_pairs(const std::vector<std::string>& pairs, const std::string& option,
                 std::map<std::string, std::string, std::less<>>& into) {
    for (const std::string& pair : pairs) {
        const std::size_t equals = pair.find('=');
        if (equals == std::string::npos || equals == 0 || equals + 1 == pair.size()) {
            throw InputError(option + " " + pair + ": expected FIELD=" + (option == "--map" ? "COLUMN" : "VALUE"));
        }
        into[pair.substr(0, equals)] = pair.substr(equals + 1);
    }
}

void print_summary(const store::ImportSummary& summary, store::Layer layer, bool dry_run) {
    std::cerr << "wangge import: " << summary.source << ": " << summary.rows << ' ' << store::to_string(layer)
              << " rows: " << summary.added << " new, " << summary.updated << " updated, " << summary.unchanged
              << " unchanged, " << summary.refused << " refused";
    if (summary.outside_grids > 0) std::cerr << "; " << summary.outside_grids << " outside every grid";
    if (summary.placed_by_address > 0) std::cerr << "; " << summary.placed_by_address << " placed by address";
    std::cerr << (dry_run ? " (dry run: nothing written)" : summary.written ? "" : " (nothing written)") << '\n';
    for (std::size_t i = 0; i < std::min(summary.problems.size(), problems_shown); ++i) {
        const store::RowProblem& p = summary.problems[i];
        std::cerr << "  row " << p.row << ", " << p.column << (p.value.empty() ? "" : " '" + p.value + "'") << ": "
                  << p.reason_zh << " (" << p.reason << ")\n";
    }
    if (summary.problems.size() > problems_shown) {
        std::cerr << "  … " << summary.problems.size() - problems_shown << " more (see --report)\n";
    }
}

}  // namespace

int import_command(const Args& args) {
    namespace po = boost::program_options;
    std::vector<std::string> mappings;
    std::vector<std::string> defaults;
    std::string map_file;
    std::string report;
    store::ImportOptions options;
    bool create = false;

    po::options_description description(
        "usage: wangge import --store STORE --layer LAYER SOURCE [options]\n\n"
        "Reads SOURCE (CSV or XLSX roster, GeoJSON, GeoPackage, Shapefile or a .zip of one, DXF, KML, FlatGeobuf…) into LAYER.\n"
        "Columns may carry the fields' Chinese names (姓名, 身份证号, 小区, 经度…; see docs/import.md).\n"
        "Every row is checked first: when one is bad nothing is written (exit 1) unless --skip-bad.\n\noptions");
    description.add_options()
        ("crs", po::value(&options.crs)->value_name("CRS"),
         "coordinates of SOURCE when it declares none or declares them wrongly: EPSG:xxxx (e.g. CGCS2000 "
         "Gauss-Kruger EPSG:4491-4554, Beijing 54, Xi'an 80), CGCS2000-GK (zone from the easting's prefix), "
         "gcj02 or bd09")
        ("map", po::value(&mappings)->composing()->value_name("FIELD=COLUMN"),
         "read FIELD from COLUMN (repeatable); lon=COLUMN and lat=COLUMN name the coordinates")
        ("map-file", po::value(&map_file)->value_name("FILE"),
         "JSON object of FIELD: COLUMN, as --map (which wins)")
        ("default", po::value(&defaults)->composing()->value_name("FIELD=VALUE"),
         "VALUE for rows that give no FIELD (repeatable), e.g. level=grid for a CAD drawing")
        ("encoding", po::value(&options.encoding)->value_name("NAME"),
         "text encoding of SOURCE when not UTF-8 or a shapefile's .cpg (GBK, GB18030, CP936…)")
        ("skip-bad", po::bool_switch(&options.skip_bad), "import the good rows when some are bad")
        ("report", po::value(&report)->value_name("FILE"),
         "write every bad row (row, column, value, reason) to FILE: .csv or .json")
        ("update", po::bool_switch(&options.update),
         "rows whose id is stored replace the stored row (audited); otherwise such a row is bad")
        ("dry-run", po::bool_switch(&options.dry_run), "check everything, write nothing")
        ("create", po::bool_switch(&create), "create the store if it does not exist");
    const std::optional<LayerArgs> parsed = parse_layer_args(args, description, "SOURCE");
    if (!parsed) return 0;
    options.layer = parsed->layer;
    options.now = std::time(nullptr);
    options.user_name = "cli:" + std::to_string(getuid());
    if (!map_file.empty()) options.columns = store::read_column_map(map_file);
    parse_pairs(mappings, "--map", options.columns);
    parse_pairs(defaults, "--default", options.defaults);

    const bool exists = store::store_exists(parsed->store);
    if (!exists && !create) throw InputError("no store at " + parsed->store + " (add --create to make one)");
    if (!exists && options.dry_run) throw InputError("--dry-run needs an existing store (it creates nothing)");
    std::unique_ptr<store::Store> store = exists ? store::open_store(parsed->store, !options.dry_run)
                                                  : store::create_store(parsed->store);
    store::ImportSummary summary;
    try {
        summary = store::import_file(*store, parsed->file, options, terminal_progress());
    } catch (const store::ImportRefused& refused) {
        summary = refused.summary();
    } catch (...) {
        // A failed first import leaves no empty store behind, in a file or a database.
        if (!exists) {
            store.reset();
            store::remove_new_store(parsed->store);
        }
        throw;
    }
    if (!exists && !summary.written) {
        store.reset();
        store::remove_new_store(parsed->store);
    }
    print_summary(summary, parsed->layer, options.dry_run);
    if (!report.empty()) store::write_report(summary, report);
    return summary.refused > 0 && !options.skip_bad ? 1 : 0;
}

}  // namespace wangge::cli
