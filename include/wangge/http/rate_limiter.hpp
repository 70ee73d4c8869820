#pragma once
// Per-client request rate limit: a token bucket per client key (the server
// uses the client address, an IPv6 client's /64). Each request takes a token;
// tokens refill at `rate` per second up to `burst`. With the bucket empty the
// server answers 429 with Retry-After instead of running the handler. The
// buckets are auth::TokenBuckets (the table the login throttle uses too),
// bounded in memory the same way.
//
// Thread safety: acquire() and size() may be called concurrently.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

#include "wangge/auth/token_buckets.hpp"

namespace wangge::http {

struct RateLimit {
    /// Requests per second a client may keep up; 0 turns the limit off.
    double rate = 0;
    /// Requests a client may send at once after a quiet spell (at least 1).
    double burst = 1;
    std::size_t max_clients = 100'000;
};

class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    /// Throws wangge::InputError for a negative rate or a burst below 1.
    explicit RateLimiter(RateLimit limit);

    /// Takes a token from the bucket of `client`: zero when the request may
    /// go ahead, else how long until a token is back (nothing is taken then).
    [[nodiscard]] std::chrono::milliseconds acquire(std::string_view client, Clock::time_point now);
    [[nodiscard]] bool enabled() const noexcept { return buckets_.has_value(); }
    /// Buckets held now.
    [[nodiscard]] std::size_t size() const { return buckets_ ? buckets_->size() : 0; }

private:
    std::optional<auth::TokenBuckets> buckets_;  ///< none when the limit is off
};

}  // namespace wangge::http
