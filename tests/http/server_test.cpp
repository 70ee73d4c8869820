#include "wangge/http/server.hpp"

#include <atomic>
#include <future>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "test_server.hpp"

namespace wangge::http::test {
namespace {

/// Extra routes: POST /echo, and GET /slow?ms= on the worker pool, counting its starts.
struct TestRoutes {
    std::shared_ptr<std::atomic<int>> slow_started = std::make_shared<std::atomic<int>>(0);

    void operator()(Router& router) const {
        router.post("/echo", [](const Request& request) { return Response::json({{"bytes", request.body().size()}}); });
        router.get("/slow", [started = slow_started](const Request& request) {
            ++*started;
            std::this_thread::sleep_for(std::chrono::milliseconds(parse_int(*request.query().get("ms"), "ms", 0, 5000)));
            return Response::json("slow");
        }, Execution::worker);
    }
};

TEST(Server, KeepAliveServesSeveralRequestsOnOneConnection) {
    TestServer server;
    Client client(server.port());
    for (int i = 0; i < 5; ++i) {
        const Reply reply = client.get("/health");
        EXPECT_EQ(reply.status, 200u);
        EXPECT_EQ(reply.header("Connection"), "");  // HTTP/1.1 keeps the connection by default
        EXPECT_EQ(reply.header("Access-Control-Allow-Origin"), "*");
    }
    EXPECT_EQ(client.get("/nowhere").status, 404u);
    EXPECT_EQ(client.get("/health").status, 200u);
}

TEST(Server, PipelinedResponsesKeepRequestOrderAcrossWorkers) {
    TestServer server(TestServer::quiet_options(), TestRoutes{});
    Client client(server.port());
    const std::string request = "GET /slow?ms=150 HTTP/1.1\r\nHost: x\r\n\r\n"
                                "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                                "GET /slow?ms=0 HTTP/1.1\r\nHost: x\r\n\r\n";
    const auto replies = client.raw(request, 3);
    EXPECT_EQ(replies[0].body, R"("slow")");
    EXPECT_EQ(replies[1].json()["status"], "ok");
    EXPECT_EQ(replies[2].body, R"("slow")");
}

TEST(Server, ErrorsAreJsonWith404And405) {
    TestServer server;
    Client client(server.port());
    const Reply missing = client.get("/no/such/thing");
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(missing.header("Content-Type"), "application/json");
    EXPECT_EQ(missing.json()["error"]["code"], "not_found");
    const Reply wrong_method = client.request(Method::delete_, "/health");
    EXPECT_EQ(wrong_method.status, 405u);
    EXPECT_EQ(wrong_method.json()["error"]["code"], "method_not_allowed");
}

TEST(Server, BodyLimitAnswers413AndCloses) {
    ServerOptions options = TestServer::quiet_options();
    options.body_limit = 1024;
    TestServer server(options, TestRoutes{});
    Client client(server.port());
    EXPECT_EQ(client.request(Method::post, "/echo", {}, std::string(1000, 'x')).json()["bytes"], 1000);
    const Reply too_big = client.request(Method::post, "/echo", {}, std::string(5000, 'x'));
    EXPECT_EQ(too_big.status, 413u);
    EXPECT_EQ(too_big.json()["error"]["code"], "payload_too_large");
    EXPECT_TRUE(client.closed_by_server());
}

TEST(Server, MalformedRequestAnswers400AndCloses) {
    TestServer server;
    Client client(server.port());
    const auto replies = client.raw("GET /health HTTP/1.1\r\nHost x\r\n\r\n", 1);
    EXPECT_EQ(replies[0].status, 400u);
    EXPECT_EQ(replies[0].json()["error"]["code"], "bad_request");
    EXPECT_TRUE(client.closed_by_server());
}

TEST(Server, HeaderLimitAnswers431) {
    ServerOptions options = TestServer::quiet_options();
    options.header_limit = 512;
    TestServer server(options);
    Client client(server.port());
    EXPECT_EQ(client.get("/health", {{"X-Padding", std::string(2000, 'p')}}).status, 431u);
}

TEST(Server, ConnectionCloseIsHonoured) {
    TestServer server;
    Client client(server.port());
    const Reply reply = client.get("/health", {{"Connection", "close"}});
    EXPECT_EQ(reply.status, 200u);
    EXPECT_TRUE(client.closed_by_server());
}

TEST(Server, HeadAnnouncesTheLengthWithoutABody) {
    TestServer server;
    Client client(server.port());
    const Reply get = client.get("/health");
    const Reply head = client.request(Method::head, "/health");
    EXPECT_EQ(head.status, 200u);
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body.size()));
    EXPECT_EQ(client.get("/health").status, 200u);  // the connection is still in sync
}

TEST(Server, IdleConnectionsTimeOut) {
    ServerOptions options = TestServer::quiet_options();
    options.io_timeout = std::chrono::milliseconds(200);
    TestServer server(options);
    Client client(server.port());
    EXPECT_EQ(client.get("/health").status, 200u);
    EXPECT_TRUE(client.closed_by_server());
}

TEST(Server, StopLetsTheRequestInFlightFinish) {
    const TestRoutes routes;
    TestServer server(TestServer::quiet_options(), routes);
    Client idle(server.port());
    EXPECT_EQ(idle.get("/health").status, 200u);
    auto in_flight = std::async(std::launch::async, [&server] { return server.get("/slow?ms=300"); });
    while (*routes.slow_started == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto stopped_at = std::chrono::steady_clock::now();
    server.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(5));
    const Reply reply = in_flight.get();
    EXPECT_EQ(reply.status, 200u);
    EXPECT_EQ(reply.header("Connection"), "close");
    EXPECT_TRUE(idle.closed_by_server());
    EXPECT_THROW(Client{server.port()}, std::system_error);
}

TEST(Server, LogsOneLinePerRequest) {
    ServerOptions options = TestServer::quiet_options();
    options.access_log = true;
    testing::internal::CaptureStderr();
    {
        TestServer server(options);
        EXPECT_EQ(server.get("/health").status, 200u);
        EXPECT_EQ(server.get("/missing?x=1").status, 404u);
        server.stop();
    }
    const std::string log = testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find("GET /health 200 "), std::string::npos) << log;
    EXPECT_NE(log.find("GET /missing?x=1 404 "), std::string::npos) << log;
    EXPECT_NE(log.find("ms\n"), std::string::npos) << log;
}

TEST(Server, BindFailureIsAnError) {
    TestServer first;
    ServerOptions options = TestServer::quiet_options();
    options.port = first.port();
    Server second(Router{}, options);
    EXPECT_THROW((void)second.listen(), Error);
    options.host = "not-an-address";
    Server third(Router{}, options);
    EXPECT_THROW((void)third.listen(), Error);
}

}  // namespace
}  // namespace wangge::http::test
