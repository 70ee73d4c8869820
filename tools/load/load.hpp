#pragma once
// A closed-loop HTTP load generator for `wangge serve`: N keep-alive
// connections, each sending its next request as soon as the previous answer
// is in, a mixed workload (vector tiles, /lookup, OGC API Features items,
// /health, and incident reports as writes), for a fixed time. It reports
// throughput, errors, latency percentiles and the server's memory
// (/proc/<pid>/status).
//
// The workload is discovered from the server itself (grid extent, household
// points, ids), so it runs against any store; it signs in first when given
// credentials, so it keeps working where anonymous reads are refused.
//
// Thread safety: run_load() drives everything on one thread of its own
// io_context; the other functions are plain values in and out.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wangge::load {

struct Endpoint {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
};

struct Reply {
    unsigned status = 0;
    std::string body;
};

/// One request on a fresh connection (setup calls, not the measured load).
/// Throws std::runtime_error when the server cannot be reached.
[[nodiscard]] Reply call(const Endpoint& endpoint, const std::string& method, const std::string& target,
                         const std::string& body = {}, const std::string& token = {});

/// POST /auth/login; the session token. Throws std::runtime_error when refused.
[[nodiscard]] std::string sign_in(const Endpoint& endpoint, const std::string& user, const std::string& password);

/// What the requests are made of.
struct Workload {
    double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;
    /// Household locations: inside grids, so lookups hit and reports are accepted.
    std::vector<std::pair<double, double>> points;
    std::vector<std::string> grid_ids;
    std::string category = "环境卫生";
};

/// Reads the grid extent, household points and grid ids from the server.
/// Throws std::runtime_error when the server has no grids or refuses the reads.
[[nodiscard]] Workload discover(const Endpoint& endpoint, const std::string& token);

struct LoadOptions {
    Endpoint endpoint;
    unsigned connections = 16;
    std::chrono::milliseconds duration{10'000};
    /// Bearer token sent with every request; empty: anonymous.
    std::string token;
    /// Percent of requests that are POST /incidents (needs a token allowed to report).
    unsigned write_percent = 2;
    std::uint64_t seed = 1;
    /// The server process, for its memory; 0: not measured.
    int server_pid = 0;
};

struct KindStats {
    std::size_t requests = 0;
    std::size_t errors = 0;
    double p50_ms = 0;
    double p99_ms = 0;
    double max_ms = 0;
};

struct LoadReport {
    unsigned connections = 0;
    double seconds = 0;
    std::size_t requests = 0;
    std::size_t errors = 0;
    KindStats all;
    KindStats reads;  ///< every kind but writes
    std::map<std::string, KindStats> kinds;
    std::map<unsigned, std::size_t> statuses;  // 0: no answer (connection failed or timed out)
    /// A few failed requests, for the log: "STATUS METHOD TARGET: body…".
    std::vector<std::string> error_samples;
    /// Server memory in MiB; negative when not measured.
    double rss_after_warmup_mb = -1;
    double rss_end_mb = -1;
    double hwm_mb = -1;

    [[nodiscard]] double requests_per_second() const { return seconds > 0 ? static_cast<double>(requests) / seconds : 0; }
    [[nodiscard]] nlohmann::json to_json() const;
};

[[nodiscard]] LoadReport run_load(const LoadOptions& options, const Workload& workload);

/// A field of /proc/<pid>/status ("VmRSS", "VmHWM") in MiB; negative when unreadable.
[[nodiscard]] double process_memory_mb(int pid, const std::string& field);

}  // namespace wangge::load
