#include "wangge/http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "wangge/error.hpp"

namespace wangge::http {

RateLimiter::RateLimiter(RateLimit limit) {
    if (!std::isfinite(limit.rate) || limit.rate < 0) {
        throw InputError("the rate limit must be 0 (off) or more requests per second");
    }
    if (!std::isfinite(limit.burst) || limit.burst < 1) throw InputError("the rate burst must be at least 1 request");
    if (limit.rate > 0) buckets_.emplace(auth::BucketConfig{limit.burst, limit.rate, limit.max_clients});
}

std::chrono::milliseconds RateLimiter::acquire(std::string_view client, Clock::time_point now) {
    if (!buckets_) return std::chrono::milliseconds::zero();
    const double wait_s = buckets_->acquire(client, std::chrono::duration<double>(now.time_since_epoch()).count());
    if (wait_s <= 0) return std::chrono::milliseconds::zero();
    // Capped at a day so that a tiny rate cannot overflow the conversion.
    const double wait_ms = std::min(std::ceil(wait_s * 1000), 86'400'000.0);
    return std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait_ms)));
}

}  // namespace wangge::http
