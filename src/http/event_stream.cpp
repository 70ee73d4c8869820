#include "wangge/http/event_stream.hpp"

#include <algorithm>
#include <utility>

namespace wangge::http::detail {

BufferedSink::BufferedSink(std::size_t limit, std::function<void()> wake) : limit_(limit), wake_(std::move(wake)) {}

void BufferedSink::wake_locked() const {
    if (wake_) wake_();
}

void BufferedSink::send(std::string bytes) {
    if (bytes.empty()) return;
    const std::lock_guard lock(mutex_);
    if (!open_) return;
    if (pending_.size() + in_flight_ + bytes.size() > limit_) {
        // The client does not keep up: queuing more would only grow memory without bound.
        overflowed_ = true;
        open_ = false;
        pending_.clear();
        wake_locked();
        return;
    }
    // One wake per batch: the writer takes everything queued at once.
    const bool was_empty = pending_.empty();
    pending_ += bytes;
    if (was_empty) wake_locked();
}

void BufferedSink::close() {
    const std::lock_guard lock(mutex_);
    if (!open_) return;
    closed_ = true;
    open_ = false;
    wake_locked();
}

BufferedSink::Batch BufferedSink::take() {
    const std::lock_guard lock(mutex_);
    Batch batch{std::exchange(pending_, {}), closed_, overflowed_};
    in_flight_ += batch.bytes.size();
    return batch;
}

void BufferedSink::written(std::size_t bytes) {
    const std::lock_guard lock(mutex_);
    in_flight_ -= std::min(bytes, in_flight_);
}

void BufferedSink::detach() {
    std::function<void()> wake;
    {
        const std::lock_guard lock(mutex_);
        open_ = false;
        pending_.clear();
        wake = std::exchange(wake_, {});
    }
    // Released outside the lock: it may hold the last reference to the writer's executor.
}

std::size_t BufferedSink::queued() const {
    const std::lock_guard lock(mutex_);
    return pending_.size() + in_flight_;
}

}  // namespace wangge::http::detail
