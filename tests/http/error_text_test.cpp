// Every error body a user can meet carries Chinese (issue 19 item 4): the
// map shows message_zh, so an error without it would reach a user in
// English. Walks every registered route with bad input (unknown parameters,
// unknown ids, malformed and empty bodies), anonymously and signed in, plus
// the errors that come from the transport and the limits (unknown route,
// wrong method, too large a body or header, too many streams, the rate
// limit, a snapshot not loaded yet, a failed login), and fails on any 4xx/5xx
// JSON error without a non-empty Chinese message_zh.
//
// Open311 routes are left out: GeoReport v2 prescribes its own error format
// ([{"code","description"}]) for citizen apps, not for the map.

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_app.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

using nlohmann::json;

/// True when `text` holds a CJK ideograph (U+4E00–U+9FFF: three UTF-8 bytes from E4 B8 80 to E9 BF BF).
bool has_cjk(std::string_view text) {
    for (std::size_t i = 0; i + 2 < text.size(); ++i) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        const auto b1 = static_cast<unsigned char>(text[i + 1]);
        if ((b0 == 0xE4 && b1 >= 0xB8) || (b0 > 0xE4 && b0 < 0xE9) || (b0 == 0xE9 && b1 <= 0xBF)) return true;
    }
    return false;
}

/// Checks one answer: an error must be {"error":{..., "message_zh": Chinese}}.
void expect_chinese_error(const Reply& reply, const std::string& what) {
    if (reply.status < 400) return;
    json body;
    try {
        body = reply.json();
    } catch (const json::exception&) {
        ADD_FAILURE() << what << ": " << reply.status << " without a JSON error body: " << reply.body;
        return;
    }
    const bool has_error = body.is_object() && body.contains("error") && body["error"].is_object();
    ASSERT_TRUE(has_error) << what << ": " << reply.body;
    const json& error = body["error"];
    ASSERT_TRUE(error.contains("message_zh") && error["message_zh"].is_string())
        << what << ": " << reply.status << " without message_zh: " << reply.body;
    EXPECT_TRUE(has_cjk(error["message_zh"].get<std::string>()))
        << what << ": message_zh is not Chinese: " << reply.body;
}

TEST(ErrorText, HasCjkRecognisesChinese) {
    EXPECT_TRUE(has_cjk("请先登录"));
    EXPECT_TRUE(has_cjk("参数 bbox 有误"));
    EXPECT_FALSE(has_cjk("sign in first"));
    EXPECT_FALSE(has_cjk("café"));
    EXPECT_FALSE(has_cjk(""));
}

/// A request to `pattern` with every path parameter filled by `filler`.
std::string target_of(const std::string& pattern, const std::string& filler) {
    std::string out;
    for (std::size_t i = 0; i < pattern.size();) {
        if (pattern[i] == '{') {
            const std::size_t end = pattern.find('}', i);
            out += pattern.substr(i, end - i).ends_with("*") ? filler + ".txt" : filler;
            i = end + 1;
        } else {
            out += pattern[i++];
        }
    }
    return out;
}

TEST(ErrorText, EveryRouteRefusesBadInputInChinese) {
    // In process through the router (the same dispatch as the server): the
    // transport's own refusals have their test below.
    TestApp app;
    const std::vector<std::optional<Account>> callers{std::nullopt, users::admin};
    const std::vector<std::string> bodies{"{nope", "{}", R"({"line":{"type":"Point"},"geometry":7,"code":""})"};
    std::size_t errors = 0;
    for (const auto& [method, pattern] : app.app().router().routes()) {
        if (pattern.starts_with("/open311")) continue;
        if (pattern == "/auth/logout") continue;  // would end the callers' sessions
        for (const std::string& query : {std::string(), std::string("?zz=1")}) {
            const std::string target = target_of(pattern, "zz") + query;
            for (const auto& who : callers) {
                for (const std::string& body : method == Method::get ? std::vector<std::string>{""} : bodies) {
                    const Response response = app.handle_as(who, method, target, body);
                    const auto status = static_cast<unsigned>(response.status());
                    errors += status >= 400 ? 1 : 0;
                    expect_chinese_error({status, response.body(), {}},
                                         std::string(to_string(method)) + " " + target + " " + body + " as " +
                                             (who ? who->name : "anonymous"));
                }
            }
        }
    }
    EXPECT_GT(errors, 100u) << "the walk should meet many refusals";
    // A malformed path escape, on any route.
    const Response path = app.handle(Method::get, "/collections/%zz/items");
    expect_chinese_error({static_cast<unsigned>(path.status()), path.body(), {}}, "a malformed path escape");
}

TEST(ErrorText, NamedErrorsOfTheRoutesAreChinese) {
    TestApp app{{.max_anonymous_streams = 0}};
    app.serve();
    const std::vector<std::pair<std::string, unsigned>> gets{
        {"/no/such/route", 404},
        {"/collections/nothing/items", 404},
        {"/collections/grids/items?bbox=1,2,3", 400},
        {"/collections/grids/items?limit=-4", 400},
        {"/collections/grids/items?datetime=yesterday", 400},
        {"/collections/grids/items/999", 404},
        {"/lookup?lon=116.4", 400},
        {"/lookup?lon=abc&lat=39.9", 400},
        {"/lookup?lon=0&lat=0", 404},
        {"/tiles/nothing.json", 404},
        {"/tiles/grids/99/0/0.mvt", 400},
        {"/tiles/heat/12/0/0.mvt?from=2026-05-01&to=2026-04-01", 401},
        {"/tiles/events", 503},  // too_many_streams: no anonymous stream allowed
        {"/map/missing.js", 404},
        {"/rules?x=1", 400},
    };
    for (const auto& [target, status] : gets) {
        const Reply reply = app.get(target);
        EXPECT_EQ(reply.status, status) << target << ": " << reply.body;
        expect_chinese_error(reply, target);
    }
    const Reply heat = app.get_as(users::planner, "/tiles/heat/12/0/0.mvt?from=2026-05-01&to=2026-04-01");
    EXPECT_EQ(heat.status, 400u) << heat.body;
    expect_chinese_error(heat, "heat with from after to");
    const Reply state = app.get_as(users::planner, "/tiles/heat/12/0/0.mvt?state=lost");
    EXPECT_EQ(state.status, 400u) << state.body;
    expect_chinese_error(state, "heat with an unknown state");

    const Reply method = app.call(std::nullopt, Method::delete_, "/health");
    EXPECT_EQ(method.status, 405u);
    expect_chinese_error(method, "DELETE /health");
    const Reply login = app.call(std::nullopt, Method::post, "/auth/login", R"({"username":"nobody","password":"x"})");
    EXPECT_EQ(login.status, 401u);
    expect_chinese_error(login, "failed login");
    const Reply media = Client(app.port()).request(Method::post, "/validate", {{"Content-Type", "text/plain"}}, "x");
    EXPECT_EQ(media.status, 415u) << media.body;
    expect_chinese_error(media, "text/plain body");
    const Reply outside = app.call(users::planner, Method::post, "/drafts/none/split", "{}");
    EXPECT_EQ(outside.status, 404u);
    expect_chinese_error(outside, "unknown draft");
}

TEST(ErrorText, TransportAndLimitErrorsAreChinese) {
    TestApp app;
    ServerOptions options = TestApp::quiet_options();
    options.body_limit = 100;
    options.header_limit = 1024;
    options.rate_limit = 1;
    options.rate_burst = 4;
    app.serve(options);
    Client client(app.port());
    const Reply large = Client(app.port()).request(Method::post, "/validate", {{"Content-Type", "application/json"}},
                                                   std::string(1000, ' '));
    EXPECT_EQ(large.status, 413u);
    expect_chinese_error(large, "body over the limit");
    const Reply header = Client(app.port()).get("/health", {{"X-Long", std::string(2000, 'a')}});
    EXPECT_EQ(header.status, 431u);
    expect_chinese_error(header, "header over the limit");
    Reply limited;
    for (int i = 0; i < 10 && limited.status != 429; ++i) limited = client.get("/health");
    EXPECT_EQ(limited.status, 429u);
    expect_chinese_error(limited, "rate limit");
}

TEST(ErrorText, NotReadyIsChinese) {
    const State state("geopackage");
    try {
        (void)state.view();
        FAIL() << "a state without a snapshot has no view";
    } catch (const ClientError& e) {
        EXPECT_EQ(e.code(), "not_ready");
        EXPECT_TRUE(has_cjk(e.message_zh())) << e.message_zh();
    }
}

}  // namespace
}  // namespace wangge::http::test
