#pragma once
// The HTTP/1.1 server: Boost.Beast, asynchronous, one io_context run by
// `threads` threads, a strand per connection, timeouts, size limits,
// keep-alive with bounded pipelining, and graceful shutdown.
//
// Usage:
//     Server server(std::move(router), options);
//     const unsigned short port = server.listen();   // binds; port 0 → ephemeral
//     server.run();                                  // blocks until stop() or SIGINT/SIGTERM
//
// stop() may be called from any thread: the server stops accepting, lets the
// requests in flight finish (up to shutdown_grace), closes idle connections,
// and run() returns.
//
// Thread safety: listen() and run() from one thread; stop() and port() from any.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "wangge/http/router.hpp"

namespace wangge::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
    /// I/O threads; 0 means std::thread::hardware_concurrency().
    unsigned threads = 0;
    /// Threads of the pool running Execution::worker handlers; 0 means as many as I/O threads.
    unsigned worker_threads = 0;
    std::size_t body_limit = 8 * 1024 * 1024;
    std::size_t header_limit = 16 * 1024;
    /// Requests read ahead of their responses on one connection.
    std::size_t pipeline_limit = 8;
    /// Idle keep-alive and slow-client limit per read or write.
    std::chrono::milliseconds io_timeout{30'000};
    std::chrono::milliseconds shutdown_grace{10'000};
    /// Stop on SIGINT/SIGTERM (the CLI wants this; in-process tests do not).
    bool handle_signals = false;
    /// One line per request on stderr: method, target, status, duration.
    bool access_log = true;
    /// gzip textual responses for clients that accept it (compression.hpp).
    bool compress = true;
};

class Server {
public:
    Server(Router router, ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and listens; returns the port (the real one when options.port is 0).
    /// Throws wangge::Error when the address cannot be bound.
    unsigned short listen();
    /// Serves until stop(); returns when every connection is closed.
    void run();
    void stop();

    [[nodiscard]] unsigned short port() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wangge::http
