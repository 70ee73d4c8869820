#include "wangge/http/server.hpp"

#include <atomic>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>

#include <gtest/gtest.h>

#include "support/test_app.hpp"
#include "wire.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

using namespace std::chrono_literals;

/// What the streams of GET /stream did: the sinks they were given and whether their handles are still held.
class StreamProbe {
public:
    /// For StreamStart: keeps the sink and returns a handle whose end the probe can see.
    std::shared_ptr<void> started(std::shared_ptr<StreamSink> sink) {
        auto handle = std::make_shared<int>(0);
        const std::lock_guard lock(mutex_);
        sinks_.push_back(std::move(sink));
        handles_.push_back(handle);
        changed_.notify_all();
        return handle;
    }
    /// The sink of the `index`th stream, once it has started; null after 20 s.
    std::shared_ptr<StreamSink> sink(std::size_t index = 0) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, 20s, [&] { return sinks_.size() > index; });
        return sinks_.size() > index ? sinks_[index] : nullptr;
    }
    /// True once the server has dropped the handle of the `index`th stream (waits up to 20 s).
    bool dropped(std::size_t index = 0) {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < deadline) {
            {
                const std::lock_guard lock(mutex_);
                if (handles_.size() > index && handles_[index].expired()) return true;
            }
            std::this_thread::sleep_for(5ms);
        }
        return false;
    }
    [[nodiscard]] std::size_t starts() {
        const std::lock_guard lock(mutex_);
        return sinks_.size();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::shared_ptr<StreamSink>> sinks_;
    std::vector<std::weak_ptr<void>> handles_;
};

/// Extra routes: POST /echo, GET /peer, GET /slow?ms= on the worker pool, counting its starts, and
/// GET /stream?heartbeat_ms=&max_age_ms= (text/event-stream, "retry: 1000\n\n" first, then what the test
/// sends), the same on the worker pool as GET /stream/worker.
struct TestRoutes {
    std::shared_ptr<std::atomic<int>> slow_started = std::make_shared<std::atomic<int>>(0);
    std::shared_ptr<StreamProbe> streams = std::make_shared<StreamProbe>();

    void operator()(Router& router) const {
        router.post(
            "/echo", [](const Request& request) { return Response::json({{"bytes", request.body().size()}}); },
            Execution::io);
        router.get(
            "/peer",
            [](const Request& request) {
                return Response::json({{"peer", request.peer()}, {"client", request.client()}});
            },
            Execution::io);
        router.get("/slow", [started = slow_started](const Request& request) {
            ++*started;
            std::this_thread::sleep_for(std::chrono::milliseconds(parse_int(*request.query().get("ms"), "ms", 0, 5000)));
            return Response::json("slow");
        }, Execution::worker);
        const auto stream = [probe = streams](const Request& request) {
            StreamOptions options;
            if (const auto ms = request.query().get("heartbeat_ms")) {
                options.heartbeat = ": \n\n";
                options.heartbeat_interval = std::chrono::milliseconds(parse_int(*ms, "heartbeat_ms", 1, 60'000));
            }
            if (const auto ms = request.query().get("max_age_ms")) {
                options.max_age = std::chrono::milliseconds(parse_int(*ms, "max_age_ms", 1, 60'000));
            }
            Response response = Response::stream(
                "text/event-stream",
                [probe](std::shared_ptr<StreamSink> sink) {
                    sink->send("retry: 1000\n\n");
                    return probe->started(std::move(sink));
                },
                options);
            response.set_header("Cache-Control", "no-store");
            return response;
        };
        router.get("/stream", stream, Execution::io);
        router.get("/stream/worker", stream, Execution::worker);
    }
};

/// One HTTP response taken off the front of `wire`: the header block and, with a Content-Length, the body.
struct RawResponse {
    std::string head;
    std::string body;
};

RawResponse next_response(std::string_view& wire) {
    const std::size_t end = wire.find("\r\n\r\n");
    if (end == std::string_view::npos) return {std::string(wire), {}};
    RawResponse response{std::string(wire.substr(0, end + 4)), {}};
    wire.remove_prefix(end + 4);
    const std::size_t length_at = response.head.find("Content-Length: ");
    if (length_at != std::string::npos) {
        const std::size_t length = std::stoul(response.head.substr(length_at + 16));
        response.body = std::string(wire.substr(0, length));
        wire.remove_prefix(std::min(length, wire.size()));
    }
    return response;
}

/// The data of a chunked body, and whether the last chunk arrived with nothing after it.
struct Dechunked {
    std::string data;
    bool complete = false;
};

Dechunked dechunk(std::string_view body) {
    Dechunked out;
    while (!body.empty()) {
        const std::size_t line_end = body.find("\r\n");
        if (line_end == std::string_view::npos) return out;
        const std::size_t size = std::stoul(std::string(body.substr(0, line_end)), nullptr, 16);
        body.remove_prefix(line_end + 2);
        if (size == 0) {
            out.complete = body == "\r\n";
            return out;
        }
        if (body.size() < size + 2) return out;
        out.data += body.substr(0, size);
        body.remove_prefix(size + 2);
    }
    return out;
}

bool has_header(std::string_view head, std::string_view line) {
    return head.find("\r\n" + std::string(line) + "\r\n") != std::string_view::npos;
}

/// The test routes on a server, and raw connections that open a stream.
class ServerStream : public testing::Test {
protected:
    void serve(const ServerOptions& options = TestApp::quiet_options()) {
        server = std::make_unique<TestServer>(options, routes);
    }
    /// Sends `request` and returns the sink of the stream it opened; null when none started within 20 s.
    std::shared_ptr<StreamSink> open_stream(Wire& wire, std::string_view request = "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n") {
        wire.write(request);
        return routes.streams->sink(opened_++);
    }

    const TestRoutes routes;
    std::unique_ptr<TestServer> server;

private:
    std::size_t opened_ = 0;
};

TEST_F(ServerStream, ChunksArriveInOrderFromAnyThreadAndCloseEndsTheBody) {
    serve();
    Wire wire(server->port());
    const std::shared_ptr<StreamSink> sink =
        open_stream(wire, "GET /stream HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
    ASSERT_TRUE(sink);
    ASSERT_TRUE(wire.read_until("retry: 1000"));
    std::string expected = "retry: 1000\n\n";
    for (int i = 0; i < 200; ++i) expected += "data: " + std::to_string(i) + "\n\n";
    std::thread sender([sink] {
        for (int i = 0; i < 200; ++i) sink->send("data: " + std::to_string(i) + "\n\n");
        sink->close();
    });
    sender.join();
    EXPECT_FALSE(sink->open());
    ASSERT_TRUE(wire.read_to_close());
    std::string_view rest = wire.received();
    const RawResponse response = next_response(rest);
    EXPECT_TRUE(response.head.starts_with("HTTP/1.1 200 OK\r\n")) << response.head;
    EXPECT_TRUE(has_header(response.head, "Content-Type: text/event-stream")) << response.head;
    EXPECT_TRUE(has_header(response.head, "Cache-Control: no-store")) << response.head;
    EXPECT_TRUE(has_header(response.head, "Transfer-Encoding: chunked")) << response.head;
    EXPECT_TRUE(has_header(response.head, "Connection: close")) << response.head;
    EXPECT_EQ(response.head.find("Content-Encoding"), std::string::npos) << response.head;
    EXPECT_EQ(response.head.find("Content-Length"), std::string::npos) << response.head;
    const Dechunked body = dechunk(rest);
    EXPECT_EQ(body.data, expected);
    EXPECT_TRUE(body.complete);
    EXPECT_TRUE(routes.streams->dropped());
}

TEST_F(ServerStream, Http10GetsTheBodyUntilTheClose) {
    serve();
    Wire wire(server->port());
    const std::shared_ptr<StreamSink> sink = open_stream(wire, "GET /stream HTTP/1.0\r\n\r\n");
    ASSERT_TRUE(sink);
    sink->send("data: 1\n\n");
    sink->close();
    ASSERT_TRUE(wire.read_to_close());
    std::string_view rest = wire.received();
    const RawResponse response = next_response(rest);
    EXPECT_TRUE(response.head.starts_with("HTTP/1.0 200 OK\r\n")) << response.head;
    EXPECT_EQ(response.head.find("Transfer-Encoding"), std::string::npos) << response.head;
    EXPECT_EQ(rest, "retry: 1000\n\ndata: 1\n\n");
}

class ServerStreamPipelined : public ServerStream, public testing::WithParamInterface<std::string> {};

TEST_P(ServerStreamPipelined, RequestsBeforeTheStreamAreAnsweredFirstAndLaterOnesNever) {
    serve();
    Wire wire(server->port());
    const std::shared_ptr<StreamSink> sink = open_stream(wire, "GET /slow?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n"
                                                                 "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                                                                 "GET " + GetParam() + " HTTP/1.1\r\nHost: x\r\n\r\n"
                                                                 "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(sink);
    sink->send("data: 1\n\n");
    sink->close();
    ASSERT_TRUE(wire.read_to_close());
    std::string_view rest = wire.received();
    EXPECT_EQ(next_response(rest).body, R"("slow")");
    EXPECT_EQ(nlohmann::json::parse(next_response(rest).body)["status"], "ok");
    const RawResponse stream = next_response(rest);
    EXPECT_TRUE(has_header(stream.head, "Content-Type: text/event-stream")) << stream.head;
    const Dechunked body = dechunk(rest);
    EXPECT_EQ(body.data, "retry: 1000\n\ndata: 1\n\n");
    EXPECT_TRUE(body.complete);  // and nothing after it: the last request is not answered
}

TEST_P(ServerStreamPipelined, AQuietStreamOutlivesTheIoTimeout) {
    ServerOptions options = TestApp::quiet_options();
    // Long enough that a loaded machine sends the request between connecting and the timeout.
    options.io_timeout = 400ms;
    serve(options);
    Wire wire(server->port());
    const std::shared_ptr<StreamSink> sink = open_stream(wire, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                                                               "GET " + GetParam() + " HTTP/1.1\r\nHost: x\r\n\r\n"
                                                               "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(sink);
    std::this_thread::sleep_for(1200ms);  // three times the timeout
    EXPECT_TRUE(sink->open());
    sink->send("data: late\n\n");
    EXPECT_TRUE(wire.read_until("data: late\n\n"));
}

INSTANTIATE_TEST_SUITE_P(IoAndWorker, ServerStreamPipelined, testing::Values("/stream", "/stream/worker"));

TEST_F(ServerStream, ClientLeavingDropsTheHandleAtOnce) {
    serve();
    Wire wire(server->port());
    const std::shared_ptr<StreamSink> sink = open_stream(wire);
    ASSERT_TRUE(sink);
    EXPECT_TRUE(sink->open());
    wire.close();
    EXPECT_TRUE(routes.streams->dropped());
    EXPECT_FALSE(sink->open());
    sink->send("nobody listens");  // harmless
    sink->close();
    EXPECT_EQ(server->get("/health").status, 200u);
}

TEST_F(ServerStream, HeartbeatsFillTheSilence) {
    serve();
    Wire wire(server->port());
    wire.write("GET /stream?heartbeat_ms=30 HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(wire.read_until("retry: 1000\n\n\r\n"));
    // Two heartbeats in a row prove the timer re-arms after writing one.
    EXPECT_TRUE(wire.read_until("\r\n4\r\n: \n\n\r\n4\r\n: \n\n\r\n")) << wire.received();
}

TEST_F(ServerStream, MaxAgeEndsTheStreamCleanly) {
    serve();
    Wire wire(server->port());
    const auto started = std::chrono::steady_clock::now();
    wire.write("GET /stream?max_age_ms=150 HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(wire.read_to_close());
    EXPECT_GE(std::chrono::steady_clock::now() - started, 150ms);
    std::string_view rest = wire.received();
    (void)next_response(rest);
    EXPECT_TRUE(dechunk(rest).complete);
    EXPECT_TRUE(routes.streams->dropped());
}

TEST_F(ServerStream, StopEndsOpenStreamsWithoutWaitingTheGracePeriod) {
    ServerOptions options = TestApp::quiet_options();
    options.shutdown_grace = 20s;
    serve(options);
    Wire wire(server->port());
    ASSERT_TRUE(open_stream(wire));
    const auto stopped_at = std::chrono::steady_clock::now();
    server->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 5s);
    EXPECT_TRUE(wire.read_to_close());
    EXPECT_TRUE(routes.streams->dropped());
}

TEST_F(ServerStream, PastMaxStreamsTheAnswerIs503) {
    ServerOptions options = TestApp::quiet_options();
    options.max_streams = 1;
    serve(options);
    Wire first(server->port());
    ASSERT_TRUE(open_stream(first));
    const Reply refused = server->get("/stream");
    EXPECT_EQ(refused.status, 503u);
    EXPECT_EQ(refused.json()["error"]["code"], "too_many_streams");
    first.close();
    ASSERT_TRUE(routes.streams->dropped());
    // The place is free again.
    Wire second(server->port());
    EXPECT_TRUE(open_stream(second));
}

TEST_F(ServerStream, HeadGetsTheHeaderOnlyAndNoStreamStarts) {
    serve();
    Wire wire(server->port());
    wire.write("HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(wire.read_to_close());
    EXPECT_TRUE(wire.received().starts_with("HTTP/1.1 200 OK\r\n")) << wire.received();
    EXPECT_TRUE(wire.received().ends_with("\r\n\r\n")) << wire.received();
    EXPECT_TRUE(has_header(wire.received(), "Content-Type: text/event-stream"));
    EXPECT_EQ(routes.streams->starts(), 0u);
}

TEST_F(ServerStream, ASlowReaderPastTheBufferLimitIsCutOff) {
    ServerOptions options = TestApp::quiet_options();
    options.stream_buffer_limit = 64 * 1024;
    serve(options);
    Wire wire(server->port());
    const std::shared_ptr<StreamSink> sink = open_stream(wire);
    ASSERT_TRUE(sink);
    // The client reads nothing: once the kernel's socket buffers are full, the queue grows past the limit.
    const std::string event = "data: " + std::string(16 * 1024, 'x') + "\n\n";
    std::size_t sent = 0;
    while (sink->open() && sent < 256u * 1024 * 1024) {
        sink->send(event);
        sent += event.size();
    }
    EXPECT_FALSE(sink->open());
    EXPECT_TRUE(routes.streams->dropped());
}

TEST_F(ServerStream, TheAccessLogHasOneLineWhenTheStreamEnds) {
    ServerOptions options = TestApp::quiet_options();
    options.access_log = true;
    testing::internal::CaptureStderr();
    serve(options);
    {
        Wire wire(server->port());
        const std::shared_ptr<StreamSink> sink = open_stream(wire);
        ASSERT_TRUE(sink);
        sink->send(std::string(1000, 'x'));
        sink->close();
        ASSERT_TRUE(wire.read_to_close());
    }
    server->stop();
    std::istringstream log(testing::internal::GetCapturedStderr());
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(log, line);) lines.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0]["target"], "/stream");
    EXPECT_EQ(lines[0]["status"], 200);
    EXPECT_GT(lines[0]["bytes"].get<int>(), 1000);
}

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
    TestServer server(TestApp::quiet_options(), TestRoutes{});
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
    ServerOptions options = TestApp::quiet_options();
    options.body_limit = 1024;
    TestServer server(options, TestRoutes{});
    Client client(server.port());
    const Headers json{{"Content-Type", "application/json"}};
    EXPECT_EQ(client.request(Method::post, "/echo", json, std::string(1000, 'x')).json()["bytes"], 1000);
    const Reply too_big = client.request(Method::post, "/echo", json, std::string(5000, 'x'));
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
    ServerOptions options = TestApp::quiet_options();
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
    ServerOptions options = TestApp::quiet_options();
    // Long enough that a loaded machine sends the request between connecting and the timeout.
    options.io_timeout = std::chrono::seconds(1);
    TestServer server(options);
    Client client(server.port());
    EXPECT_EQ(client.get("/health").status, 200u);
    EXPECT_TRUE(client.closed_by_server());
}

TEST(Server, SlowClientsAreCutOffAtTheTimeout) {
    ServerOptions options = TestApp::quiet_options();
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
    ServerOptions options = TestApp::quiet_options();
    // One token a second: the four requests need to arrive within that second (a slower rate
    // than the request rate of a loaded machine), and the wait the 429 announces is 1 s at most.
    options.rate_limit = 1;
    options.rate_burst = 3;
    TestServer server(options);
    Client client(server.port());
    for (int i = 0; i < 3; ++i) EXPECT_EQ(client.get("/health").status, 200u) << i;
    const Reply limited = client.get("/health");
    EXPECT_EQ(limited.status, 429u);
    EXPECT_EQ(limited.json()["error"]["code"], "rate_limited");
    EXPECT_EQ(limited.header("Retry-After"), "1");
    // The connection stays usable, and a token is back after the second Retry-After asks for.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    EXPECT_EQ(client.get("/health").status, 200u);
}

TEST(Server, HandlersSeeThePeerAddress) {
    TestServer server(TestApp::quiet_options(), TestRoutes{});
    EXPECT_EQ(server.get("/peer").json()["peer"], "127.0.0.1");
}

TEST(Server, TransferEncodingNotEndingInChunkedIs400AndCloses) {
    TestServer server(TestServer::quiet_options(), TestRoutes{});
    for (const char* coding : {"gzip", "xchunked", "chunked, identity", "identity"}) {
        Client client(server.port());
        // Read on, the "body" would be taken for a second request (request smuggling).
        const auto replies = client.raw(std::string("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") + coding +
                                            "\r\n\r\nGET /peer HTTP/1.1\r\nHost: x\r\n\r\n",
                                        1);
        EXPECT_EQ(replies[0].status, 400u) << coding;
        EXPECT_EQ(replies[0].header("Connection"), "close") << coding;
        EXPECT_TRUE(client.closed_by_server()) << coding;
    }
    Client chunked(server.port());
    const auto replies = chunked.raw(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        "3\r\nabc\r\n0\r\n\r\n",
        1);
    EXPECT_EQ(replies[0].status, 200u);
}

TEST(Server, ATrustedProxyNamesTheClientOthersCannot) {
    ServerOptions options = TestServer::quiet_options();
    options.rate_limit = 0.001;
    options.rate_burst = 1;
    {
        TestServer direct(options, TestRoutes{});
        const Reply reply = direct.get("/peer", {{"X-Forwarded-For", "203.0.113.7"}});
        EXPECT_EQ(reply.json()["client"], "127.0.0.1");  // nobody is trusted: the header is ignored
        EXPECT_EQ(direct.get("/peer", {{"X-Forwarded-For", "203.0.113.8"}}).status, 429u);
    }
    options.trusted_proxies = {"127.0.0.0/8", "2001:db8:ffff::/48"};
    TestServer proxied(options, TestRoutes{});
    // Read from the right: the nearest hop that is not a trusted proxy (the left ones are the client's word).
    Reply reply = proxied.get("/peer", {{"X-Forwarded-For", "198.51.100.1, 203.0.113.7, 127.0.0.9"}});
    EXPECT_EQ(reply.json()["peer"], "127.0.0.1");
    EXPECT_EQ(reply.json()["client"], "203.0.113.7");
    reply = proxied.get("/peer", {{"Forwarded", "for=192.0.2.60;proto=https, for=\"[2001:db8:cafe::17]:4711\""}});
    EXPECT_EQ(reply.json()["client"], "2001:db8:cafe::17");
    // Each forwarded client has its own rate-limit bucket: the first request of each goes through.
    EXPECT_EQ(proxied.get("/peer", {{"X-Forwarded-For", "203.0.113.7"}}).status, 429u);
    EXPECT_EQ(proxied.get("/peer", {{"X-Forwarded-For", "203.0.113.9"}}).status, 200u);
    // A hop that is no address: the proxy's own address is kept.
    EXPECT_EQ(proxied.get("/peer", {{"X-Forwarded-For", "unknown"}}).json()["client"], "127.0.0.1");

    options.trusted_proxies = {"10.0.0.0/33"};
    EXPECT_THROW(TestServer bad(options, TestRoutes{}), InputError);
}

TEST(Server, LinksUseThePublicUrlNeverTheHostHeader) {
    ServerOptions options = TestServer::quiet_options();
    {
        TestServer server(options);
        const Reply reply = server.get("/tiles/grids.json", {{"Host", "evil.example"}});
        ASSERT_EQ(reply.status, 200u) << reply.body;
        EXPECT_EQ(reply.json()["tiles"][0],
                  "http://127.0.0.1:" + std::to_string(server.port()) + "/tiles/grids/{z}/{x}/{y}.mvt");
    }
    options.public_url = "https://grid.example.gov.cn/";
    TestServer server(options);
    const Reply reply = server.get("/collections", {{"Host", "evil.example"}});
    ASSERT_EQ(reply.status, 200u) << reply.body;
    EXPECT_EQ(reply.body.find("evil.example"), std::string::npos);
    EXPECT_NE(reply.body.find("https://grid.example.gov.cn/collections/grids"), std::string::npos) << reply.body;
}

TEST(Server, StopLetsARequestStillArrivingFinish) {
    TestServer server(TestApp::quiet_options(), TestRoutes{});
    Client arriving(server.port());
    (void)arriving.raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n12345", 0);
    // Arriving means the server has read the first bytes: before that, the connection is idle (or not even accepted).
    ASSERT_TRUE(wait_until_server_read(server.port(), arriving));
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
    TestServer server(TestApp::quiet_options(), routes);
    Client idle(server.port());
    EXPECT_EQ(idle.get("/health").status, 200u);
    auto in_flight = std::async(std::launch::async, [&server] { return server.get("/slow?ms=300"); });
    const auto started_by = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (*routes.slow_started == 0 && std::chrono::steady_clock::now() < started_by) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(*routes.slow_started, 1);
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
    ServerOptions options = TestApp::quiet_options();
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
    // Each line is written when its response has gone out, on whichever thread sent it,
    // so the two lines may come in either order.
    if (lines[0]["status"] != 200) std::swap(lines[0], lines[1]);
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
    ServerOptions options = TestApp::quiet_options();
    options.port = first.port();
    Server second(Router{}, options);
    EXPECT_THROW((void)second.listen(), Error);
    options.host = "not-an-address";
    Server third(Router{}, options);
    EXPECT_THROW((void)third.listen(), Error);
}

}  // namespace
}  // namespace wangge::http::test
