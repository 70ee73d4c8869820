#pragma once
// The validation report of DESIGN §4: violations of the boundary rules, as
// plain values, rendered to the JSON contract or to a readable text table.
//
// Thread safety: plain values; free functions are reentrant.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace wangge::rules {

/// Rule ids used in reports and the UI, in the order reports list them.
namespace rule {
inline constexpr std::string_view invalid_geometry = "invalid_geometry";
inline constexpr std::string_view duplicate_code = "duplicate_code";
inline constexpr std::string_view code_format = "code_format";
inline constexpr std::string_view parent_missing = "parent_missing";
inline constexpr std::string_view overlap = "overlap";
inline constexpr std::string_view gap = "gap";
inline constexpr std::string_view outside_parent = "outside_parent";
inline constexpr std::string_view edge_mismatch = "edge_mismatch";
inline constexpr std::string_view household_count = "household_count";
inline constexpr std::string_view no_primary_staff = "no_primary_staff";
inline constexpr std::string_view residents_count = "residents_count";
inline constexpr std::string_view compound_split = "compound_split";
inline constexpr std::string_view community_households = "community_households";
}  // namespace rule

enum class Severity { error, warning };
[[nodiscard]] std::string_view to_string(Severity severity) noexcept;

/// A proposed fix for a gap or overlap piece; reported, never applied.
struct Repair {
    std::string assign_to;                 ///< the grid that should own the piece
    std::vector<std::string> remove_from;  ///< grids that should give it up (overlaps)
    double shared_edge_m = 0.0;            ///< border the piece shares with assign_to
    std::string basis;                     ///< "longest_shared_edge" or "fewer_households"
};

struct Violation {
    std::string rule;
    Severity severity = Severity::error;
    std::vector<std::string> grids;   ///< codes involved
    std::optional<double> area_m2;    ///< for pieces of area
    std::optional<double> length_m;   ///< for borders
    nlohmann::json geometry;          ///< GeoJSON in lon/lat; null when the rule has none
    std::string message;              ///< Simplified Chinese, for the map and the planner
    std::string reason;               ///< GEOS's own reason for invalid_geometry
    std::optional<Repair> repair;
};

struct Report {
    std::size_t grids = 0;
    double elapsed_ms = 0.0;
    std::vector<Violation> violations;

    /// True when no violation is an error (warnings do not invalidate).
    [[nodiscard]] bool valid() const noexcept;
    /// Violations per rule id.
    [[nodiscard]] std::map<std::string, std::size_t> summary() const;
};

/// Orders violations by rule, then codes, then size, so reports are stable.
void sort_violations(std::vector<Violation>& violations);

/// {"valid","grids","elapsed_ms","summary","violations":[...]} as in DESIGN §4.
[[nodiscard]] nlohmann::json to_json(const Report& report);
[[nodiscard]] nlohmann::json to_json(const Violation& violation);
/// A table for terminals: one line per violation, then the summary.
[[nodiscard]] std::string to_text(const Report& report);

}  // namespace wangge::rules
