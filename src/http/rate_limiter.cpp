#include "wangge/http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "wangge/error.hpp"

namespace wangge::http {

RateLimiter::RateLimiter(RateLimit limit) : limit_(limit) {
    if (!std::isfinite(limit_.rate) || limit_.rate < 0) {
        throw InputError("the rate limit must be 0 (off) or more requests per second");
    }
    if (!std::isfinite(limit_.burst) || limit_.burst < 1) throw InputError("the rate burst must be at least 1 request");
    limit_.max_clients = std::max<std::size_t>(limit_.max_clients, 1);
}

double RateLimiter::tokens_at(const Bucket& bucket, Clock::time_point now) const noexcept {
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    return std::min(limit_.burst, bucket.tokens + std::max(0.0, elapsed) * limit_.rate);
}

std::chrono::milliseconds RateLimiter::acquire(std::string_view client, Clock::time_point now) {
    if (!enabled()) return std::chrono::milliseconds::zero();
    const std::lock_guard lock(mutex_);
    auto found = buckets_.find(std::string(client));
    if (found == buckets_.end()) {
        if (buckets_.size() >= limit_.max_clients) make_room(now);
        found = buckets_.emplace(std::string(client), Bucket{limit_.burst, now}).first;
    }
    Bucket& bucket = found->second;
    bucket.tokens = tokens_at(bucket, now);
    bucket.updated = now;
    if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return std::chrono::milliseconds::zero();
    }
    // Capped at a day so that a tiny rate cannot overflow the conversion.
    const double wait_ms = std::min(std::ceil((1 - bucket.tokens) / limit_.rate * 1000), 86'400'000.0);
    return std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait_ms)));
}

void RateLimiter::make_room(Clock::time_point now) {
    std::erase_if(buckets_, [&](const auto& entry) { return tokens_at(entry.second, now) >= limit_.burst; });
    if (buckets_.size() < limit_.max_clients) return;
    const auto fullest = std::ranges::max_element(
        buckets_, {}, [&](const auto& entry) { return tokens_at(entry.second, now); });
    buckets_.erase(fullest);
}

std::size_t RateLimiter::size() const {
    const std::lock_guard lock(mutex_);
    return buckets_.size();
}

}  // namespace wangge::http
