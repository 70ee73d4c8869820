#include "wangge/rules/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <tuple>

namespace wangge::rules {

namespace {

constexpr std::array rule_order{rule::invalid_geometry, rule::duplicate_code,  rule::code_format,
                                rule::parent_missing,   rule::overlap,         rule::gap,
                                rule::outside_parent,   rule::edge_mismatch,   rule::household_count,
                                rule::no_primary_staff, rule::residents_count, rule::compound_split,
                                rule::community_households};

std::size_t rank(std::string_view id) {
    return static_cast<std::size_t>(std::find(rule_order.begin(), rule_order.end(), id) - rule_order.begin());
}

/// Millimetre-level rounding keeps reports readable and stable across runs.
double rounded(double value) { return std::round(value * 1000.0) / 1000.0; }

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const std::string& part : parts) {
        if (!out.empty()) out += separator;
        out += part;
    }
    return out;
}

}  // namespace

std::string_view to_string(Severity severity) noexcept { return severity == Severity::error ? "error" : "warning"; }

bool Report::valid() const noexcept {
    return std::none_of(violations.begin(), violations.end(),
                        [](const Violation& v) { return v.severity == Severity::error; });
}

std::map<std::string, std::size_t> Report::summary() const {
    std::map<std::string, std::size_t> counts;
    for (const Violation& v : violations) ++counts[v.rule];
    return counts;
}

void sort_violations(std::vector<Violation>& violations) {
    std::stable_sort(violations.begin(), violations.end(), [](const Violation& a, const Violation& b) {
        return std::tuple(rank(a.rule), a.grids, a.area_m2.value_or(0.0), a.length_m.value_or(0.0)) <
               std::tuple(rank(b.rule), b.grids, b.area_m2.value_or(0.0), b.length_m.value_or(0.0));
    });
}

nlohmann::json to_json(const Violation& violation) {
    nlohmann::json out{{"rule", violation.rule},
                       {"severity", to_string(violation.severity)},
                       {"grids", violation.grids}};
    if (violation.area_m2) out["area_m2"] = rounded(*violation.area_m2);
    if (violation.length_m) out["length_m"] = rounded(*violation.length_m);
    out["geometry"] = violation.geometry;
    out["message"] = violation.message;
    if (!violation.reason.empty()) out["reason"] = violation.reason;
    if (violation.repair) {
        const Repair& repair = *violation.repair;
        out["repair"] = {{"action", "assign"},
                         {"assign_to", repair.assign_to},
                         {"remove_from", repair.remove_from},
                         {"shared_edge_m", rounded(repair.shared_edge_m)},
                         {"basis", repair.basis}};
    }
    return out;
}

nlohmann::json to_json(const Report& report) {
    nlohmann::json violations = nlohmann::json::array();
    for (const Violation& v : report.violations) violations.push_back(to_json(v));
    nlohmann::json summary = nlohmann::json::object();
    for (const auto& [id, count] : report.summary()) summary[id] = count;
    return {{"valid", report.valid()},
            {"grids", report.grids},
            {"elapsed_ms", std::round(report.elapsed_ms * 10.0) / 10.0},
            {"summary", summary},
            {"violations", violations}};
}

std::string to_text(const Report& report) {
    std::ostringstream out;
    for (const Violation& v : report.violations) {
        out << to_string(v.severity) << '\t' << v.rule << '\t' << join(v.grids, ",") << '\t';
        if (v.area_m2) out << rounded(*v.area_m2) << " m2";
        if (v.length_m) out << rounded(*v.length_m) << " m";
        out << '\t' << v.message;
        if (v.repair) out << "  → " << v.repair->assign_to;
        out << '\n';
    }
    out << (report.valid() ? "valid" : "INVALID") << ": " << report.grids << " grids, " << report.violations.size()
        << " violations in " << std::round(report.elapsed_ms) << " ms";
    for (const auto& [id, count] : report.summary()) out << "; " << id << ' ' << count;
    out << '\n';
    return out.str();
}

}  // namespace wangge::rules
