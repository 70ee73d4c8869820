#include "wangge/auth/login_throttle.hpp"

#include <algorithm>
#include <cmath>

#include "wangge/error.hpp"

namespace wangge::auth {

LoginThrottle::LoginThrottle(ThrottleConfig config) : config_(config) {
    if (config_.failures < 1 || config_.refill_seconds < 1 || config_.max_keys < 1) {
        throw Error("login throttle: failures, refill time and key limit must be positive");
    }
}

double LoginThrottle::tokens_at(const Bucket& bucket, model::Timestamp now) const noexcept {
    const double rate = static_cast<double>(config_.failures) / static_cast<double>(config_.refill_seconds);
    const auto elapsed = static_cast<double>(std::max<model::Timestamp>(0, now - bucket.updated));
    return std::min(static_cast<double>(config_.failures), bucket.tokens + elapsed * rate);
}

std::int64_t LoginThrottle::retry_after(std::string_view key, model::Timestamp now) const {
    const std::lock_guard lock(mutex_);
    const auto found = buckets_.find(std::string(key));
    if (found == buckets_.end()) return 0;
    const double tokens = tokens_at(found->second, now);
    if (tokens >= 1) return 0;
    const double seconds_per_token = static_cast<double>(config_.refill_seconds) / config_.failures;
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1 - tokens) * seconds_per_token)));
}

void LoginThrottle::record_failure(std::string_view key, model::Timestamp now) {
    const std::lock_guard lock(mutex_);
    auto found = buckets_.find(std::string(key));
    if (found == buckets_.end()) {
        if (buckets_.size() >= config_.max_keys) make_room(now);
        found = buckets_.emplace(std::string(key), Bucket{static_cast<double>(config_.failures), now}).first;
    }
    Bucket& bucket = found->second;
    bucket.tokens = std::max(0.0, tokens_at(bucket, now) - 1);
    bucket.updated = now;
}

void LoginThrottle::forget(std::string_view key) {
    const std::lock_guard lock(mutex_);
    buckets_.erase(std::string(key));
}

std::size_t LoginThrottle::size() const {
    const std::lock_guard lock(mutex_);
    return buckets_.size();
}

void LoginThrottle::make_room(model::Timestamp now) {
    std::erase_if(buckets_, [&](const auto& entry) { return tokens_at(entry.second, now) >= config_.failures; });
    if (buckets_.size() < config_.max_keys) return;
    // Evict the least restricted bucket, so that flooding the table with new
    // keys cannot free a throttled one.
    const auto roomiest = std::max_element(buckets_.begin(), buckets_.end(), [&](const auto& a, const auto& b) {
        return tokens_at(a.second, now) < tokens_at(b.second, now);
    });
    if (roomiest != buckets_.end()) buckets_.erase(roomiest);
}

}  // namespace wangge::auth
