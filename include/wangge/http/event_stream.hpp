#pragma once
// Streamed responses (server-sent events and the like): a handler returns
// Response::stream(content_type, start, options); once the header is on the
// wire the server calls `start` with a StreamSink, and whatever is sent to
// the sink, from any thread, goes to the client in order until the sink is
// closed, the client goes away, max_age passes or the server stops. Then the
// handle `start` returned is dropped, which is how a publisher learns to
// forget the subscriber:
//
//     router.get("/changes", [&feed](const Request&) {
//         Response response = Response::stream("text/event-stream", [&feed](std::shared_ptr<StreamSink> sink) {
//             return feed.subscribe(std::move(sink));   // the subscription is the handle
//         }, {.heartbeat = ": \n\n"});
//         response.set_header("Cache-Control", "no-store");
//         return response;
//     });
//
// Beast-free, like router.hpp; server.hpp documents the wire format.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace wangge::http {

/// The writing end of a streamed response. Thread safety: every member may be
/// called from any thread; after the connection has gone, send() and close()
/// do nothing and open() is false.
class StreamSink {
public:
    StreamSink() = default;
    virtual ~StreamSink() = default;
    StreamSink(const StreamSink&) = delete;
    StreamSink& operator=(const StreamSink&) = delete;

    /// Queued and written in order. Bounded: if the client reads too slowly
    /// and more than the server's stream_buffer_limit (1 MiB) is queued, the
    /// connection is closed.
    virtual void send(std::string bytes) = 0;
    /// Ends the response after what is queued.
    virtual void close() = 0;
    /// False once closed, overflowed or gone: there is no point in sending.
    [[nodiscard]] virtual bool open() const noexcept = 0;
};

struct StreamOptions {
    /// Written when nothing else was for heartbeat_interval (an SSE comment
    /// ": \n\n" keeps proxies from timing out and finds dead peers); empty: none.
    std::string heartbeat{};
    std::chrono::milliseconds heartbeat_interval{15'000};
    /// The response ends after this long; EventSource clients reconnect (and re-authenticate).
    std::chrono::milliseconds max_age{600'000};
};

/// Called on the connection's strand once the header is on the wire; the
/// returned handle lives as long as the stream (drop it = unsubscribe). Must not block.
using StreamStart = std::function<std::shared_ptr<void>(std::shared_ptr<StreamSink>)>;

namespace detail {

/// The sink the server hands out: a byte queue the connection's writer drains.
/// Thread safety: every member may be called from any thread.
class BufferedSink final : public StreamSink {
public:
    /// `wake` tells the writer there is news (bytes after an empty queue,
    /// close() or an overflow). It runs under the sink's lock, so it must only
    /// post, never call back into the sink.
    BufferedSink(std::size_t limit, std::function<void()> wake);

    void send(std::string bytes) override;
    void close() override;
    [[nodiscard]] bool open() const noexcept override { return open_; }

    /// What the writer takes: every queued byte (now counted as in flight) and why to stop, if it should.
    struct Batch {
        std::string bytes;
        bool closed = false;
        bool overflowed = false;
    };
    [[nodiscard]] Batch take();
    /// `bytes` of what take() handed out have gone to the client.
    void written(std::size_t bytes);
    /// The connection has gone: later calls do nothing and `wake` is released.
    void detach();
    /// Queued plus in-flight bytes.
    [[nodiscard]] std::size_t queued() const;

private:
    void wake_locked() const;

    const std::size_t limit_;
    mutable std::mutex mutex_;
    std::function<void()> wake_;
    std::string pending_;
    std::size_t in_flight_ = 0;
    bool closed_ = false;
    bool overflowed_ = false;
    std::atomic<bool> open_ = true;
};

}  // namespace detail

}  // namespace wangge::http
