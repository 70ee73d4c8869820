// `wangge report`: the monthly assessment workbook (DESIGN §3, §5).

#include <fstream>
#include <iostream>
#include <string>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "progress.hpp"
#include "options.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/workflow/statistics.hpp"
#include "wangge/workflow/xlsx_report.hpp"

namespace wangge::cli {

namespace {

workflow::AssessmentConfig read_assessment(const std::string& path) {
    if (path.empty()) return {};
    std::ifstream in(path);
    if (!in) throw InputError("cannot open assessment configuration " + path);
    try {
        return workflow::AssessmentConfig::from_json(nlohmann::json::parse(in));
    } catch (const nlohmann::json::exception& e) {
        throw InputError("assessment configuration " + path + " is not valid JSON: " + e.what());
    }
}

}  // namespace

int report_command(const Args& args) {
    namespace po = boost::program_options;
    std::string store_path;
    std::string month_text;
    std::string out;
    std::string assessment_path;

    po::options_description description(
        "usage: wangge report --store FILE --month YYYY-MM --out FILE.xlsx [--assessment FILE.json]\n\n"
        "Writes the monthly statistics and assessment as a workbook with one sheet per level:\n"
        "网格 (grids), 网格员 (grid workers) and 社区 (communities).\n\noptions");
    description.add_options()
        ("help,h", "show this help")
        ("store", po::value(&store_path)->value_name("FILE"), "GeoPackage store (required)")
        ("month", po::value(&month_text)->value_name("YYYY-MM"), "the month, in China Standard Time (required)")
        ("out", po::value(&out)->value_name("FILE.xlsx"), "the workbook to write; replaced if it exists (required)")
        ("assessment", po::value(&assessment_path)->value_name("FILE.json"),
         "score weights, grade thresholds and visit quota: {\"weights\": {\"on_time\", \"no_rework\", "
         "\"visits\", \"coverage\"}, \"thresholds\": {\"excellent\", \"competent\", \"basic\"}, "
         "\"monthly_household_quota\"}");

    const auto values = parse_options(args, description);
    if (!values) return 0;
    if (store_path.empty() || month_text.empty() || out.empty()) {
        throw InputError("--store, --month and --out are required (see --help)");
    }
    const workflow::Month month = workflow::Month::parse(month_text);
    const workflow::AssessmentConfig config = read_assessment(assessment_path);

    const store::GeoPackageStore store = store::GeoPackageStore::open(store_path);
    const auto snapshot = model::Snapshot::build(store.load(terminal_progress()), 0);
    const workflow::MonthlyStatistics statistics = workflow::monthly_statistics(*snapshot, month, config);
    workflow::write_xlsx_report(statistics, out);
    std::cerr << "wangge report: " << month.to_string() << ": " << statistics.grids.size() << " grids, "
              << statistics.workers.size() << " grid workers, " << statistics.communities.size()
              << " communities to " << out << '\n';
    return 0;
}

}  // namespace wangge::cli
