#include "options.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "wangge/error.hpp"
#include "wangge/rules/rules_config.hpp"

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
         "most households per grid (household_count warning)")
        ("residents-min", po::value(&rules.residents_min)->default_value(rules.residents_min)->value_name("N"),
         "fewest residents per grid (residents_count warning)")
        ("residents-max", po::value(&rules.residents_max)->default_value(rules.residents_max)->value_name("N"),
         "most residents per grid (residents_count warning)")
        ("community-households-max",
         po::value(&rules.community_households_max)->default_value(rules.community_households_max)->value_name("N"),
         "most households per community (community_households warning)")
        ("rules-config", po::value<std::string>()->value_name("FILE"),
         "JSON object of these thresholds (keys with _: households_min…); options given here win");
}

void finish_rule_options(const po::variables_map& values, rules::Options& rules) {
    if (values.count("rules-config") != 0) {
        rules::apply_thresholds_file(values["rules-config"].as<std::string>(), rules, [&values](std::string_view key) {
            std::string option(key);
            std::replace(option.begin(), option.end(), '_', '-');
            return values.count(option) != 0 && !values[option].defaulted();
        });
    }
    rules::check_thresholds(rules);
}

service::CirclesConfig circles_config(const po::variables_map& values) {
    if (values.count("rules-config") == 0) return {};
    return service::load_config_file(values["rules-config"].as<std::string>());
}

auth::Actor cli_actor() {
    const passwd* account = getpwuid(geteuid());
    const std::string name = account != nullptr ? account->pw_name : "uid " + std::to_string(geteuid());
    return {std::nullopt, "cli:" + name, "local"};
}

}  // namespace wangge::cli
