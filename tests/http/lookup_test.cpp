#include "wangge/http/lookup.hpp"

#include <gtest/gtest.h>

#include "support/test_app.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

using nlohmann::json;

class Lookup : public testing::Test {
protected:
    static void SetUpTestSuite() { server_ = std::make_unique<TestServer>(); }
    static void TearDownTestSuite() { server_.reset(); }
    static std::unique_ptr<TestServer> server_;
};
std::unique_ptr<TestServer> Lookup::server_;

TEST_F(Lookup, InsideAGridGivesTheChainAndTheContactCard) {
    const Reply reply = server_->get("/lookup?lon=116.405&lat=39.91");
    ASSERT_EQ(reply.status, 200u) << reply.body;
    const json found = reply.json();
    EXPECT_EQ(found["point"], json({116.405, 39.91}));
    EXPECT_EQ(found["grid"], json({{"code", "110105001001001"}, {"name", "吉庆里第一网格"}, {"level", "grid"}}));
    EXPECT_EQ(found["community"]["code"], "110105001001");
    EXPECT_EQ(found["street"]["code"], "110105001");
    ASSERT_EQ(found["chain"].size(), 3u);
    EXPECT_EQ(found["chain"][0]["level"], "street");
    EXPECT_EQ(found["chain"][2]["level"], "grid");
    ASSERT_EQ(found["staff"].size(), 2u);
    EXPECT_EQ(found["staff"][0], json({{"name", "张伟"}, {"role", "网格长"}, {"duty", "A"}, {"phone", "010-65001001"}, {"duty_days", nullptr}}));
    EXPECT_FALSE(found["near_boundary"]);
    EXPECT_GT(found["distance_to_boundary_m"].get<double>(), 400.0);
}

TEST_F(Lookup, NearABorderIsFlagged) {
    const json found = server_->get("/lookup?lon=116.4099&lat=39.91").json();
    EXPECT_EQ(found["grid"]["code"], "110105001001001");
    EXPECT_TRUE(found["near_boundary"]);
    EXPECT_NEAR(found["distance_to_boundary_m"].get<double>(), 8.5, 0.5);
    const json across = server_->get("/lookup?lon=116.4101&lat=39.91").json();
    EXPECT_EQ(across["grid"]["code"], "110105001001002");
    EXPECT_TRUE(across["near_boundary"]);
}

TEST_F(Lookup, OutsideEveryGridIs404Outside) {
    const Reply reply = server_->get("/lookup?lon=117&lat=40");
    EXPECT_EQ(reply.status, 404u);
    EXPECT_EQ(reply.json()["error"]["code"], "outside");
}

TEST_F(Lookup, BadCoordinatesAre400) {
    for (const char* target : {"/lookup", "/lookup?lon=116.4", "/lookup?lat=39.9", "/lookup?lon=abc&lat=39.9",
                               "/lookup?lon=116.4&lat=", "/lookup?lon=200&lat=39.9", "/lookup?lon=116.4&lat=-91",
                               "/lookup?lon=nan&lat=39.9", "/lookup?lon=116.4&lat=39.9&zoom=3",
                               "/lookup?lon=116.4&lon=116.5&lat=39.9"}) {
        const Reply reply = server_->get(target);
        EXPECT_EQ(reply.status, 400u) << target;
        EXPECT_TRUE(reply.json()["error"].contains("message")) << target;
    }
}

}  // namespace
}  // namespace wangge::http::test
