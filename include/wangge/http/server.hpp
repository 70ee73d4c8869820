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
// and run() returns. A request counts as in flight from its first byte, so a
// client still sending its body gets its answer (with Connection: close).
//
// Streamed responses (Response::stream, event_stream.hpp) are written as
// their sink delivers: status 200, HTTP/1.1 with chunked transfer encoding,
// HTTP/1.0 as a body that ends with the close; never compressed; a HEAD gets
// the header only. A stream is the last answer on its connection (Connection:
// close): requests pipelined before it are answered first, later ones never.
// While open it has no read deadline: writes keep io_timeout, so a heartbeat
// finds dead peers, and a read kept pending on the socket notices the client
// leaving at once. It ends when the sink is closed (a last chunk, then the
// close), after max_age, on a write error, when more than
// stream_buffer_limit bytes wait for a slow reader (the connection is just
// closed), or at stop(), which closes streams at once instead of waiting
// shutdown_grace for them. Then the handle is dropped. At most max_streams
// are open per server; past that the answer is 503 "too_many_streams".
//
// Each client address (an IPv6 client's /64) has a token bucket of
// rate_limit requests per second, rate_burst deep; past it the answer is 429
// "rate_limited" with Retry-After. Behind a reverse proxy, list it in
// trusted_proxies: for requests from those addresses only, the client
// address (Request::client(), for the limit, the login throttle and the
// audit log) is taken from Forwarded or X-Forwarded-For, the nearest hop
// that is not a trusted proxy itself. From anyone else these headers are
// ignored.
//
// Hardening (docs/security.md): a Transfer-Encoding that does not end in
// chunked is answered 400 "bad_transfer_encoding" and the connection closed
// (RFC 9112); every answer carries X-Content-Type-Options: nosniff,
// X-Frame-Options: DENY and, unless the handler set one, the
// Content-Security-Policy "default-src 'none'; frame-ancestors 'none'".
// Absolute links in answers (Request::base_url()) use public_url, else the
// listening address (on 0.0.0.0 or ::, the local address the connection
// reached), never the client's Host header.
//
// The access log is one JSON object per line on stderr:
//     {"time":"2026-11-26T18:40:02+08:00","peer":"127.0.0.1","method":"GET",
//      "target":"/lookup?lon=116.4&lat=39.9","status":200,"bytes":812,"duration_ms":0.42}
// `bytes` counts what went on the wire (header and body); `duration_ms` runs
// from the end of reading the request to the end of writing the answer (for a
// stream: one line when it ends, with all its bytes); query
// values whose names look secret (token, password, key…) are logged as "***".
//
// Thread safety: listen() and run() from one thread; stop() and port() from any.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "wangge/http/router.hpp"

namespace wangge::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
    /// I/O threads; 0 means std::thread::hardware_concurrency().
    unsigned threads = 0;
    /// Threads of the pool running Execution::worker handlers; 0 means as many as I/O threads.
    unsigned worker_threads = 0;
    /// Threads of the pool running Execution::write handlers: they mostly wait
    /// for the Writer's batch, so many are cheap. It also bounds how many writes
    /// can join one batch (more wait in the pool's queue): at city size, 64
    /// carried 3x the mixed load of 16 (README, Benchmarks). 0 means 1.
    unsigned write_threads = 64;
    std::size_t body_limit = 8 * 1024 * 1024;
    std::size_t header_limit = 16 * 1024;
    /// Requests read ahead of their responses on one connection.
    std::size_t pipeline_limit = 8;
    /// Idle keep-alive and slow-client limit per read or write.
    std::chrono::milliseconds io_timeout{30'000};
    std::chrono::milliseconds shutdown_grace{10'000};
    /// Requests per second per client address; 0 turns the limit off.
    double rate_limit = 100;
    /// Requests a client may send at once: a map view loads dozens of tiles together.
    double rate_burst = 200;
    /// Reverse proxies (addresses or CIDR blocks) whose Forwarded / X-Forwarded-For
    /// headers name the client; Server() throws wangge::InputError for a malformed one.
    std::vector<std::string> trusted_proxies;
    /// The base of absolute links (OGC API links, TileJSON), e.g.
    /// "https://grid.example.gov.cn"; empty means http://host:port (with a
    /// wildcard host, the address each connection reached).
    std::string public_url;
    /// Stop on SIGINT/SIGTERM (the CLI wants this; in-process tests do not).
    bool handle_signals = false;
    /// One JSON line per request on stderr (see above).
    bool access_log = true;
    /// gzip textual responses for clients that accept it (compression.hpp).
    bool compress = true;
    /// Streamed responses open at once; more get 503 "too_many_streams".
    std::size_t max_streams = 1000;
    /// Bytes a stream may have queued for a client that reads too slowly before its connection is closed.
    std::size_t stream_buffer_limit = 1024 * 1024;
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
