#include "wangge/http/server.hpp"

#include <atomic>
#include <future>
#include <memory>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "test_server.hpp"

namespace wangge::http::test {
namespace {

/// Extra routes: POST /echo, GET /peer, and GET /slow?ms= on the worker pool, counting its starts.
struct TestRoutes {
    std::shared_ptr<std::atomic<int>> slow_started = std::make_shared<std::atomic<int>>(0);

    void operator()(Router& router) const {
        router.post("/echo", [](const Request& request) { return Response::json({{"bytes", request.body().size()}}); });
        router.get("/peer", [](const Request& request) { return Response::json({{"peer", request.peer()}}); });
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
    EXPECT_EQ(server.get("/health").status, 200u);
}

TEST(Server, MalformedRequestAnswers400AndCloses) {
    TestServer server;
    Client client(server.port());
    const auto replies = client.raw("GET /health HTTP/1.1\r\nHost x\r\n\r\n", 1);
    EXPECT_EQ(replies[0].status, 400u);
    EXPECT_EQ(replies[0].json()["error"]["code"], "bad_request");
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_EQ(server.get("/health").status, 200u);
}

TEST(Server, GarbageAnswers400AndTheServerGoesOn) {
    TestServer server;
    for (const std::string& garbage : {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15),
                                      std::string("GET / HTTP/9.9\r\n\r\n"),
                                      std::string("POST /echo HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
                                      std::string("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")}) {
        Client client(server.port());
        const auto replies = client.raw(garbage, 1);
        EXPECT_EQ(replies[0].status, 400u) << garbage;
        EXPECT_TRUE(client.closed_by_server());
    }
    EXPECT_EQ(server.get("/health").status, 200u);
}

TEST(Server, HeaderLimitAnswers431) {
    ServerOptions options = TestServer::quiet_options();
    options.header_limit = 512;
    TestServer server(options);
    Client client(server.port());
    const Reply too_big = client.get("/health", {{"X-Padding", std::string(2000, 'p')}});
    EXPECT_EQ(too_big.status, 431u);
    EXPECT_EQ(too_big.json()["error"]["code"], "header_too_large");
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_EQ(server.get("/health").status, 200u);
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

TEST(Server, SlowClientsAreCutOffAtTheTimeout) {
    ServerOptions options = TestServer::quiet_options();
    options.io_timeout = std::chrono::milliseconds(300);
    TestServer server(options, TestRoutes{});
    Client slow(server.port());
    // One byte every 50 ms: each read makes progress, but the request as a whole takes too long.
    const std::string request = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x');
    const auto started = std::chrono::steady_clock::now();
    bool cut_off = false;
    for (const char byte : request) {
        try {
            (void)slow.raw(std::string(1, byte), 0);
        } catch (const std::exception&) {  // the write fails once the server has closed
            cut_off = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (std::chrono::steady_clock::now() - started > std::chrono::seconds(1)) break;
    }
    EXPECT_TRUE(cut_off || slow.closed_by_server());
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
    EXPECT_EQ(server.get("/health").status, 200u);
}

TEST(Server, RateLimitAnswers429WithRetryAfter) {
    ServerOptions options = TestServer::quiet_options();
    options.rate_limit = 5;
    options.rate_burst = 3;
    TestServer server(options);
    Client client(server.port());
    for (int i = 0; i < 3; ++i) EXPECT_EQ(client.get("/health").status, 200u) << i;
    const Reply limited = client.get("/health");
    EXPECT_EQ(limited.status, 429u);
    EXPECT_EQ(limited.json()["error"]["code"], "rate_limited");
    EXPECT_EQ(limited.header("Retry-After"), "1");
    // The connection stays usable, and a token is back after 1/5 s.
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    EXPECT_EQ(client.get("/health").status, 200u);
}

TEST(Server, HandlersSeeThePeerAddress) {
    TestServer server(TestServer::quiet_options(), TestRoutes{});
    EXPECT_EQ(server.get("/peer").json()["peer"], "127.0.0.1");
}

TEST(Server, StopLetsARequestStillArrivingFinish) {
    TestServer server(TestServer::quiet_options(), TestRoutes{});
    Client arriving(server.port());
    (void)arriving.raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345", 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto stopped = std::async(std::launch::async, [&server] { server.stop(); });
    // Stopping closes the listener first.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    bool refused = false;
    while (!refused && std::chrono::steady_clock::now() < deadline) {
        try {
            Client probe(server.port());
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        } catch (const std::system_error&) {
            refused = true;
        }
    }
    EXPECT_TRUE(refused);
    const Reply reply = arriving.raw("67890", 1).at(0);
    EXPECT_EQ(reply.status, 200u);
    EXPECT_EQ(reply.json()["bytes"], 10);
    EXPECT_EQ(reply.header("Connection"), "close");
    stopped.get();
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

TEST(Server, LogsOneJsonLinePerRequestWithoutSecrets) {
    ServerOptions options = TestServer::quiet_options();
    options.access_log = true;
    testing::internal::CaptureStderr();
    {
        TestServer server(options);
        EXPECT_EQ(server.get("/health").status, 200u);
        EXPECT_EQ(server.get("/missing?x=1&access_token=abc&Password=p%20w").status, 404u);
        server.stop();
    }
    std::istringstream log(testing::internal::GetCapturedStderr());
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(log, line);) lines.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0]["method"], "GET");
    EXPECT_EQ(lines[0]["target"], "/health");
    EXPECT_EQ(lines[0]["status"], 200);
    EXPECT_EQ(lines[0]["peer"], "127.0.0.1");
    EXPECT_GT(lines[0]["bytes"].get<int>(), 50);
    EXPECT_GE(lines[0]["duration_ms"].get<double>(), 0.0);
    EXPECT_TRUE(lines[0]["time"].get<std::string>().ends_with("+08:00")) << lines[0];
    EXPECT_EQ(lines[1]["target"], "/missing?x=1&access_token=***&Password=***");
    EXPECT_EQ(lines[1]["status"], 404);
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
