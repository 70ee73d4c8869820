// The auth routes through the test app's router, without a socket.

#include "wangge/http/auth_handlers.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_app.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr model::Timestamp t0 = 1'800'000'000;
constexpr const char* password = "good password";

class AuthRoutesTest : public ::testing::Test {
protected:
    AuthRoutesTest() {
        const auth::Actor cli{std::nullopt, "cli:test", "local"};
        service_->add_user({.name = "boss", .role = auth::Role::admin}, password, cli, t0);
        service_->add_user({.name = "wang", .role = auth::Role::grid_worker, .grid_codes = {"110105001001001"}},
                           password, cli, t0);
    }

    Response send(Method method, std::string target, std::vector<std::pair<std::string, std::string>> headers = {},
                  std::string body = {}) {
        if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
        Request request(method, std::move(target), std::move(headers), std::move(body));
        request.set_peer("10.0.0.1");   // a trusted proxy, as the server resolves it
        request.set_client(client_);
        return app_.handle(request);
    }

    Response login(const std::string& name, const std::string& pass) {
        return send(Method::post, "/auth/login", {}, json{{"username", name}, {"password", pass}}.dump());
    }

    std::string token_of(const std::string& name) {
        const Response response = login(name, password);
        EXPECT_EQ(response.status(), Status::ok) << response.body();
        return json::parse(response.body()).at("token").get<std::string>();
    }

    model::Timestamp now_ = t0;
    std::string client_ = "10.1.2.3";
    // Every route, as served; the session checks on this test's clock.
    support::TestApp app_{{.gate = {.clock = [this] { return now_; }}}};
    auth::AuthService* service_ = &app_.app().auth();
    const AuthGate* gate_ = &app_.gate();
};

TEST_F(AuthRoutesTest, LoginSetsAStrictHttpOnlyCookie) {
    const Response response = login("wang", password);
    ASSERT_EQ(response.status(), Status::ok) << response.body();
    const json body = json::parse(response.body());
    EXPECT_EQ(body.at("role"), "grid_worker");
    EXPECT_EQ(body.at("expires"), model::format_iso8601(t0 + 12 * 3600));
    EXPECT_EQ(body.at("user").at("grids"), json::array({"110105001001001"}));
    const std::string cookie(response.header("Set-Cookie"));
    EXPECT_EQ(cookie, "wangge_session=" + body.at("token").get<std::string>() +
                          "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
    EXPECT_EQ(response.header("Cache-Control"), "no-store");
}

TEST_F(AuthRoutesTest, CookieOrBearerIdentifiesTheUser) {
    const std::string token = token_of("wang");
    const Response by_cookie = send(Method::get, "/auth/me", {{"Cookie", "theme=dark; wangge_session=" + token}});
    ASSERT_EQ(by_cookie.status(), Status::ok) << by_cookie.body();
    EXPECT_EQ(json::parse(by_cookie.body()).at("name"), "wang");
    const Response by_bearer = send(Method::get, "/auth/me", {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(by_bearer.status(), Status::ok);
    EXPECT_EQ(send(Method::get, "/auth/me").status(), Status::unauthorized);
    EXPECT_EQ(send(Method::get, "/auth/me", {{"Authorization", "Bearer nonsense"}}).status(), Status::unauthorized);
    now_ = t0 + 12 * 3600;
    EXPECT_EQ(send(Method::get, "/auth/me", {{"Authorization", "Bearer " + token}}).status(), Status::unauthorized);
}

TEST_F(AuthRoutesTest, LogoutEndsTheSessionAndClearsTheCookie) {
    const std::string token = token_of("wang");
    const Response response = send(Method::post, "/auth/logout", {{"Cookie", "wangge_session=" + token}});
    EXPECT_EQ(response.status(), Status::no_content);
    EXPECT_NE(response.header("Set-Cookie").find("Max-Age=0"), std::string_view::npos);
    EXPECT_EQ(send(Method::get, "/auth/me", {{"Cookie", "wangge_session=" + token}}).status(), Status::unauthorized);
}

TEST_F(AuthRoutesTest, BadLoginsAreClientErrors) {
    EXPECT_EQ(login("wang", "wrong password").status(), Status::unauthorized);
    EXPECT_EQ(send(Method::post, "/auth/login", {}, "not json").status(), Status::bad_request);
    EXPECT_EQ(send(Method::post, "/auth/login", {}, R"({"username":"wang"})").status(), Status::bad_request);
    EXPECT_EQ(send(Method::post, "/auth/login", {}, R"({"username":1,"password":"x"})").status(), Status::bad_request);
    const json error = json::parse(login("wang", "wrong password").body());
    EXPECT_EQ(error.at("error").at("code"), "unauthorized");
}

TEST_F(AuthRoutesTest, ThrottledLoginsGet429WithRetryAfter) {
    for (int i = 0; i < 4; ++i) EXPECT_EQ(login("wang", "guess " + std::to_string(i)).status(), Status::unauthorized);
    const Response response = login("wang", password);
    EXPECT_EQ(response.status(), Status::too_many_requests);
    EXPECT_EQ(response.header("Retry-After"), "2");
    EXPECT_EQ(json::parse(response.body()).at("error").at("code"), "too_many_requests");
    // The account is not locked: its owner, elsewhere, signs in.
    client_ = "10.9.9.9";
    EXPECT_EQ(login("wang", password).status(), Status::ok);
}

TEST_F(AuthRoutesTest, LoginRefusesCrossSiteAndNonJsonBodies) {
    const std::string body = json{{"username", "wang"}, {"password", password}}.dump();
    Request text(Method::post, "/auth/login", {{"Content-Type", "text/plain"}}, body);
    EXPECT_EQ(app_.handle(text).status(), Status::unsupported_media_type);
    Request form(Method::post, "/auth/login", {{"Content-Type", "application/x-www-form-urlencoded"}}, body);
    EXPECT_EQ(app_.handle(form).status(), Status::unsupported_media_type);
    const Response other_port = send(Method::post, "/auth/login",
                                     {{"Host", "grid.example:8080"}, {"Origin", "http://grid.example:9000"}}, body);
    EXPECT_EQ(other_port.status(), Status::forbidden);
    EXPECT_EQ(json::parse(other_port.body()).at("error").at("code"), "cross_site_request");
    EXPECT_EQ(send(Method::post, "/auth/login", {{"Sec-Fetch-Site", "same-site"}}, body).status(), Status::forbidden);
    // The map's own login: same origin (behind TLS the server itself sees http).
    EXPECT_EQ(send(Method::post, "/auth/login",
                   {{"Host", "grid.example"}, {"Origin", "https://grid.example"}, {"Sec-Fetch-Site", "same-origin"}},
                   body)
                  .status(),
              Status::ok);
}

TEST_F(AuthRoutesTest, CookieWritesFromOtherSitesAreRefusedAndAudited) {
    const std::string token = token_of("boss");
    const Headers cookie{{"Cookie", "wangge_session=" + token}, {"Host", "grid.example"},
                         {"Origin", "http://evil.example"}};
    const Response refused = send(Method::post, "/auth/logout", cookie);
    EXPECT_EQ(refused.status(), Status::forbidden);
    const auth::AuditPage denied = service_->audit_log({.action = "http.denied"});
    ASSERT_EQ(denied.total, 1u);
    EXPECT_EQ(denied.entries[0].user_name, "boss");
    EXPECT_EQ(denied.entries[0].outcome, auth::Outcome::denied);
    EXPECT_EQ(denied.entries[0].detail, "POST /auth/logout: cross_site_request");
    // The same with a bearer token (only the map's own script can set it), or from the same origin, goes through.
    EXPECT_EQ(send(Method::get, "/auth/me", cookie).status(), Status::ok);
    EXPECT_EQ(send(Method::post, "/auth/logout",
                   {{"Cookie", "wangge_session=" + token}, {"Host", "grid.example"}, {"Origin", "http://grid.example"}})
                  .status(),
              Status::no_content);
}

TEST_F(AuthRoutesTest, AuditLogIsForAdminsOnly) {
    EXPECT_EQ(send(Method::get, "/audit").status(), Status::unauthorized);
    const std::string worker = token_of("wang");
    const Response forbidden = send(Method::get, "/audit", {{"Authorization", "Bearer " + worker}});
    EXPECT_EQ(forbidden.status(), Status::forbidden);
    EXPECT_EQ(json::parse(forbidden.body()).at("error").at("code"), "forbidden");

    const std::string admin = token_of("boss");
    const Response page = send(Method::get, "/audit?action=auth.login&limit=1", {{"Authorization", "Bearer " + admin}});
    ASSERT_EQ(page.status(), Status::ok) << page.body();
    const json body = json::parse(page.body());
    EXPECT_EQ(body.at("total"), 2);
    ASSERT_EQ(body.at("entries").size(), 1u);
    const json& newest = body.at("entries")[0];
    EXPECT_EQ(newest.at("user"), "boss");
    EXPECT_EQ(newest.at("client"), "10.1.2.3");
    EXPECT_EQ(newest.at("outcome"), "ok");
    EXPECT_EQ(newest.at("at"), model::format_iso8601(t0));
    EXPECT_EQ(body.at("next"), "/audit?action=auth.login&limit=1&offset=1");

    const auto status_of = [&](const std::string& target) {
        return send(Method::get, target, {{"Authorization", "Bearer " + admin}}).status();
    };
    EXPECT_EQ(status_of("/audit?from=2027-01-15&to=2027-01-16"), Status::ok);
    EXPECT_EQ(status_of("/audit?from=yesterday"), Status::bad_request);
    EXPECT_EQ(status_of("/audit?limit=0"), Status::bad_request);
    EXPECT_EQ(status_of("/audit?limit=1001"), Status::bad_request);
    EXPECT_EQ(status_of("/audit?from=2027-01-16&to=2027-01-15"), Status::bad_request);
    EXPECT_EQ(status_of("/audit?colour=red"), Status::bad_request);
    // Reading the log is itself logged.
    EXPECT_GE(service_->audit_log({.action = "audit.read"}).total, 1u);
}

TEST_F(AuthRoutesTest, GateChecksScope) {
    const std::string token = token_of("wang");
    Request request(Method::get, "/x", {{"Authorization", "Bearer " + token}}, {});
    EXPECT_EQ(gate_->require(request, auth::Action::read_household_personal, "110105001001001").user->name, "wang");
    try {
        (void)gate_->require(request, auth::Action::read_household_personal, "110105001001002");
        FAIL() << "out of scope allowed";
    } catch (const ClientError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::forbidden);
        EXPECT_EQ(e.code(), "out_of_scope");
    }
    EXPECT_THROW((void)gate_->require(request, auth::Action::manage_users), ClientError);
    EXPECT_EQ(session_token(Request(Method::get, "/", {{"Cookie", "a=b;wangge_session=xyz ; c=d"}}, {})), "xyz");
    EXPECT_EQ(gate_->client(request), "");
}

}  // namespace
}  // namespace wangge::http
