#include "wangge/http/server.hpp"

#include "wangge/http/compression.hpp"
#include "wangge/http/rate_limiter.hpp"
#include "wangge/model/time.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
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

Request to_request(BeastRequest&& beast_request, const std::string& base_url, const std::string& peer,
                   std::string client) {
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& field : beast_request) headers.emplace_back(field.name_string(), field.value());
    Request request(to_method(beast_request.method()), std::string(beast_request.target()), std::move(headers),
                    std::move(beast_request.body()));
    request.set_base_url(base_url);
    request.set_peer(peer);
    request.set_client(std::move(client));
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

/// An address block of ServerOptions::trusted_proxies; IPv4 as IPv4-mapped IPv6.
struct Cidr {
    asio::ip::address_v6::bytes_type bytes{};
    unsigned prefix = 128;

    [[nodiscard]] bool contains(const asio::ip::address& address) const noexcept;
};

asio::ip::address_v6 as_v6(const asio::ip::address& address) {
    return address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4()) : address.to_v6();
}

bool Cidr::contains(const asio::ip::address& address) const noexcept {
    const asio::ip::address_v6::bytes_type other = as_v6(address).to_bytes();
    for (unsigned bit = 0; bit < prefix; ++bit) {
        const unsigned mask = 0x80U >> (bit % 8);
        if ((bytes[bit / 8] & mask) != (other[bit / 8] & mask)) return false;
    }
    return true;
}

/// "10.0.0.0/8", "2001:db8::/32" or a single address; InputError otherwise.
Cidr parse_cidr(std::string_view text) {
    const std::size_t slash = text.find('/');
    beast::error_code ec;
    const asio::ip::address address = asio::ip::make_address(std::string(text.substr(0, slash)), ec);
    const unsigned width = !ec && address.is_v4() ? 32 : 128;
    unsigned prefix = width;
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size()) prefix = width + 1;
    }
    if (ec || prefix > width) {
        throw InputError("trusted proxy '" + std::string(text) + "' is not an address or CIDR block (e.g. 10.0.0.0/8)");
    }
    return Cidr{as_v6(address).to_bytes(), prefix + (width == 32 ? 96 : 0)};
}

bool trusted(const std::vector<Cidr>& proxies, const asio::ip::address& address) {
    return std::ranges::any_of(proxies, [&](const Cidr& cidr) { return cidr.contains(address); });
}

/// One hop of Forwarded ("for=\"[2001:db8::1]:4711\"", "for=192.0.2.43") or X-Forwarded-For ("192.0.2.43").
std::optional<asio::ip::address> hop_address(std::string_view hop, bool forwarded_syntax) {
    const auto trim = [](std::string_view text) {
        while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
        while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
        return text;
    };
    hop = trim(hop);
    if (forwarded_syntax) {
        std::string_view found;
        while (!hop.empty()) {
            const std::size_t semicolon = hop.find(';');
            const std::string_view pair = trim(hop.substr(0, semicolon));
            hop = semicolon == std::string_view::npos ? std::string_view{} : hop.substr(semicolon + 1);
            if (pair.size() > 4 && (pair.substr(0, 4) == "for=" || pair.substr(0, 4) == "For=" ||
                                    pair.substr(0, 4) == "FOR=")) {
                found = pair.substr(4);
            }
        }
        hop = found;
        if (hop.size() >= 2 && hop.front() == '"' && hop.back() == '"') hop = hop.substr(1, hop.size() - 2);
        if (hop.starts_with('[')) {
            hop = hop.substr(1, hop.find(']') == std::string_view::npos ? 0 : hop.find(']') - 1);
        } else if (std::ranges::count(hop, ':') == 1) {
            hop = hop.substr(0, hop.find(':'));  // an IPv4 address with a port
        }
    }
    beast::error_code ec;
    const asio::ip::address address = asio::ip::make_address(std::string(hop), ec);
    if (ec) return std::nullopt;
    return address;
}

/// The client of a request: the peer, unless the peer is a trusted proxy;
/// then the nearest address in Forwarded (else X-Forwarded-For) that is not
/// a trusted proxy itself, read from the right (earlier hops are what the
/// client claims and anyone can forge). A malformed or obfuscated hop stops
/// the walk and the proxy's own address is kept.
asio::ip::address client_of(const BeastRequest& request, const asio::ip::address& peer,
                            const std::vector<Cidr>& proxies) {
    if (!trusted(proxies, peer)) return peer;
    // Every Forwarded line in order, else every X-Forwarded-For line: one comma-separated list.
    const auto joined = [&request](beast::string_view name) {
        std::string hops;
        for (const auto& field : request) {
            if (beast::iequals(field.name_string(), name)) hops += (hops.empty() ? "" : ",") + std::string(field.value());
        }
        return hops;
    };
    std::string hops = joined("Forwarded");
    const bool forwarded_syntax = !hops.empty();
    if (!forwarded_syntax) hops = joined("X-Forwarded-For");
    std::string_view rest = hops;
    asio::ip::address client = peer;
    while (!rest.empty()) {
        const std::size_t comma = rest.rfind(',');
        const std::string_view hop = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
        const std::optional<asio::ip::address> address = hop_address(hop, forwarded_syntax);
        if (!address) return peer;
        client = *address;
        if (!trusted(proxies, client)) break;
    }
    return client;
}

/// Headers every answer carries: no MIME sniffing, no framing by other sites,
/// and, unless the handler set its own (the web map's pages), a policy that
/// lets an API answer opened in a browser run nothing at all.
void add_security_headers(Response& response) {
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("X-Frame-Options", "DENY");
    if (response.header("Content-Security-Policy").empty()) {
        response.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    }
}

/// "http://host:port", an IPv6 host in brackets.
std::string http_url(const std::string& host, unsigned short port) {
    const bool v6 = host.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

/// ServerOptions::public_url without a trailing slash, else http://host:port.
std::string public_base_url(const ServerOptions& options, unsigned short port) {
    std::string url = options.public_url.empty() ? http_url(options.host, port) : options.public_url;
    while (url.ends_with('/')) url.pop_back();
    return url;
}

/// Transfer-Encoding must end in chunked (RFC 9112 §6.3): anything else leaves
/// the body's end unknown, and reading on would take the body for the next
/// request (the building block of request smuggling).
bool bad_transfer_encoding(const BeastRequest& request, bool parsed_chunked) {
    return request.find(bhttp::field::transfer_encoding) != request.end() && !parsed_chunked;
}

/// 429 with Retry-After in whole seconds (at least 1, as the header has no fractions).
Response too_many_requests(std::chrono::milliseconds wait) {
    const auto seconds = std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
    Response response = Response::error(Status::too_many_requests, "rate_limited",
                                        "too many requests from this address; retry in " + std::to_string(seconds) +
                                            " s",
                                        "请求过于频繁，请 " + std::to_string(seconds) + " 秒后再试");
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
        if (ec) return to_message(Response::error(Status::not_found, "not_found", "file not readable", "文件无法读取"), framing);
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
Message refusal(Status status, std::string_view code, std::string_view text, std::string_view text_zh) {
    Response response = Response::error(status, code, text, text_zh);
    add_security_headers(response);
    return to_message(std::move(response), Framing{11, false, false, false});
}

/// Gives a place among the server's open streams back.
struct ReleaseStream {
    void operator()(std::atomic<std::size_t>* open_streams) const noexcept { --*open_streams; }
};
/// A place among the server's open streams (ServerOptions::max_streams), held while one is open.
using StreamTicket = std::unique_ptr<std::atomic<std::size_t>, ReleaseStream>;

Response too_many_streams(std::size_t limit) {
    return Response::error(Status::service_unavailable, "too_many_streams",
                           "the server has " + std::to_string(limit) + " streams open; try again later",
                           "服务器的地图更新连接已满，请稍后再试");
}

struct Shared;

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket&& socket, Shared& shared);
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
    std::optional<asio::ip::address> peer_address_;
    std::string peer_;
    std::string base_url_;  // set when the server listens on every interface and has no public_url
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
          base_url(public_base_url(options, options.port)),
          wildcard_host(options.public_url.empty() && (options.host == "0.0.0.0" || options.host == "::")) {
        for (const std::string& proxy : options.trusted_proxies) trusted_proxies.push_back(parse_cidr(proxy));
    }

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
    std::vector<Cidr> trusted_proxies;
    std::string base_url;  // for links: ServerOptions::public_url, else the listening address
    bool wildcard_host;    // listening on every interface without a public_url: links per connection
};

Session::Session(tcp::socket&& socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {
    beast::error_code ec;
    const tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    // A peer that reset before we asked has no address; its reads fail at once.
    if (!ec) {
        peer_address_ = remote.address();
        peer_ = peer_text(remote.address());
    }
    // Listening on every interface, links name the one this client reached (not its Host header).
    if (shared_.wildcard_host) {
        const tcp::endpoint local = stream_.socket().local_endpoint(ec);
        if (!ec) base_url_ = http_url(peer_text(local.address()), local.port());
    }
}

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
                              "the body exceeds " + std::to_string(shared_.options.body_limit) + " bytes",
                              "提交的内容过大（上限 " + std::to_string(shared_.options.body_limit) + " 字节）");
        } else if (ec == bhttp::error::header_limit) {
            refused = refusal(Status::header_fields_too_large, "header_too_large", "the request header is too large",
                              "请求头过大");
        } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
                   ec != bhttp::error::partial_message) {
            refused = refusal(Status::bad_request, "bad_request", "malformed HTTP request: " + ec.message(),
                              "请求格式有误");
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
    if (bad_transfer_encoding(parser_->get(), parser_->chunked())) {
        closing_ = true;
        Slot& slot = queue_.emplace_back();
        slot.method = std::string(parser_->get().method_string());
        slot.target = std::string(parser_->get().target());
        slot.message = refusal(Status::bad_request, "bad_transfer_encoding",
                               "Transfer-Encoding must end with chunked; the connection is closed",
                               "请求格式有误（Transfer-Encoding）");
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

    std::string client;
    std::string limit_key;
    if (peer_address_) {
        const asio::ip::address address = client_of(beast_request, *peer_address_, shared_.trusted_proxies);
        client = peer_text(address);
        limit_key = rate_key(address);
    }
    if (const auto wait = shared_.limiter.acquire(limit_key, slot.start); wait.count() > 0) {
        complete(slot, too_many_requests(wait), framing);
        return;
    }
    auto request = std::make_unique<Request>(
        to_request(std::move(beast_request), base_url_.empty() ? shared_.base_url : base_url_, peer_, std::move(client)));
    const Dispatch dispatch = shared_.router.dispatch(*request);
    // Compression runs where the handler ran, so heavy responses stay off the I/O threads.
    const auto compressed = [&options = shared_.options](const Request& to, Response response) {
        if (options.compress) compress_if_accepted(to, response);
        return response;
    };
    if (dispatch.execution() == Execution::io) {
        complete(slot, compressed(*request, dispatch.run(*request)), framing);
        return;
    }
    if (auto quick = dispatch.run_shortcut(*request)) {
        complete(slot, compressed(*request, std::move(*quick)), framing);
        return;
    }
    // The pending read must not time out while the worker computes.
    stream_.expires_never();
    asio::thread_pool& pool = dispatch.execution() == Execution::write ? shared_.writers : shared_.workers;
    asio::post(pool, [self = shared_from_this(), &slot, dispatch, framing, request = std::move(request), compressed,
                      guard = asio::make_work_guard(shared_.ioc)]() mutable {
        Response response = compressed(*request, dispatch.run(*request));
        asio::post(self->executor(), [self, &slot, framing, response = std::move(response)]() mutable {
            self->complete(slot, std::move(response), framing);
        });
    });
}

void Session::complete(Slot& slot, Response&& response, Framing framing) {
    add_security_headers(response);
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
    // The place among the open streams first: whoever sees the handle go may open the next stream at once.
    live.slot.stream->ticket.reset();
    live.handle.reset();
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
    shared.base_url = public_base_url(shared.options, impl_->port.load());
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
