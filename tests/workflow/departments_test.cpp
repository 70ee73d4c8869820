// The department step of 吹哨报到 (workflow/departments.hpp): its clock from
// the department dispatch (start, acknowledgement, extension, suspension,
// overdue), and the statistics per department.
#include "wangge/workflow/departments.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <vector>

#include "fixture.hpp"
#include "wangge/workflow/history.hpp"

using namespace wangge;
using namespace wangge::workflow;
using namespace wangge::workflow::test;

namespace {

const model::Timestamp t0 = at("2026-10-10T09:00:00+08:00");
constexpr std::int64_t hour = 3600;

const Department& chengguan() { return default_departments()[0]; }  // 2 h to acknowledge, 72 h general

/// Incident 7's history: reported, filed, dispatched to the community, then to 城管 at t0 + 1 h.
std::vector<model::IncidentEvent> dispatched_to_department(Triage triage = Triage::general) {
    return {{1, 7, t0 - 2 * hour, "居民", "", "reported", "楼顶违建"},
            {2, 7, t0 - hour, "sup", "reported", "filed", ""},
            {3, 7, t0, "sup", "filed", "dispatched", ""},
            {4, 7, t0 + hour, "sup", "dispatched", "dispatched", department_dispatch_note(chengguan(), triage, "社区无执法权")}};
}

model::IncidentEvent event(std::int64_t id, model::Timestamp when, const char* from, const char* to, std::string note = {}) {
    return {id, 7, when, "cg", from, to, std::move(note)};
}

}  // namespace

TEST(Departments, TheClockStartsAtTheDepartmentDispatch) {
    const std::vector<model::IncidentEvent> history = dispatched_to_department();
    const std::vector<DepartmentStep> steps = department_steps(history, t0 + 3 * hour);
    ASSERT_EQ(steps.size(), 1U);
    const DepartmentStep& step = steps[0];
    EXPECT_EQ(step.code, "chengguan");
    EXPECT_EQ(step.name, "城管执法");
    EXPECT_EQ(step.dispatched_at, t0 + hour);
    EXPECT_EQ(step.acknowledge_s, 2 * hour);
    EXPECT_EQ(step.allowed_s, 72 * hour);
    EXPECT_EQ(step.used_s, 2 * hour);
    EXPECT_EQ(step.due(), t0 + hour + 72 * hour);
    EXPECT_EQ(step.acknowledge_due(), t0 + 3 * hour);
    EXPECT_TRUE(step.open());
    EXPECT_FALSE(step.acknowledged_on_time());  // not yet acknowledged
    EXPECT_EQ(step.light(), Light::green);
    // The triage chooses the hours: an urgent case has 4.
    EXPECT_EQ(department_steps(dispatched_to_department(Triage::urgent), t0)[0].allowed_s, 4 * hour);
}

TEST(Departments, AcknowledgementAndResultOnTime) {
    std::vector<model::IncidentEvent> history = dispatched_to_department();
    history.push_back(event(5, t0 + 2 * hour, "dispatched", "in_progress"));  // 报到 after 1 h
    history.push_back(event(6, t0 + 30 * hour, "in_progress", "resolved", "已拆除"));
    const DepartmentStep step = department_steps(history, t0 + 100 * hour).at(0);
    EXPECT_EQ(step.acknowledged_at, t0 + 2 * hour);
    EXPECT_TRUE(step.acknowledged_on_time());
    EXPECT_EQ(step.resolved_at, t0 + 30 * hour);
    EXPECT_FALSE(step.open());
    EXPECT_EQ(step.used_s, 29 * hour);  // stops at the result, not at `now`
    EXPECT_TRUE(step.resolved_on_time());
}

TEST(Departments, LateAcknowledgementAndOverdue) {
    std::vector<model::IncidentEvent> history = dispatched_to_department();
    history.push_back(event(5, t0 + 4 * hour, "dispatched", "in_progress"));  // 3 h: late
    DepartmentStep step = department_steps(history, t0 + 73 * hour).at(0);
    EXPECT_FALSE(step.acknowledged_on_time());
    EXPECT_FALSE(step.overdue());  // exactly the 72 h allowed
    step = department_steps(history, t0 + 73 * hour + 1).at(0);
    EXPECT_TRUE(step.overdue());
    EXPECT_EQ(step.light(), Light::red);
    history.push_back(event(6, t0 + 80 * hour, "in_progress", "resolved"));
    step = department_steps(history, t0 + 90 * hour).at(0);
    EXPECT_TRUE(step.resolved_at.has_value());
    EXPECT_FALSE(step.resolved_on_time());
}

TEST(Departments, ExtensionsDuringTheStepLengthenItAndSuspensionsPauseIt) {
    std::vector<model::IncidentEvent> history = dispatched_to_department();
    // An extension before the department dispatch belongs to the community's clock only.
    history.insert(history.begin() + 3, event(10, t0 + hour / 2, "dispatched", "dispatched", extension_note(5, "主任", "早先")));
    history.push_back(event(5, t0 + 2 * hour, "dispatched", "in_progress"));
    history.push_back(event(6, t0 + 10 * hour, "in_progress", "in_progress", extension_note(24, "主任", "需产权单位配合")));
    history.push_back(event(7, t0 + 20 * hour, "in_progress", "suspended", approval_note("主任", "等待鉴定")));
    history.push_back(event(8, t0 + 30 * hour, "suspended", "in_progress"));
    const DepartmentStep step = department_steps(history, t0 + 41 * hour).at(0);
    EXPECT_EQ(step.extended_s, 24 * hour);
    EXPECT_EQ(step.allowed_s, 96 * hour);
    EXPECT_EQ(step.paused_s, 10 * hour);
    EXPECT_EQ(step.used_s, 30 * hour);
    EXPECT_EQ(step.due(), t0 + 41 * hour + 66 * hour);
    EXPECT_EQ(to_json(step).at("light"), "green");
}

TEST(Departments, ARedispatchEndsTheFirstStep) {
    std::vector<model::IncidentEvent> history = dispatched_to_department();
    history.push_back(event(5, t0 + 5 * hour, "dispatched", "dispatched",
                            department_dispatch_note(default_departments()[7], Triage::general, "改由综治中心协调")));
    const std::vector<DepartmentStep> steps = department_steps(history, t0 + 200 * hour);
    ASSERT_EQ(steps.size(), 2U);
    EXPECT_EQ(steps[0].withdrawn_at, t0 + 5 * hour);
    EXPECT_FALSE(steps[0].open());
    EXPECT_EQ(steps[0].used_s, 4 * hour);
    EXPECT_EQ(steps[1].code, "zongzhi");
    EXPECT_TRUE(steps[1].open());
    EXPECT_TRUE(steps[1].overdue());
}

TEST(Departments, NotesOfOtherEventsAreNoDispatch) {
    const std::vector<model::IncidentEvent> history{
        {1, 7, t0, "x", "filed", "dispatched", "派遣至部门 城管执法"},  // typed by hand: no hours
        {2, 7, t0 + 1, "x", "dispatched", "in_progress", department_dispatch_note(chengguan(), Triage::general, "")}};
    EXPECT_TRUE(department_steps(history, t0 + 10).empty());
}

TEST(Departments, ChecksCodesNamesAndHours) {
    for (const Department& department : default_departments()) EXPECT_NO_THROW(check_department(department));
    const auto code_of = [](Department department) {
        try {
            check_department(department);
        } catch (const WorkflowError& e) {
            EXPECT_FALSE(e.message_zh().empty());
            return e.code();
        }
        return std::string("ok");
    };
    Department d = chengguan();
    d.code = "1abc";
    EXPECT_EQ(code_of(d), "invalid_department");
    d.code = "cheng-guan";
    EXPECT_EQ(code_of(d), "invalid_department");
    d = chengguan();
    d.name = "城管（东区）";
    EXPECT_EQ(code_of(d), "invalid_department");
    d.name = "";
    EXPECT_EQ(code_of(d), "invalid_department");
    d = chengguan();
    d.deadline_hours[2] = 0;
    EXPECT_EQ(code_of(d), "invalid_department");
    d = chengguan();
    d.acknowledge_hours = 24 * 91;
    EXPECT_EQ(code_of(d), "invalid_department");
    EXPECT_EQ(department_of_assignee("department:wuye"), "wuye");
    EXPECT_EQ(department_of_assignee("110105001001"), "");
}

TEST(Departments, StatisticsPerDepartment) {
    model::Dataset data = community_dataset();
    const Month october = Month::parse("2026-10");
    // 7: acknowledged and resolved on time in October. 8: acknowledged late, still open and overdue.
    // 9: dispatched in September, still open and overdue (counted as overdue now only).
    data.incidents.push_back(incident(7, grid1_code, "居民上报", "general", "department:chengguan", "2026-10-10T07:00:00+08:00", "resolved"));
    data.incidents.push_back(incident(8, grid1_code, "热线", "general", "department:chengguan", "2026-10-10T07:00:00+08:00", "in_progress"));
    data.incidents.push_back(incident(9, grid2_code, "热线", "general", "department:wuye", "2026-09-01T07:00:00+08:00", "dispatched"));
    for (model::IncidentEvent e : dispatched_to_department()) {
        data.incident_events.push_back(e);
        e.id += 100;
        e.incident_id = 8;
        data.incident_events.push_back(e);
    }
    data.incident_events.push_back(event(5, t0 + 2 * hour, "dispatched", "in_progress"));
    data.incident_events.push_back(event(6, t0 + 30 * hour, "in_progress", "resolved"));
    data.incident_events.push_back({105, 8, t0 + 5 * hour, "cg", "dispatched", "in_progress", ""});
    data.incident_events.push_back({201, 9, at("2026-09-02T09:00:00+08:00"), "sup", "filed", "dispatched",
                                    department_dispatch_note(default_departments()[6], Triage::general, "物业失管")});
    const auto snapshot = community_snapshot(std::move(data));
    const auto rows = department_statistics(*snapshot, october, t0 + 200 * hour, default_departments());
    ASSERT_EQ(rows.size(), default_departments().size());
    const auto& cg = rows[0];
    EXPECT_EQ(cg.code, "chengguan");
    EXPECT_EQ(cg.dispatched, 2);
    EXPECT_EQ(cg.acknowledged_on_time, 1);
    EXPECT_EQ(cg.resolved, 1);
    EXPECT_EQ(cg.resolved_on_time, 1);
    EXPECT_EQ(cg.overdue_now, 1);
    const auto& wuye = rows[6];
    EXPECT_EQ(wuye.code, "wuye");
    EXPECT_EQ(wuye.dispatched, 0);
    EXPECT_EQ(wuye.overdue_now, 1);
    const nlohmann::json json = to_json(october, rows);
    EXPECT_EQ(json.at("month"), "2026-10");
    EXPECT_EQ(json.at("departments").at(0).at("overdue_now"), 1);
    // A department missing from the table still shows, after the listed ones.
    const auto unlisted = department_statistics(*snapshot, october, t0 + 200 * hour, {});
    ASSERT_EQ(unlisted.size(), 2U);
    EXPECT_EQ(unlisted[0].code, "chengguan");
    EXPECT_EQ(unlisted[1].name, "物业服务");
}
