// `wangge report`: the monthly assessment workbook (DESIGN §3, §5).

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "progress.hpp"
#include "options.hpp"
#include "wangge/basemap/vector_tile.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/service/circles.hpp"
#include "wangge/store/store.hpp"
#include "wangge/store/records.hpp"
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
        "usage: wangge report --store STORE --month YYYY-MM --out FILE.xlsx [--assessment FILE.json] [--basemap FILE]\n\n"
        "Writes the monthly statistics and assessment as a workbook with one sheet per level:\n"
        "网格 (grids), 网格员 (grid workers) and 社区 (communities); then 部门 (吹哨报到 per department),\n"
        "诉求分类 and 诉求区域 (the month's 群众诉求分析), 季度排名 (the quarter to date, 金/银/铜)\n"
        "and 两次不称职 (graded 不称职 twice this year); 15分钟生活圈 (households within each service kind's\n"
        "walking distance, per grid).\n\noptions");
    description.add_options()
        ("help,h", "show this help")
        ("store", po::value(&store_path)->value_name("STORE"),
         "store (GeoPackage file or postgresql:// address; required)")
        ("month", po::value(&month_text)->value_name("YYYY-MM"), "the month, in China Standard Time (required)")
        ("out", po::value(&out)->value_name("FILE.xlsx"), "the workbook to write; replaced if it exists (required)")
        ("rules-config", po::value<std::string>()->value_name("FILE"),
         "the rules config (as for serve) whose \"service_circles\" sets the kinds and distances of the "
         "15分钟生活圈 sheet and how its distances are walked")
        ("basemap", po::value<std::string>()->value_name("FILE"),
         "a vector basemap (as for serve) whose streets the 15分钟生活圈 sheet walks along; without one, "
         "straight lines")
        ("assessment", po::value(&assessment_path)->value_name("FILE.json"),
         "score weights, grade thresholds and visit quota: {\"weights\": {\"on_time\", \"no_rework\", "
         "\"visits\", \"coverage\", \"satisfaction\"}, \"thresholds\": {\"excellent\", \"competent\", \"basic\"}, "
         "\"monthly_household_quota\"}");

    const auto values = parse_options(args, description);
    if (!values) return 0;
    if (store_path.empty() || month_text.empty() || out.empty()) {
        throw InputError("--store, --month and --out are required (see --help)");
    }
    const workflow::Month month = workflow::Month::parse(month_text);
    const workflow::AssessmentConfig config = read_assessment(assessment_path);

    const std::unique_ptr<store::Store> store = store::open_store(store_path);
    const auto snapshot = model::Snapshot::build(store->load(terminal_progress()), 0);
    const workflow::MonthlyStatistics statistics = workflow::monthly_statistics(*snapshot, month, config);
    // Departments as named in their dispatches (the report only reads the store), the month's
    // demands and its quarter's ranking to date with the default medal shares.
    const model::Timestamp now = std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch()).count();
    const auto departments = workflow::department_statistics(*snapshot, month, now, {});
    const workflow::Demands demands = workflow::demands(*snapshot, month);
    const workflow::Ranking ranking = workflow::ranking(
        *snapshot, {month.year, static_cast<int>((month.month - 1) / 3 + 1)}, config, workflow::MedalShares{});
    // The month's household changes of the whole store (the CLI runs with the file's rights).
    const std::vector<workflow::HouseholdChange> versions =
        store::open_records(store_path)->household_versions_between(month.begin(), month.end());
    const workflow::MonthlyHouseholdChanges household_changes = workflow::monthly_household_changes(versions, month);
    // The service circles as the store stands (they have no history).
    const service::CirclesConfig circles_in_force = circles_config(*values);
    service::StreetReader read_streets;
    if (values->count("basemap") != 0U) {
        read_streets = [&] { return basemap::read_street_lines(values->at("basemap").as<std::string>()); };
    }
    const auto network = service::walking_network(circles_in_force, read_streets);
    const std::vector<service::Coverage> coverages =
        service::Coverage::compute_all(*snapshot, circles_in_force.kinds, 0, network);
    std::vector<const service::Coverage*> computed;
    for (const service::Coverage& coverage : coverages) computed.push_back(&coverage);
    const std::vector<service::GridRow> circles = service::grid_rows(*snapshot, computed);
    workflow::write_xlsx_report(statistics, out, {.departments = departments,
                                                  .demands = &demands,
                                                  .ranking = &ranking,
                                                  .household_changes = &household_changes,
                                                  .service_circles = circles});
    std::cerr << "wangge report: " << month.to_string() << ": " << statistics.grids.size() << " grids, "
              << statistics.workers.size() << " grid workers, " << statistics.communities.size()
              << " communities to " << out << '\n';
    return 0;
}

}  // namespace wangge::cli
