#pragma once
// Group commit for the audit log (issue #13): a read of personal data is
// answered only after its audit row is durable, but a map full of household
// tiles must not cost one commit (one sync of the log) per tile. Callers
// queue their entry and wait; one of them at a time leads: it commits
// every entry queued so far in ONE transaction, wakes their callers, and
// hands the lead to a caller whose entry came in meanwhile, so entries that
// arrive during a commit go together into the next one.
//
// Usage (AuthService::record):
//     AuditBatcher batcher([&store](std::span<AuditEntry> entries) { store.append_audit(entries); });
//     batcher.append(entry);  // returns once entry is stored (entry.id set), or throws
//
// A failed commit fails every entry of its batch (none of them is stored;
// each caller gets the error); the next batch tries again.
//
// Thread safety: append() may be called from any thread.

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <span>

#include "wangge/auth/audit.hpp"

namespace wangge::auth {

class AuditBatcher {
public:
    /// Stores the entries in one transaction and sets their ids; throws when nothing was stored.
    using Commit = std::function<void(std::span<AuditEntry> entries)>;

    explicit AuditBatcher(Commit commit);

    /// Stores `entry` with whatever else is queued; returns when it is durable.
    void append(AuditEntry& entry);

private:
    struct Waiter;

    Commit commit_;
    std::mutex mutex_;  // guards the members below and each Waiter's `done` and `error`
    std::condition_variable changed_;
    std::deque<Waiter*> queue_;
    bool leading_ = false;
};

}  // namespace wangge::auth
