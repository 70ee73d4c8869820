#pragma once
// The configurable tables of the workflow, read from JSON (data/categories.json):
// incident categories with a handling deadline per triage, and how long an
// incident may wait to be accepted before it is escalated.
//
//   {"categories": [{"name": "违法建设", "name_en": "illegal construction",
//                    "code": "illegal_construction", "group": "城市管理",
//                    "description": "私搭乱建…", "keywords": ["违建", …],
//                    "deadline_hours": {"general": 120, "coordination": 240, "urgent": 4}}, …],
//    "escalation_minutes": {"urgent": 30},
//    "medal_shares": {"gold": 0.1, "silver": 0.2, "bronze": 0.3}}
//
// code, group, description and keywords are optional and describe the
// category as an Open311 GeoReport v2 service: only categories with a code
// are offered there, so a code is a stable public identifier (lower-case
// ASCII letters, digits, '_' and '-').
//
// escalation_minutes may be fractions (0.5: 30 seconds, at least one second).
//
// Deadlines are calendar hours, not working hours: the clock runs through
// nights, weekends and holidays (grid work is on call every day, and a
// holiday calendar would be one more table to keep in sync).
//
// Thread safety: immutable after loading; share freely.

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wangge/workflow/assessment.hpp"
#include "wangge/workflow/states.hpp"

namespace wangge::workflow {

struct Category {
    std::string name;     ///< stored in model::Incident::category, e.g. 违法建设
    std::string name_en;  ///< e.g. "illegal construction"
    std::string code;     ///< Open311 service_code, e.g. "illegal_construction"; empty: not offered
    std::string group;    ///< e.g. 城市管理
    std::string description;
    std::vector<std::string> keywords;
    /// Allowed handling time in calendar hours, indexed by Triage.
    std::array<std::int64_t, 3> deadline_hours{};

    [[nodiscard]] std::int64_t deadline_seconds(Triage triage) const noexcept {
        return deadline_hours[static_cast<std::size_t>(triage)] * 3600;
    }
};

class CategoryTable {
public:
    /// Throws InputError naming the offending entry.
    [[nodiscard]] static CategoryTable from_json(const nlohmann::json& document);

    [[nodiscard]] std::span<const Category> categories() const noexcept { return categories_; }
    /// nullptr for a category not in the table.
    [[nodiscard]] const Category* find(std::string_view name) const noexcept;
    /// Throws WorkflowError "unknown_category".
    [[nodiscard]] const Category& at(std::string_view name) const;
    /// The category with that Open311 service code; nullptr for none (and for "").
    [[nodiscard]] const Category* find_code(std::string_view code) const noexcept;

private:
    std::vector<Category> categories_;
};

/// How long an incident of each triage may wait to be accepted (moved to
/// in_progress) before it is escalated; nullopt: never escalated.
struct EscalationPolicy {
    std::array<std::optional<std::int64_t>, 3> accept_within_s{};

    [[nodiscard]] static EscalationPolicy from_json(const nlohmann::json& document);
    [[nodiscard]] std::optional<std::int64_t> limit(Triage triage) const noexcept {
        return accept_within_s[static_cast<std::size_t>(triage)];
    }
};

struct WorkflowConfig {
    CategoryTable categories;
    EscalationPolicy escalation;
    /// "medal_shares": {"gold", "silver", "bronze"} of the ranking (assessment.hpp); defaults 10/20/30 %.
    MedalShares medals{};

    /// Reads a file in the format above; throws InputError when it cannot be read or is malformed.
    [[nodiscard]] static WorkflowConfig load(const std::filesystem::path& path);
    [[nodiscard]] static WorkflowConfig from_json(const nlohmann::json& document);
};

}  // namespace wangge::workflow
