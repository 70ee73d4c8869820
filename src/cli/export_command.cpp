// `wangge export`: write one layer of a store to a file (DESIGN §3).

#include <chrono>
#include <iostream>
#include <optional>

#include <boost/program_options.hpp>

#include "layer_args.hpp"
#include "options.hpp"
#include "progress.hpp"
#include "wangge/auth/service.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/store/exporter.hpp"
#include "wangge/store/store.hpp"

namespace wangge::cli {

namespace {

/// Logs the personal data written, with every household's id, as the HTTP
/// API logs the households it shows (auth/audit.hpp).
void audit_personal_export(const std::string& store_path, const std::string& destination,
                           const std::vector<std::int64_t>& ids) {
    const auth::Actor actor = cli_actor();
    auth::AuditEntry entry;
    entry.at = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    entry.user_name = actor.name;
    entry.action = "households.export";
    entry.collection = "households";
    for (const std::int64_t id : ids) entry.record_ids.push_back(std::to_string(id));
    entry.client = actor.client;
    entry.detail = "personal fields to " + destination;
    // Through the store, which holds the audit log of either kind of store.
    std::vector<auth::AuditEntry> audit{std::move(entry)};
    model::Dataset nothing;
    store::open_store(store_path, true)->upsert(nothing, {}, audit);
}

}  // namespace

int export_command(const Args& args) {
    namespace po = boost::program_options;
    std::string headers = "en";
    store::ExportOptions options;
    po::options_description description(
        "usage: wangge export --store STORE --layer LAYER DEST\n\n"
        "Writes LAYER to DEST; the extension picks the format: .gpkg .shp .geojson .json .csv .fgb .kml .xlsx.\n"
        "Columns are those `wangge import` reads, so an exported file imports back.\n"
        "Households' personal fields (names, ID numbers, phones, special-group tags) are left out unless\n"
        "--include-personal is given; that export is written to the audit log with every household's id.\n\n"
        "options");
    description.add_options()
        ("headers", po::value(&headers)->value_name("en|zh"),
         "column headers of .csv and .xlsx: field names (en, default) or Chinese (zh)")
        ("encoding", po::value(&options.encoding)->value_name("UTF-8|GBK"), "text encoding of a .shp (default UTF-8)")
        ("include-personal", po::bool_switch(&options.include_personal),
         "write households' personal fields (audited)");
    const std::optional<LayerArgs> parsed = parse_layer_args(args, description, "DEST");
    if (!parsed) return 0;
    if (headers != "en" && headers != "zh") throw InputError("--headers is '" + headers + "', expected en or zh");
    options.chinese_headers = headers == "zh";
    const std::unique_ptr<store::Store> store = store::open_store(parsed->store);
    const store::ExportSummary summary =
        store::export_layer(*store, parsed->layer, parsed->file, options, terminal_progress());
    if (!summary.personal_ids.empty()) {
        try {
            audit_personal_export(parsed->store, parsed->file, summary.personal_ids);
        } catch (...) {
            // Personal data nobody can account for must not stay on disk.
            store::delete_export(parsed->file);
            throw;
        }
    }
    std::cerr << "wangge export: " << summary.rows << ' ' << store::to_string(parsed->layer) << " rows to "
              << parsed->file << (summary.personal_ids.empty() ? "" : " (with personal fields, audited)") << '\n';
    return 0;
}

}  // namespace wangge::cli
