// The workflow routes end to end: a real GeoPackage store in a temp dir, the
// Writer, sessions from the auth module, and the Beast server on an ephemeral
// port (workflow_fixture.hpp).

#include "wangge/http/workflow_routes.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <ogrsf_frmts.h>

#include "support/workbook.hpp"
#include "wangge/auth/audit.hpp"
#include "wangge/model/time.hpp"
#include "wangge/workflow/month.hpp"
#include "workflow_fixture.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;

using test::west_grid;

/// The system clock moved to noon of the 15th of the month it is in (+08:00) when called, and running
/// on from there: a case reported, handled and counted in the month's statistics within one test
/// stays in one month, whenever the suite runs (the last seconds of a month included).
std::function<model::Timestamp()> mid_month_clock() {
    const auto system_now = [] {
        return static_cast<model::Timestamp>(
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count());
    };
    const model::Timestamp started = system_now();
    const model::Timestamp mid_month = workflow::Month::of(started).begin() + 14 * 86400 + 12 * 3600;
    return [=] { return mid_month + (system_now() - started); };
}

class WorkflowRoutesTest : public test::WorkflowFixture {
protected:
    WorkflowRoutesTest() : test::WorkflowFixture(mid_month_clock()) {}

    /// Reports a general case in the west grid.
    test::Reply report_in_west_grid(const std::string& token) {
        return call(Method::post, "/incidents", token,
                    {{"category", "违法建设"},
                     {"triage", "general"},
                     {"source", "网格员巡查"},
                     {"description", "楼顶私搭乱建"},
                     {"lon", 116.405},
                     {"lat", 39.905}});
    }

    std::int64_t id_of_new_case(const std::string& token) {
        const test::Reply reply = report_in_west_grid(token);
        EXPECT_EQ(reply.status, 201U) << reply.body;
        return reply.json().at("id").get<std::int64_t>();
    }
};

using support::read_sheet;
using support::Sheet;

TEST_F(WorkflowRoutesTest, IncidentGoesFromReportToClosureAndIsStoredDurably) {
    const std::string worker = token_of("li");
    const std::string supervisor = token_of("chief");

    const test::Reply reported = report_in_west_grid(worker);
    ASSERT_EQ(reported.status, 201U) << reported.body;
    const json created = reported.json();
    const auto id = created.at("id").get<std::int64_t>();
    EXPECT_GT(id, 3);  // the sample's incidents keep 1–3
    EXPECT_EQ(created.at("grid_code"), west_grid);
    EXPECT_EQ(created.at("assignee"), "1");
    EXPECT_EQ(created.at("state"), "reported");
    EXPECT_TRUE(created.at("light").is_null());  // no clock before dispatch
    EXPECT_EQ(created.at("history").size(), 1U);
    EXPECT_EQ(reported.header("Location"), "/incidents/" + std::to_string(id));

    // A grid worker may not file: the engine's role table answers 403.
    const test::Reply refused = transition(id, worker, {{"action", "file"}});
    EXPECT_EQ(refused.status, 403U) << refused.body;
    EXPECT_EQ(refused.json()["error"]["code"], "forbidden");
    EXPECT_FALSE(refused.json()["error"]["message_zh"].get<std::string>().empty());

    const std::vector<std::pair<std::string, std::string>> steps{
        {"file", supervisor},   {"dispatch", supervisor}, {"accept", worker},
        {"resolve", worker},    {"verify", supervisor},   {"close", supervisor}};
    const std::vector<std::string> states{"filed", "dispatched", "in_progress", "resolved", "verified", "closed"};
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const test::Reply reply = transition(id, steps[i].second, {{"action", steps[i].first}, {"note", "第" + std::to_string(i + 1) + "步"}});
        ASSERT_EQ(reply.status, 200U) << steps[i].first << ": " << reply.body;
        EXPECT_EQ(reply.json().at("state"), states[i]);
        if (steps[i].first == "dispatch") {
            EXPECT_FALSE(reply.json().at("deadline").is_null());
            EXPECT_EQ(reply.json().at("light"), "green");
        }
    }

    const test::Reply illegal = transition(id, worker, {{"action", "accept"}});
    EXPECT_EQ(illegal.status, 409U) << illegal.body;
    EXPECT_EQ(illegal.json()["error"]["code"], "illegal_transition");

    const test::Reply read = call(Method::get, "/incidents/" + std::to_string(id), worker);
    ASSERT_EQ(read.status, 200U) << read.body;
    EXPECT_EQ(read.json().at("state"), "closed");
    ASSERT_EQ(read.json().at("history").size(), 7U);
    EXPECT_EQ(read.json()["history"][6]["actor"], "chief");

    const std::string month = workflow::Month::of(gate_->now()).to_string();
    const test::Reply stats = call(Method::get, "/stats?month=" + month + "&level=grid", supervisor);
    ASSERT_EQ(stats.status, 200U) << stats.body;
    EXPECT_FALSE(stats.json().contains("workers"));
    bool counted = false;
    const json statistics = stats.json();
    for (const json& unit : statistics.at("grids")) {
        if (unit.at("key").get<std::string>() != west_grid) continue;
        counted = true;
        EXPECT_EQ(unit.at("reported"), 1);
        EXPECT_EQ(unit.at("closed"), 1);
        EXPECT_EQ(unit.at("closed_on_time"), 1);
    }
    EXPECT_TRUE(counted) << stats.body;

    // The monthly workbook, as the meeting downloads it, opened with GDAL; limited to the supervisor's community.
    const test::Reply workbook = call(Method::get, "/stats/report.xlsx?month=" + month, supervisor);
    ASSERT_EQ(workbook.status, 200U) << workbook.body;
    EXPECT_EQ(workbook.header("Content-Type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    EXPECT_NE(workbook.header("Content-Disposition").find("wangge-" + month + ".xlsx"), std::string::npos);
    const std::filesystem::path saved = server_.dir() / "meeting.xlsx";
    std::ofstream(saved, std::ios::binary) << workbook.body;
    const Sheet grids = read_sheet(saved, "网格", "网格编码");
    ASSERT_TRUE(grids.contains(west_grid));
    EXPECT_EQ(grids.at(west_grid).at("上报数"), "1");
    EXPECT_EQ(grids.at(west_grid).at("结案数"), "1");
    EXPECT_EQ(grids.at(west_grid).at("按期结案数"), "1");
    EXPECT_EQ(grids.at(west_grid).at("按期结案率(%)"), "100");
    EXPECT_FALSE(grids.contains("110105001002001"));  // outside the supervisor's community
    const Sheet communities = read_sheet(saved, "社区", "社区编码");
    EXPECT_EQ(communities.size(), 1U);
    EXPECT_EQ(communities.at("110105001001").at("社区名称"), "吉庆里社区");
    EXPECT_EQ(call(Method::get, "/stats/report.xlsx?month=2026-13", supervisor).status, 400U);
    EXPECT_EQ(call(Method::get, "/stats/report.xlsx", "").status, 401U);

    // Every stored write is in the audit log: who, what, which record; the refused "file" is not.
    const auth::AuditPage reports = audit_of("incidents.report");
    ASSERT_EQ(reports.total, 1U);
    EXPECT_EQ(reports.entries[0].user_name, "li");
    EXPECT_EQ(reports.entries[0].collection, "incidents");
    EXPECT_EQ(reports.entries[0].record_ids, std::vector<std::string>{std::to_string(id)});
    EXPECT_NE(reports.entries[0].detail.find(west_grid), std::string::npos) << reports.entries[0].detail;
    const auth::AuditPage transitions = audit_of("incidents.transition");
    ASSERT_EQ(transitions.total, 6U);
    EXPECT_EQ(transitions.entries[0].user_name, "chief");  // newest first: the closure
    EXPECT_EQ(transitions.entries[0].detail.rfind("close: verified → closed (event ", 0), 0U)
        << transitions.entries[0].detail;
    EXPECT_EQ(transitions.entries[3].user_name, "li");  // the acceptance
    EXPECT_EQ(transitions.entries[3].detail.rfind("accept: dispatched → in_progress", 0), 0U);
    for (const auth::AuditEntry& entry : transitions.entries) {
        EXPECT_EQ(entry.record_ids, std::vector<std::string>{std::to_string(id)});
        EXPECT_EQ(entry.outcome, auth::Outcome::ok);
    }

    // Durability: the file alone, reopened, holds the case and every event.
    const model::Dataset stored = stored_data();
    const auto incident = std::find_if(stored.incidents.begin(), stored.incidents.end(),
                                       [&](const model::Incident& i) { return i.id == id; });
    ASSERT_NE(incident, stored.incidents.end());
    EXPECT_EQ(incident->state, "closed");
    EXPECT_EQ(incident->assignee, "1");
    EXPECT_TRUE(incident->closed_at.has_value());
    std::vector<std::string> to_states;
    for (const model::IncidentEvent& event : stored.incident_events) {
        if (event.incident_id == id) to_states.push_back(event.to_state);
    }
    EXPECT_EQ(to_states, (std::vector<std::string>{"reported", "filed", "dispatched", "in_progress", "resolved",
                                                   "verified", "closed"}));
}

TEST_F(WorkflowRoutesTest, RefusesAnonymousOutOfScopeAndBadInput) {
    const std::string worker = token_of("li");
    const std::string other_worker = token_of("wang");
    const std::int64_t id = id_of_new_case(worker);

    const test::Reply anonymous =
        call(Method::post, "/incidents/" + std::to_string(id) + "/transitions", "", {{"action", "accept"}});
    EXPECT_EQ(anonymous.status, 401U);
    EXPECT_EQ(anonymous.json()["error"]["message_zh"], "请先登录");
    const test::Reply outside = transition(id, other_worker, {{"action", "accept"}});
    EXPECT_EQ(outside.status, 403U) << outside.body;
    EXPECT_EQ(outside.json()["error"]["code"], "out_of_scope");
    EXPECT_EQ(outside.json()["error"]["message_zh"], "该记录不在您负责的网格范围内");

    const test::Reply off_map = call(Method::post, "/incidents", worker,
                                     {{"category", "违法建设"},
                                      {"source", "网格员巡查"},
                                      {"description", "城外"},
                                      {"lon", 100.0},
                                      {"lat", 30.0}});
    EXPECT_EQ(off_map.status, 400U) << off_map.body;
    EXPECT_EQ(off_map.json()["error"]["code"], "outside_grids");
    EXPECT_TRUE(off_map.json()["error"].contains("message_zh"));

    const test::Reply not_json = test::Client(port_).request(
        Method::post, "/incidents", {{"Authorization", "Bearer " + worker}, {"Content-Type", "application/json"}},
        "{not json");
    EXPECT_EQ(not_json.status, 400U);
    const test::Reply untyped = test::Client(port_).request(
        Method::post, "/incidents", {{"Authorization", "Bearer " + worker}}, R"({"category":"违法建设"})");
    EXPECT_EQ(untyped.status, 415U);
    EXPECT_EQ(transition(id, worker, {{"action", "fly"}}).status, 400U);
    EXPECT_EQ(transition(id, worker, {{"action", "accept"}, {"colour", "red"}}).status, 400U);
    EXPECT_EQ(call(Method::get, "/incidents/999999", worker).status, 404U);
    EXPECT_EQ(call(Method::get, "/stats?level=street", worker).status, 400U);
    EXPECT_EQ(call(Method::get, "/stats?month=2026-13", worker).status, 400U);
}

TEST_F(WorkflowRoutesTest, LongTextsAreRefusedWithAChineseMessage) {
    const std::string worker = token_of("li");
    const std::string long_text(4001, 'x');
    const test::Reply description = call(Method::post, "/incidents", worker,
                                         {{"category", "违法建设"},
                                          {"source", "网格员巡查"},
                                          {"description", long_text},
                                          {"lon", 116.405},
                                          {"lat", 39.905}});
    EXPECT_EQ(description.status, 400U) << description.body;
    EXPECT_EQ(description.json()["error"]["code"], "too_long");
    EXPECT_EQ(description.json()["error"]["message_zh"], "事件描述不能超过4000个字");
    // Characters, not bytes: 4000 Chinese characters (12000 bytes) are fine.
    std::string chinese;
    for (int i = 0; i < 4000; ++i) chinese += "字";
    EXPECT_EQ(call(Method::post, "/incidents", worker,
                   {{"category", "违法建设"}, {"source", "网格员巡查"}, {"description", chinese}, {"lon", 116.405},
                    {"lat", 39.905}})
                  .status,
              201U);
    const test::Reply kind = call(Method::post, "/visits", worker, {{"household_id", 1}, {"kind", std::string(51, 'k')}});
    EXPECT_EQ(kind.status, 400U) << kind.body;
    EXPECT_EQ(kind.json()["error"]["message_zh"], "走访类型不能超过50个字");
    const test::Reply note = call(Method::post, "/visits", worker,
                                  {{"household_id", 1}, {"kind", "日常走访"}, {"note", std::string(2001, 'n')}});
    EXPECT_EQ(note.status, 400U) << note.body;
    EXPECT_EQ(note.json()["error"]["code"], "too_long");
    const std::int64_t id = id_of_new_case(worker);
    EXPECT_EQ(transition(id, worker, {{"action", "accept"}, {"note", std::string(2001, 'n')}}).status, 400U);
}

TEST_F(WorkflowRoutesTest, ListsOverdueIncidentsOfAnArea) {
    const std::string worker = token_of("li");
    const std::string supervisor = token_of("chief");
    const std::int64_t id = id_of_new_case(worker);
    ASSERT_EQ(transition(id, supervisor, {{"action", "file"}}).status, 200U);
    ASSERT_EQ(transition(id, supervisor, {{"action", "dispatch"}}).status, 200U);

    const test::Reply today = call(Method::get, "/incidents/overdue?area=110105001001", supervisor);
    ASSERT_EQ(today.status, 200U) << today.body;
    EXPECT_EQ(today.json().at("count"), 0);

    // 违法建设 general allows 120 h; thirty days on, the case is overdue in its grid, community and street.
    const std::string later = model::format_iso8601(gate_->now() + 30 * 86400);
    for (const std::string area : {"110105001001001", "110105001001", "110105001"}) {
        const test::Reply overdue =
            call(Method::get, "/incidents/overdue?area=" + area + "&now=" + percent_encode(later), supervisor);
        ASSERT_EQ(overdue.status, 200U) << overdue.body;
        ASSERT_EQ(overdue.json().at("count"), 1) << area;
        EXPECT_EQ(overdue.json()["incidents"][0]["id"], id);
        EXPECT_EQ(overdue.json()["incidents"][0]["clock"]["light"], "red");
    }
    EXPECT_EQ(call(Method::get, "/incidents/overdue?area=999", supervisor).status, 404U);
}

TEST_F(WorkflowRoutesTest, RecordsVisitsAndListsWhatIsStillDue) {
    const std::string worker = token_of("li");
    const test::Reply visit = call(Method::post, "/visits", worker, {{"household_id", 1}, {"kind", "日常走访"}});
    ASSERT_EQ(visit.status, 201U) << visit.body;
    EXPECT_EQ(visit.json().at("staff_id"), 1);
    EXPECT_GT(visit.json().at("id").get<std::int64_t>(), 0);

    // Household 8 lies in another grid, and a grid worker records only their own visits.
    EXPECT_EQ(call(Method::post, "/visits", worker, {{"household_id", 8}, {"kind", "日常走访"}}).status, 403U);
    EXPECT_EQ(call(Method::post, "/visits", worker, {{"household_id", 2}, {"kind", "日常走访"}, {"staff_id", 3}}).status,
              403U);

    const test::Reply due = call(Method::get, "/visits/due?staff=1", worker);
    ASSERT_EQ(due.status, 200U) << due.body;
    EXPECT_EQ(due.json().at("households_visited"), 1);
    EXPECT_EQ(due.json().at("quota_remaining"), 14);
    std::vector<std::int64_t> due_ids;
    const json due_body = due.json();
    for (const json& household : due_body.at("due")) due_ids.push_back(household.at("household_id"));
    EXPECT_EQ(due_ids, std::vector<std::int64_t>{3}) << due.body;  // 1 was visited; 3 is 低保/残疾人
    EXPECT_EQ(call(Method::get, "/visits/due?staff=3", worker).status, 403U);

    // The one stored visit is audit-logged; the two refused ones are not.
    const auth::AuditPage visits = audit_of("visits.record");
    ASSERT_EQ(visits.total, 1U);
    EXPECT_EQ(visits.entries[0].user_name, "li");
    EXPECT_EQ(visits.entries[0].collection, "visits");
    EXPECT_EQ(visits.entries[0].record_ids,
              std::vector<std::string>{std::to_string(visit.json().at("id").get<std::int64_t>())});
    EXPECT_EQ(visits.entries[0].detail, "household 1 by staff 1, 日常走访");

    const model::Dataset stored = stored_data();
    ASSERT_EQ(stored.visits.size(), 1U);
    EXPECT_EQ(stored.visits[0].household_id, 1);
    EXPECT_EQ(stored.visits[0].kind, "日常走访");
}

// Visits to facilities, shops and venues (场所走访): recorded and stored like
// household visits, scoped by the facility's grid, outside the household quota.
TEST_F(WorkflowRoutesTest, RecordsVisitsToFacilitiesOutsideTheHouseholdQuota) {
    const std::string worker = token_of("li");
    // Facility 1 (吉庆里卫生服务站) lies in the worker's grid, facility 2 in wang's.
    const test::Reply visit = call(Method::post, "/visits", worker, {{"facility_id", 1}, {"kind", "日常走访"},
                                                                     {"note", "消防通道畅通"}});
    ASSERT_EQ(visit.status, 201U) << visit.body;
    EXPECT_EQ(visit.json().at("facility_id"), 1);
    EXPECT_TRUE(visit.json().at("household_id").is_null());
    EXPECT_EQ(call(Method::post, "/visits", worker, {{"facility_id", 2}, {"kind", "日常走访"}}).status, 403U);
    EXPECT_EQ(call(Method::post, "/visits", worker, {{"facility_id", 99}, {"kind", "日常走访"}}).status, 404U);
    const test::Reply both = call(Method::post, "/visits", worker, {{"facility_id", 1}, {"household_id", 1}, {"kind", "回访"}});
    EXPECT_EQ(both.status, 400U);
    const test::Reply must = call(Method::post, "/visits", worker, {{"facility_id", 1}, {"kind", "五必访"}, {"reason", "新入住"}});
    EXPECT_EQ(must.status, 400U);
    EXPECT_EQ(must.json().at("error").at("code"), "household_kind");

    // Not a household visit: the quota and the due list are as before.
    const test::Reply due = call(Method::get, "/visits/due?staff=1", worker);
    EXPECT_EQ(due.json().at("households_visited"), 0);
    EXPECT_EQ(audit_of("visits.record").entries.at(0).detail, "facility 1 by staff 1, 日常走访");
    const model::Dataset stored = stored_data();
    ASSERT_EQ(stored.visits.size(), 1U);
    EXPECT_EQ(stored.visits[0].facility_id, 1);
    EXPECT_EQ(stored.visits[0].household_id, 0);
}

TEST_F(WorkflowRoutesTest, VisitKindsAndReasonsAreCheckedAgainstOneList) {
    const std::string worker = token_of("li");
    const test::Reply kinds = call(Method::get, "/visits/kinds", worker);
    ASSERT_EQ(kinds.status, 200U) << kinds.body;
    std::vector<std::string> names;
    const json kinds_body = kinds.json();
    for (const json& kind : kinds_body.at("kinds")) names.push_back(kind.at("name"));
    EXPECT_EQ(names, (std::vector<std::string>{"日常走访", "五必访", "特殊人群", "回访"}));
    const json must_visit_reasons = kinds_body.at("kinds")[1].at("reasons");
    EXPECT_NE(std::find(must_visit_reasons.begin(), must_visit_reasons.end(), "独居老人"), must_visit_reasons.end());
    EXPECT_TRUE(kinds_body.at("kinds")[0].at("reasons").empty());

    const auto refused = [&](const json& body, const char* code) {
        const test::Reply reply = call(Method::post, "/visits", worker, body);
        EXPECT_EQ(reply.status, 400U) << reply.body;
        EXPECT_EQ(reply.json()["error"]["code"], code) << reply.body;
        EXPECT_FALSE(reply.json()["error"]["message_zh"].get<std::string>().empty());
    };
    refused({{"household_id", 1}, {"kind", "入户走访"}}, "unknown_visit_kind");
    refused({{"household_id", 1}, {"kind", "五必访"}}, "reason_required");
    refused({{"household_id", 1}, {"kind", "五必访"}, {"reason", "低保"}}, "unknown_reason");  // special, not 五必访
    refused({{"household_id", 1}, {"kind", "日常走访"}, {"reason", "独居老人"}}, "unexpected_reason");

    const test::Reply must = call(Method::post, "/visits", worker,
                                  {{"household_id", 1}, {"kind", "五必访"}, {"reason", "独居老人"}, {"note", "老人身体好"}});
    ASSERT_EQ(must.status, 201U) << must.body;
    EXPECT_EQ(must.json().at("reason"), "独居老人");
    EXPECT_TRUE(must.json().at("incident_id").is_null());

    // The incident a visit raised must exist and lie in the worker's scope (incident 3 is in wang's grid).
    EXPECT_EQ(call(Method::post, "/visits", worker, {{"household_id", 2}, {"kind", "回访"}, {"incident_id", 999}}).status,
              404U);
    EXPECT_EQ(call(Method::post, "/visits", worker, {{"household_id", 2}, {"kind", "回访"}, {"incident_id", 3}}).status,
              403U);
    const test::Reply raised =
        call(Method::post, "/visits", worker, {{"household_id", 2}, {"kind", "回访"}, {"incident_id", 1}});
    ASSERT_EQ(raised.status, 201U) << raised.body;
    EXPECT_EQ(raised.json().at("incident_id"), 1);

    const model::Dataset stored = stored_data();
    ASSERT_EQ(stored.visits.size(), 2U);
    EXPECT_EQ(stored.visits[0].reason, "独居老人");
    EXPECT_EQ(stored.visits[0].note, "老人身体好");
    EXPECT_EQ(stored.visits[1].incident_id, 1);
}

TEST_F(WorkflowRoutesTest, OfflineVisitKeepsItsTimeAndIsStoredOnceWhenReplayed) {
    const std::string worker = token_of("li");
    const model::Timestamp recorded = gate_->now() - 3600;  // an hour ago, on the phone, without network
    const json offline{{"household_id", 3},     {"kind", "特殊人群"},
                       {"reason", "低保"},       {"note", "离线记录"},
                       {"at", model::format_iso8601(recorded)}, {"client_key", "phone-1-0001"}};
    const test::Reply first = call(Method::post, "/visits", worker, offline);
    ASSERT_EQ(first.status, 201U) << first.body;
    EXPECT_EQ(first.json().at("at"), model::format_iso8601(recorded));
    EXPECT_EQ(first.json().at("client_key"), "phone-1-0001");

    // The phone lost the answer and sends again: the stored visit, not a second one.
    const test::Reply again = call(Method::post, "/visits", worker, offline);
    ASSERT_EQ(again.status, 200U) << again.body;
    EXPECT_EQ(again.json().at("id"), first.json().at("id"));
    // The key of another visit's record is refused.
    json other = offline;
    other["household_id"] = 1;
    const test::Reply reused = call(Method::post, "/visits", worker, other);
    EXPECT_EQ(reused.status, 409U) << reused.body;
    EXPECT_EQ(reused.json()["error"]["code"], "client_key_reused");

    // The server bounds the phone's clock: not in the future, not more than 7 days ago.
    const auto refused_at = [&](model::Timestamp at, const char* code) {
        json body = offline;
        body["at"] = model::format_iso8601(at);
        body["client_key"] = std::string("phone-1-") + code;
        const test::Reply reply = call(Method::post, "/visits", worker, body);
        EXPECT_EQ(reply.status, 400U) << reply.body;
        EXPECT_EQ(reply.json()["error"]["code"], code);
        EXPECT_FALSE(reply.json()["error"]["message_zh"].get<std::string>().empty());
    };
    refused_at(gate_->now() + 3600, "visit_in_future");
    refused_at(gate_->now() - 8 * 86400, "visit_too_old");
    json garbled = offline;
    garbled["at"] = "yesterday";
    garbled["client_key"] = "phone-1-garbled";
    EXPECT_EQ(call(Method::post, "/visits", worker, garbled).status, 400U);

    const test::Reply due = call(Method::get, "/visits/due?staff=1", worker);
    ASSERT_EQ(due.status, 200U) << due.body;
    EXPECT_EQ(due.json().at("households_visited"), 1);

    EXPECT_EQ(audit_of("visits.record").total, 1U);
    EXPECT_EQ(audit_of("visits.replay").total, 1U);
    const model::Dataset stored = stored_data();
    ASSERT_EQ(stored.visits.size(), 1U);
    EXPECT_EQ(stored.visits[0].at, recorded);
    EXPECT_EQ(stored.visits[0].client_key, "phone-1-0001");
}

TEST_F(WorkflowRoutesTest, AllowedActionsAreWhatTheCallerMayDoNow) {
    const std::string worker = token_of("li");
    const std::string other_worker = token_of("wang");
    const std::string supervisor = token_of("chief");
    const std::int64_t id = id_of_new_case(worker);
    const auto allowed = [&](const std::string& token) {
        const test::Reply reply = call(Method::get, "/incidents/" + std::to_string(id), token);
        EXPECT_EQ(reply.status, 200U) << reply.body;
        std::vector<std::string> actions;
        const json body = reply.json();
        for (const json& action : body.at("allowed_actions")) actions.push_back(action.at("action"));
        return actions;
    };
    using Actions = std::vector<std::string>;
    EXPECT_EQ(allowed(worker), Actions{});
    EXPECT_EQ(allowed(supervisor), (Actions{"file", "void"}));
    EXPECT_EQ(allowed(token_of("root")), (Actions{"file", "void"}));
    ASSERT_EQ(transition(id, supervisor, {{"action", "file"}}).status, 200U);
    const test::Reply dispatched = transition(id, supervisor, {{"action", "dispatch"}});
    ASSERT_EQ(dispatched.status, 200U);
    // The transition's answer carries the actor's next buttons too.
    EXPECT_EQ(dispatched.json().at("allowed_actions").size(), 4U);  // accept, extend, suspend, dispatch_department
    EXPECT_EQ(allowed(worker), Actions{"accept"});
    EXPECT_EQ(allowed(supervisor), (Actions{"accept", "extend", "suspend", "dispatch_department"}));
    EXPECT_EQ(allowed(other_worker), Actions{});  // another grid: no buttons, and 403 over HTTP
    EXPECT_EQ(transition(id, other_worker, {{"action", "accept"}}).status, 403U);

    const test::Reply detail = call(Method::get, "/incidents/" + std::to_string(id), supervisor);
    const json extend = detail.json().at("allowed_actions")[1];
    EXPECT_EQ(extend.at("label_zh"), "延期");
    EXPECT_TRUE(extend.at("needs_approver"));
    EXPECT_TRUE(extend.at("needs_reason"));
    EXPECT_TRUE(extend.at("needs_hours"));

    ASSERT_EQ(transition(id, worker, {{"action", "accept"}}).status, 200U);
    ASSERT_EQ(transition(id, worker, {{"action", "resolve"}}).status, 200U);
    EXPECT_EQ(allowed(worker), (Actions{"verify", "return"}));
    ASSERT_EQ(transition(id, supervisor, {{"action", "verify"}}).status, 200U);
    EXPECT_EQ(allowed(worker), Actions{});
    EXPECT_EQ(allowed(supervisor), (Actions{"return", "close"}));
    ASSERT_EQ(transition(id, supervisor, {{"action", "close"}}).status, 200U);
    EXPECT_EQ(allowed(supervisor), Actions{});
}


// Issue #15 item 6 over HTTP: the ranking of a period and the month's 群众诉求分析.
TEST_F(WorkflowRoutesTest, RankingAndDemands) {
    const std::string worker = token_of("li");
    const std::string supervisor = token_of("chief");
    (void)id_of_new_case(worker);
    const workflow::Month month = workflow::Month::of(gate_->now());
    const std::string quarter = std::to_string(month.year) + "-Q" + std::to_string((month.month - 1) / 3 + 1);

    test::Reply reply = call(Method::get, "/stats/ranking?period=" + quarter, token_of("root"));
    ASSERT_EQ(reply.status, 200U) << reply.body;
    json body = reply.json();
    EXPECT_EQ(body.at("period"), quarter);
    ASSERT_FALSE(body.at("communities").empty());
    EXPECT_TRUE(body.at("communities").at(0).contains("medal_zh"));
    EXPECT_TRUE(body.at("repeated_unfit").is_array());
    EXPECT_EQ(call(Method::get, "/stats/ranking?period=" + quarter.substr(0, 4), supervisor).status, 200U);
    reply = call(Method::get, "/stats/ranking?period=2026-Q5", supervisor);
    EXPECT_EQ(reply.status, 400U);
    EXPECT_EQ(call(Method::get, "/stats/ranking", supervisor).status, 400U);
    EXPECT_EQ(call(Method::get, "/stats/ranking?period=2026", "").status, 401U);

    reply = call(Method::get, "/stats/demands?month=" + month.to_string(), supervisor);
    ASSERT_EQ(reply.status, 200U) << reply.body;
    body = reply.json();
    EXPECT_GE(body.at("total").get<int>(), 1);
    EXPECT_GE(body.at("by_category").at("违法建设").get<int>(), 1);
    EXPECT_GE(body.at("by_source").at("网格员巡查").get<int>(), 1);
    // The supervisor of community 110105001001 sees its areas only.
    for (const char* level : {"grids", "communities"}) {
        for (const json& area : body.at(level)) {
            EXPECT_TRUE(area.at("code").get<std::string>().starts_with("110105001001")) << area.dump();
        }
    }
    EXPECT_FALSE(body.at("grids").empty());
}

// The reporter's 满意度 of a closed case (issue #15 item 6), counted in the month's statistics.
TEST_F(WorkflowRoutesTest, TheReporterRatesTheClosedCase) {
    const std::string worker = token_of("li");
    const std::string supervisor = token_of("chief");
    const std::int64_t id = id_of_new_case(worker);
    const std::string rating = "/incidents/" + std::to_string(id) + "/rating";
    EXPECT_EQ(call(Method::post, rating, worker, {{"score", 5}}).status, 409U);  // not closed
    for (const auto& [token, action] : std::vector<std::pair<std::string, std::string>>{
             {supervisor, "file"}, {supervisor, "dispatch"}, {worker, "accept"}, {worker, "resolve"},
             {supervisor, "verify"}, {supervisor, "close"}}) {
        ASSERT_EQ(transition(id, token, {{"action", action}}).status, 200U) << action;
    }
    test::Reply reply = call(Method::post, rating, supervisor, {{"score", 5}});
    EXPECT_EQ(reply.status, 403U);
    EXPECT_EQ(reply.json().at("error").at("message_zh"), "只有事件的上报人可以评价");
    EXPECT_EQ(call(Method::post, rating, worker, {{"score", 7}}).status, 400U);
    reply = call(Method::post, rating, worker, {{"score", 4}, {"comment", "处理及时"}});
    ASSERT_EQ(reply.status, 201U) << reply.body;
    EXPECT_EQ(call(Method::post, rating, worker, {{"score", 5}}).status, 409U);  // once
    EXPECT_EQ(audit_of("incidents.rate").total, 1U);
    const json page = call(Method::get, "/incidents/" + std::to_string(id), worker).json();
    EXPECT_EQ(page.at("history").back().at("note"), "满意度评价 4 分：处理及时");
    EXPECT_EQ(page.at("state"), "closed");
    const json stats = call(Method::get, "/stats?level=grid&month=" + workflow::Month::of(gate_->now()).to_string(),
                            supervisor).json();
    const auto west = std::find_if(stats.at("grids").begin(), stats.at("grids").end(),
                                   [](const json& grid) { return grid.at("key") == west_grid; });
    ASSERT_NE(west, stats.at("grids").end());
    EXPECT_EQ(west->at("rated"), 1);
    EXPECT_DOUBLE_EQ(west->at("mean_rating").get<double>(), 4.0);
}

}  // namespace
}  // namespace wangge::http
