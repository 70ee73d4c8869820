// POST /import/{layer} (issue #17 item 4): a planner uploads a roster, sees the
// dry-run report, and imports through the Writer into the served snapshot.

#include <gtest/gtest.h>

#include <string>

#include "support/datasets.hpp"
#include "support/test_app.hpp"
#include "wangge/model/snapshot.hpp"

namespace wangge::http {
namespace {

using support::Reply;
using support::TestApp;
namespace users = support::users;

// Chinese headers; row 2 gives its member count in words.
constexpr const char* roster =
    "编号,户主姓名,小区,楼栋,人数,经度,纬度\n"
    "101,新住户甲,吉庆里小区,9号楼,3,116.4012,39.9012\n"
    "102,新住户乙,吉庆里小区,9号楼,三口,116.4013,39.9013\n"
    "103,新住户丙,吉庆里小区,9号楼,1,116.4151,39.9051\n";

std::size_t household_count(TestApp& app) { return app.state().view()->snapshot().data().households.size(); }

/// "action|outcome|record ids|detail" per audit entry of `action`, newest first.
std::string audit_lines(TestApp& app, const std::string& action) {
    std::string lines;
    for (const auth::AuditEntry& entry : app.accounts().service().audit_log({.action = action, .limit = 100}).entries) {
        lines += entry.action + "|" + std::string(auth::to_string(entry.outcome)) + "|" +
                 nlohmann::json(entry.record_ids).dump() + "|" + entry.detail + "\n";
    }
    return lines;
}

class ImportRoutesTest : public ::testing::Test {
protected:
    ImportRoutesTest() { app_.serve(); }

    /// Posts `body` as the map does: the file's bytes as application/octet-stream.
    Reply upload(const std::string& query, const std::string& body = roster,
                 const std::string& type = "application/octet-stream") {
        support::Headers headers = app_.accounts().bearer(users::planner);
        headers.emplace_back("Content-Type", type);
        return support::Client(app_.port())
            .request(Method::post, "/import/households?filename=roster.csv" + query, headers, body);
    }

    TestApp app_;
};

TEST_F(ImportRoutesTest, DryRunReportsEveryBadRowAndWritesNothing) {
    const std::size_t before = household_count(app_);
    const Reply reply = upload("");
    ASSERT_EQ(reply.status, 200u) << reply.body;
    const nlohmann::json report = reply.json();
    EXPECT_EQ(report["dry_run"], true);
    EXPECT_EQ(report["written"], false);
    EXPECT_EQ(report["added"], 2);
    EXPECT_EQ(report["refused"], 1);
    ASSERT_EQ(report["problems"].size(), 1u);
    EXPECT_EQ(report["problems"][0]["row"], 2);
    EXPECT_EQ(report["problems"][0]["column"], "人数");
    EXPECT_EQ(report["problems"][0]["value"], "三口");
    EXPECT_EQ(report["problems"][0]["reason_zh"], "不是整数");
    EXPECT_EQ(household_count(app_), before);
}

TEST_F(ImportRoutesTest, BadRowsRefuseTheImportUnlessSkipped) {
    const std::size_t before = household_count(app_);
    const Reply refused = upload("&dry_run=false");
    ASSERT_EQ(refused.status, 422u) << refused.body;
    EXPECT_EQ(refused.json()["error"]["code"], "bad_rows");
    EXPECT_EQ(refused.json()["report"]["problems"][0]["row"], 2);
    EXPECT_EQ(household_count(app_), before);

    const Reply imported = upload("&dry_run=false&skip_bad=true");
    ASSERT_EQ(imported.status, 200u) << imported.body;
    EXPECT_EQ(imported.json()["written"], true);
    EXPECT_EQ(imported.json()["added"], 2);
    const model::Snapshot& snapshot = app_.state().view()->snapshot();
    EXPECT_EQ(snapshot.data().households.size(), before + 2);
    ASSERT_NE(snapshot.household(101), nullptr);
    EXPECT_EQ(snapshot.household(101)->head_name, "新住户甲");
    EXPECT_EQ(snapshot.household(101)->grid_code, "110105001001001");
    EXPECT_EQ(snapshot.household(103)->grid_code, "110105001001002");
    EXPECT_EQ(snapshot.household(102), nullptr);

    // Both the refusal and the import are on record.
    const std::string audit = audit_lines(app_, "import");
    EXPECT_NE(audit.find("import|denied"), std::string::npos) << audit;
    EXPECT_NE(audit.find("import|ok"), std::string::npos) << audit;
}

TEST_F(ImportRoutesTest, UpdateChangesStoredHouseholdsInPlace) {
    const std::size_t before = household_count(app_);
    const Reply reply = upload("&dry_run=false&update=true",
                               "编号,小区,经度,纬度\n1,新名小区,116.401,39.901\n2,吉庆里小区,116.402,39.902\n");
    ASSERT_EQ(reply.status, 200u) << reply.body;
    EXPECT_EQ(reply.json()["updated"], 1);
    EXPECT_EQ(reply.json()["unchanged"], 1);
    const model::Snapshot& snapshot = app_.state().view()->snapshot();
    EXPECT_EQ(snapshot.data().households.size(), before);
    EXPECT_EQ(snapshot.household(1)->compound, "新名小区");
    EXPECT_EQ(snapshot.household(1)->head_name, "户主1");  // no such column: kept
    const std::string audit = audit_lines(app_, "import.update");
    EXPECT_NE(audit.find("[\"1\"]|roster.csv: compound: 吉庆里小区 → 新名小区"), std::string::npos) << audit;
}

TEST_F(ImportRoutesTest, RefusesWhatItCannotTake) {
    EXPECT_EQ(app_.call(users::worker, Method::post, "/import/households?filename=r.csv", roster).status, 403u);
    const Reply grids = app_.call(users::planner, Method::post, "/import/grids?filename=r.csv", roster);
    EXPECT_EQ(grids.status, 400u);
    EXPECT_EQ(grids.json()["error"]["code"], "unsupported_layer");
    EXPECT_EQ(app_.call(users::planner, Method::post, "/import/households?filename=r.exe", roster).status, 415u);
    EXPECT_EQ(app_.call(users::planner, Method::post, "/import/households", roster).status, 400u);
    EXPECT_EQ(upload("&dry_run=maybe").status, 400u);
    EXPECT_EQ(upload("", "").status, 400u);
    // Types a foreign page may post without the browser asking first stay refused (docs/security.md).
    EXPECT_EQ(upload("", roster, "text/plain").status, 415u);
    EXPECT_EQ(upload("", roster, "multipart/form-data; boundary=x").status, 415u);
    EXPECT_EQ(upload("", roster, "text/csv").status, 200u);
    // Not a table at all: a 4xx naming the file, never a 500.
    const Reply junk = app_.call(users::planner, Method::post, "/import/households?filename=r.geojson", "{not json");
    EXPECT_EQ(junk.status, 400u) << junk.body;
    EXPECT_FALSE(junk.json()["error"]["message_zh"].get<std::string>().empty());
}

}  // namespace
}  // namespace wangge::http
