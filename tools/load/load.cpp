#include "load.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace wangge::load {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr std::size_t max_body = 64 * 1024 * 1024;
constexpr auto request_timeout = std::chrono::seconds(30);

bhttp::request<bhttp::string_body> make_request(const std::string& method, const std::string& target,
                                               const std::string& body, const std::string& token) {
    bhttp::request<bhttp::string_body> request;
    request.method_string(method);
    request.target(target);
    request.version(11);
    request.set(bhttp::field::host, "127.0.0.1");
    request.set(bhttp::field::user_agent, "wangge_load");
    if (!token.empty()) request.set(bhttp::field::authorization, "Bearer " + token);
    if (!body.empty()) {
        request.set(bhttp::field::content_type, "application/json");
        request.body() = body;
    }
    request.prepare_payload();
    return request;
}

// ------------------------------------------------------------ the workload

/// The tile of zoom z containing a point (Web Mercator, XYZ scheme).
std::pair<unsigned, unsigned> tile_of(double lon, double lat, int z) {
    const double n = std::ldexp(1.0, z);
    const double lat_rad = lat * std::numbers::pi / 180;
    const double x = (lon + 180) / 360 * n;
    const double y = (1 - std::asinh(std::tan(lat_rad)) / std::numbers::pi) / 2 * n;
    const auto clamp = [n](double v) { return static_cast<unsigned>(std::clamp(v, 0.0, n - 1)); };
    return {clamp(x), clamp(y)};
}

std::string number(double value) {
    std::ostringstream out;
    out.precision(9);
    out << value;
    return out.str();
}

struct Planned {
    Planned(std::string kind_in, std::string method_in, std::string target_in, std::string body_in = {})
        : kind(std::move(kind_in)), method(std::move(method_in)), target(std::move(target_in)),
          body(std::move(body_in)) {}

    std::string kind;
    std::string method;
    std::string target;
    std::string body;
    bool gzip = false;
};

/// Draws requests of the mixed workload.
class Planner {
public:
    Planner(const Workload& workload, unsigned write_percent, std::uint64_t seed)
        : workload_(workload), write_percent_(write_percent), random_(seed) {}

    Planned next() {
        const unsigned roll = uniform(100);
        if (roll < write_percent_) return write();
        if (roll < write_percent_ + 10) return {"health", "GET", "/health"};
        if (roll < write_percent_ + 30) return features();
        if (roll < write_percent_ + 55) return lookup();
        return tile();
    }

private:
    unsigned uniform(unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(random_); }
    std::pair<double, double> point() { return workload_.points[uniform(static_cast<unsigned>(workload_.points.size()))]; }

    Planned tile() {
        static constexpr std::array layers{"grids", "grids", "households", "facilities", "incidents", "heat"};
        const auto [lon, lat] = point();
        const int z = 12 + static_cast<int>(uniform(5));
        const auto [x, y] = tile_of(lon, lat, z);
        Planned planned{"tile", "GET",
                        std::string("/tiles/") + layers[uniform(layers.size())] + "/" + std::to_string(z) + "/" +
                            std::to_string(x) + "/" + std::to_string(y) + ".mvt"};
        planned.gzip = uniform(2) == 0;
        return planned;
    }

    Planned lookup() {
        // Household points lie in a grid by construction; random points could fall outside the city.
        const auto [lon, lat] = point();
        return {"lookup", "GET", "/lookup?lon=" + number(lon) + "&lat=" + number(lat)};
    }

    Planned features() {
        const unsigned which = uniform(3);
        if (which == 0 && !workload_.grid_ids.empty()) {
            return {"features", "GET",
                    "/collections/grids/items/" + workload_.grid_ids[uniform(static_cast<unsigned>(workload_.grid_ids.size()))]};
        }
        const auto [lon, lat] = point();
        const std::string bbox = number(lon - 0.002) + "," + number(lat - 0.002) + "," + number(lon + 0.002) + "," +
                                 number(lat + 0.002);
        const char* collection = which == 1 ? "households" : "incidents";
        return {"features", "GET", std::string("/collections/") + collection + "/items?limit=20&bbox=" + bbox};
    }

    Planned write() {
        const auto [lon, lat] = point();
        const json body{{"category", workload_.category}, {"source", "网格员巡查"},  {"triage", "general"},
                        {"description", "负载测试"},       {"lon", lon},            {"lat", lat}};
        return {"write", "POST", "/incidents", body.dump()};
    }

    const Workload& workload_;
    unsigned write_percent_;
    std::mt19937_64 random_;
};

// ------------------------------------------------------------ the load

struct Sample {
    std::vector<double> latencies_ms;
    std::size_t errors = 0;
};

/// What all connections record (one thread: no locking).
struct Recorder {
    std::map<std::string, Sample> kinds;
    std::map<unsigned, std::size_t> statuses;
    std::vector<std::string> error_samples;

    void record(const Planned& planned, unsigned status, double ms, std::string_view detail) {
        Sample& sample = kinds[planned.kind];
        sample.latencies_ms.push_back(ms);
        ++statuses[status];
        const bool ok = (status >= 200 && status < 300) || status == 304;
        if (ok) return;
        ++sample.errors;
        if (error_samples.size() < 8) {
            error_samples.push_back(std::to_string(status) + " " + planned.method + " " + planned.target + ": " +
                                    std::string(detail.substr(0, 200)));
        }
    }
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(asio::io_context& ioc, const LoadOptions& options, const tcp::resolver::results_type& endpoints,
               Planner planner, Recorder& recorder, Clock::time_point deadline)
        : stream_(ioc), options_(options), endpoints_(endpoints), planner_(std::move(planner)),
          recorder_(recorder), deadline_(deadline), retry_timer_(ioc) {}

    void start() { connect(); }

private:
    void connect() {
        if (Clock::now() >= deadline_) return;
        stream_.expires_after(request_timeout);
        stream_.async_connect(endpoints_, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
            if (ec) return self->failed("connect: " + ec.message());
            self->send();
        });
    }

    void send() {
        if (Clock::now() >= deadline_) {
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
            return;
        }
        planned_ = planner_.next();
        request_ = make_request(planned_.method, planned_.target, planned_.body, options_.token);
        if (planned_.gzip) request_.set(bhttp::field::accept_encoding, "gzip");
        started_ = Clock::now();
        stream_.expires_after(request_timeout);
        bhttp::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->failed("write: " + ec.message());
            self->receive();
        });
    }

    void receive() {
        parser_.emplace();
        parser_->body_limit(max_body);
        bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->failed("read: " + ec.message());
            self->answered();
        });
    }

    void answered() {
        const auto& response = parser_->get();
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
        recorder_.record(planned_, response.result_int(), ms, response.body());
        if (!response.keep_alive()) {
            reconnect();
            return;
        }
        send();
    }

    /// No answer: counted as status 0, then a new connection after a pause (no busy loop on a dead server).
    void failed(const std::string& what) {
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
        recorder_.record(planned_, 0, ms, what);
        retry_timer_.expires_after(std::chrono::milliseconds(50));
        retry_timer_.async_wait([self = shared_from_this()](beast::error_code) { self->reconnect(); });
    }

    void reconnect() {
        beast::error_code ignored;
        stream_.socket().close(ignored);
        buffer_.clear();
        connect();
    }

    beast::tcp_stream stream_;
    const LoadOptions& options_;
    const tcp::resolver::results_type& endpoints_;
    Planner planner_;
    Recorder& recorder_;
    Clock::time_point deadline_;
    asio::steady_timer retry_timer_;
    beast::flat_buffer buffer_;
    Planned planned_{"connect", "-", "-"};
    bhttp::request<bhttp::string_body> request_;
    std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
    Clock::time_point started_ = Clock::now();
};

KindStats summarise(std::vector<double> latencies, std::size_t errors) {
    KindStats stats;
    stats.requests = latencies.size();
    stats.errors = errors;
    if (latencies.empty()) return stats;
    std::ranges::sort(latencies);
    const auto at = [&latencies](double q) {
        const auto index = static_cast<std::size_t>(std::ceil(q * static_cast<double>(latencies.size()))) - 1;
        return latencies[std::min(index, latencies.size() - 1)];
    };
    stats.p50_ms = at(0.50);
    stats.p99_ms = at(0.99);
    stats.max_ms = latencies.back();
    return stats;
}

json stats_json(const KindStats& stats) {
    const auto round = [](double ms) { return std::round(ms * 1000) / 1000; };
    return {{"requests", stats.requests}, {"errors", stats.errors}, {"p50_ms", round(stats.p50_ms)},
            {"p99_ms", round(stats.p99_ms)}, {"max_ms", round(stats.max_ms)}};
}

json parse_reply(const Reply& reply, const std::string& what) {
    if (reply.status != 200) {
        throw std::runtime_error(what + " answered " + std::to_string(reply.status) + ": " + reply.body.substr(0, 300));
    }
    json body = json::parse(reply.body, nullptr, false);
    if (body.is_discarded()) throw std::runtime_error(what + " answered something other than JSON");
    return body;
}

}  // namespace

Reply call(const Endpoint& endpoint, const std::string& method, const std::string& target, const std::string& body,
           const std::string& token) {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (!ec) stream.connect(endpoints, ec);
    if (ec) {
        throw std::runtime_error("cannot connect to " + endpoint.host + ":" + std::to_string(endpoint.port) + ": " +
                                 ec.message());
    }
    stream.expires_after(request_timeout);
    auto request = make_request(method, target, body, token);
    bhttp::write(stream, request, ec);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_body);
    if (!ec) bhttp::read(stream, buffer, parser, ec);
    if (ec) throw std::runtime_error(method + " " + target + ": " + ec.message());
    return {parser.get().result_int(), parser.get().body()};
}

std::string sign_in(const Endpoint& endpoint, const std::string& user, const std::string& password) {
    const json body{{"username", user}, {"password", password}};
    const json reply = parse_reply(call(endpoint, "POST", "/auth/login", body.dump()), "POST /auth/login");
    return reply.at("token").get<std::string>();
}

Workload discover(const Endpoint& endpoint, const std::string& token) {
    Workload workload;
    const json grids = parse_reply(call(endpoint, "GET", "/collections/grids", {}, token), "GET /collections/grids");
    const json& box = grids.at("extent").at("spatial").at("bbox").at(0);
    workload.min_lon = box.at(0);
    workload.min_lat = box.at(1);
    workload.max_lon = box.at(2);
    workload.max_lat = box.at(3);
    const json grid_items = parse_reply(call(endpoint, "GET", "/collections/grids/items?limit=200", {}, token),
                                        "GET /collections/grids/items");
    for (const json& feature : grid_items.at("features")) workload.grid_ids.push_back(feature.at("id").get<std::string>());
    const json households = parse_reply(call(endpoint, "GET", "/collections/households/items?limit=1000", {}, token),
                                        "GET /collections/households/items");
    for (const json& feature : households.at("features")) {
        const json& coordinates = feature.at("geometry").at("coordinates");
        workload.points.emplace_back(coordinates.at(0).get<double>(), coordinates.at(1).get<double>());
    }
    if (workload.grid_ids.empty() || workload.points.empty()) {
        throw std::runtime_error("the server has no grids or no households to load-test with");
    }
    return workload;
}

double process_memory_mb(int pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (!line.starts_with(field + ":")) continue;
        std::istringstream values(line.substr(field.size() + 1));
        double kib = 0;
        if (values >> kib) return kib / 1024;
    }
    return -1;
}

LoadReport run_load(const LoadOptions& options, const Workload& workload) {
    asio::io_context ioc(1);
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(options.endpoint.host, std::to_string(options.endpoint.port));
    Recorder recorder;
    const Clock::time_point begin = Clock::now();
    const Clock::time_point deadline = begin + options.duration;
    for (unsigned i = 0; i < options.connections; ++i) {
        std::make_shared<Connection>(ioc, options, endpoints, Planner(workload, options.write_percent, options.seed + i),
                                     recorder, deadline)
            ->start();
    }
    LoadReport report;
    // Memory after the first fifth of the run (caches warm) and at the end: growth between them is the leak signal.
    asio::steady_timer warm(ioc, begin + options.duration / 5);
    if (options.server_pid > 0) {
        warm.async_wait([&](beast::error_code) { report.rss_after_warmup_mb = process_memory_mb(options.server_pid, "VmRSS"); });
    }
    ioc.run();
    report.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    if (options.server_pid > 0) {
        report.rss_end_mb = process_memory_mb(options.server_pid, "VmRSS");
        report.hwm_mb = process_memory_mb(options.server_pid, "VmHWM");
    }

    report.connections = options.connections;
    std::vector<double> all;
    std::vector<double> reads;
    std::size_t read_errors = 0;
    for (auto& [kind, sample] : recorder.kinds) {
        report.requests += sample.latencies_ms.size();
        report.errors += sample.errors;
        all.insert(all.end(), sample.latencies_ms.begin(), sample.latencies_ms.end());
        if (kind != "write") {
            reads.insert(reads.end(), sample.latencies_ms.begin(), sample.latencies_ms.end());
            read_errors += sample.errors;
        }
        report.kinds[kind] = summarise(std::move(sample.latencies_ms), sample.errors);
    }
    report.all = summarise(std::move(all), report.errors);
    report.reads = summarise(std::move(reads), read_errors);
    report.statuses = std::move(recorder.statuses);
    report.error_samples = std::move(recorder.error_samples);
    return report;
}

json LoadReport::to_json() const {
    json kinds_json = json::object();
    for (const auto& [kind, stats] : kinds) kinds_json[kind] = stats_json(stats);
    json statuses_json = json::object();
    for (const auto& [status, count] : statuses) statuses_json[std::to_string(status)] = count;
    const auto mb = [](double value) { return value < 0 ? json(nullptr) : json(std::round(value * 10) / 10); };
    return {{"connections", connections},
            {"seconds", std::round(seconds * 100) / 100},
            {"requests", requests},
            {"errors", errors},
            {"requests_per_s", std::round(requests_per_second() * 10) / 10},
            {"latency_ms", stats_json(all)},
            {"reads_latency_ms", stats_json(reads)},
            {"kinds", std::move(kinds_json)},
            {"statuses", std::move(statuses_json)},
            {"error_samples", error_samples},
            {"server_memory_mb", {{"rss_after_warmup", mb(rss_after_warmup_mb)}, {"rss_end", mb(rss_end_mb)}, {"hwm", mb(hwm_mb)}}}};
}

}  // namespace wangge::load
