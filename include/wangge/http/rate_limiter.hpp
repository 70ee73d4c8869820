#pragma once
// Per-client request rate limit: a token bucket per client key (the server
// uses the peer address, an IPv6 client's /64). Each request takes a token;
// tokens refill at `rate` per second up to `burst`. With the bucket empty the
// server answers 429 with Retry-After instead of running the handler.
//
// Memory is bounded: at most `max_clients` buckets. When full, buckets that
// have refilled completely (the same as no bucket) are dropped first, then the
// fullest one, so the clients being limited are the last to be forgotten.
//
// Thread safety: acquire() and size() may be called concurrently (one mutex
// around a hash lookup).

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

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
    [[nodiscard]] bool enabled() const noexcept { return limit_.rate > 0; }
    /// Buckets held now.
    [[nodiscard]] std::size_t size() const;

private:
    struct Bucket {
        double tokens = 0;
        Clock::time_point updated;
    };
    [[nodiscard]] double tokens_at(const Bucket& bucket, Clock::time_point now) const noexcept;
    void make_room(Clock::time_point now);

    RateLimit limit_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace wangge::http
