#pragma once
// Functional departments and their step of a case: 吹哨报到 (DESIGN §5).
//
// A case the community cannot settle is dispatched by the command centre
// (supervisor, admin) to a department (城管执法, 市场监管…) with the action
// dispatch_department: the incident goes to `dispatched` and its assignee
// becomes "department:<code>". The department acknowledges (报到: dispatched →
// in_progress) within its acknowledgement time, handles the case and reports
// back (resolve: in_progress → resolved) within its handling time; then the
// community verifies and closes it as any other case (or returns it).
//
// The department's clock counts from the department dispatch, not from the
// community's first dispatch; its hours are the department's per triage,
// written into the dispatch event's note (department_dispatch_note()) so that
// the history alone tells the step's deadlines even after the department's
// table changes. Suspensions pause it and extensions approved during the step
// lengthen it, as for the community's clock (deadlines.hpp).
//
// Thread safety: plain values and reentrant functions.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wangge/model/entities.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/workflow/deadlines.hpp"
#include "wangge/workflow/month.hpp"
#include "wangge/workflow/states.hpp"

namespace wangge::workflow {

struct Department {
    std::string code;  ///< 1–32 ASCII letters and digits, starting with a letter, e.g. "chengguan"
    std::string name;  ///< e.g. 城管执法
    std::int64_t acknowledge_hours = 2;          ///< 报到 within this many hours of the dispatch
    std::array<std::int64_t, 3> deadline_hours{};  ///< handling time per Triage, from the dispatch

    [[nodiscard]] std::int64_t deadline_seconds(Triage triage) const noexcept {
        return deadline_hours[static_cast<std::size_t>(triage)] * 3600;
    }

    friend bool operator==(const Department&, const Department&) = default;
};

/// Throws WorkflowError "invalid_department" naming the field: a code of
/// 1–32 letters and digits starting with a letter, a name of 1–50
/// characters, hours between 1 and 24 × 90.
void check_department(const Department& department);

/// The set every new store starts with: 城管执法, 市场监管, 生态环境, 住房城建,
/// 消防救援, 公安派出所, 物业服务, 综治中心.
[[nodiscard]] std::span<const Department> default_departments() noexcept;

/// "department:chengguan": the assignee of a case at that department.
[[nodiscard]] std::string department_assignee(std::string_view code);
/// The department code of an assignee; empty when it is not a department.
[[nodiscard]] std::string_view department_of_assignee(std::string_view assignee) noexcept;
/// True while the case is assigned to a department.
[[nodiscard]] bool at_department(const model::Incident& incident) noexcept;

/// "派遣至部门 城管执法（chengguan）；报到时限 2 小时；办理时限 48 小时；原因：…":
/// the note of a department dispatch, as the map shows it and as
/// department_steps() reads it back.
[[nodiscard]] std::string department_dispatch_note(const Department& department, Triage triage,
                                                   std::string_view reason);

/// One department step of a case, from its dispatch to its result.
struct DepartmentStep {
    std::int64_t incident_id = 0;
    std::string code;
    std::string name;
    model::Timestamp dispatched_at = 0;
    std::int64_t acknowledge_s = 0;
    std::int64_t allowed_s = 0;   ///< handling time + extensions approved during the step
    std::int64_t extended_s = 0;  ///< the extensions' part of allowed_s
    std::int64_t paused_s = 0;    ///< suspended between the dispatch and `stopped`
    std::optional<model::Timestamp> acknowledged_at;
    std::optional<model::Timestamp> resolved_at;
    /// The step ended without a result: dispatched elsewhere, voided or closed.
    std::optional<model::Timestamp> withdrawn_at;
    model::Timestamp stopped = 0;  ///< result, withdrawal, or `now`
    std::int64_t used_s = 0;       ///< stopped - dispatched_at - paused_s

    [[nodiscard]] bool open() const noexcept { return !resolved_at && !withdrawn_at; }
    [[nodiscard]] model::Timestamp acknowledge_due() const noexcept { return dispatched_at + acknowledge_s; }
    /// When used_s reaches allowed_s if the clock keeps running from `stopped`.
    [[nodiscard]] model::Timestamp due() const noexcept { return stopped + (allowed_s - used_s); }
    /// 报到 within acknowledge_s; false while not yet acknowledged.
    [[nodiscard]] bool acknowledged_on_time() const noexcept {
        return acknowledged_at && *acknowledged_at <= acknowledge_due();
    }
    [[nodiscard]] bool overdue() const noexcept { return used_s > allowed_s; }
    [[nodiscard]] bool resolved_on_time() const noexcept { return resolved_at && !overdue(); }
    [[nodiscard]] Light light() const noexcept;
};

/// The department steps of one incident's history (time order) at `now`, in
/// dispatch order.
[[nodiscard]] std::vector<DepartmentStep> department_steps(std::span<const model::IncidentEvent> history,
                                                           model::Timestamp now);

/// {"code","name","dispatched_at","acknowledge_due","acknowledged_at","acknowledged_on_time",
///  "due","resolved_at","withdrawn_at","allowed_s","extended_s","used_s","overdue","light","light_zh"}.
[[nodiscard]] nlohmann::json to_json(const DepartmentStep& step);

/// Per department, over a month (+08:00).
struct DepartmentStatistics {
    std::string code;
    std::string name;
    int dispatched = 0;            ///< steps dispatched in the month
    int acknowledged_on_time = 0;  ///< of those, acknowledged within the time
    int resolved = 0;              ///< of those, with a result by `now`
    int resolved_on_time = 0;      ///< of those, within the time
    int overdue_now = 0;           ///< open steps past their deadline at `now` (any month)
};

/// Every department in `departments` (in that order), then any other
/// department found in the history, by code. Reads only the histories of
/// incidents that ever went to a department.
[[nodiscard]] std::vector<DepartmentStatistics> department_statistics(const model::Snapshot& snapshot,
                                                                      const Month& month, model::Timestamp now,
                                                                      std::span<const Department> departments);

/// {"month", "departments": [{"code","name","dispatched","acknowledged_on_time","resolved",
///  "resolved_on_time","overdue_now"}…]}.
[[nodiscard]] nlohmann::json to_json(const Month& month, std::span<const DepartmentStatistics> statistics);

}  // namespace wangge::workflow
