#include "wangge/http/server.hpp"

#include "wangge/http/compression.hpp"
#include "wangge/http/rate_limiter.hpp"
#include "wangge/model/time.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace wangge::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

using BeastRequest = bhttp::request<bhttp::string_body>;
using StringMessage = bhttp::response<bhttp::string_body>;
using FileMessage = bhttp::response<bhttp::file_body>;
using Message = std::variant<StringMessage, FileMessage>;

Method to_method(bhttp::verb verb) noexcept {
    switch (verb) {
        case bhttp::verb::get: return Method::get;
        case bhttp::verb::head: return Method::head;
        case bhttp::verb::post: return Method::post;
        case bhttp::verb::put: return Method::put;
        case bhttp::verb::patch: return Method::patch;
        case bhttp::verb::delete_: return Method::delete_;
        case bhttp::verb::options: return Method::options;
        default: return Method::other;
    }
}

Request to_request(BeastRequest&& beast_request, const std::string& fallback_host, const std::string& peer) {
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& field : beast_request) headers.emplace_back(field.name_string(), field.value());
    Request request(to_method(beast_request.method()), std::string(beast_request.target()), std::move(headers),
                    std::move(beast_request.body()));
    request.set_fallback_host(fallback_host);
    request.set_peer(peer);
    return request;
}

/// The peer address as text; an IPv4 client of a dual-stack socket as plain IPv4.
std::string peer_text(const asio::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
    }
    return address.to_string();
}

/// The rate-limit bucket of a peer: its IPv4 address, or the /64 of an IPv6
/// one (a single host usually owns the whole /64, so per-address buckets would
/// be free for it to multiply).
std::string rate_key(const asio::ip::address& address) {
    if (!address.is_v6() || address.to_v6().is_v4_mapped()) return peer_text(address);
    asio::ip::address_v6::bytes_type bytes = address.to_v6().to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return asio::ip::address_v6(bytes).to_string() + "/64";
}

/// 429 with Retry-After in whole seconds (at least 1, as the header has no fractions).
Response too_many_requests(std::chrono::milliseconds wait) {
    const auto seconds = std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
    Response response = Response::error(Status::too_many_requests, "rate_limited",
                                        "too many requests from this address; retry in " + std::to_string(seconds) +
                                            " s");
    response.set_header("Retry-After", std::to_string(seconds));
    return response;
}

/// True for query parameter names that may carry a credential.
bool looks_secret(std::string_view name) {
    std::string lower(name);
    std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::ranges::any_of(std::initializer_list<std::string_view>{"pass", "token", "secret", "key", "sig",
                                                                      "session", "auth", "cookie"},
                               [&lower](std::string_view part) { return lower.find(part) != std::string::npos; });
}

/// The target for the access log, with the values of secret-looking query parameters replaced by "***".
std::string loggable_target(std::string_view target) {
    const std::size_t mark = target.find('?');
    if (mark == std::string_view::npos) return std::string(target);
    std::string out(target.substr(0, mark + 1));
    std::string_view query = target.substr(mark + 1);
    bool first = true;
    while (true) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const std::size_t eq = pair.find('=');
        out += first ? "" : "&";
        first = false;
        if (eq != std::string_view::npos && looks_secret(pair.substr(0, eq))) {
            out += pair.substr(0, eq + 1);
            out += "***";
        } else {
            out += pair;
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

/// How the response to one request goes on the wire.
struct Framing {
    unsigned version = 11;
    bool keep_alive = true;
    bool head = false;
    bool cors = false;
};

template <class Body>
void fill_header(bhttp::response<Body>& message, const Response& response, const Framing& framing) {
    message.result(static_cast<unsigned>(response.status()));
    message.version(framing.version);
    for (const auto& [name, value] : response.headers()) message.set(name, value);
    if (framing.cors) message.set(bhttp::field::access_control_allow_origin, "*");
    message.keep_alive(framing.keep_alive);
}

Message to_message(Response&& response, const Framing& framing) {
    if (response.streamed()) {
        // Only the header: the body follows as the stream writes it, chunked or (HTTP/1.0) until the close.
        StringMessage message;
        fill_header(message, response, framing);
        if (framing.version >= 11) message.chunked(true);
        return message;
    }
    if (const auto& path = response.file_path()) {
        bhttp::file_body::value_type file;
        beast::error_code ec;
        file.open(path->c_str(), beast::file_mode::scan, ec);
        if (ec) return to_message(Response::error(Status::not_found, "not_found", "file not readable"), framing);
        const std::uint64_t size = file.size();
        if (framing.head) {
            StringMessage message;
            fill_header(message, response, framing);
            message.content_length(size);
            return message;
        }
        FileMessage message;
        fill_header(message, response, framing);
        message.body() = std::move(file);
        message.content_length(size);
        return message;
    }
    StringMessage message;
    fill_header(message, response, framing);
    const std::size_t size = response.body().size();
    if (response.status() != Status::not_modified && response.status() != Status::no_content) {
        if (!framing.head) message.body() = std::move(response.body());
        // Set after the body so that a HEAD answer announces the GET length.
        message.content_length(size);
    }
    return message;
}

/// A JSON error for a request the parser refused; the connection closes after it.
Message refusal(Status status, std::string_view code, std::string_view text) {
    return to_message(Response::error(status, code, text), Framing{11, false, false, false});
}

/// Gives a place among the server's open streams back.
struct ReleaseStream {
    void operator()(std::atomic<std::size_t>* open_streams) const noexcept { --*open_streams; }
};
/// A place among the server's open streams (ServerOptions::max_streams), held while one is open.
using StreamTicket = std::unique_ptr<std::atomic<std::size_t>, ReleaseStream>;

Response too_many_streams(std::size_t limit) {
    return Response::error(Status::service_unavailable, "too_many_streams",
                           "the server has " + std::to_string(limit) + " streams open; try again later");
}

struct Shared;

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket&& socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {
        beast::error_code ec;
        const tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
        // A peer that reset before we asked has no address; its reads fail at once.
        if (!ec) {
            peer_ = peer_text(remote.address());
            rate_key_ = rate_key(remote.address());
        }
    }
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start() {
        asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::do_read, shared_from_this()));
    }
    /// Graceful stop: finish what was read or is arriving, then close; an open
    /// stream ends at once (it is no request in flight). Runs on the strand.
    void shut_down() {
        closing_ = true;
        if (live_) {
            stop_stream();
            return;
        }
        const bool arriving = reading_ && (buffer_.size() != 0 || (parser_ && parser_->got_some()));
        if (queue_.empty() && !writing_ && !arriving) close();
    }
    [[nodiscard]] auto executor() { return stream_.get_executor(); }

private:
    /// How a streamed response goes on after its header.
    struct PendingStream {
        StreamStart start;
        StreamOptions options;
        StreamTicket ticket;  // empty for HEAD, which only gets the header
        bool head = false;
        bool chunked = true;
    };

    struct Slot {
        std::optional<Message> message;  // for a stream: its header
        std::optional<PendingStream> stream;
        std::string method;
        std::string target;
        Clock::time_point start = Clock::now();
        bool keep_alive = false;
    };

    /// A streamed response from the moment its header goes out; the last thing on a connection.
    struct LiveStream {
        LiveStream(Slot&& slot_in, const asio::any_io_executor& executor)
            : slot(std::move(slot_in)), heartbeat_timer(executor), age_timer(executor) {}
        Slot slot;
        std::optional<bhttp::response_serializer<bhttp::string_body>> header;
        std::shared_ptr<detail::BufferedSink> sink;
        std::shared_ptr<void> handle;
        std::string out;             // the bytes being written
        std::size_t out_from_sink = 0;  // how many of them the sink counts as in flight
        std::size_t bytes = 0;       // on the wire so far, header included
        Clock::time_point last_write = Clock::now();
        asio::steady_timer heartbeat_timer;
        asio::steady_timer age_timer;
        std::array<char, 512> discard{};  // what the peer sends after the request is read and dropped
        bool watching = false;  // a read on the socket waits for the peer to leave
        bool ending = false;    // the last chunk is going out
        bool ended = false;
    };

    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void handle(BeastRequest&& beast_request);
    void complete(Slot& slot, Response&& response, Framing framing);
    void maybe_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    void close();
    void log(const Slot& slot, unsigned status, std::size_t bytes) const;

    void write_stream_header();
    void on_stream_header(beast::error_code ec, std::size_t bytes);
    void watch_peer();
    void on_peer_read(beast::error_code ec, std::size_t bytes);
    void pump_stream();
    void write_stream(std::string bytes, std::size_t from_sink);
    void on_stream_write(beast::error_code ec, std::size_t bytes);
    void arm_heartbeat();
    void on_heartbeat(beast::error_code ec);
    void finish_stream();
    void stop_stream();

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    Shared& shared_;
    std::string peer_;
    std::string rate_key_;
    // Responses in request order; a deque keeps references to slots stable while others are added.
    std::deque<Slot> queue_;
    std::unique_ptr<LiveStream> live_;
    bool reading_ = false;
    bool writing_ = false;
    bool closing_ = false;
};

struct Shared {
    Shared(Router router_in, ServerOptions options_in)
        : router(std::move(router_in)),
          options(std::move(options_in)),
          io_threads(options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency())),
          ioc(static_cast<int>(io_threads)),
          control(asio::make_strand(ioc)),
          acceptor(control),
          signals(control),
          grace_timer(control),
          workers(options.worker_threads != 0 ? options.worker_threads : io_threads),
          writers(std::max(1u, options.write_threads)),
          limiter(RateLimit{options.rate_limit, options.rate_burst}),
          fallback_host(options.host + ":" + std::to_string(options.port)) {}

    void session_started(const std::shared_ptr<Session>& session) {
        ++live_sessions;
        const std::lock_guard lock(sessions_mutex);
        if (sessions.size() >= 64 && sessions.size() >= 2 * live_sessions) {
            std::erase_if(sessions, [](const std::weak_ptr<Session>& s) { return s.expired(); });
        }
        sessions.push_back(session);
    }
    void session_ended() {
        if (--live_sessions == 0 && stopping && !ioc.stopped()) asio::post(control, [this] { grace_timer.cancel(); });
    }

    Router router;
    ServerOptions options;
    // Declared before ioc so that sessions destroyed with its pending handlers can still report.
    std::atomic<bool> stopping = false;
    std::atomic<std::size_t> live_sessions = 0;
    std::atomic<std::size_t> open_streams = 0;
    std::mutex sessions_mutex;
    std::vector<std::weak_ptr<Session>> sessions;
    unsigned io_threads;
    asio::io_context ioc;
    asio::strand<asio::io_context::executor_type> control;  // acceptor, signals, grace timer
    tcp::acceptor acceptor;
    asio::signal_set signals;
    asio::steady_timer grace_timer;
    asio::thread_pool workers;
    asio::thread_pool writers;  // Execution::write handlers, which mostly wait for the Writer
    RateLimiter limiter;
    std::string fallback_host;
};

Session::~Session() {
    // Destroyed without stop_stream() only when the server gave up waiting: the sink must not post any more.
    if (live_ && live_->sink) live_->sink->detach();
    shared_.session_ended();
}

void Session::do_read() {
    if (reading_ || closing_ || queue_.size() >= shared_.options.pipeline_limit) return;
    // A new parser per request: Beast parsers are single-use.
    parser_.emplace();
    parser_->body_limit(shared_.options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(shared_.options.header_limit));
    // Idle connections time out; while responses are pending the write sets the deadline.
    if (queue_.empty()) stream_.expires_after(shared_.options.io_timeout);
    reading_ = true;
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
}

void Session::on_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (live_) {
        // A request after a stream is never answered; the read only tells whether the peer is still there
        // (aborted: on_stream_header cancelled it for watch_peer()).
        if (ec && ec != asio::error::operation_aborted) {
            stop_stream();
        } else if (!live_->ended && !live_->watching) {
            watch_peer();
        }
        return;
    }
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted) {
        closing_ = true;
        if (queue_.empty() && !writing_) close();
        return;
    }
    if (ec) {
        closing_ = true;
        std::optional<Message> refused;
        if (ec == bhttp::error::body_limit) {
            refused = refusal(Status::payload_too_large, "payload_too_large",
                              "the body exceeds " + std::to_string(shared_.options.body_limit) + " bytes");
        } else if (ec == bhttp::error::header_limit) {
            refused = refusal(Status::header_fields_too_large, "header_too_large", "the request header is too large");
        } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
                   ec != bhttp::error::partial_message) {
            refused = refusal(Status::bad_request, "bad_request", "malformed HTTP request: " + ec.message());
        }
        if (!refused) {
            // Timeout, reset or a half-sent request: nobody to answer.
            if (queue_.empty() && !writing_) close();
            return;
        }
        Slot& slot = queue_.emplace_back();
        slot.method = "-";
        slot.target = "-";
        slot.message = std::move(refused);
        maybe_write();
        return;
    }
    handle(parser_->release());
    do_read();
}

void Session::handle(BeastRequest&& beast_request) {
    Slot& slot = queue_.emplace_back();
    slot.method = std::string(beast_request.method_string());
    slot.target = std::string(beast_request.target());
    slot.keep_alive = beast_request.keep_alive() && !closing_ && !shared_.stopping;
    if (!slot.keep_alive) closing_ = true;
    const Framing framing{beast_request.version(), slot.keep_alive, beast_request.method() == bhttp::verb::head,
                          beast_request.method() == bhttp::verb::get || beast_request.method() == bhttp::verb::head};

    if (const auto wait = shared_.limiter.acquire(rate_key_, slot.start); wait.count() > 0) {
        complete(slot, too_many_requests(wait), framing);
        return;
    }
    auto request = std::make_unique<Request>(to_request(std::move(beast_request), shared_.fallback_host, peer_));
    const Dispatch dispatch = shared_.router.dispatch(*request);
    // Compression runs where the handler ran, so heavy responses stay off the I/O threads.
    const auto respond = [&options = shared_.options](const Dispatch& route, const Request& to) {
        Response response = route.run(to);
        if (options.compress) compress_if_accepted(to, response);
        return response;
    };
    if (dispatch.execution() == Execution::io) {
        complete(slot, respond(dispatch, *request), framing);
        return;
    }
    // The pending read must not time out while the worker computes.
    stream_.expires_never();
    asio::thread_pool& pool = dispatch.execution() == Execution::write ? shared_.writers : shared_.workers;
    asio::post(pool, [self = shared_from_this(), &slot, dispatch, framing, request = std::move(request), respond,
                      guard = asio::make_work_guard(shared_.ioc)]() mutable {
        Response response = respond(dispatch, *request);
        asio::post(self->executor(), [self, &slot, framing, response = std::move(response)]() mutable {
            self->complete(slot, std::move(response), framing);
        });
    });
}

void Session::complete(Slot& slot, Response&& response, Framing framing) {
    if (response.streamed()) {
        StreamTicket ticket;
        if (!framing.head) {
            const std::size_t limit = shared_.options.max_streams;
            if (shared_.open_streams.fetch_add(1) < limit) {
                ticket.reset(&shared_.open_streams);
            } else {
                --shared_.open_streams;
            }
        }
        if (framing.head || ticket) {
            slot.stream.emplace(PendingStream{response.stream_start(), response.stream_options(), std::move(ticket),
                                              framing.head, framing.version >= 11});
            // The stream ends with the connection: nothing after it is read.
            slot.keep_alive = false;
            closing_ = true;
        } else {
            response = too_many_streams(shared_.options.max_streams);
        }
    }
    // When the server stops, the last response announces the close.
    if (shared_.stopping && &slot == &queue_.back()) slot.keep_alive = false;
    framing.keep_alive = slot.keep_alive;
    slot.message = to_message(std::move(response), framing);
    maybe_write();
}

void Session::maybe_write() {
    if (writing_ || live_ || queue_.empty() || !queue_.front().message) return;
    if (queue_.front().stream) {
        write_stream_header();
        return;
    }
    writing_ = true;
    stream_.expires_after(shared_.options.io_timeout);
    std::visit(
        [this](auto& message) {
            bhttp::async_write(stream_, message, beast::bind_front_handler(&Session::on_write, shared_from_this()));
        },
        *queue_.front().message);
}

void Session::on_write(beast::error_code ec, std::size_t bytes) {
    writing_ = false;
    const Slot& slot = queue_.front();
    const unsigned status = std::visit([](const auto& message) { return message.result_int(); }, *slot.message);
    log(slot, status, bytes);
    const bool keep_alive = slot.keep_alive;
    queue_.pop_front();
    if (ec || !keep_alive) {
        // Slots still waiting for a worker stay queued: the worker holds a reference to its slot.
        closing_ = true;
        close();
        return;
    }
    do_read();
    maybe_write();
    if (closing_ && queue_.empty() && !writing_) close();
}

void Session::close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
}

void Session::log(const Slot& slot, unsigned status, std::size_t bytes) const {
    if (!shared_.options.access_log) return;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - slot.start).count();
    const nlohmann::ordered_json line{{"time", model::format_iso8601(std::time(nullptr))},
                                      {"peer", peer_},
                                      {"method", slot.method},
                                      {"target", loggable_target(slot.target)},
                                      {"status", status},
                                      {"bytes", bytes},
                                      {"duration_ms", std::round(ms * 100) / 100}};
    // Targets are raw client bytes: replace invalid UTF-8 rather than throw.
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // One fprintf per line: stdio locks the stream, so lines from many threads never interleave.
    std::fprintf(stderr, "%s\n", text.c_str());
}

void Session::write_stream_header() {
    live_ = std::make_unique<LiveStream>(std::move(queue_.front()), stream_.get_executor());
    // Slots behind the stream stay queued but are never written (a worker may still hold a reference to one).
    queue_.pop_front();
    writing_ = true;
    stream_.expires_after(shared_.options.io_timeout);
    live_->header.emplace(std::get<StringMessage>(*live_->slot.message));
    bhttp::async_write_header(stream_, *live_->header,
                              beast::bind_front_handler(&Session::on_stream_header, shared_from_this()));
}

void Session::on_stream_header(beast::error_code ec, std::size_t bytes) {
    writing_ = false;
    LiveStream& live = *live_;
    live.bytes += bytes;
    if (live.ended) return;
    if (ec || live.slot.stream->head || shared_.stopping) {
        stop_stream();
        return;
    }
    // The client has nothing more to say: a read that ends tells that it left. A parser read still
    // pending may carry a deadline that would end a quiet stream, so it makes way for watch_peer().
    if (reading_) {
        beast::error_code cancel_ec;
        stream_.socket().cancel(cancel_ec);
    } else if (!live.watching) {
        watch_peer();
    }
    live.last_write = Clock::now();
    live.sink = std::make_shared<detail::BufferedSink>(
        shared_.options.stream_buffer_limit, [weak = weak_from_this(), executor = stream_.get_executor()] {
            asio::post(executor, [weak] {
                if (auto self = weak.lock()) self->pump_stream();
            });
        });
    try {
        live.handle = live.slot.stream->start(live.sink);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wangge: stream start failed on %s: %s\n", live.slot.target.c_str(), e.what());
        stop_stream();
        return;
    } catch (...) {
        std::fprintf(stderr, "wangge: stream start failed on %s\n", live.slot.target.c_str());
        stop_stream();
        return;
    }
    arm_heartbeat();
    live.age_timer.expires_after(live.slot.stream->options.max_age);
    live.age_timer.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec && !self->live_->ended) self->live_->sink->close();
    });
    pump_stream();
}

void Session::watch_peer() {
    // On the socket itself, not the tcp_stream: its read deadline would end a quiet stream.
    live_->watching = true;
    stream_.socket().async_read_some(asio::buffer(live_->discard),
                                     beast::bind_front_handler(&Session::on_peer_read, shared_from_this()));
}

void Session::on_peer_read(beast::error_code ec, std::size_t) {
    live_->watching = false;
    if (live_->ended) return;
    if (ec) {
        stop_stream();
        return;
    }
    watch_peer();
}

void Session::pump_stream() {
    if (!live_ || live_->ended || live_->ending || writing_ || !live_->sink) return;
    detail::BufferedSink::Batch batch = live_->sink->take();
    if (batch.overflowed) {
        stop_stream();
    } else if (!batch.bytes.empty()) {
        const std::size_t size = batch.bytes.size();
        write_stream(std::move(batch.bytes), size);
    } else if (batch.closed) {
        finish_stream();
    }
}

void Session::write_stream(std::string bytes, std::size_t from_sink) {
    LiveStream& live = *live_;
    writing_ = true;
    live.out = std::move(bytes);
    live.out_from_sink = from_sink;
    stream_.expires_after(shared_.options.io_timeout);
    auto done = beast::bind_front_handler(&Session::on_stream_write, shared_from_this());
    if (live.slot.stream->chunked) {
        asio::async_write(stream_, bhttp::make_chunk(asio::buffer(live.out)), std::move(done));
    } else {
        asio::async_write(stream_, asio::buffer(live.out), std::move(done));
    }
}

void Session::on_stream_write(beast::error_code ec, std::size_t bytes) {
    writing_ = false;
    LiveStream& live = *live_;
    live.bytes += bytes;
    live.last_write = Clock::now();
    live.sink->written(std::exchange(live.out_from_sink, 0));
    if (live.ended) return;
    if (ec || live.ending) {
        stop_stream();
        return;
    }
    pump_stream();
}

void Session::arm_heartbeat() {
    const StreamOptions& options = live_->slot.stream->options;
    if (options.heartbeat.empty()) return;
    // While a write is out, waiting from its start would wake at once again and again.
    live_->heartbeat_timer.expires_at((writing_ ? Clock::now() : live_->last_write) + options.heartbeat_interval);
    live_->heartbeat_timer.async_wait(beast::bind_front_handler(&Session::on_heartbeat, shared_from_this()));
}

void Session::on_heartbeat(beast::error_code ec) {
    if (ec || live_->ended || live_->ending) return;
    const StreamOptions& options = live_->slot.stream->options;
    if (!writing_ && Clock::now() - live_->last_write >= options.heartbeat_interval) write_stream(options.heartbeat, 0);
    arm_heartbeat();
}

void Session::finish_stream() {
    LiveStream& live = *live_;
    if (!live.slot.stream->chunked) {
        // HTTP/1.0: the close is the end of the body.
        stop_stream();
        return;
    }
    live.ending = true;
    writing_ = true;
    stream_.expires_after(shared_.options.io_timeout);
    asio::async_write(stream_, bhttp::make_chunk_last(),
                      beast::bind_front_handler(&Session::on_stream_write, shared_from_this()));
}

void Session::stop_stream() {
    LiveStream& live = *live_;
    if (live.ended) return;
    live.ended = true;
    live.heartbeat_timer.cancel();
    live.age_timer.cancel();
    if (live.sink) live.sink->detach();
    live.handle.reset();
    live.slot.stream->ticket.reset();
    log(live.slot, static_cast<unsigned>(Status::ok), live.bytes);
    close();
}

}  // namespace

struct Server::Impl {
    Impl(Router router, ServerOptions options) : shared(std::move(router), std::move(options)) {}

    void do_accept() {
        shared.acceptor.async_accept(asio::make_strand(shared.ioc), [this](beast::error_code ec, tcp::socket socket) {
            if (ec) {
                // A closed acceptor means stop(); other errors (e.g. out of descriptors) are transient.
                if (ec != asio::error::operation_aborted && shared.acceptor.is_open()) do_accept();
                return;
            }
            if (shared.stopping) return;
            auto session = std::make_shared<Session>(std::move(socket), shared);
            shared.session_started(session);
            session->start();
            do_accept();
        });
    }

    void begin_shutdown() {
        if (shared.stopping.exchange(true)) return;
        beast::error_code ec;
        shared.acceptor.close(ec);
        shared.signals.cancel(ec);
        {
            const std::lock_guard lock(shared.sessions_mutex);
            for (const auto& weak : shared.sessions) {
                if (auto session = weak.lock()) asio::post(session->executor(), [session] { session->shut_down(); });
            }
        }
        shared.grace_timer.expires_after(shared.options.shutdown_grace);
        shared.grace_timer.async_wait([this](beast::error_code wait_ec) {
            if (!wait_ec) shared.ioc.stop();  // requests still running after the grace period are dropped
        });
        if (shared.live_sessions == 0) shared.grace_timer.cancel();
    }

    Shared shared;
    std::atomic<unsigned short> port = 0;
};

Server::Server(Router router, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(router), std::move(options))) {}

Server::~Server() {
    impl_->shared.workers.join();
    impl_->shared.writers.join();
}

unsigned short Server::listen() {
    Shared& shared = impl_->shared;
    beast::error_code ec;
    const auto address = asio::ip::make_address(shared.options.host, ec);
    if (ec) throw Error("invalid listen address '" + shared.options.host + "': " + ec.message());
    const tcp::endpoint endpoint(address, shared.options.port);
    const auto check = [&](std::string_view what) {
        if (ec) {
            throw Error("cannot " + std::string(what) + " " + shared.options.host + ":" +
                        std::to_string(shared.options.port) + ": " + ec.message());
        }
    };
    shared.acceptor.open(endpoint.protocol(), ec);
    check("open");
    shared.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    check("configure");
    shared.acceptor.bind(endpoint, ec);
    check("bind");
    shared.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    check("listen on");
    impl_->port = shared.acceptor.local_endpoint().port();
    shared.fallback_host = shared.options.host + ":" + std::to_string(impl_->port.load());
    return impl_->port;
}

void Server::run() {
    Shared& shared = impl_->shared;
    asio::dispatch(shared.control, [this] { impl_->do_accept(); });
    if (shared.options.handle_signals) {
        shared.signals.add(SIGINT);
        shared.signals.add(SIGTERM);
        shared.signals.async_wait([this](beast::error_code ec, int) {
            if (!ec) impl_->begin_shutdown();
        });
    }
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < shared.io_threads; ++i) threads.emplace_back([&shared] { shared.ioc.run(); });
    shared.ioc.run();
    for (std::thread& thread : threads) thread.join();
    shared.workers.join();
    shared.writers.join();
}

void Server::stop() {
    asio::post(impl_->shared.control, [this] { impl_->begin_shutdown(); });
}

unsigned short Server::port() const noexcept { return impl_->port; }

}  // namespace wangge::http
