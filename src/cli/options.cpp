#include "options.hpp"

#include <pwd.h>
#include <unistd.h>

#include <iostream>

#include "wangge/error.hpp"

namespace po = boost::program_options;

namespace wangge::cli {

std::optional<po::variables_map> parse_options(const Args& args, const po::options_description& options,
                                               std::string* positional) {
    po::options_description all;
    all.add(options);
    po::positional_options_description positions;
    if (positional != nullptr) {
        // Hidden from --help: the usage line names the positional argument.
        all.add_options()("positional-argument", po::value(positional));
        positions.add("positional-argument", 1);
    }
    po::variables_map values;
    po::store(po::command_line_parser(args).options(all).positional(positions).run(), values);
    po::notify(values);
    if (values.count("help") != 0) {
        std::cout << options;
        return std::nullopt;
    }
    return values;
}

void add_rule_options(po::options_description& options, rules::Options& rules) {
    options.add_options()
        ("min-width-m", po::value(&rules.min_width_m)->default_value(rules.min_width_m)->value_name("M"),
         "gaps and overlaps narrower than this are noise")
        ("min-area-m2", po::value(&rules.min_area_m2)->default_value(rules.min_area_m2)->value_name("M2"),
         "gaps and overlaps smaller than this are noise")
        ("edge-tolerance-m", po::value(&rules.edge_tolerance_m)->default_value(rules.edge_tolerance_m)->value_name("M"),
         "neighbours' vertices this close must be shared")
        ("households-min", po::value(&rules.households_min)->default_value(rules.households_min)->value_name("N"),
         "fewest households per grid (household_count warning)")
        ("households-max", po::value(&rules.households_max)->default_value(rules.households_max)->value_name("N"),
         "most households per grid (household_count warning)");
}

void check_rule_options(const rules::Options& rules) {
    if (!(rules.min_width_m >= 0) || !(rules.min_area_m2 >= 0) || !(rules.edge_tolerance_m >= 0)) {
        throw InputError("--min-width-m, --min-area-m2 and --edge-tolerance-m must not be negative");
    }
    if (rules.households_min < 0 || rules.households_max < rules.households_min) {
        throw InputError("--households-min must not be negative nor above --households-max");
    }
}

auth::Actor cli_actor() {
    const passwd* account = getpwuid(geteuid());
    const std::string name = account != nullptr ? account->pw_name : "uid " + std::to_string(geteuid());
    return {std::nullopt, "cli:" + name, "local"};
}

}  // namespace wangge::cli
