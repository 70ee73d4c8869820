// Household upkeep over HTTP (household_routes.hpp): a grid worker adds,
// edits and moves out households of their grid; every change is versioned,
// audited and stored; a move-in makes a 五必访 due; the month's change list
// (JSON and the report's sheet) shows each household once; scope and bad
// input are refused in Chinese with nothing stored.

#include <algorithm>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_app.hpp"
#include "support/workbook.hpp"
#include "wangge/model/time.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/store/household_versions.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

using nlohmann::json;

const std::string west_grid = "110105001001001";  // the worker's grid (users::worker)
const std::string this_month = model::format_iso8601(std::time(nullptr)).substr(0, 7);
const std::string today = model::format_date(std::time(nullptr));

std::string new_household(double lon, double lat, const std::string& room) {
    return json{{"lon", lon},
                {"lat", lat},
                {"compound", "吉庆里"},
                {"building", "9号楼"},
                {"unit", "1单元"},
                {"room", room},
                {"members", 3},
                {"tags", {"出租房"}},
                {"head_name", "赵六"},
                {"phone", "13700000000"},
                {"moved_in", today}}
        .dump();
}

/// One server for the suite (accounts are slow to make under the sanitizers).
class HouseholdRoutes : public ::testing::Test {
protected:
    static void SetUpTestSuite() { server_ = std::make_unique<TestServer>(); }
    static void TearDownTestSuite() { server_.reset(); }

    static Reply call(const std::optional<Account>& who, Method method, const std::string& target, const std::string& body = "") {
        return server_->call(who, method, target, body);
    }
    static std::size_t audit_count(const std::string& action) {
        return server_->get_as(users::admin, "/audit?limit=1&action=" + action).json().at("total").get<std::size_t>();
    }
    static std::int64_t add(const std::string& room) {
        const Reply reply = call(users::worker, Method::post, "/households", new_household(116.4071, 39.9071, room));
        EXPECT_EQ(reply.status, 201U) << reply.body;
        return reply.json().at("id").get<std::int64_t>();
    }
    static json due_for_worker() {
        const Reply reply = server_->get_as(users::worker, "/visits/due?staff=1&month=" + this_month);
        EXPECT_EQ(reply.status, 200U) << reply.body;
        return reply.json().at("due");
    }
    static const json* due_entry(const json& due, std::int64_t id) {
        for (const json& entry : due) {
            if (entry.at("household_id") == id) return &entry;
        }
        return nullptr;
    }

    static std::unique_ptr<TestServer> server_;
};
std::unique_ptr<TestServer> HouseholdRoutes::server_;

TEST_F(HouseholdRoutes, AWorkerAddsAHouseholdThatBecomesAMustVisitAndIsStoredWithItsVersion) {
    const std::size_t audited = audit_count("households.add");
    const Reply reply = call(users::worker, Method::post, "/households", new_household(116.4071, 39.9071, "101"));
    ASSERT_EQ(reply.status, 201U) << reply.body;
    const json added = reply.json();
    const std::int64_t id = added.at("id").get<std::int64_t>();
    EXPECT_EQ(added.at("properties").at("grid_code"), west_grid);  // from the location
    EXPECT_EQ(added.at("properties").at("moved_in"), today);
    EXPECT_EQ(added.at("properties").at("head_name"), "赵*");  // masked, as every answer
    EXPECT_EQ(audit_count("households.add"), audited + 1);

    // 五必访: new residents are visited; the due list shows it at once.
    const json due = due_for_worker();
    const json* entry = due_entry(due, id);
    ASSERT_NE(entry, nullptr) << due.dump();
    EXPECT_TRUE(entry->at("must_visit").get<bool>());
    EXPECT_EQ(entry->at("reasons")[0], "新入住");

    // In the served collection and in the store, with its version.
    EXPECT_EQ(server_->get_as(users::worker, "/collections/households/items/" + std::to_string(id)).status, 200U);
    const model::Dataset stored = store::GeoPackageStore::open(server_->store_path()).load();
    EXPECT_EQ(std::count_if(stored.households.begin(), stored.households.end(),
                            [&](const model::Household& h) { return h.id == id && h.moved_in.has_value(); }),
              1);
    const auto versions = store::household_history(server_->store_path(), id);
    ASSERT_EQ(versions.size(), 1U);
    EXPECT_EQ(versions[0].user, "worker");
    EXPECT_EQ(versions[0].kind, workflow::HouseholdChangeKind::added);
}

TEST_F(HouseholdRoutes, EditsAreVersionedWithBeforeAndAfterAndAMoveOutEndsTheRecord) {
    const std::int64_t id = add("102");
    const std::string target = "/households/" + std::to_string(id);
    Reply reply = call(users::worker, Method::patch, target, R"({"tags":["出租房","独居老人"],"members":1})");
    ASSERT_EQ(reply.status, 200U) << reply.body;
    EXPECT_EQ(reply.json().at("properties").at("members"), 1);
    EXPECT_EQ(call(users::worker, Method::patch, target, R"({"members":1})").json().at("error").at("code"),
              "no_change");

    const std::size_t moved = audit_count("households.move_out");
    reply = call(users::worker, Method::post, target + "/move-out", json{{"date", today}}.dump());
    ASSERT_EQ(reply.status, 200U) << reply.body;
    EXPECT_EQ(reply.json().at("properties").at("moved_out"), today);
    EXPECT_EQ(audit_count("households.move_out"), moved + 1);

    // Gone from lists, counts and the due list; refused for further edits and visits.
    const json items = server_->get_as(users::worker, "/collections/households/items?limit=1000").json();
    for (const json& feature : items.at("features")) EXPECT_NE(feature.at("id"), id);
    EXPECT_EQ(due_entry(due_for_worker(), id), nullptr);
    reply = call(users::worker, Method::patch, target, R"({"members":2})");
    EXPECT_EQ(reply.status, 409U);
    EXPECT_EQ(reply.json().at("error").at("code"), "household_moved_out");
    EXPECT_EQ(call(users::worker, Method::post, target + "/move-out", "{}").status, 409U);
    reply = call(users::worker, Method::post, "/visits",
                 json{{"household_id", id}, {"staff_id", 1}, {"kind", "日常走访"}}.dump());
    EXPECT_EQ(reply.status, 409U) << reply.body;

    // The history: added, edited (tags, members), moved out; personal fields masked.
    reply = server_->get_as(users::worker, target + "/history");
    ASSERT_EQ(reply.status, 200U) << reply.body;
    const json versions = reply.json().at("versions");
    ASSERT_EQ(versions.size(), 3U);
    EXPECT_EQ(versions[0].at("kind_zh"), "新增");
    EXPECT_EQ(versions[1].at("changed"), (json{"members", "tags"}));
    EXPECT_EQ(versions[1].at("before").at("tags"), json{"出租房"});
    EXPECT_EQ(versions[1].at("after").at("head_name"), "赵*");
    EXPECT_EQ(versions[2].at("kind"), "moved_out");
}

TEST_F(HouseholdRoutes, AMoveToAnotherGridNeedsBothGridsInScope) {
    const std::int64_t id = add("103");
    const std::string target = "/households/" + std::to_string(id);
    const std::size_t denied = audit_count("http.denied");
    // East of 116.41 is the community's other grid, outside the worker's scope.
    Reply reply = call(users::worker, Method::patch, target, R"({"lon":116.415,"lat":39.905})");
    EXPECT_EQ(reply.status, 403U) << reply.body;
    EXPECT_EQ(audit_count("http.denied"), denied + 1);
    // The community's supervisor may move it there; the grid follows the location.
    reply = call(users::supervisor, Method::patch, target, R"({"lon":116.415,"lat":39.905})");
    ASSERT_EQ(reply.status, 200U) << reply.body;
    EXPECT_EQ(reply.json().at("properties").at("grid_code"), "110105001001002");
    // Now the worker may neither edit nor read its history.
    EXPECT_EQ(call(users::worker, Method::patch, target, R"({"members":5})").status, 403U);
    EXPECT_EQ(server_->get_as(users::worker, target + "/history").status, 403U);
}

TEST_F(HouseholdRoutes, BadInputAndOtherRolesAreRefusedInChineseAndStoreNothing) {
    const auto refused = [&](const std::optional<Account>& who, const std::string& body, unsigned status,
                             const std::string& code) {
        const Reply reply = call(who, Method::post, "/households", body);
        EXPECT_EQ(reply.status, status) << body << " → " << reply.body;
        if (reply.status >= 400 && reply.status < 500 && !reply.body.empty()) {
            EXPECT_EQ(reply.json().at("error").at("code"), code) << body;
            EXPECT_FALSE(reply.json().at("error").at("message_zh").get<std::string>().empty());
        }
    };
    const auto valid = json::parse(new_household(116.4071, 39.9071, "104"));
    const auto with = [&](const char* field, const json& value) {
        json body = valid;
        body[field] = value;
        return body.dump();
    };
    const std::size_t before = store::household_versions_between(server_->store_path(), 0, INT64_MAX).size();
    refused(users::worker, with("members", 0), 400, "bad_request");
    refused(users::worker, with("members", 2.5), 400, "bad_request");
    refused(users::worker, with("compound", ""), 400, "bad_household");
    refused(users::worker, with("tags", json{"低保", "低保"}), 400, "bad_household");
    refused(users::worker, with("tags", "低保"), 400, "bad_request");
    refused(users::worker, with("moved_in", "2026-13-01"), 400, "bad_request");
    refused(users::worker, with("lon", 120.0), 400, "outside_grids");
    refused(users::worker, with("nickname", "x"), 400, "bad_request");
    refused(users::worker, R"({"compound":"吉庆里"})", 400, "bad_request");      // no location
    refused(users::outsider, valid.dump(), 403, "out_of_scope");                  // another grid's worker
    refused(users::planner, valid.dump(), 403, "forbidden");                      // planners do not keep households
    refused(std::nullopt, valid.dump(), 401, "login_required");
    EXPECT_EQ(call(users::worker, Method::post, "/households/999999/move-out", "{}").status, 404U);
    EXPECT_EQ(call(users::worker, Method::post, "/households/1/move-out", R"({"date":"2999-01-01"})").status, 400U);
    EXPECT_EQ(store::household_versions_between(server_->store_path(), 0, INT64_MAX).size(), before);
}

TEST_F(HouseholdRoutes, TheMonthsChangeListShowsEachHouseholdOnceToThoseWhoMaySeeIt) {
    const std::int64_t added = add("105");
    const std::int64_t gone = add("106");
    ASSERT_EQ(call(users::worker, Method::post, "/households/" + std::to_string(gone) + "/move-out", "{}").status, 200U);
    // Household 2 of the sample (no tags) is given one: a tag change.
    ASSERT_EQ(call(users::worker, Method::patch, "/households/2", R"({"tags":["残疾人"]})").status, 200U);

    const std::size_t audited = audit_count("households.changes");
    Reply reply = server_->get_as(users::supervisor, "/households/changes?month=" + this_month + "&area=110105001001");
    ASSERT_EQ(reply.status, 200U) << reply.body;
    const json list = reply.json();
    EXPECT_EQ(list.at("area").at("code"), "110105001001");
    const auto listed = [&](const char* kind, std::int64_t id) {
        for (const json& line : list.at(kind)) {
            if (line.at("household").at("id") == id) return true;
        }
        return false;
    };
    EXPECT_TRUE(listed("added", added));
    EXPECT_FALSE(listed("added", gone));
    EXPECT_TRUE(listed("moved_out", gone));
    EXPECT_TRUE(listed("tags_changed", 2));
    for (const json& line : list.at("tags_changed")) {
        if (line.at("household").at("id") == 2) {
            EXPECT_EQ(line.at("tags_added"), json{"残疾人"});
        }
    }
    EXPECT_EQ(audit_count("households.changes"), audited + 1);

    // The other community's worker sees none of them; planners none at all.
    const json outsider = server_->get_as(users::outsider, "/households/changes?month=" + this_month).json();
    EXPECT_TRUE(outsider.at("added").empty());
    EXPECT_TRUE(outsider.at("tags_changed").empty());
    EXPECT_EQ(server_->get_as(users::planner, "/households/changes").status, 403U);
    EXPECT_EQ(server_->get_as(users::supervisor, "/households/changes?month=2026-99").status, 400U);
    EXPECT_EQ(server_->get_as(users::supervisor, "/households/changes?area=999").status, 404U);

    // The monthly workbook carries the same list on its 住户变更 sheet.
    reply = server_->get_as(users::supervisor, "/stats/report.xlsx?month=" + this_month);
    ASSERT_EQ(reply.status, 200U);
    const std::filesystem::path saved = server_->dir() / "changes.xlsx";
    std::ofstream(saved, std::ios::binary) << reply.body;
    const Sheet sheet = read_sheet(saved, "住户变更", "住户编号");
    ASSERT_TRUE(sheet.contains(std::to_string(added)));
    EXPECT_EQ(sheet.at(std::to_string(added)).at("变更类型"), "新增");
    EXPECT_EQ(sheet.at(std::to_string(gone)).at("变更类型"), "迁出");
    EXPECT_EQ(sheet.at("2").at("新增标签"), "残疾人");
    EXPECT_EQ(sheet.at(std::to_string(added)).count("户主姓名"), 0U);  // no names in the workbook
}

}  // namespace
}  // namespace wangge::http::test
