#include "wangge/http/public_routes.hpp"

#include <gtest/gtest.h>

#include "support/test_app.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

using nlohmann::json;

class PublicRoutes : public testing::Test {
protected:
    static void SetUpTestSuite() { server_ = std::make_unique<TestServer>(); }
    static void TearDownTestSuite() { server_.reset(); }
    static std::unique_ptr<TestServer> server_;
};
std::unique_ptr<TestServer> PublicRoutes::server_;

/// Nothing of a household but its compound and building names may leave the search.
void expect_no_household_data(const std::string& body) {
    for (const char* personal : {"户主", "1380000000", "110105198001011", "1单元", "\"room\"", "独居老人", "members"}) {
        EXPECT_EQ(body.find(personal), std::string::npos) << personal << " in " << body;
    }
}

TEST_F(PublicRoutes, ACompoundNameFindsItsGridsWithoutLogin) {
    const Reply reply = server_->get("/public/grids/search?q=%E5%90%89%E5%BA%86%E9%87%8C");  // 吉庆里
    ASSERT_EQ(reply.status, 200u) << reply.body;
    const json found = reply.json();
    EXPECT_EQ(found["query"], "吉庆里");
    ASSERT_EQ(found["results"].size(), 3u) << found.dump(1);  // the compound, then two grid names; no buildings
    const json& compound = found["results"][0];
    EXPECT_EQ(compound["kind"], "compound");
    EXPECT_EQ(compound["label"], "吉庆里小区");
    EXPECT_EQ(compound["grids"], json::parse(R"([{"code":"110105001001001","name":"吉庆里第一网格"},
        {"code":"110105001001002","name":"吉庆里第二网格"},{"code":"110105001002001","name":"雅宝里第一网格"}])"));
    EXPECT_EQ(found["results"][1], json::parse(R"({"kind":"grid","label":"吉庆里第一网格",
        "grids":[{"code":"110105001001001","name":"吉庆里第一网格"}]})"));
    EXPECT_EQ(found["results"][2]["label"], "吉庆里第二网格");
    expect_no_household_data(reply.body);
}

TEST_F(PublicRoutes, AnAddressWithABuildingFindsThatBuildingsGrid) {
    // "吉庆里小区 6号楼", the space optional.
    for (const char* q : {"%E5%90%89%E5%BA%86%E9%87%8C%E5%B0%8F%E5%8C%BA%206%E5%8F%B7%E6%A5%BC",
                          "%E5%90%89%E5%BA%86%E9%87%8C%E5%B0%8F%E5%8C%BA6%E5%8F%B7%E6%A5%BC"}) {
        const Reply reply = server_->get(std::string("/public/grids/search?q=") + q);
        ASSERT_EQ(reply.status, 200u) << reply.body;
        const json results = reply.json()["results"];
        ASSERT_EQ(results.size(), 1u) << results.dump(1);
        EXPECT_EQ(results[0]["kind"], "building");
        EXPECT_EQ(results[0]["label"], "吉庆里小区 6号楼");
        EXPECT_EQ(results[0]["point"], json({116.415, 39.905}));
        EXPECT_EQ(results[0]["grids"], json::parse(R"([{"code":"110105001001002","name":"吉庆里第二网格"}])"));
        expect_no_household_data(reply.body);
    }
    // A grid code prefix finds grids too; nothing matching is an empty list.
    EXPECT_EQ(server_->get("/public/grids/search?q=110105001002").json()["results"][0]["label"], "雅宝里第一网格");
    EXPECT_TRUE(server_->get("/public/grids/search?q=nowhere").json()["results"].empty());
}

TEST_F(PublicRoutes, BadSearchesAre400InChinese) {
    for (const char* target : {"/public/grids/search", "/public/grids/search?q=", "/public/grids/search?q=%20%20",
                               "/public/grids/search?q=a&limit=3"}) {
        const Reply reply = server_->get(target);
        EXPECT_EQ(reply.status, 400u) << target;
        EXPECT_FALSE(reply.json()["error"]["message_zh"].get<std::string>().empty()) << target;
    }
    EXPECT_EQ(server_->get("/public/grids/search?q=" + std::string(200, 'x')).status, 400u);
}

TEST_F(PublicRoutes, TheCardHasStaffOutlineAndTheQrCodesPage) {
    const Reply reply = server_->get("/public/grids/110105001001001");
    ASSERT_EQ(reply.status, 200u) << reply.body;
    const json card = reply.json();
    EXPECT_EQ(card["name"], "吉庆里第一网格");
    EXPECT_EQ(card["level"], "grid");
    EXPECT_EQ(card["community"], json({{"code", "110105001001"}, {"name", "吉庆里社区"}}));
    EXPECT_EQ(card["street"], json({{"code", "110105001"}, {"name", "朝外街道"}}));
    ASSERT_EQ(card["staff"].size(), 2u);
    EXPECT_EQ(card["staff"][0], json({{"name", "张伟"}, {"role", "网格长"}, {"duty", "A"}, {"phone", "010-65001001"}, {"duty_days", nullptr}}));
    EXPECT_EQ(card["staff"][1]["duty"], "B");
    EXPECT_EQ(card["geometry"]["type"], "Polygon");
    EXPECT_EQ(card["bbox"], json({116.40, 39.90, 116.41, 39.92}));
    EXPECT_TRUE(card["page"].get<std::string>().ends_with("/map/public.html#grid=110105001001001")) << card["page"];
    EXPECT_EQ(card["qr"], "/public/grids/110105001001001/qr.svg");
    expect_no_household_data(reply.body);

    const Reply qr = server_->get("/public/grids/110105001001001/qr.svg");
    ASSERT_EQ(qr.status, 200u) << qr.body;
    EXPECT_EQ(qr.header("Content-Type"), "image/svg+xml");
    EXPECT_EQ(qr.body, qr_svg(card["page"].get<std::string>()));
}

TEST_F(PublicRoutes, UnknownGridIs404InChinese) {
    for (const char* target : {"/public/grids/110105009009009", "/public/grids/110105009009009/qr.svg"}) {
        const Reply reply = server_->get(target);
        EXPECT_EQ(reply.status, 404u) << target;
        EXPECT_EQ(reply.json()["error"]["message_zh"], "找不到编码为 110105009009009 的网格");
    }
}

TEST(QrSvg, Version1WithFinderPatternsAndQuietZone) {
    const std::string svg = qr_svg("HELLO");
    EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 29 29\"")) << svg;
    EXPECT_NE(svg.find("data-modules=\"21\""), std::string::npos);
    // The top-left finder pattern: a 7-module run at the corner of the quiet zone.
    EXPECT_NE(svg.find("d=\"M4,4h7v1h-7z"), std::string::npos) << svg;
    // A longer text needs a larger symbol.
    EXPECT_NE(qr_svg("http://127.0.0.1:8080/map/public.html#grid=110105001001001").find("data-modules=\"33\""),
              std::string::npos);
    EXPECT_THROW((void)qr_svg(std::string(5000, 'x')), std::runtime_error);
}

}  // namespace
}  // namespace wangge::http::test
