#include "wangge/workflow/routing.hpp"

#include <gtest/gtest.h>

#include "fixture.hpp"

using namespace wangge;
using namespace wangge::workflow;
using namespace wangge::workflow::test;

namespace {

const model::Timestamp noon = at("2026-06-01T12:00:00+08:00");

std::string route_error(const model::Snapshot& snapshot, const geo::Point& p, Triage triage) {
    try {
        (void)route(snapshot, p, triage, noon);
    } catch (const WorkflowError& e) {
        return e.code();
    }
    return "routed";
}

}  // namespace

TEST(Routing, GeneralGoesToTheGridsPrimaryWorker) {
    const auto snapshot = community_snapshot();
    const Route r = route(*snapshot, {116.445, 39.925}, Triage::general, noon);
    EXPECT_EQ(r.areas.grid, grid1_code);
    EXPECT_EQ(r.areas.community, community_code);
    EXPECT_EQ(r.areas.street, street_code);
    EXPECT_EQ(r.assignee, "1");
    EXPECT_FALSE(r.near_boundary);
}

TEST(Routing, WithoutAnAWorkerTheBWorkerTakesIt) {
    const auto snapshot = community_snapshot();
    EXPECT_EQ(route(*snapshot, {116.455, 39.925}, Triage::general, noon).assignee, "3");
}

TEST(Routing, WhileTheAWorkerIsOnLeaveTheBWorkerTakesIt) {
    model::Dataset data = community_dataset();
    data.staff[0].leave_from = at("2026-06-01T00:00:00+08:00");
    data.staff[0].leave_until = at("2026-06-08T00:00:00+08:00");
    const auto snapshot = community_snapshot(std::move(data));
    EXPECT_EQ(route(*snapshot, {116.445, 39.925}, Triage::general, noon).assignee, "2");
    // Back from leave: the A岗 again.
    EXPECT_EQ(route(*snapshot, {116.445, 39.925}, Triage::general, at("2026-06-08T00:00:00+08:00")).assignee, "1");
    EXPECT_EQ(route(*snapshot, {116.445, 39.925}, Triage::general, at("2026-05-31T23:59:59+08:00")).assignee, "1");
}

TEST(Routing, WhenTheWholeGridIsOnLeaveItsCommunityTakesIt) {
    model::Dataset data = community_dataset();
    data.staff[0].leave_from = at("2026-06-01T00:00:00+08:00");  // open-ended
    data.staff[1].leave_until = at("2026-06-02T00:00:00+08:00");
    const auto snapshot = community_snapshot(std::move(data));
    EXPECT_EQ(route(*snapshot, {116.445, 39.925}, Triage::general, noon).assignee, community_code);
}

TEST(Routing, GridWithoutStaffFallsBackToItsCommunity) {
    model::Dataset data = community_dataset();
    std::erase_if(data.staff_grids, [](const model::StaffGrid& link) { return link.grid_code == grid2_code; });
    const auto snapshot = community_snapshot(std::move(data));
    EXPECT_EQ(route(*snapshot, {116.455, 39.925}, Triage::general, noon).assignee, community_code);
}

namespace {

/// A dedicated grid (专属网格, a school) over the border of both grids, with its own A岗.
model::Dataset with_school_grid(bool staffed) {
    model::Dataset data = community_dataset();
    model::Grid school{"110105001001901", "示例小学专属网格", model::GridLevel::dedicated, community_code,
                       rectangle(116.448, 39.924, 116.452, 39.926), 0, {}, 1};
    school.purpose = "学校";
    data.grids.push_back(school);
    data.staff.push_back({5, "孙丽", "13800000005", "专职网格员"});
    if (staffed) data.staff_grids.push_back({5, school.code, model::Duty::primary});
    return data;
}

}  // namespace

TEST(Routing, AGeneralCaseInsideADedicatedGridGoesToItsStaffFirst) {
    const auto snapshot = community_snapshot(with_school_grid(true));
    const Route inside = route(*snapshot, {116.449, 39.925}, Triage::general, noon);
    EXPECT_EQ(inside.areas.grid, "110105001001901");
    EXPECT_EQ(inside.areas.community, community_code);
    EXPECT_EQ(inside.areas.street, street_code);
    EXPECT_EQ(inside.assignee, "5");
    // Outside it, the base grid's own A岗 as before.
    EXPECT_EQ(route(*snapshot, {116.445, 39.925}, Triage::general, noon).assignee, "1");
    // Coordination and urgent cases still go up the base chain.
    const Route coordination = route(*snapshot, {116.449, 39.925}, Triage::coordination, noon);
    EXPECT_EQ(coordination.areas.grid, grid1_code);
    EXPECT_EQ(coordination.assignee, community_code);
}

TEST(Routing, ADedicatedGridWithoutStaffAtHandLeavesTheCaseToTheBaseGrid) {
    const auto unstaffed = community_snapshot(with_school_grid(false));
    const Route r = route(*unstaffed, {116.449, 39.925}, Triage::general, noon);
    EXPECT_EQ(r.areas.grid, grid1_code);
    EXPECT_EQ(r.assignee, "1");

    model::Dataset away = with_school_grid(true);
    away.staff[4].leave_from = at("2026-06-01T00:00:00+08:00");
    const auto on_leave = community_snapshot(std::move(away));
    EXPECT_EQ(route(*on_leave, {116.451, 39.925}, Triage::general, noon).areas.grid, grid2_code);
}

TEST(Routing, CoordinationToCommunityUrgentToStreet) {
    const auto snapshot = community_snapshot();
    EXPECT_EQ(route(*snapshot, {116.455, 39.925}, Triage::coordination, noon).assignee, community_code);
    EXPECT_EQ(route(*snapshot, {116.455, 39.925}, Triage::urgent, noon).assignee, street_code);
}

TEST(Routing, PointOnTheSharedBorderGoesToTheSmallerCode) {
    const auto snapshot = community_snapshot();
    const Route r = route(*snapshot, {116.45, 39.925}, Triage::general, noon);
    EXPECT_EQ(r.areas.grid, grid1_code);
    EXPECT_EQ(r.assignee, "1");
    EXPECT_TRUE(r.near_boundary);
}

TEST(Routing, FourGridsMeetingAtACornerFollowTheSameRule) {
    // 2 × 2 grids numbered west→east then north→south, listed in reverse so
    // that data order cannot decide; each has its own A岗 worker (staff id = grid number).
    model::Dataset data;
    data.grids.push_back({street_code, "示例街道", model::GridLevel::street, "", rectangle(116.40, 39.90, 116.42, 39.92), 0, {}, 1});
    data.grids.push_back({community_code, "示例社区", model::GridLevel::community, street_code,
                          rectangle(116.40, 39.90, 116.42, 39.92), 0, {}, 1});
    const struct {
        const char* code;
        double x0, y0;
    } quarters[] = {{"110105001001004", 116.41, 39.90},
                    {"110105001001003", 116.40, 39.90},
                    {"110105001001002", 116.41, 39.91},
                    {"110105001001001", 116.40, 39.91}};
    for (const auto& q : quarters) {
        data.grids.push_back({q.code, q.code, model::GridLevel::grid, community_code,
                              rectangle(q.x0, q.y0, q.x0 + 0.01, q.y0 + 0.01), 0, {}, 1});
        const std::int64_t staff_id = q.code[14] - '0';
        data.staff.push_back({staff_id, "网格员" + std::to_string(staff_id), "", "专职网格员"});
        data.staff_grids.push_back({staff_id, q.code, model::Duty::primary});
    }
    const auto snapshot = community_snapshot(std::move(data));
    const auto grid_at = [&](double lon, double lat) { return route(*snapshot, {lon, lat}, Triage::general, noon); };

    EXPECT_EQ(grid_at(116.41, 39.91).areas.grid, "110105001001001");  // the corner of all four
    EXPECT_EQ(grid_at(116.41, 39.91).assignee, "1");
    EXPECT_EQ(grid_at(116.41, 39.915).areas.grid, "110105001001001");  // 001 | 002
    EXPECT_EQ(grid_at(116.415, 39.91).areas.grid, "110105001001002");  // 002 over 004
    EXPECT_EQ(grid_at(116.415, 39.91).assignee, "2");
    EXPECT_EQ(grid_at(116.41, 39.905).areas.grid, "110105001001003");  // 003 | 004
    EXPECT_EQ(grid_at(116.405, 39.91).areas.grid, "110105001001001");  // 001 over 003
    EXPECT_EQ(grid_at(116.415, 39.905).areas.grid, "110105001001004");  // inside 004 only
    // The street's outer border still belongs to the grid inside it.
    EXPECT_EQ(grid_at(116.42, 39.905).areas.grid, "110105001001004");
}

TEST(Routing, OutsideEveryGridAndMissingLevelsAreErrors) {
    const auto snapshot = community_snapshot();
    EXPECT_EQ(route_error(*snapshot, {116.0, 39.0}, Triage::general), "outside_grids");

    model::Dataset lone;
    lone.grids.push_back({"110105009009009", "独立网格", model::GridLevel::grid, "", rectangle(116.0, 39.0, 116.1, 39.1), 0, {}, 1});
    const auto alone = community_snapshot(std::move(lone));
    EXPECT_EQ(route_error(*alone, {116.05, 39.05}, Triage::urgent), "no_assignee");
    EXPECT_EQ(route_error(*alone, {116.05, 39.05}, Triage::coordination), "no_assignee");
    try {
        (void)route(*alone, {116.05, 39.05}, Triage::urgent, noon);
    } catch (const WorkflowError& e) {
        EXPECT_EQ(e.message_zh(), "网格 110105009009009 没有上级街道，无法分派紧急事件");
    }
}

TEST(Routing, AreasOfAnUnknownCodeKeepOnlyTheCode) {
    const auto snapshot = community_snapshot();
    const Areas areas = areas_of(*snapshot, "999");
    EXPECT_EQ(areas.grid, "999");
    EXPECT_TRUE(areas.community.empty());
    EXPECT_TRUE(areas.street.empty());
}

TEST(Escalation, UrgentIncidentsNotAcceptedInTime) {
    const model::Timestamp t0 = at("2026-10-10T09:00:00");
    std::vector<model::Incident> incidents{
        incident(1, grid1_code, "热线", "urgent", street_code, "2026-10-10T09:00:00", "reported"),
        incident(2, grid1_code, "热线", "urgent", street_code, "2026-10-10T08:00:00", "in_progress"),
        incident(3, grid1_code, "热线", "general", "1", "2026-10-09T08:00:00", "dispatched"),
        incident(4, grid1_code, "热线", "urgent", street_code, "2026-10-10T08:50:00", "filed"),
        incident(5, grid1_code, "热线", "urgent", street_code, "2026-10-09T08:00:00", "dispatched"),
        incident(6, grid1_code, "热线", "urgent", street_code, "2026-10-09T08:00:00", "voided"),
    };
    // Incident 5 was returned and dispatched again at 09:20: its wait restarts then.
    const std::vector<model::IncidentEvent> events{
        {1, 5, at("2026-10-10T09:10:00"), "2", "resolved", "returned", "核查未通过"},
        {2, 5, at("2026-10-10T09:20:00"), "9", "returned", "dispatched", ""},
    };
    const IncidentHistories histories(events);
    const EscalationPolicy& policy = shipped_config().escalation;
    ASSERT_EQ(policy.limit(Triage::urgent), 30 * 60);
    EXPECT_FALSE(policy.limit(Triage::general));

    // 09:29:59: only incident 4 (reported 08:50) has waited 30 minutes.
    auto due = escalations_due(incidents, histories, policy, t0 + 29 * 60 + 59);
    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(due[0].incident_id, 4);
    EXPECT_EQ(due[0].overdue_s, 9 * 60 + 59);

    // 09:30 exactly: incident 1 is due too, with nothing overdue yet.
    due = escalations_due(incidents, histories, policy, t0 + 30 * 60);
    ASSERT_EQ(due.size(), 2U);
    EXPECT_EQ(due[0].incident_id, 4);
    EXPECT_EQ(due[1].incident_id, 1);
    EXPECT_EQ(due[1].overdue_s, 0);
    EXPECT_EQ(due[1].assignee, street_code);
    EXPECT_EQ(due[1].due_at, t0 + 30 * 60);

    // 09:50: incident 5, re-dispatched at 09:20, joins.
    due = escalations_due(incidents, histories, policy, t0 + 50 * 60);
    ASSERT_EQ(due.size(), 3U);
    EXPECT_EQ(due[2].incident_id, 5);
    EXPECT_EQ(due[2].waiting_since, at("2026-10-10T09:20:00"));
}
