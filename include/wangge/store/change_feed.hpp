#pragma once
// Following a database store's change table (docs/replicas.md): every
// committed write of every process on the database appends its rows there
// (seq in commit order, the writing store's change_origin(), per layer the
// ids written or NULL for the whole layer) and sends NOTIFY wangge_changes.
// A replica's follower (http/replica.hpp) keeps one ChangeFeed: it reads the
// changes after the last seq it applied, then waits for the next
// notification, or a timeout as a safety net for a missed one.
//
// Usage:
//     store::ChangeFeed feed(location);               // LISTENs
//     for (const store::Change& c : feed.after(last)) ...
//     feed.wait(std::chrono::seconds(1), wake_fd);   // a notification, the wake fd or the timeout
//
// Thread safety: none; one ChangeFeed per thread. Its connection is its own
// (application_name "wangge-follower", so operators and tests can find it in
// pg_stat_activity).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wangge/store/store.hpp"

namespace wangge::store {

/// One row of the change table.
struct Change {
    std::int64_t seq = 0;
    std::string origin;  ///< the writing store's change_origin()
    LayerChange change;
};

class ChangeFeed {
public:
    /// The application_name of the feed's connection.
    static constexpr const char* application_name = "wangge-follower";

    /// Connects to the database at `location` and LISTENs. Throws StoreError.
    explicit ChangeFeed(const std::string& location);
    ~ChangeFeed();
    ChangeFeed(const ChangeFeed&) = delete;
    ChangeFeed& operator=(const ChangeFeed&) = delete;

    /// Up to `limit` changes after `seq`, oldest first. Throws StoreError
    /// (the connection is lost: make a new ChangeFeed).
    [[nodiscard]] std::vector<Change> after(std::int64_t seq, std::size_t limit = 1000);
    /// Whether the table still holds every change after `seq`: false when its
    /// oldest row is past seq + 1, rows having been pruned (the replica must
    /// reload). An empty table answers true: pruning must keep the last row.
    /// A write that failed after drawing its seq leaves a gap, which at the
    /// table's start reads as pruned.
    [[nodiscard]] bool reaches_back_to(std::int64_t seq);
    /// The last seq in the table (0 when it is empty).
    [[nodiscard]] std::int64_t latest();
    /// Deletes the rows older than `retention` except the newest (so the
    /// table never reads as empty and max(seq) never goes back), unless
    /// another server is pruning (a transaction-level try-lock); returns the
    /// rows deleted. Throws StoreError.
    std::int64_t prune(std::chrono::seconds retention);
    /// Waits for a notification, for `wake_fd` to become readable, or for
    /// `timeout`; returns the highest seq notified (0: none). Throws StoreError
    /// when the connection is lost.
    std::int64_t wait(std::chrono::milliseconds timeout, int wake_fd);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wangge::store
