// Dedicated grids (专属网格) through the API: the lookup names the one over a
// point with its staff, the grids collection counts its households, and a
// case reported inside goes to its own A岗, who may work it, while the base
// grid's worker may still report there.

#include <gtest/gtest.h>

#include "support/test_app.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

using nlohmann::json;

constexpr const char* school_code = "110105001001901";
/// The school grid's own worker (staff 4).
const Account school_worker{"school_worker", auth::Role::grid_worker, {school_code}, 4};

/// The sample dataset with a school (学校) dedicated grid over households 1–3 of grid 001001.
TestAppOptions with_school() {
    TestAppOptions app;
    model::Grid school{school_code,
                       "吉庆里小学专属网格",
                       model::GridLevel::dedicated,
                       "110105001001",
                       {{geo::Polygon{{geo::Ring{{116.4005, 39.9005},
                                                 {116.4035, 39.9005},
                                                 {116.4035, 39.9035},
                                                 {116.4005, 39.9035},
                                                 {116.4005, 39.9005}}}}}},
                       app.data.grids.front().valid_from,
                       std::nullopt,
                       1};
    school.purpose = "学校";
    app.data.grids.push_back(school);
    app.data.staff.push_back({4, "赵敏", "010-65001004", "专职网格员"});
    app.data.staff_grids.push_back({4, school_code, model::Duty::primary});
    return app;
}

std::string report_at(double lon, double lat) {
    return json{{"category", "公共设施损坏"}, {"triage", "general"}, {"source", "网格员巡查"},
                {"description", "校门口护栏松动"}, {"lon", lon}, {"lat", lat}}
        .dump();
}

class DedicatedGrid : public testing::Test {
protected:
    TestServer server_{TestApp::quiet_options(), {}, with_school()};
};

TEST_F(DedicatedGrid, LookupNamesItWithItsStaffAndTheCollectionCountsItsHouseholds) {
    const json found = server_.get("/lookup?lon=116.402&lat=39.902").json();
    EXPECT_EQ(found["grid"]["code"], "110105001001001");
    EXPECT_EQ(found["dedicated"]["code"], school_code);
    EXPECT_EQ(found["dedicated"]["level"], "dedicated");
    EXPECT_EQ(found["dedicated"]["purpose"], "学校");
    ASSERT_EQ(found["dedicated"]["staff"].size(), 1u);
    EXPECT_EQ(found["dedicated"]["staff"][0]["name"], "赵敏");
    EXPECT_EQ(server_.get("/lookup?lon=116.405&lat=39.91").json()["dedicated"], nullptr);

    const json school = server_.get("/collections/grids/items/110105001001901").json();
    EXPECT_EQ(school["properties"]["level"], "dedicated");
    EXPECT_EQ(school["properties"]["purpose"], "学校");
    EXPECT_EQ(school["properties"]["household_count"], 3);  // households 1–3 lie inside
    // The households still belong to the base grid and its community.
    EXPECT_EQ(server_.get("/collections/grids/items/110105001001001").json()["properties"]["household_count"], 5);
    EXPECT_EQ(server_.get("/collections/grids/items/110105001001").json()["properties"]["household_count"], 7);
    EXPECT_EQ(server_.get("/collections/grids/items?level=dedicated").json()["numberMatched"], 1);
}

TEST_F(DedicatedGrid, ACaseInsideGoesToItsOwnWorkerWhoWorksIt) {
    // The base grid's worker patrols the whole grid, the school included.
    const Reply reported = server_.call(users::worker, Method::post, "/incidents", report_at(116.402, 39.902));
    ASSERT_EQ(reported.status, 201u) << reported.body;
    const json incident = reported.json();
    EXPECT_EQ(incident["grid_code"], school_code);
    EXPECT_EQ(incident["assignee"], "4");
    const std::string transitions = "/incidents/" + std::to_string(incident["id"].get<std::int64_t>()) + "/transitions";
    for (const char* action : {"file", "dispatch"}) {
        const Reply step = server_.call(users::supervisor, Method::post, transitions, json{{"action", action}}.dump());
        ASSERT_EQ(step.status, 200u) << step.body;
    }
    // The case is the school grid's now: not the base grid's worker's to accept.
    EXPECT_EQ(server_.call(users::worker, Method::post, transitions, R"({"action":"accept"})").status, 403u);
    const Reply accepted = server_.call(school_worker, Method::post, transitions, R"({"action":"accept"})");
    EXPECT_EQ(accepted.status, 200u) << accepted.body;

    // Outside the school the base grid's A岗 takes it, as always; another grid's worker may not report here.
    EXPECT_EQ(server_.call(users::worker, Method::post, "/incidents", report_at(116.405, 39.91)).json()["assignee"], "1");
    EXPECT_EQ(server_.call(users::outsider, Method::post, "/incidents", report_at(116.402, 39.902)).status, 403u);
}

}  // namespace
}  // namespace wangge::http::test
