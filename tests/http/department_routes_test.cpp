// 吹哨报到 over HTTP (department_routes.hpp, workflow_routes.hpp): the command
// centre dispatches a case to a department, the department's account
// acknowledges it and reports back, the community verifies and closes it;
// other departments and the grid worker are refused (and the refusals
// audited); statistics per department; the departments table.

#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "wangge/store/departments.hpp"
#include "wangge/workflow/month.hpp"
#include "workflow_fixture.hpp"

namespace wangge::http::test {
namespace {

using nlohmann::json;

const json west_case{{"category", "违法建设"}, {"triage", "general"}, {"source", "网格员巡查"},
                     {"description", "楼顶私搭乱建"}, {"lon", 116.405}, {"lat", 39.905}};

class DepartmentRoutes : public WorkflowFixture {
protected:
    DepartmentRoutes() {
        const auth::Actor cli{std::nullopt, "cli:test", "local"};
        auth::AuthService& service = server_.app().auth();
        service.add_user({.name = "cg", .role = auth::Role::department, .grid_codes = {"chengguan"}}, password, cli,
                         gate_->now());
        service.add_user({.name = "wy", .role = auth::Role::department, .grid_codes = {"wuye"}}, password, cli,
                         gate_->now());
        li_ = token_of("li");
        chief_ = token_of("chief");
        cg_ = token_of("cg");
        wy_ = token_of("wy");
    }

    /// A new case in the west grid, filed by the supervisor and dispatched to 城管.
    std::int64_t case_at_chengguan() {
        const Reply reported = call(Method::post, "/incidents", li_, west_case);
        EXPECT_EQ(reported.status, 201U) << reported.body;
        const std::int64_t id = reported.json().at("id").get<std::int64_t>();
        EXPECT_EQ(transition(id, chief_, {{"action", "file"}}).status, 200U);
        const Reply sent = transition(
            id, chief_, {{"action", "dispatch_department"}, {"department", "chengguan"}, {"reason", "社区无执法权"}});
        EXPECT_EQ(sent.status, 200U) << sent.body;
        return id;
    }

    static std::vector<std::string> actions_of(const json& body) {
        std::vector<std::string> actions;
        for (const json& action : body.at("allowed_actions")) actions.push_back(action.at("action"));
        return actions;
    }

    std::string li_, chief_, cg_, wy_;
};

TEST_F(DepartmentRoutes, TheDefaultDepartmentsAreListed) {
    const Reply reply = call(Method::get, "/departments", chief_);
    ASSERT_EQ(reply.status, 200U) << reply.body;
    const json departments = reply.json().at("departments");
    EXPECT_EQ(departments.size(), workflow::default_departments().size());
    EXPECT_EQ(departments.at(0).at("code"), "chengguan");
    EXPECT_EQ(departments.at(0).at("name"), "城管执法");
    EXPECT_EQ(departments.at(0).at("deadline_hours").at("urgent"), 4);
    EXPECT_EQ(call(Method::get, "/departments", "").status, 401U);
}

TEST_F(DepartmentRoutes, DispatchedAcknowledgedResolvedThenClosedByTheCommunity) {
    const std::int64_t id = case_at_chengguan();
    const std::string path = "/incidents/" + std::to_string(id);

    Reply page = call(Method::get, path, chief_);
    ASSERT_EQ(page.status, 200U) << page.body;
    EXPECT_EQ(page.json().at("assignee"), "department:chengguan");
    ASSERT_EQ(page.json().at("departments").size(), 1U);
    EXPECT_EQ(page.json().at("departments").at(0).at("name"), "城管执法");
    EXPECT_EQ(page.json().at("history").back().at("note"),
              "派遣至部门 城管执法（chengguan）；报到时限 2 小时；办理时限 72 小时；原因：社区无执法权");

    // The department sees it with the 报到 button; another department does not see it at all.
    page = call(Method::get, path, cg_);
    ASSERT_EQ(page.status, 200U) << page.body;
    EXPECT_EQ(actions_of(page.json()), std::vector<std::string>{"acknowledge"});
    EXPECT_EQ(call(Method::get, path, wy_).status, 403U);
    // The grid worker may not accept it any more: it is the department's now.
    const Reply accepted = transition(id, li_, {{"action", "accept"}});
    EXPECT_EQ(accepted.status, 409U) << accepted.body;
    EXPECT_EQ(accepted.json().at("error").at("message_zh"), "案件已派遣至职能部门，须由部门报到，不能“签收”");

    const std::size_t denied_before = audit_of("http.denied").total;
    const Reply stranger = transition(id, wy_, {{"action", "acknowledge"}});
    EXPECT_EQ(stranger.status, 403U) << stranger.body;
    EXPECT_EQ(stranger.json().at("error").at("code"), "out_of_scope");
    EXPECT_EQ(audit_of("http.denied").total, denied_before + 1);

    Reply step = transition(id, cg_, {{"action", "acknowledge"}, {"note", "已派执法队员"}});
    ASSERT_EQ(step.status, 200U) << step.body;
    EXPECT_EQ(step.json().at("state"), "in_progress");
    EXPECT_EQ(actions_of(step.json()), std::vector<std::string>{"resolve"});
    EXPECT_TRUE(step.json().at("departments").at(0).at("acknowledged_on_time").get<bool>());
    EXPECT_EQ(transition(id, li_, {{"action", "resolve"}}).status, 403U);
    step = transition(id, cg_, {{"action", "resolve"}, {"note", "违建已拆除"}});
    ASSERT_EQ(step.status, 200U) << step.body;
    EXPECT_TRUE(actions_of(step.json()).empty());  // the community verifies
    EXPECT_EQ(transition(id, cg_, {{"action", "verify"}}).status, 403U);

    ASSERT_EQ(transition(id, chief_, {{"action", "verify"}}).status, 200U);
    const Reply closed = transition(id, chief_, {{"action", "close"}});
    ASSERT_EQ(closed.status, 200U) << closed.body;
    EXPECT_EQ(closed.json().at("state"), "closed");
    const json department = closed.json().at("departments").at(0);
    EXPECT_FALSE(department.at("resolved_at").is_null());
    EXPECT_FALSE(department.at("overdue").get<bool>());

    // Each step in the audit log under the account that made it.
    const auth::AuditPage audit = audit_of("incidents.transition");
    std::vector<std::string> users;
    for (const auth::AuditEntry& entry : audit.entries) users.push_back(entry.user_name);
    EXPECT_EQ(std::count(users.begin(), users.end(), "cg"), 2);

    // The department's list keeps the case after its result; the statistics count it.
    Reply list = call(Method::get, "/departments/chengguan/incidents", cg_);
    ASSERT_EQ(list.status, 200U) << list.body;
    ASSERT_EQ(list.json().at("incidents").size(), 1U);
    EXPECT_EQ(list.json().at("incidents").at(0).at("id"), id);
    EXPECT_FALSE(list.json().at("incidents").at(0).at("at_department").get<bool>());
    EXPECT_EQ(call(Method::get, "/departments/chengguan/incidents", wy_).status, 403U);
    EXPECT_EQ(call(Method::get, "/departments/chengguan/incidents", chief_).json().at("incidents").size(), 1U);
    EXPECT_EQ(call(Method::get, "/departments/nowhere/incidents", chief_).status, 404U);
    EXPECT_EQ(call(Method::get, path, cg_).status, 200U);  // still readable by the department

    const std::string month = workflow::Month::of(gate_->now()).to_string();
    const Reply stats = call(Method::get, "/stats/departments?month=" + month, chief_);
    ASSERT_EQ(stats.status, 200U) << stats.body;
    const json cg = stats.json().at("departments").at(0);
    EXPECT_EQ(cg.at("code"), "chengguan");
    EXPECT_EQ(cg.at("dispatched"), 1);
    EXPECT_EQ(cg.at("acknowledged_on_time"), 1);
    EXPECT_EQ(cg.at("resolved_on_time"), 1);
    EXPECT_EQ(cg.at("overdue_now"), 0);
    EXPECT_EQ(call(Method::get, "/stats/departments", cg_).status, 403U);
}

TEST_F(DepartmentRoutes, DispatchNeedsAKnownDepartmentAndTheCommandCentre) {
    const Reply reported = call(Method::post, "/incidents", li_, west_case);
    const std::int64_t id = reported.json().at("id").get<std::int64_t>();
    ASSERT_EQ(transition(id, chief_, {{"action", "file"}}).status, 200U);
    Reply reply = transition(id, chief_, {{"action", "dispatch_department"}, {"department", "nasa"}, {"reason", "x"}});
    EXPECT_EQ(reply.status, 400U);
    EXPECT_EQ(reply.json().at("error").at("code"), "unknown_department");
    reply = transition(id, chief_, {{"action", "dispatch_department"}, {"reason", "x"}});
    EXPECT_EQ(reply.json().at("error").at("code"), "department_required");
    reply = transition(id, li_, {{"action", "dispatch_department"}, {"department", "wuye"}, {"reason", "x"}});
    EXPECT_EQ(reply.status, 403U);
    // A department cannot take a case nobody dispatched to it.
    reply = transition(id, cg_, {{"action", "acknowledge"}});
    EXPECT_EQ(reply.status, 403U);
    EXPECT_EQ(call(Method::get, "/incidents/" + std::to_string(id), cg_).status, 403U);
}

TEST_F(DepartmentRoutes, AdminsAddDepartmentsThatSurviveARestart) {
    const std::string root = token_of("root");
    const json added{{"code", "shuiwu"}, {"name", "水务"}, {"acknowledge_hours", 1},
                     {"deadline_hours", {{"general", 48}, {"coordination", 96}, {"urgent", 2}}}};
    EXPECT_EQ(call(Method::post, "/departments", chief_, added).status, 403U);
    Reply reply = call(Method::post, "/departments", root, added);
    ASSERT_EQ(reply.status, 201U) << reply.body;
    EXPECT_EQ(audit_of("departments.put").total, 1U);
    json changed = added;
    changed["deadline_hours"]["general"] = 24;
    reply = call(Method::post, "/departments", root, changed);
    EXPECT_EQ(reply.status, 200U) << reply.body;
    json bad = added;
    bad["deadline_hours"]["urgent"] = 0;
    reply = call(Method::post, "/departments", root, bad);
    EXPECT_EQ(reply.status, 400U);
    EXPECT_EQ(reply.json().at("error").at("message_zh"), "紧急事件办理时限须在 1 至 2160 小时之间");
    bad = added;
    bad.erase("deadline_hours");
    EXPECT_EQ(call(Method::post, "/departments", root, bad).status, 400U);

    const std::filesystem::path store_path = server_.store_path();
    (void)stored_data();  // stops the server and closes the app
    const store::DepartmentStore reopened(std::make_unique<store::GeoPackageDepartmentTable>(store_path));
    const std::optional<workflow::Department> shuiwu = reopened.find("shuiwu");
    ASSERT_TRUE(shuiwu.has_value());
    EXPECT_EQ(shuiwu->name, "水务");
    EXPECT_EQ(shuiwu->deadline_hours[0], 24);
    EXPECT_EQ(reopened.list().size(), workflow::default_departments().size() + 1);
}

}  // namespace
}  // namespace wangge::http::test
