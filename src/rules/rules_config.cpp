#include "wangge/rules/rules_config.hpp"

#include <fstream>
#include <string>
#include <variant>

#include "wangge/error.hpp"

namespace wangge::rules {

namespace {

/// One threshold: its key and where Options keeps it.
struct Threshold {
    std::string_view key;
    std::variant<double Options::*, int Options::*> member;
};

constexpr Threshold thresholds[] = {
    {"min_width_m", &Options::min_width_m},
    {"min_area_m2", &Options::min_area_m2},
    {"edge_tolerance_m", &Options::edge_tolerance_m},
    {"households_min", &Options::households_min},
    {"households_max", &Options::households_max},
    {"residents_min", &Options::residents_min},
    {"residents_max", &Options::residents_max},
    {"community_households_max", &Options::community_households_max},
};

}  // namespace

nlohmann::json thresholds_json(const Options& options) {
    nlohmann::json out = nlohmann::json::object();
    for (const Threshold& t : thresholds) {
        std::visit([&](auto member) { out[std::string(t.key)] = options.*member; }, t.member);
    }
    return out;
}

void apply_thresholds(const nlohmann::json& config, Options& options,
                      const std::function<bool(std::string_view key)>& skip) {
    if (!config.is_object()) throw InputError("a rules config must be a JSON object of thresholds");
    for (const auto& [key, value] : config.items()) {
        // The service circles' kinds share the file; service/config.hpp reads them.
        if (key == "service_circles") continue;
        const Threshold* found = nullptr;
        for (const Threshold& t : thresholds) {
            if (t.key == key) found = &t;
        }
        if (found == nullptr) throw InputError("unknown rules config key '" + key + "'");
        if (skip && skip(key)) continue;
        std::visit(
            [&](auto member) {
                using Value = std::remove_reference_t<decltype(options.*member)>;
                const bool fits = std::is_same_v<Value, int> ? value.is_number_integer() : value.is_number();
                if (!fits) {
                    throw InputError("rules config '" + key + "' must be " +
                                     (std::is_same_v<Value, int> ? "an integer" : "a number"));
                }
                options.*member = value.get<Value>();
            },
            found->member);
    }
}

void apply_thresholds_file(const std::filesystem::path& path, Options& options,
                           const std::function<bool(std::string_view key)>& skip) {
    std::ifstream in(path);
    if (!in) throw InputError("cannot read the rules config " + path.string());
    nlohmann::json config;
    try {
        config = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw InputError("the rules config " + path.string() + " is not JSON: " + e.what());
    }
    apply_thresholds(config, options, skip);
}

void check_thresholds(const Options& options) {
    if (!(options.min_width_m >= 0) || !(options.min_area_m2 >= 0) || !(options.edge_tolerance_m >= 0)) {
        throw InputError("min_width_m, min_area_m2 and edge_tolerance_m must not be negative");
    }
    if (options.households_min < 0 || options.households_max < options.households_min) {
        throw InputError("households_min must not be negative nor above households_max");
    }
    if (options.residents_min < 0 || options.residents_max < options.residents_min) {
        throw InputError("residents_min must not be negative nor above residents_max");
    }
    if (options.community_households_max < 0) throw InputError("community_households_max must not be negative");
}

}  // namespace wangge::rules
