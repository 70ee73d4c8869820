#pragma once
// Household upkeep (实时采集、动态管理, issue #15): grid workers add, edit and
// move out the households of their grids. Every change is kept as a version
// of the household (who, when, the row before and after), like the versions
// of a grid layout, and each month the community reports the last month's
// changes (每月初上报上月的变更情况): households added (新增), moved out
// (迁出) and those whose tags changed (标签变化), which is what moves a
// household in or out of the special groups a worker must visit.
//
// Thread safety: reentrant; values only.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/model/entities.hpp"
#include "wangge/workflow/month.hpp"

namespace wangge::workflow {

enum class HouseholdChangeKind { added, edited, moved_out };

/// "added", "edited", "moved_out".
[[nodiscard]] std::string_view to_string(HouseholdChangeKind kind) noexcept;
[[nodiscard]] std::optional<HouseholdChangeKind> parse_household_change_kind(std::string_view text) noexcept;
/// 新增, 修改, 迁出.
[[nodiscard]] std::string_view label_zh(HouseholdChangeKind kind) noexcept;

/// One version of a household: the write that made it.
struct HouseholdChange {
    std::int64_t id = 0;  ///< the version's id, set by the store
    HouseholdChangeKind kind = HouseholdChangeKind::edited;
    model::Timestamp at = 0;
    std::string user{};    ///< who wrote it
    std::string source{};  ///< "map" (a worker's form) or "import" (a file)
    std::optional<model::Household> before{};  ///< empty for added
    model::Household after{};                   ///< as stored; after.id is the household's

    [[nodiscard]] std::int64_t household_id() const noexcept { return after.id; }
};

/// Checks a household as a worker enters it; throws WorkflowError
/// "bad_household" naming the field in Chinese (members 1…99; a compound; tags
/// given once each and not empty; at most 50 characters per text field…).
void check_household(const model::Household& household);

/// The names of the fields `after` changes (location as "location").
[[nodiscard]] std::vector<std::string_view> changed_fields(const model::Household& before,
                                                           const model::Household& after);

/// The tags a change added and removed.
struct TagChange {
    std::vector<std::string> added;
    std::vector<std::string> removed;

    [[nodiscard]] bool empty() const noexcept { return added.empty() && removed.empty(); }
};
[[nodiscard]] TagChange tag_change(const std::vector<std::string>& before, const std::vector<std::string>& after);

/// The month's change list of some households (DESIGN §5): each household at
/// most once, by what the month did to it as a whole.
struct MonthlyHouseholdChanges {
    struct Line {
        const HouseholdChange* last = nullptr;  ///< the month's last change of the household
        TagChange tags{};                       ///< tags_changed: start of month → end of month
    };
    Month month;
    std::vector<Line> added;         ///< added in the month (and not moved out again)
    std::vector<Line> moved_out;     ///< moved out in the month
    std::vector<Line> tags_changed;  ///< present all month, tags differ at its end from its start
};

/// Classifies `changes` (any order; those outside `month` are ignored) into
/// the month's list; every line is ordered by household id. A household
/// added and moved out in the same month appears under moved_out only.
[[nodiscard]] MonthlyHouseholdChanges monthly_household_changes(std::span<const HouseholdChange> changes,
                                                                const Month& month);

}  // namespace wangge::workflow
