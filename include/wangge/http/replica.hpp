#pragma once
// Replicas in step (DESIGN §2 scale-out, docs/replicas.md): every `wangge
// serve` on one database keeps a Follower, a thread with a libpq connection
// of its own (store::ChangeFeed) that LISTENs on wangge_changes, reads the
// change table after the last seq it applied and hands the writes of OTHER
// servers to the Writer (apply_remote(), reload()), which applies them in
// its queue, with local writes, and publishes them. The tile feed follows by
// itself, since it derives from publishes.
//
//   - Start: from the seq load_tables_at_change() read with the snapshot the
//     server published first, so nothing is applied twice or missed.
//   - A missed notification: every wait ends after `poll` (1 s) and reads
//     the table anyway.
//   - A lost connection: reconnects with backoff (0.1 s doubling to 5 s),
//     then catches up from the table; requests are served meanwhile.
//   - A table that no longer reaches back (pruned), or a whole large layer
//     changed (a big import): the store is reloaded whole and published.
//   - Errors are logged, one line each: a new error text, or the same one
//     when the backoff has grown since it was last logged (so at most ~7
//     lines for an outage of any length); the recovery once ("caught up").
//   - Pruning: every `prune_every` (and once at start) the follower deletes
//     the change rows older than `retention`, always keeping the newest; the
//     servers of a database take turns by a try-lock, so one prunes at a time.
//
// Thread safety: ReplicationStatus may be read from any thread while the
// follower writes it. A Follower is made and destroyed by one thread; its
// destructor stops and joins the thread (before the Writer goes).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/http/writer.hpp"
#include "wangge/store/store.hpp"

namespace wangge::store {
class ChangeFeed;  // store/change_feed.hpp
}

namespace wangge::http {

/// Where a replica is in the change table, for /health.
class ReplicationStatus {
public:
    /// `seq` applied (the changes up to it are served) at `at` (epoch seconds).
    void applied(std::int64_t seq, std::int64_t at) noexcept;
    /// `seq` is in the database (read or notified).
    void seen(std::int64_t seq) noexcept;

    [[nodiscard]] std::int64_t applied_seq() const noexcept { return applied_.load(); }
    /// {"applied_seq", "database_seq", "lag", "last_applied_at"} (null before the first apply).
    [[nodiscard]] nlohmann::json to_json() const;

private:
    std::atomic<std::int64_t> applied_{0};
    std::atomic<std::int64_t> database_{0};
    std::atomic<std::int64_t> applied_at_{0};
};

struct FollowerOptions {
    /// The longest wait for a notification before the table is read anyway.
    std::chrono::milliseconds poll{1000};
    /// Reconnection backoff: the first wait, doubled up to `max_backoff`.
    std::chrono::milliseconds first_backoff{100};
    std::chrono::milliseconds max_backoff{5000};
    /// Change rows older than this are deleted (the newest always stays); 0: never.
    std::chrono::seconds retention{std::chrono::hours(24)};
    /// How often the server tries to prune.
    std::chrono::milliseconds prune_every{std::chrono::minutes(10)};
    /// Where errors and recoveries are told, one line each (no newline); unset: stderr.
    std::function<void(const std::string&)> log;
};

class Follower {
public:
    /// Starts following the database at `location` from `start_seq` (the last
    /// change the published snapshot includes), reporting to `status`. The
    /// writer and status outlive the Follower.
    Follower(std::string location, std::int64_t start_seq, Writer& writer, ReplicationStatus& status,
             FollowerOptions options = {});
    ~Follower();
    Follower(const Follower&) = delete;
    Follower& operator=(const Follower&) = delete;

    /// The changes of one read merged per layer (ids united; whole wins), so
    /// that a row is read and appended once. Exposed for tests.
    [[nodiscard]] static std::vector<store::LayerChange> merge(const std::vector<store::LayerChange>& changes);

private:
    void run();
    /// Applies everything after last_ (reloading when it must); returns when the table holds no more.
    void catch_up(store::ChangeFeed& feed);
    /// Waits `time` unless stopped meanwhile.
    void pause(std::chrono::milliseconds time) const;
    /// Prunes the change table when it is time to.
    void prune_when_due(store::ChangeFeed& feed);
    void log(const std::string& line) const;

    std::string location_;
    std::int64_t last_;
    Writer& writer_;
    ReplicationStatus& status_;
    FollowerOptions options_;
    std::chrono::steady_clock::time_point next_prune_{};  ///< the epoch: at start
    int wake_fd_ = -1;  ///< an eventfd: written once to stop the thread
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace wangge::http
