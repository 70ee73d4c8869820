#include "wangge/auth/audit_batcher.hpp"

#include <utility>
#include <vector>

namespace wangge::auth {

struct AuditBatcher::Waiter {
    AuditEntry& entry;
    std::exception_ptr error{};
    bool done = false;
};

AuditBatcher::AuditBatcher(Commit commit) : commit_(std::move(commit)) {}

void AuditBatcher::append(AuditEntry& entry) {
    Waiter waiter{entry};
    std::unique_lock lock(mutex_);
    queue_.push_back(&waiter);
    changed_.wait(lock, [&] { return waiter.done || !leading_; });
    if (!waiter.done) {
        // Lead one batch: ours and everything queued with it.
        leading_ = true;
        std::vector<Waiter*> batch(queue_.begin(), queue_.end());
        queue_.clear();
        lock.unlock();
        // Copies, so that a failed commit leaves no half-set id in a caller's entry.
        std::vector<AuditEntry> entries;
        entries.reserve(batch.size());
        for (const Waiter* w : batch) entries.push_back(w->entry);
        std::exception_ptr error;
        try {
            commit_(entries);
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (error) {
                batch[i]->error = error;
            } else {
                batch[i]->entry.id = entries[i].id;
            }
            batch[i]->done = true;
        }
        // Wakes our batch and passes the lead to a caller queued meanwhile.
        leading_ = false;
        changed_.notify_all();
    }
    if (waiter.error) std::rethrow_exception(waiter.error);
}

}  // namespace wangge::auth
