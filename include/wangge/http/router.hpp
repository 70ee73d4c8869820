#pragma once
// Routes, requests and responses of the HTTP server, free of Beast so that
// modules adding routes compile fast and never see the I/O layer.
//
// Adding routes (tiles, rules, workflow…): write src/http/<x>_routes.cpp with
//
//     void add_tile_routes(Router& router, const State& state) {
//         router.get("/tiles/{layer}/{z}/{x}/{y}.mvt", [&state](const Request& request) {
//             request.query().allow_only({"from", "to"});          // unknown parameter → 400
//             const int z = parse_int(request.param("z"), "z", 0, 24);  // bad number → 400
//             const auto view = state.view();   // one snapshot per request (state.hpp)
//             std::string tile = ...;
//             if (etag_matches(request, etag)) return Response::not_modified(etag);
//             Response response = Response::bytes(std::move(tile), "application/vnd.mapbox-vector-tile");
//             response.set_header("ETag", etag);
//             return response;
//         }, Execution::worker);  // renders geometry: not on an I/O thread
//         router.post("/validate", handler, Execution::worker);
//     }
//
// and call it from app::App::open() in src/app/app.cpp (the one place that wires routes).
//
// Patterns: literal segments, `{name}` (one whole segment), `{name}.ext` (a
// segment ending in ".ext", the parameter is the part before it) and a last
// segment `{name*}` (the rest of the path, possibly empty). Parameters arrive
// percent-decoded; the router refuses paths with "." or ".." segments or
// encoded slashes, so parameters never contain '/' except in `{name*}`.
//
// Streams: Response::stream() answers with a body the server writes as it
// comes (server-sent events); see event_stream.hpp for the sink and
// server.hpp for framing, limits and shutdown.
//
// Errors: throw wangge::ClientError(kind, code, message, message_zh): the
// router's dispatch maps the kind to the status (status_of), the one place
// that does; a plain wangge::InputError becomes 400 "bad_request"; anything
// else a logged 500. Every error body is {"error":{"code":…,"message":…,
// "message_zh":…}}: the map shows message_zh, so it is always Chinese. Request bodies are read
// with JsonBody (body.hpp), which names the field in both languages. An unknown path gets
// 404 "not_found", a known path with another method 405 "method_not_allowed".
//
// Thread safety: a Router is filled before the server starts and is read-only
// afterwards; handlers run concurrently on several threads and must only read
// shared state (take the snapshot from State once per request). Request,
// Response and Query are values owned by one handler call at a time
// (Request::query() parses lazily, so a Request is not shared between threads).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/client_error.hpp"
#include "wangge/error.hpp"
#include "wangge/http/event_stream.hpp"

namespace wangge::http {

enum class Status : unsigned {
    ok = 200,
    created = 201,
    no_content = 204,
    moved_permanently = 301,
    found = 302,
    not_modified = 304,
    bad_request = 400,
    unauthorized = 401,
    forbidden = 403,
    not_found = 404,
    method_not_allowed = 405,
    conflict = 409,
    payload_too_large = 413,
    unsupported_media_type = 415,
    unprocessable_entity = 422,
    too_many_requests = 429,
    header_fields_too_large = 431,
    internal_server_error = 500,
    service_unavailable = 503,
};

enum class Method { get, head, post, put, patch, delete_, options, other };

[[nodiscard]] std::string_view to_string(Method method) noexcept;

/// The status of each kind of refusal (wangge::ErrorKind): the one mapping,
/// used by Dispatch::run and by routes with their own error shape (Open311).
[[nodiscard]] Status status_of(ErrorKind kind) noexcept;

/// An application/x-www-form-urlencoded query string, decoded.
class Query {
public:
    Query() = default;
    /// Throws ClientError bad_request on a bad %-escape or a parameter given twice.
    [[nodiscard]] static Query parse(std::string_view text);

    [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;
    [[nodiscard]] bool has(std::string_view name) const { return get(name).has_value(); }
    /// Throws ClientError bad_request "unknown_parameter" naming the first parameter not in `allowed`.
    void allow_only(std::initializer_list<std::string_view> allowed) const;
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& items() const noexcept { return items_; }

    /// The query string again, percent-encoded, with `replace` applied
    /// (a replacement with an empty value removes the parameter).
    [[nodiscard]] std::string encode(std::initializer_list<std::pair<std::string_view, std::string>> replace = {}) const;

private:
    std::vector<std::pair<std::string, std::string>> items_;
};

/// Strict parsers for parameter text; each throws ClientError
/// bad_request "invalid_parameter" naming `name` when the text is not a number in range.
[[nodiscard]] double parse_double(std::string_view text, std::string_view name, double min, double max);
[[nodiscard]] std::int64_t parse_int(std::string_view text, std::string_view name, std::int64_t min,
                                     std::int64_t max);
/// "true" or "false", nothing else.
[[nodiscard]] bool parse_bool(std::string_view text, std::string_view name);

/// Percent-encodes everything but RFC 3986 unreserved characters.
[[nodiscard]] std::string percent_encode(std::string_view text);

class Request {
public:
    Request(Method method, std::string target, std::vector<std::pair<std::string, std::string>> headers,
            std::string body);

    [[nodiscard]] Method method() const noexcept { return method_; }
    /// As sent, e.g. "/collections/grids/items?limit=10".
    [[nodiscard]] const std::string& target() const noexcept { return target_; }
    /// The path part of the target, still percent-encoded.
    [[nodiscard]] std::string_view path() const noexcept;
    /// The decoded query string; parsed on first use. Throws ClientError bad_request when malformed.
    [[nodiscard]] const Query& query() const;
    /// First header of that name (case-insensitive); empty when absent.
    [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
    [[nodiscard]] const std::string& body() const noexcept { return body_; }

    /// A path parameter of the matched route; throws std::logic_error for a
    /// name the pattern does not have (a programming error, hence 500).
    [[nodiscard]] const std::string& param(std::string_view name) const;

    /// The server's public base URL for absolute links in responses
    /// (ServerOptions::public_url, else the listening address; never the
    /// client's Host header, which anyone can set).
    [[nodiscard]] const std::string& base_url() const noexcept { return base_url_; }

    /// The IP address of the TCP peer as text ("127.0.0.1", "::1"); empty when
    /// unknown (a Request built outside the server). Behind a reverse proxy
    /// this is the proxy's address.
    [[nodiscard]] const std::string& peer() const noexcept { return peer_; }
    /// The client's address: the peer's, or, when the peer is a trusted proxy
    /// (ServerOptions::trusted_proxies), the address that proxy forwarded.
    /// Empty when unknown.
    [[nodiscard]] const std::string& client() const noexcept { return client_.empty() ? peer_ : client_; }

    /// Set by the router and the server.
    void set_params(std::vector<std::pair<std::string, std::string>> params) { params_ = std::move(params); }
    void set_base_url(std::string url) { base_url_ = std::move(url); }
    void set_peer(std::string address) { peer_ = std::move(address); }
    void set_client(std::string address) { client_ = std::move(address); }

private:
    Method method_;
    std::string target_;
    std::vector<std::pair<std::string, std::string>> headers_;
    std::string body_;
    std::vector<std::pair<std::string, std::string>> params_;
    std::string base_url_ = "http://localhost";
    std::string peer_;
    std::string client_;
    mutable std::optional<Query> query_;
};

/// True when the client accepts `coding` (e.g. "gzip") in Accept-Encoding.
[[nodiscard]] bool accepts_encoding(const Request& request, std::string_view coding);
/// True when If-None-Match lists `etag` (a quoted entity tag) or "*".
[[nodiscard]] bool etag_matches(const Request& request, std::string_view etag);

class Response {
public:
    /// Serialises `body`; content type application/json unless given.
    [[nodiscard]] static Response json(const nlohmann::json& body, Status status = Status::ok,
                                       std::string_view content_type = "application/json");
    [[nodiscard]] static Response bytes(std::string body, std::string_view content_type,
                                        Status status = Status::ok);
    /// Streams a regular file from disk; the caller has checked the path.
    [[nodiscard]] static Response file(std::filesystem::path path, std::string_view content_type);
    [[nodiscard]] static Response redirect(std::string_view location, Status status = Status::found);
    [[nodiscard]] static Response not_modified(std::string_view etag);
    /// {"error":{"code","message","message_zh"}}: every error body the map may show carries Chinese.
    [[nodiscard]] static Response error(Status status, std::string_view code, std::string_view message,
                                        std::string_view message_zh);
    /// Status 200 with a body written as it comes: `start` gets the sink once
    /// the header is sent (event_stream.hpp). Headers set on the response are
    /// kept; the server never compresses it and closes the connection after it.
    /// Throws std::invalid_argument for a heartbeat_interval or max_age that is not positive.
    [[nodiscard]] static Response stream(std::string content_type, StreamStart start, StreamOptions options = {});

    [[nodiscard]] Status status() const noexcept { return status_; }
    /// Replaces a header of that name (case-insensitive) or adds it.
    void set_header(std::string_view name, std::string_view value);
    [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& headers() const noexcept { return headers_; }
    [[nodiscard]] const std::string& body() const noexcept { return body_; }
    [[nodiscard]] std::string& body() noexcept { return body_; }
    /// Set for file responses: the server sends this file as the body.
    [[nodiscard]] const std::optional<std::filesystem::path>& file_path() const noexcept { return file_; }
    /// Set for streamed responses: the server calls it with the sink.
    [[nodiscard]] bool streamed() const noexcept { return static_cast<bool>(stream_start_); }
    [[nodiscard]] const StreamStart& stream_start() const noexcept { return stream_start_; }
    [[nodiscard]] const StreamOptions& stream_options() const noexcept { return stream_options_; }

private:
    Response(Status status, std::string body, std::string_view content_type);

    Status status_;
    std::vector<std::pair<std::string, std::string>> headers_;
    std::string body_;
    std::optional<std::filesystem::path> file_;
    StreamStart stream_start_;
    StreamOptions stream_options_;
};

using Handler = std::function<Response(const Request&)>;

/// Where a handler runs: on the I/O thread that read the request (fast,
/// non-blocking handlers), on the server's worker pool (CPU-heavy work such
/// as validation), or on its write pool (handlers that call the http::Writer
/// and mostly wait for its batch, so waiting writes never hold the workers
/// that reads need); off the I/O thread, the response is posted back to the
/// connection. Every route names its execution, so that its cost shows where
/// it is registered: `io` only for work bounded by the request (no scan of a
/// whole snapshot layer; no store access but a session's first use, which
/// reads it into the in-memory cache, auth/service.hpp).
enum class Execution { io, worker, write };

/// What a read route off the I/O thread can answer at once, without its
/// heavy work (a tile already rendered, a 304): the response, or nullopt to
/// run the route's handler on its pool. It runs on the I/O thread, so the
/// rule of Execution::io holds for it; it saves the hand-off to a worker and
/// back, which costs more than such an answer.
using Shortcut = std::function<std::optional<Response>(const Request&)>;

/// The request bodies a route takes. Every POST, PUT, PATCH or DELETE that
/// carries a body or a Content-Type must send application/json (or a
/// +json type such as application/geo+json); `json_or_form` routes (Open311,
/// whose spec posts forms) also take application/x-www-form-urlencoded and
/// multipart/form-data. Anything else is 415 "unsupported_media_type"
/// before the handler runs: text/plain and form posts are what a foreign web
/// page can send without the browser asking first (CORS), so refusing them
/// closes the door to cross-site writes (docs/security.md). `file` routes
/// (uploads: POST /import/{layer}) take the file's bytes under any type but
/// those three a foreign page may send unasked (text/plain, forms), e.g.
/// application/octet-stream or text/csv, which need the browser's preflight.
enum class Bodies { json, json_or_form, file };

/// True for the methods that change things (POST, PUT, PATCH, DELETE, others).
[[nodiscard]] bool is_write(Method method) noexcept;

/// Called by Dispatch::run for every write answered 403 (the audit log of
/// refused writes); must not throw.
using RefusedWriteHook = std::function<void(const Request&, const Response&)>;

class Router;

/// A request's route, or the error that no route fits.
class Dispatch {
public:
    [[nodiscard]] Execution execution() const noexcept { return execution_; }
    /// Runs the handler. Never throws: this is the one place where exceptions
    /// become statuses (ClientError → status_of(kind), InputError → 400, else 500).
    [[nodiscard]] Response run(const Request& request) const;
    /// The route's Shortcut answer, or nullopt when it has none or it
    /// declines. Never throws; errors become statuses as in run().
    [[nodiscard]] std::optional<Response> run_shortcut(const Request& request) const;

private:
    friend class Router;
    [[nodiscard]] Response answer(const Request& request) const;
    const Handler* handler_ = nullptr;
    const Shortcut* shortcut_ = nullptr;
    Execution execution_ = Execution::io;
    Bodies bodies_ = Bodies::json;
    const RefusedWriteHook* refused_write_ = nullptr;
    std::optional<ClientError> error_;
};

class Router {
public:
    void add(Method method, std::string_view pattern, Handler handler, Execution execution,
             Bodies bodies = Bodies::json);
    void get(std::string_view pattern, Handler handler, Execution execution) {
        add(Method::get, pattern, std::move(handler), execution);
    }
    /// A read route whose handler runs on `execution`, unless `shortcut`
    /// answers first on the I/O thread.
    void get(std::string_view pattern, Shortcut shortcut, Handler handler, Execution execution);
    void post(std::string_view pattern, Handler handler, Execution execution, Bodies bodies = Bodies::json) {
        add(Method::post, pattern, std::move(handler), execution, bodies);
    }
    /// Sets the hook told of every write answered 403 (auth_handlers.cpp audits them).
    void on_refused_write(RefusedWriteHook hook) {
        refused_write_ = std::make_shared<const RefusedWriteHook>(std::move(hook));
    }

    /// Matches the request's path and method and stores the path parameters in
    /// `request`. A HEAD request matches a GET route.
    [[nodiscard]] Dispatch dispatch(Request& request) const;

    /// dispatch(), the route's shortcut and else run(), in one call, on the calling thread.
    [[nodiscard]] Response handle(Request& request) const;

    /// Method and pattern of every route, in the order they were added (lets
    /// tests check that each route has an access rule).
    [[nodiscard]] std::vector<std::pair<Method, std::string>> routes() const;

private:
    struct Segment;
    struct Route;
    void add_route(Method method, std::string_view pattern, Handler handler, Execution execution, Bodies bodies,
                   Shortcut shortcut);
    std::vector<std::shared_ptr<const Route>> routes_;
    std::shared_ptr<const RefusedWriteHook> refused_write_;  // shared: stays put when the Router moves
};

}  // namespace wangge::http
