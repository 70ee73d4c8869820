#include "wangge/http/router.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <utility>

#include "wangge/http/body.hpp"

namespace wangge::http {
namespace {

Request get(std::string target, std::vector<std::pair<std::string, std::string>> headers = {}) {
    return Request(Method::get, std::move(target), std::move(headers), {});
}

nlohmann::json error_of(const Response& response) { return nlohmann::json::parse(response.body())["error"]; }

TEST(Query, DecodesPercentAndPlus) {
    const Query query = Query::parse("name=%E7%BD%91%E6%A0%BC+1&empty=&flag");
    EXPECT_EQ(query.get("name"), "网格 1");
    EXPECT_EQ(query.get("empty"), "");
    EXPECT_EQ(query.get("flag"), "");
    EXPECT_FALSE(query.get("missing"));
}

TEST(Query, RefusesBadEscapesAndDuplicates) {
    EXPECT_THROW((void)Query::parse("a=%zz"), ClientError);
    EXPECT_THROW((void)Query::parse("a=%4"), ClientError);
    try {
        (void)Query::parse("limit=1&limit=2");
        FAIL();
    } catch (const ClientError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::bad_request);
        EXPECT_EQ(e.code(), "duplicate_parameter");
    }
}

TEST(Query, AllowOnlyNamesTheUnknownParameter) {
    const Query query = Query::parse("lon=1&colour=red");
    try {
        query.allow_only({"lon", "lat"});
        FAIL();
    } catch (const ClientError& e) {
        EXPECT_EQ(e.code(), "unknown_parameter");
        EXPECT_NE(std::string(e.what()).find("colour"), std::string::npos);
    }
}

TEST(Query, EncodeReplacesAndRemoves) {
    const Query query = Query::parse("bbox=1,2,3,4&offset=10&limit=5");
    EXPECT_EQ(query.encode({{"offset", "20"}}), "bbox=1%2C2%2C3%2C4&limit=5&offset=20");
    EXPECT_EQ(query.encode({{"offset", ""}}), "bbox=1%2C2%2C3%2C4&limit=5");
}

TEST(Parse, NumbersAreStrict) {
    EXPECT_DOUBLE_EQ(parse_double("116.4", "lon", -180, 180), 116.4);
    for (const char* bad : {"", "abc", "1e999", "nan", "12x", "200", " 1"}) {
        EXPECT_THROW((void)parse_double(bad, "lon", -180, 180), ClientError) << bad;
    }
    EXPECT_EQ(parse_int("42", "limit", 1, 100), 42);
    for (const char* bad : {"0", "101", "1.5", "-1", "", "+3"}) {
        EXPECT_THROW((void)parse_int(bad, "limit", 1, 100), ClientError) << bad;
    }
}

TEST(Router, MatchesLiteralsParametersAndSuffixes) {
    Router router;
    router.get("/tiles/{layer}/{z}/{x}/{y}.mvt", [](const Request& r) {
        return Response::json({r.param("layer"), r.param("z"), r.param("x"), r.param("y")});
    }, Execution::io);
    router.get("/tiles/{layer}.json", [](const Request& r) { return Response::json(r.param("layer")); }, Execution::io);
    router.get("/files/{path*}", [](const Request& r) { return Response::json(r.param("path")); }, Execution::io);

    Request tile = get("/tiles/grids/14/13490/6208.mvt?x=1");
    EXPECT_EQ(router.handle(tile).body(), R"(["grids","14","13490","6208"])");
    Request tilejson = get("/tiles/heat.json");
    EXPECT_EQ(router.handle(tilejson).body(), R"("heat")");
    Request nested = get("/files/a/b%20c.txt");
    EXPECT_EQ(router.handle(nested).body(), R"("a/b c.txt")");
    Request root = get("/files/");
    EXPECT_EQ(router.handle(root).body(), R"("")");
    Request no_suffix = get("/tiles/grids/1/2/3.png");
    EXPECT_EQ(router.handle(no_suffix).status(), Status::not_found);
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405) {
    Router router;
    router.get("/health", [](const Request&) { return Response::json("ok"); }, Execution::io);
    Request unknown = get("/nope");
    const Response missing = router.handle(unknown);
    EXPECT_EQ(missing.status(), Status::not_found);
    EXPECT_EQ(error_of(missing)["code"], "not_found");
    EXPECT_EQ(missing.header("content-type"), "application/json");

    Request post(Method::post, "/health", {}, "{}");
    const Response refused = router.handle(post);
    EXPECT_EQ(refused.status(), Status::method_not_allowed);
    EXPECT_EQ(error_of(refused)["code"], "method_not_allowed");

    Request head(Method::head, "/health", {}, {});
    EXPECT_EQ(router.handle(head).status(), Status::ok);
}

TEST(Router, RefusesDotSegmentsAndEncodedSlashes) {
    Router router;
    router.get("/map/{path*}", [](const Request& r) { return Response::json(r.param("path")); }, Execution::io);
    for (const char* target : {"/map/../CMakeLists.txt", "/map/%2e%2e/CMakeLists.txt", "/map/%2E%2E/x",
                               "/map/a/./b", "/map/..%2fsecret", "/map/a%5c..%5cb", "/map/%00", "/map/%zz"}) {
        Request request = get(target);
        const Response response = router.handle(request);
        EXPECT_EQ(response.status(), Status::bad_request) << target;
        EXPECT_EQ(error_of(response)["code"], "bad_path") << target;
    }
}

TEST(Router, ExceptionsBecomeStatusesInOnePlace) {
    Router router;
    router.get(
        "/http", [](const Request&) -> Response { throw ClientError(ErrorKind::conflict, "busy", "try later", "请稍后再试"); },
        Execution::io);
    router.get("/input", [](const Request&) -> Response { throw InputError("bad polygon"); }, Execution::io);
    router.get("/bug", [](const Request&) -> Response { throw std::runtime_error("secret detail"); }, Execution::io);
    router.get(
        "/query", [](const Request& r) { return Response::json(std::string(*r.query().get("a"))); }, Execution::io);

    Request http_error = get("/http");
    const Response conflict = router.handle(http_error);
    EXPECT_EQ(conflict.status(), Status::conflict);
    EXPECT_EQ(error_of(conflict),
              nlohmann::json({{"code", "busy"}, {"message", "try later"}, {"message_zh", "请稍后再试"}}));

    Request input = get("/input");
    const Response bad = router.handle(input);
    EXPECT_EQ(bad.status(), Status::bad_request);
    EXPECT_EQ(error_of(bad)["message"], "bad polygon");
    EXPECT_EQ(error_of(bad)["message_zh"], "请求内容有误");

    Request bug = get("/bug");
    const Response internal = router.handle(bug);
    EXPECT_EQ(internal.status(), Status::internal_server_error);
    EXPECT_EQ(error_of(internal)["code"], "internal");
    EXPECT_EQ(internal.body().find("secret detail"), std::string::npos);

    Request malformed = get("/query?a=%G1");
    EXPECT_EQ(router.handle(malformed).status(), Status::bad_request);
}

TEST(Router, EachKindOfRefusalHasOneStatusAndKeepsItsChineseText) {
    const std::pair<ErrorKind, Status> kinds[] = {
        {ErrorKind::bad_request, Status::bad_request},   {ErrorKind::unauthorized, Status::unauthorized},
        {ErrorKind::forbidden, Status::forbidden},       {ErrorKind::not_found, Status::not_found},
        {ErrorKind::method_not_allowed, Status::method_not_allowed},
        {ErrorKind::conflict, Status::conflict},         {ErrorKind::too_large, Status::payload_too_large},
        {ErrorKind::unsupported_media, Status::unsupported_media_type},
        {ErrorKind::unprocessable, Status::unprocessable_entity},
        {ErrorKind::too_many, Status::too_many_requests}, {ErrorKind::unavailable, Status::service_unavailable}};
    for (const auto& [kind, status] : kinds) EXPECT_EQ(status_of(kind), status);

    Router router;
    router.get(
        "/zh",
        [](const Request&) -> Response {
            throw ClientError(ErrorKind::forbidden, "out_of_scope", "not yours", "不在您的网格范围内");
        },
        Execution::io);
    Request request = get("/zh");
    const Response refused = router.handle(request);
    EXPECT_EQ(refused.status(), Status::forbidden);
    EXPECT_EQ(error_of(refused),
              nlohmann::json({{"code", "out_of_scope"}, {"message", "not yours"}, {"message_zh", "不在您的网格范围内"}}));
}

TEST(Router, AShortcutAnswersFirstOrLeavesTheRequestToItsHandler) {
    Router router;
    router.get(
        "/tiles/{n}",
        [](const Request& r) -> std::optional<Response> {
            if (r.param("n") == "bad") throw ClientError(ErrorKind::bad_request, "invalid_parameter", "bad n", "n 有误");
            if (r.param("n") == "cached") return Response::json(std::string("stored"));
            return std::nullopt;
        },
        [](const Request&) { return Response::json(std::string("rendered")); }, Execution::worker);
    router.get("/plain", [](const Request&) { return Response::json(std::string("plain")); }, Execution::worker);

    Request cached = get("/tiles/cached");
    const Dispatch hit = router.dispatch(cached);
    EXPECT_EQ(hit.execution(), Execution::worker);
    ASSERT_TRUE(hit.run_shortcut(cached));
    EXPECT_EQ(hit.run_shortcut(cached)->body(), R"("stored")");

    Request miss = get("/tiles/other");
    const Dispatch declined = router.dispatch(miss);
    EXPECT_FALSE(declined.run_shortcut(miss));
    EXPECT_EQ(router.handle(miss).body(), R"("rendered")");
    EXPECT_EQ(router.handle(cached).body(), R"("stored")");

    // The shortcut's errors become statuses as the handler's do.
    Request bad = get("/tiles/bad");
    const auto refused = router.dispatch(bad).run_shortcut(bad);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status(), Status::bad_request);
    EXPECT_EQ(error_of(*refused)["code"], "invalid_parameter");

    // No shortcut, or no route: nothing to answer early.
    Request plain = get("/plain");
    EXPECT_FALSE(router.dispatch(plain).run_shortcut(plain));
    Request unknown = get("/nowhere");
    EXPECT_FALSE(router.dispatch(unknown).run_shortcut(unknown));
}

TEST(JsonBody, ReadsTypedFieldsAndNamesTheFieldInBothLanguages) {
    const auto body_of = [](std::string text) { return Request(Method::post, "/x", {}, std::move(text)); };
    const JsonBody body(body_of(R"({"name":"网格","count":3,"lon":116.4,"ok":true,"gone":null})"),
                        {"name", "count", "lon", "ok", "gone"});
    EXPECT_EQ(body.required_string("name"), "网格");
    EXPECT_EQ(body.integer("count"), 3);
    EXPECT_EQ(body.required_number("lon", -180, 180), 116.4);
    EXPECT_EQ(body.boolean("ok"), true);
    EXPECT_EQ(body.string("gone"), std::nullopt);  // null is "not given"
    EXPECT_TRUE(JsonBody(body_of("")).json().empty());

    const auto refusal = [](const std::function<void()>& read) {
        try {
            read();
        } catch (const ClientError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::bad_request);
            return std::pair{e.code(), std::string(e.what()) + " | " + e.message_zh()};
        }
        ADD_FAILURE() << "accepted";
        return std::pair{std::string(), std::string()};
    };
    EXPECT_EQ(refusal([&] { (void)JsonBody(body_of("{oops")); }).first, "invalid_json");
    EXPECT_EQ(refusal([&] { (void)JsonBody(body_of("[1]")); }).first, "invalid_body");
    EXPECT_NE(refusal([&] { (void)JsonBody(body_of(R"({"colour":1})"), {"name"}); }).second.find("\"colour\""),
              std::string::npos);
    const std::string missing = refusal([&] { (void)body.required_string("code"); }).second;
    EXPECT_NE(missing.find("field \"code\" is required"), std::string::npos) << missing;
    EXPECT_NE(missing.find("缺少必填字段 \"code\""), std::string::npos) << missing;
    EXPECT_NE(refusal([&] { (void)body.integer("name"); }).second.find("应为整数"), std::string::npos);
    EXPECT_NE(refusal([&] { (void)body.number("lon", 0, 100); }).second.find("\"lon\""), std::string::npos);
    EXPECT_EQ(refusal([&] { (void)body.boolean("count"); }).first, "bad_request");
}

TEST(Request, HeadersAndBaseUrl) {
    Request request = get("/x", {{"Host", "evil.example:8080"}, {"Accept-Encoding", "br, gzip;q=0.8"}});
    EXPECT_EQ(request.header("host"), "evil.example:8080");
    // Links never come from the client's Host header (issue #18): the server sets its public URL.
    EXPECT_EQ(request.base_url(), "http://localhost");
    request.set_base_url("https://grid.example.gov.cn");
    EXPECT_EQ(request.base_url(), "https://grid.example.gov.cn");
    EXPECT_TRUE(accepts_encoding(request, "gzip"));
    EXPECT_FALSE(accepts_encoding(request, "deflate"));

    Request refused = get("/x", {{"Accept-Encoding", "gzip;q=0"}});
    EXPECT_FALSE(accepts_encoding(refused, "gzip"));
}

TEST(Request, EtagMatching) {
    EXPECT_TRUE(etag_matches(get("/", {{"If-None-Match", R"("a", "v7")"}}), R"("v7")"));
    EXPECT_TRUE(etag_matches(get("/", {{"If-None-Match", R"(W/"v7")"}}), R"("v7")"));
    EXPECT_TRUE(etag_matches(get("/", {{"If-None-Match", "*"}}), R"("v7")"));
    EXPECT_FALSE(etag_matches(get("/", {{"If-None-Match", R"("v6")"}}), R"("v7")"));
    EXPECT_FALSE(etag_matches(get("/"), R"("v7")"));
}

TEST(Response, StreamKeepsItsStartOptionsAndHeaders) {
    int starts = 0;
    Response stream = Response::stream(
        "text/event-stream", [&starts](std::shared_ptr<StreamSink>) { ++starts; return nullptr; },
        {.heartbeat = ": \n\n", .heartbeat_interval = std::chrono::milliseconds(50)});
    stream.set_header("ETag", R"("v7")");
    EXPECT_TRUE(stream.streamed());
    EXPECT_EQ(stream.status(), Status::ok);
    EXPECT_EQ(stream.header("Content-Type"), "text/event-stream");
    EXPECT_EQ(stream.header("ETag"), R"("v7")");
    EXPECT_EQ(stream.stream_options().heartbeat, ": \n\n");
    EXPECT_EQ(stream.stream_options().heartbeat_interval, std::chrono::milliseconds(50));
    EXPECT_EQ(stream.stream_options().max_age, std::chrono::minutes(10));
    (void)stream.stream_start()(nullptr);
    EXPECT_EQ(starts, 1);
    EXPECT_FALSE(Response::json({}).streamed());
}

TEST(Response, StreamRefusesOptionsThatCannotWork) {
    const StreamStart start = [](std::shared_ptr<StreamSink>) { return nullptr; };
    EXPECT_THROW((void)Response::stream("text/event-stream", {}), std::invalid_argument);
    EXPECT_THROW((void)Response::stream("text/event-stream", start, {.heartbeat_interval = std::chrono::milliseconds(0)}),
                 std::invalid_argument);
    EXPECT_THROW((void)Response::stream("text/event-stream", start, {.max_age = std::chrono::milliseconds(-1)}),
                 std::invalid_argument);
}

}  // namespace
}  // namespace wangge::http
