// Open311 GeoReport v2 through a real server: a citizen app submits the way
// the spec's clients do (form-urlencoded POST with an api_key), the case is
// routed to the grid worker, handled through /incidents, and reads back as
// closed — without ever returning the reporter's contact details.

#include "wangge/http/open311_routes.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "workflow_fixture.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;
using test::app_key;
using test::west_grid;

using Form = std::vector<std::pair<std::string, std::string>>;

std::string form_encode(const Form& form) {
    std::string body;
    for (const auto& [name, value] : form) {
        body += (body.empty() ? "" : "&") + percent_encode(name) + "=" + percent_encode(value);
    }
    return body;
}

/// A report from the citizen app, with the reporter's contact details.
Form pothole_report() {
    return {{"api_key", app_key},
            {"service_code", "damaged_facility"},
            {"lat", "39.905"},
            {"long", "116.405"},
            {"address_string", "吉庆里小区3号楼东侧"},
            {"description", "井盖破损，夜间有行人绊倒的危险"},
            {"email", "resident@example.cn"},
            {"phone", "13912345678"},
            {"first_name", "小明"},
            {"last_name", "陈"},
            {"device_id", "android-7f3a"}};
}

class Open311Test : public test::WorkflowFixture {
protected:
    test::Reply submit_form(const Form& form) {
        return test::Client(port_).request(Method::post, "/open311/v2/requests.json",
                                           {{"Content-Type", "application/x-www-form-urlencoded"}},
                                           form_encode(form));
    }

    test::Reply get(const std::string& target, const std::string& token = {}) {
        return call(Method::get, "/open311/v2/" + target, token);
    }

    /// The ids of a requests.json answer, in order.
    static std::vector<std::string> ids_of(const test::Reply& reply) {
        std::vector<std::string> ids;
        const json body = reply.json();
        for (const json& request : body) ids.push_back(request.at("service_request_id"));
        return ids;
    }

    /// Checks the spec's error shape: [{"code": status, "description": …}].
    static void expect_error(const test::Reply& reply, unsigned status, const std::string& words = {}) {
        EXPECT_EQ(reply.status, status) << reply.body;
        const json body = json::parse(reply.body, nullptr, false);
        ASSERT_TRUE(body.is_array() && body.size() == 1U) << reply.body;
        EXPECT_EQ(body[0].at("code"), status);
        EXPECT_NE(body[0].at("description").get<std::string>().find(words), std::string::npos) << reply.body;
    }
};

TEST_F(Open311Test, ServicesAreTheCategoriesWithACode) {
    const test::Reply reply = get("services.json");  // anonymous: the service list is public
    ASSERT_EQ(reply.status, 200U) << reply.body;
    const json services = reply.json();
    ASSERT_EQ(services.size(), config_->categories.categories().size());
    const auto flooding = std::find_if(services.begin(), services.end(),
                                       [](const json& s) { return s.at("service_code") == "flooding"; });
    ASSERT_NE(flooding, services.end());
    EXPECT_EQ(*flooding, json({{"service_code", "flooding"},
                               {"service_name", "积水内涝"},
                               {"description", "道路、小区积水，排水不畅"},
                               {"metadata", false},
                               {"type", "realtime"},
                               {"keywords", "积水,内涝,排水"},
                               {"group", "市政设施"}}));

    // No service has attributes, so none has a definition.
    expect_error(get("services/flooding.json"), 404, "no attributes");
    expect_error(get("services/tsunami.json"), 404, "no service");
    expect_error(get("services.json?colour=red"), 400, "colour");
}

TEST_F(Open311Test, CitizenReportIsRoutedHandledAndClosed) {
    const test::Reply submitted = submit_form(pothole_report());
    ASSERT_EQ(submitted.status, 201U) << submitted.body;
    const json receipt = submitted.json();
    ASSERT_EQ(receipt.size(), 1U);
    const std::string id = receipt[0].at("service_request_id");
    EXPECT_TRUE(receipt[0].at("account_id").is_null());
    EXPECT_EQ(receipt[0].at("service_notice"), "已受理，由吉庆里第一网格 (110105001001001)处理");
    EXPECT_EQ(submitted.header("Location"), "/open311/v2/requests/" + id + ".json");

    // In the workflow: a citizen report of 公共设施损坏 for the west grid's A岗 worker (staff 1).
    const std::string supervisor = token_of("chief");
    const std::string worker = token_of("li");
    const test::Reply incident = call(Method::get, "/incidents/" + id, supervisor);
    ASSERT_EQ(incident.status, 200U) << incident.body;
    EXPECT_EQ(incident.json().at("grid_code"), west_grid);
    EXPECT_EQ(incident.json().at("assignee"), "1");
    EXPECT_EQ(incident.json().at("category"), "公共设施损坏");
    EXPECT_EQ(incident.json().at("source"), "居民上报");
    EXPECT_EQ(incident.json().at("triage"), "general");
    EXPECT_EQ(incident.json().at("description"), "井盖破损，夜间有行人绊倒的危险\n地址：吉庆里小区3号楼东侧");
    EXPECT_EQ(incident.json()["history"][0]["actor"], "open311:citizen-app");

    const std::string path = "requests/" + id + ".json?api_key=" + percent_encode(app_key);
    test::Reply read = get(path);
    ASSERT_EQ(read.status, 200U) << read.body;
    json request = read.json().at(0);
    EXPECT_EQ(request.at("service_request_id"), id);
    EXPECT_EQ(request.at("status"), "open");
    EXPECT_EQ(request.at("status_notes"), "上报");
    EXPECT_EQ(request.at("service_code"), "damaged_facility");
    EXPECT_EQ(request.at("service_name"), "公共设施损坏");
    EXPECT_EQ(request.at("agency_responsible"), "吉庆里第一网格 (110105001001001)");
    EXPECT_TRUE(request.at("expected_datetime").is_null());  // no deadline before dispatch
    EXPECT_TRUE(request.at("requested_datetime").get<std::string>().ends_with("+08:00"));
    EXPECT_DOUBLE_EQ(request.at("lat").get<double>(), 39.905);
    EXPECT_DOUBLE_EQ(request.at("long").get<double>(), 116.405);

    // Handled through the workflow by the supervisor and the grid worker.
    for (const auto& [action, token] : std::vector<std::pair<std::string, std::string>>{
             {"file", supervisor}, {"dispatch", supervisor}, {"accept", worker}, {"resolve", worker}}) {
        ASSERT_EQ(transition(std::stoll(id), token, {{"action", action}}).status, 200U) << action;
    }
    read = get(path);
    request = read.json().at(0);
    EXPECT_EQ(request.at("status"), "open");
    EXPECT_TRUE(request.at("expected_datetime").get<std::string>().ends_with("+08:00"));
    EXPECT_EQ(request.at("status_notes"), "处置反馈");
    ASSERT_EQ(transition(std::stoll(id), supervisor, {{"action", "verify"}}).status, 200U);
    ASSERT_EQ(transition(std::stoll(id), supervisor, {{"action", "close"}, {"note", "井盖已更换"}}).status, 200U);

    read = get(path);
    request = read.json().at(0);
    EXPECT_EQ(request.at("status"), "closed");
    EXPECT_EQ(request.at("status_notes"), "结案：井盖已更换");
    EXPECT_GE(request.at("updated_datetime").get<std::string>(), request.at("requested_datetime").get<std::string>());

    // The lists: in the default 90-day window, closed, of its service; not among the open ones.
    const std::string key = "api_key=" + percent_encode(app_key);
    EXPECT_EQ(ids_of(get("requests.json?" + key)), std::vector<std::string>{id});
    EXPECT_EQ(ids_of(get("requests.json?status=closed&service_code=damaged_facility,flooding&" + key)),
              std::vector<std::string>{id});
    EXPECT_TRUE(ids_of(get("requests.json?status=open&" + key)).empty());

    // The reporter's contact details are nowhere: not in any answer, not in the store.
    for (const std::string& body : {submitted.body, incident.body, read.body, get("requests.json?" + key).body}) {
        for (const char* personal : {"resident@example.cn", "13912345678", "小明", "android-7f3a"}) {
            EXPECT_EQ(body.find(personal), std::string::npos) << personal << " in " << body;
        }
    }

    // The submission is audit-logged as the app's.
    const auth::AuditPage audit = audit_of("open311.submit");
    ASSERT_EQ(audit.total, 1U);
    EXPECT_EQ(audit.entries[0].user_name, "open311:citizen-app");
    EXPECT_FALSE(audit.entries[0].user_id.has_value());
    EXPECT_EQ(audit.entries[0].collection, "incidents");
    EXPECT_EQ(audit.entries[0].record_ids, std::vector<std::string>{id});
    EXPECT_EQ(audit.entries[0].detail.rfind("service_code damaged_facility: reported (event ", 0), 0U)
        << audit.entries[0].detail;
    EXPECT_EQ(audit.entries[0].detail.find("13912345678"), std::string::npos);

    const model::Dataset stored = stored_data();
    for (const model::Incident& item : stored.incidents) EXPECT_EQ(item.description.find("resident@"), std::string::npos);
    for (const model::IncidentEvent& event : stored.incident_events) {
        EXPECT_EQ(event.note.find("13912345678"), std::string::npos);
    }
}

TEST_F(Open311Test, SignedInUsersSubmitJsonWithinTheirScope) {
    const std::string worker = token_of("li");
    const test::Reply accepted = call(Method::post, "/open311/v2/requests.json", worker,
                                      {{"service_code", "noise"}, {"lat", 39.905}, {"long", 116.405}});
    ASSERT_EQ(accepted.status, 201U) << accepted.body;
    const std::string id = accepted.json()[0].at("service_request_id");
    const test::Reply incident = call(Method::get, "/incidents/" + id, worker);
    EXPECT_EQ(incident.json().at("description"), "噪音扰民");  // no description: the service name
    EXPECT_EQ(incident.json()["history"][0]["actor"], "li");
    EXPECT_EQ(audit_of("open311.submit").entries.at(0).user_name, "li");

    // A grid worker of another grid may not report in the west grid; nothing is stored.
    const test::Reply refused = call(Method::post, "/open311/v2/requests.json", token_of("wang"),
                                     {{"service_code", "noise"}, {"lat", "39.905"}, {"long", "116.405"}});
    expect_error(refused, 403, "outside your scope");
    EXPECT_EQ(audit_of("open311.submit").total, 1U);
    EXPECT_EQ(state_.view()->snapshot().data().incidents.size(), 4U);  // the sample's 3 and the noise report
}

TEST_F(Open311Test, BadSubmissionsGetTheSpecsErrors) {
    const auto without = [](std::string_view name) {
        Form form = pothole_report();
        std::erase_if(form, [&](const auto& field) { return field.first == name; });
        return form;
    };
    const auto with = [](std::string name, std::string value) {
        Form form = pothole_report();
        std::erase_if(form, [&](const auto& field) { return field.first == name; });
        form.emplace_back(std::move(name), std::move(value));
        return form;
    };
    expect_error(submit_form(without("api_key")), 403, "api_key");
    expect_error(submit_form(with("api_key", "guessed")), 403, "invalid api_key");
    expect_error(submit_form(without("service_code")), 400, "service_code is required");
    expect_error(submit_form(with("service_code", "tsunami")), 400, "unknown service_code");
    Form address_only = without("lat");
    std::erase_if(address_only, [](const auto& field) { return field.first == "long"; });
    expect_error(submit_form(address_only), 400, "does not geocode");
    expect_error(submit_form(without("long")), 400, "both lat and long");
    expect_error(submit_form(with("lat", "91")), 400, "lat");
    expect_error(submit_form(with("lat", "north")), 400, "lat");
    expect_error(submit_form(with("long", "100.0")), 400, "outside");  // no grid there
    expect_error(submit_form(with("colour", "red")), 400, "unknown field \"colour\"");
    expect_error(submit_form(with("email", "not an address")), 400, "email");
    expect_error(submit_form(with("phone", "call me")), 400, "phone");
    expect_error(submit_form(with("media_url", "javascript:alert(1)")), 400, "media_url");
    std::string long_text;
    for (int i = 0; i < 4001; ++i) long_text += "长";
    expect_error(submit_form(with("description", long_text)), 400, "4000");
    // Broken UTF-8 and unsupported encodings are refused, not stored.
    const test::Reply broken = test::Client(port_).request(
        Method::post, "/open311/v2/requests.json", {{"Content-Type", "application/x-www-form-urlencoded"}},
        form_encode(without("description")) + "&description=%FF%FE");
    expect_error(broken, 400, "UTF-8");
    const test::Reply multipart = test::Client(port_).request(
        Method::post, "/open311/v2/requests.json", {{"Content-Type", "multipart/form-data; boundary=x"}}, "--x--");
    expect_error(multipart, 400, "x-www-form-urlencoded");
    const test::Reply not_json = test::Client(port_).request(
        Method::post, "/open311/v2/requests.json", {{"Content-Type", "application/json"}}, "{oops");
    expect_error(not_json, 400, "not JSON");

    EXPECT_EQ(audit_of("open311.submit").total, 0U);
    EXPECT_EQ(state_.view()->snapshot().data().incidents.size(), 3U);
}

TEST_F(Open311Test, RequestsAreFilteredLikeTheSpecSays) {
    const std::string token = token_of("chief");
    // The sample's incidents: 1 (违法建设, reported 2026-03-01), 2 (邻里纠纷, closed, 05-01), 3 (公共设施损坏, 07-01).
    const std::string window = "requests.json?start_date=2026-04-15T00:00:00%2B08:00&end_date=2026-07-10";
    EXPECT_EQ(ids_of(get(window, token)), (std::vector<std::string>{"3", "2"}));  // newest first
    EXPECT_EQ(ids_of(get(window + "&status=closed", token)), std::vector<std::string>{"2"});
    EXPECT_EQ(ids_of(get(window + "&status=open,closed", token)), (std::vector<std::string>{"3", "2"}));
    EXPECT_EQ(ids_of(get(window + "&service_code=neighbour_dispute", token)), std::vector<std::string>{"2"});
    // start_date alone: the 90 days from it.
    EXPECT_EQ(ids_of(get("requests.json?start_date=2026-01-15", token)), std::vector<std::string>{"1"});
    // Ids override every other filter.
    EXPECT_EQ(ids_of(get("requests.json?service_request_id=1,3&status=closed", token)),
              (std::vector<std::string>{"3", "1"}));

    const json closed = get("requests/2.json", token).json();
    ASSERT_EQ(closed.size(), 1U);
    EXPECT_EQ(closed[0].at("status"), "closed");
    EXPECT_EQ(closed[0].at("agency_responsible"), "吉庆里第二网格 (110105001001002)");
    EXPECT_EQ(closed[0].at("service_code"), "neighbour_dispute");
    EXPECT_EQ(closed[0].at("requested_datetime"), "2026-05-01T10:00:00+08:00");

    expect_error(get("requests.json"), 403, "api_key");
    expect_error(get("requests.json?api_key=guessed"), 403, "invalid api_key");
    expect_error(get("requests.json?start_date=2026-01-01&end_date=2026-06-01", token), 400, "90 days");
    expect_error(get("requests.json?start_date=2026-06-01&end_date=2026-05-01", token), 400, "after");
    expect_error(get("requests.json?start_date=yesterday", token), 400, "start_date");
    expect_error(get("requests.json?status=pending", token), 400, "status");
    expect_error(get("requests.json?service_code=tsunami", token), 400, "service_code");
    expect_error(get("requests.json?page=2", token), 400, "page");
    expect_error(get("requests/999999.json", token), 404, "999999");
    expect_error(get("requests/abc.json", token), 400, "id");
}

TEST(Open311Clients, KeysAreCheckedWhenLoaded) {
    const std::string key(32, 'k');
    const Open311Clients clients =
        Open311Clients::from_json({{"clients", {{{"name", "app-1"}, {"api_key", key}}, {{"name", "app_2"}, {"api_key", key + "2"}}}}});
    ASSERT_NE(clients.find(key), nullptr);
    EXPECT_EQ(clients.find(key)->name, "app-1");
    EXPECT_EQ(clients.find(key + "2")->name, "app_2");
    EXPECT_EQ(clients.find(""), nullptr);
    EXPECT_EQ(clients.find(std::string(32, 'x')), nullptr);
    EXPECT_EQ(Open311Clients().find(key), nullptr);

    EXPECT_THROW((void)Open311Clients::from_json(nlohmann::json::array()), InputError);
    EXPECT_THROW((void)Open311Clients::from_json({{"clients", {{{"name", "app"}, {"api_key", "short"}}}}}), InputError);
    EXPECT_THROW((void)Open311Clients::from_json({{"clients", {{{"name", "App!"}, {"api_key", key}}}}}), InputError);
    EXPECT_THROW((void)Open311Clients::from_json(
                     {{"clients", {{{"name", "a"}, {"api_key", key}}, {{"name", "b"}, {"api_key", key}}}}}),
                 InputError);
    EXPECT_THROW((void)Open311Clients::load("/nonexistent/open311.json"), InputError);
}


// wangge's extension (issue #15): the app that submitted a request rates it once it is closed.
TEST_F(Open311Test, TheReportingAppRatesTheClosedRequest) {
    const test::Reply submitted = submit_form(pothole_report());
    ASSERT_EQ(submitted.status, 201U) << submitted.body;
    const std::string id = submitted.json().at(0).at("service_request_id");
    const std::string target = "/open311/v2/requests/" + id + "/rating.json";
    const auto rate = [&](const Form& form) {
        return test::Client(port_).request(Method::post, target, {{"Content-Type", "application/x-www-form-urlencoded"}},
                                           form_encode(form));
    };
    EXPECT_EQ(rate({{"api_key", app_key}, {"score", "5"}}).status, 409U);  // not closed yet
    const std::string chief = token_of("chief");
    const std::string li = token_of("li");
    const std::int64_t number = std::stoll(id);
    for (const auto& [token, action] : std::vector<std::pair<std::string, std::string>>{
             {chief, "file"}, {chief, "dispatch"}, {li, "accept"}, {li, "resolve"}, {chief, "verify"}, {chief, "close"}}) {
        ASSERT_EQ(transition(number, token, {{"action", action}}).status, 200U) << action;
    }
    EXPECT_EQ(rate({{"score", "5"}}).status, 403U);  // neither app nor user
    EXPECT_EQ(rate({{"api_key", app_key}, {"score", "9"}}).status, 400U);
    EXPECT_EQ(call(Method::post, target, li, {{"score", "5"}}).status, 403U);  // not the reporter
    const test::Reply rated = rate({{"api_key", app_key}, {"score", "4"}, {"comment", "修得很快"}});
    ASSERT_EQ(rated.status, 201U) << rated.body;
    EXPECT_EQ(rated.json().at(0).at("rating"), "满意度评价 4 分：修得很快");
    EXPECT_EQ(rate({{"api_key", app_key}, {"score", "5"}}).status, 409U);  // once
    EXPECT_EQ(audit_of("incidents.rate").total, 1U);
}

}  // namespace
}  // namespace wangge::http
