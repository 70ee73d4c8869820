// `wangge validate`: check a grid layout against the boundary rules (DESIGN §3, §4).

#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "progress.hpp"
#include "options.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/rules/grid_source.hpp"
#include "wangge/rules/validator.hpp"

namespace wangge::cli {

namespace {

/// Redraws at most once per percent: the engine reports every pair it checks.
rules::Progress percent_progress() {
    store::Progress draw = terminal_progress();
    if (!draw) return {};
    return [draw, shown = std::size_t{101}](std::size_t done, std::size_t total) mutable {
        const std::size_t percent = total == 0 ? 100 : done * 100 / total;
        if (percent == shown) return;
        shown = percent;
        draw("validate %", percent, 100);
    };
}

}  // namespace

int validate_command(const Args& args) {
    namespace po = boost::program_options;
    std::string source;
    std::string layer;
    std::string parent_source;
    std::string format = "json";
    rules::Options options;

    po::options_description description(
        "usage: wangge validate FILE [--layer L] [--parent FILE] [--min-width-m 0.05] [--min-area-m2 1] "
        "[--format json|text]\n\n"
        "Checks a grid layout (any OGR source with code, name, level, parent_code) for invalid geometry,\n"
        "overlaps, gaps, grids outside their parent, unknown parents, code errors, near-miss borders and,\n"
        "when the source has a households layer, household counts, and with a staff_grids layer (a store),\n"
        "grids without exactly one A岗. Prints the report on stdout.\n"
        "Exit status: 0 valid (warnings allowed), 1 violations, 2 input not readable.\n\noptions");
    description.add_options()
        ("help,h", "show this help")
        ("layer", po::value(&layer)->value_name("L"), "layer of FILE (default: 'grids' if present, else the first)")
        ("parent", po::value(&parent_source)->value_name("FILE"), "parents (e.g. communities) in another source")
        ("format", po::value(&format)->value_name("json|text")->default_value(format), "report format");
    add_rule_options(description, options);
    const auto values = parse_options(args, description, &source);
    if (!values) return 0;
    if (source.empty()) throw InputError("FILE is required (see --help)");
    if (format != "json" && format != "text") throw InputError("--format must be json or text");
    finish_rule_options(*values, options);

    rules::GridFile layout = rules::read_grid_file(source, layer);
    std::vector<model::Grid> parents;
    if (!parent_source.empty()) parents = rules::read_grid_file(parent_source).grids;
    options.households = std::move(layout.households);
    options.residents = std::move(layout.residents);
    options.buildings = std::move(layout.buildings);
    options.primary_staff = std::move(layout.primary_staff);

    const rules::Validator validator(std::move(layout.grids), options, std::move(parents));
    const rules::Report report = validator.validate_all(percent_progress());
    if (format == "json") {
        std::cout << rules::to_json(report).dump(2) << '\n';
    } else {
        std::cout << rules::to_text(report);
    }
    return report.valid() ? 0 : 1;
}

}  // namespace wangge::cli
