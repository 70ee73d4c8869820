// Staffing over HTTP (staff_routes.hpp): AB岗 assignment by planners, leave
// marked by supervisors in their scope, the B岗 taking over new cases during
// the A岗's leave, the no_primary_staff message, refusals that store nothing,
// and every change audited and stored in the GeoPackage.

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_app.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

using nlohmann::json;

// sample_dataset(): grid 110105001001001 has 张伟 (1) as A岗 and 李娜 (2) as B岗,
// grid 110105001001002 has nobody, grid 110105001002001 has 王芳 (3) as A岗.
const std::string west_grid = "110105001001001";
const std::string east_grid = "110105001001002";
const std::string general_case_in_west_grid =
    R"({"category":"违法建设","triage":"general","source":"网格员巡查","description":"楼道堆物","lon":116.405,"lat":39.905})";

/// One server for the suite (accounts are slow to make under the sanitizers);
/// each test leaves the staffing it found, except the east grid's assignment.
class StaffRoutes : public ::testing::Test {
protected:
    static void SetUpTestSuite() { server_ = std::make_unique<TestServer>(); }
    static void TearDownTestSuite() { server_.reset(); }

    static Reply put(const Account& who, const std::string& target, const std::string& body) {
        return server_->call(who, Method::put, target, body);
    }
    static json grid_staff(const std::string& code) {
        const Reply reply = server_->get_as(users::planner, "/grids/" + code + "/staff");
        EXPECT_EQ(reply.status, 200U) << reply.body;
        return reply.json();
    }
    static std::size_t audit_count(const std::string& action) {
        return server_->get_as(users::admin, "/audit?limit=1&action=" + action).json().at("total").get<std::size_t>();
    }
    static std::string assignee_of_new_case() {
        const Reply reply = server_->call(users::worker, Method::post, "/incidents", general_case_in_west_grid);
        EXPECT_EQ(reply.status, 201U) << reply.body;
        return reply.json().at("assignee").get<std::string>();
    }

    static std::unique_ptr<TestServer> server_;
};
std::unique_ptr<TestServer> StaffRoutes::server_;

TEST_F(StaffRoutes, AGridsStaffComeAFirstWithTheRulesMessageWhenItLacksItsAPost) {
    const json west = grid_staff(west_grid);
    ASSERT_EQ(west.at("staff").size(), 2U);
    EXPECT_EQ(west.at("staff")[0].at("name"), "张伟");
    EXPECT_EQ(west.at("staff")[0].at("duty"), "A");
    EXPECT_EQ(west.at("staff")[1].at("duty"), "B");
    EXPECT_TRUE(west.at("no_primary_staff").is_null());

    EXPECT_EQ(server_->get_as(users::planner, "/grids/999/staff").status, 404U);
    const json found = server_->get_as(users::supervisor, "/staff?q=%E6%9D%8E").json();  // 李
    ASSERT_EQ(found.at("staff").size(), 1U);
    EXPECT_EQ(found.at("staff")[0].at("grids")[0].at("code"), west_grid);
}

TEST_F(StaffRoutes, APlannerAssignsTheEmptyGridItsAPostAndTheStoreKeepsIt) {
    const json east = grid_staff(east_grid);
    EXPECT_TRUE(east.at("staff").empty());
    EXPECT_NE(east.at("no_primary_staff").get<std::string>().find("没有 A岗"), std::string::npos);

    const std::size_t audited = audit_count("staff.assign");
    const Reply reply = put(users::planner, "/grids/" + east_grid + "/staff", R"({"staff":[{"id":2,"duty":"A"}]})");
    ASSERT_EQ(reply.status, 200U) << reply.body;
    EXPECT_EQ(reply.json().at("staff")[0].at("name"), "李娜");
    EXPECT_TRUE(reply.json().at("no_primary_staff").is_null());
    EXPECT_EQ(audit_count("staff.assign"), audited + 1);
    // The grid's public card names the new staff at once.
    const json card = server_->get("/collections/grids/items/" + east_grid).json();
    EXPECT_EQ(card.at("properties").at("staff")[0].at("name"), "李娜");

    // Read through a connection of its own, as another process would.
    const model::Dataset stored = store::GeoPackageStore::open(server_->store_path()).load();
    int east_links = 0;
    for (const model::StaffGrid& link : stored.staff_grids) {
        if (link.grid_code == east_grid) {
            ++east_links;
            EXPECT_EQ(link.staff_id, 2);
            EXPECT_EQ(link.duty, model::Duty::primary);
        }
    }
    EXPECT_EQ(east_links, 1);
}

TEST_F(StaffRoutes, BadAssignmentsAreRefusedInChineseAndChangeNothing) {
    const auto refused = [&](const std::string& body, unsigned status, const std::string& code) {
        const Reply reply = put(users::planner, "/grids/" + west_grid + "/staff", body);
        EXPECT_EQ(reply.status, status) << body << " → " << reply.body;
        EXPECT_EQ(reply.json().at("error").at("code"), code) << body;
        EXPECT_FALSE(reply.json().at("error").at("message_zh").get<std::string>().empty());
    };
    refused(R"({"staff":[{"id":1,"duty":"A"},{"id":2,"duty":"A"}]})", 400, "two_primary_staff");
    refused(R"({"staff":[{"id":1,"duty":"A"},{"id":1,"duty":"B"}]})", 400, "duplicate_staff");
    refused(R"({"staff":[{"id":99,"duty":"A"}]})", 404, "unknown_staff");
    refused(R"({"staff":[{"id":1,"duty":"C"}]})", 400, "bad_request");
    refused(R"({"staff":{"id":1}})", 400, "bad_request");
    refused(R"({})", 400, "bad_request");
    EXPECT_EQ(put(users::planner, "/grids/999/staff", R"({"staff":[]})").status, 404U);
    EXPECT_EQ(grid_staff(west_grid).at("staff").size(), 2U);

    // Supervisors and grid workers do not assign; the refusal is audited.
    const std::size_t denied = audit_count("http.denied");
    EXPECT_EQ(put(users::supervisor, "/grids/" + west_grid + "/staff", R"({"staff":[]})").status, 403U);
    EXPECT_EQ(put(users::worker, "/grids/" + west_grid + "/staff", R"({"staff":[]})").status, 403U);
    EXPECT_EQ(audit_count("http.denied"), denied + 2);
    EXPECT_EQ(grid_staff(west_grid).at("staff").size(), 2U);
}

TEST_F(StaffRoutes, DutyDaysAreSetPostedOnThePublicCardAndKeptWhenLeftOut) {
    const std::string target = "/grids/" + west_grid + "/staff";
    const Reply set = put(users::planner, target,
                          R"({"staff":[{"id":1,"duty":"A","duty_days":[1,2,3,4,5]},)"
                          R"({"id":2,"duty":"B","duty_days":"周六、周日"}]})");
    ASSERT_EQ(set.status, 200U) << set.body;
    EXPECT_EQ(set.json().at("staff")[0].at("duty_days"), "周一至周五");
    EXPECT_EQ(set.json().at("staff")[0].at("duty_weekdays"), json({1, 2, 3, 4, 5}));
    EXPECT_EQ(set.json().at("staff")[1].at("duty_days"), "周六、周日");
    EXPECT_EQ(set.json().at("staff")[1].at("duty_weekdays"), json({6, 7}));
    const json audited = server_->get_as(users::admin, "/audit?limit=1&action=staff.assign").json().at("entries")[0];
    EXPECT_EQ(audited.at("detail"), "A:1@周一至周五,B:2@周六、周日");

    // Residents read the days (公示值班安排) on every public card without an account.
    EXPECT_EQ(server_->get("/public/grids/" + west_grid).json().at("staff")[0].at("duty_days"), "周一至周五");
    EXPECT_EQ(server_->get("/collections/grids/items/" + west_grid).json().at("properties").at("staff")[1].at("duty_days"),
              "周六、周日");
    EXPECT_EQ(server_->get("/lookup?lon=116.405&lat=39.905").json().at("staff")[0].at("duty_days"), "周一至周五");
    const json found = server_->get_as(users::supervisor, "/staff?q=%E6%9D%8E").json();
    for (const json& link : found.at("staff")[0].at("grids")) {
        if (link.at("code") == west_grid) {
            EXPECT_EQ(link.at("duty_days"), "周六、周日");  // 李娜's days in this grid
        }
    }

    // A list that leaves the days out (an older client) keeps them; bad days change nothing.
    ASSERT_EQ(put(users::planner, target, R"({"staff":[{"id":1,"duty":"A"},{"id":2,"duty":"B"}]})").status, 200U);
    for (const char* days : {"[0]", "[8]", "[1.5]", R"("周八")", "5", R"({"mon":true})"}) {
        const Reply bad = put(users::planner, target,
                              std::string(R"({"staff":[{"id":1,"duty":"A","duty_days":)") + days + "}]}");
        EXPECT_EQ(bad.status, 400U) << days << " → " << bad.body;
        EXPECT_NE(bad.json().at("error").at("message_zh").get<std::string>().find("值班日"), std::string::npos);
    }
    const json kept = grid_staff(west_grid);
    EXPECT_EQ(kept.at("staff")[0].at("duty_days"), "周一至周五");
    EXPECT_EQ(kept.at("staff")[1].at("duty_days"), "周六、周日");
    for (const model::StaffGrid& link : store::GeoPackageStore::open(server_->store_path()).load().staff_grids) {
        if (link.grid_code == west_grid) {
            EXPECT_EQ(link.duty_days, link.staff_id == 1 ? 0x1f : 0x60);
        }
    }

    // null and [] clear them, leaving the grid as the other tests found it.
    const Reply cleared = put(users::planner, target,
                              R"({"staff":[{"id":1,"duty":"A","duty_days":null},{"id":2,"duty":"B","duty_days":[]}]})");
    ASSERT_EQ(cleared.status, 200U) << cleared.body;
    EXPECT_TRUE(cleared.json().at("staff")[0].at("duty_days").is_null());
    EXPECT_EQ(cleared.json().at("staff")[1].at("duty_weekdays"), json::array());
}

TEST_F(StaffRoutes, WhileTheAPostIsOnLeaveTheBPostGetsNewCases) {
    EXPECT_EQ(assignee_of_new_case(), "1");
    const Reply leave = put(users::supervisor, "/staff/1/leave", R"({"from":"2020-01-01","until":"2099-12-31"})");
    ASSERT_EQ(leave.status, 200U) << leave.body;
    EXPECT_TRUE(leave.json().at("on_leave").get<bool>());
    EXPECT_EQ(leave.json().at("leave").at("from"), "2020-01-01");
    EXPECT_EQ(leave.json().at("leave").at("until"), "2099-12-31");
    EXPECT_EQ(assignee_of_new_case(), "2");

    const Reply back = put(users::supervisor, "/staff/1/leave", R"({"from":null,"until":null})");
    ASSERT_EQ(back.status, 200U) << back.body;
    EXPECT_TRUE(back.json().at("leave").is_null());
    EXPECT_EQ(assignee_of_new_case(), "1");
    EXPECT_GE(audit_count("staff.leave"), 2U);
}

TEST_F(StaffRoutes, LeaveIsCheckedAndScoped) {
    EXPECT_EQ(put(users::planner, "/staff/1/leave", R"({"from":"2026-03-10","until":"2026-03-01"})").status, 400U);
    EXPECT_EQ(put(users::planner, "/staff/1/leave", R"({"from":"3月1日"})").status, 400U);
    EXPECT_EQ(put(users::planner, "/staff/99/leave", R"({"from":"2026-03-01"})").status, 404U);
    // 王芳 works in grid 110105001002001, outside the supervisor's community.
    const Reply outside = put(users::supervisor, "/staff/3/leave", R"({"from":"2026-03-01"})");
    EXPECT_EQ(outside.status, 403U) << outside.body;
    EXPECT_EQ(outside.json().at("error").at("code"), "out_of_scope");
    EXPECT_EQ(put(users::worker, "/staff/1/leave", R"({"from":"2026-03-01"})").status, 403U);
    const json staff = server_->get_as(users::planner, "/staff?q=%E7%8E%8B").json().at("staff");  // 王
    ASSERT_EQ(staff.size(), 1U);
    EXPECT_TRUE(staff[0].at("leave").is_null());
}

}  // namespace
}  // namespace wangge::http::test
