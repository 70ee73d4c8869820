#include "wangge/auth/token_buckets.hpp"

#include <algorithm>
#include <cmath>

#include "wangge/error.hpp"

namespace wangge::auth {

TokenBuckets::TokenBuckets(BucketConfig config) : config_(config) {
    if (!std::isfinite(config_.capacity) || config_.capacity < 1) throw InputError("a bucket holds at least 1 token");
    if (!std::isfinite(config_.refill_per_second) || config_.refill_per_second <= 0) {
        throw InputError("a bucket must refill at a positive rate");
    }
    config_.max_keys = std::max<std::size_t>(config_.max_keys, 1);
}

double TokenBuckets::tokens_at(const Bucket& bucket, double now) const noexcept {
    const double elapsed = std::max(0.0, now - bucket.updated);
    return std::min(config_.capacity, bucket.tokens + elapsed * config_.refill_per_second);
}

double TokenBuckets::wait_for(double tokens) const noexcept {
    return tokens >= 1 ? 0.0 : (1 - tokens) / config_.refill_per_second;
}

TokenBuckets::Bucket& TokenBuckets::bucket(std::string_view key, double now) {
    auto found = buckets_.find(std::string(key));
    if (found == buckets_.end()) {
        if (buckets_.size() >= config_.max_keys) make_room(now);
        found = buckets_.emplace(std::string(key), Bucket{config_.capacity, now}).first;
    }
    Bucket& bucket = found->second;
    // A clock going back keeps the later time, so it cannot refill twice.
    bucket.tokens = tokens_at(bucket, now);
    bucket.updated = std::max(bucket.updated, now);
    return bucket;
}

double TokenBuckets::acquire(std::string_view key, double now) {
    const std::lock_guard lock(mutex_);
    Bucket& found = bucket(key, now);
    if (found.tokens < 1) return wait_for(found.tokens);
    found.tokens -= 1;
    return 0;
}

void TokenBuckets::spend(std::string_view key, double now) {
    const std::lock_guard lock(mutex_);
    Bucket& found = bucket(key, now);
    found.tokens = std::max(0.0, found.tokens - 1);
}

double TokenBuckets::wait(std::string_view key, double now) const {
    const std::lock_guard lock(mutex_);
    const auto found = buckets_.find(std::string(key));
    return found == buckets_.end() ? 0.0 : wait_for(tokens_at(found->second, now));
}

void TokenBuckets::forget(std::string_view key) {
    const std::lock_guard lock(mutex_);
    buckets_.erase(std::string(key));
}

std::size_t TokenBuckets::size() const {
    const std::lock_guard lock(mutex_);
    return buckets_.size();
}

void TokenBuckets::make_room(double now) {
    std::erase_if(buckets_, [&](const auto& entry) { return tokens_at(entry.second, now) >= config_.capacity; });
    if (buckets_.size() < config_.max_keys) return;
    const auto fullest =
        std::ranges::max_element(buckets_, {}, [&](const auto& entry) { return tokens_at(entry.second, now); });
    if (fullest != buckets_.end()) buckets_.erase(fullest);
}

}  // namespace wangge::auth
