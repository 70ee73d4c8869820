#pragma once
// Slows down password guessing: a token bucket per key ("user:NAME",
// "addr:IP"). Each failed login takes a token; with the bucket empty, further
// attempts are refused without checking the password until a token has
// refilled. Defaults: 5 failures, refilled over 15 minutes.
//
// Memory is bounded: at most `max_keys` buckets. When full, buckets that have
// refilled completely (equivalent to no bucket) are dropped first, then the
// one with the most tokens left, so throttled keys are the last to go.
//
// Thread safety: all members may be called concurrently (one mutex).

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "wangge/model/time.hpp"

namespace wangge::auth {

struct ThrottleConfig {
    int failures = 5;                          ///< bucket size
    std::int64_t refill_seconds = 15 * 60;     ///< time to refill an empty bucket
    std::size_t max_keys = 10'000;
};

class LoginThrottle {
public:
    explicit LoginThrottle(ThrottleConfig config = {});

    /// Seconds until `key` may try again; 0 when it may now.
    [[nodiscard]] std::int64_t retry_after(std::string_view key, model::Timestamp now) const;
    /// Takes a token from the bucket of `key`.
    void record_failure(std::string_view key, model::Timestamp now);
    /// Drops the bucket of `key` (after a successful login).
    void forget(std::string_view key);
    /// Buckets held now.
    [[nodiscard]] std::size_t size() const;

private:
    struct Bucket {
        double tokens = 0;
        model::Timestamp updated = 0;
    };
    [[nodiscard]] double tokens_at(const Bucket& bucket, model::Timestamp now) const noexcept;
    void make_room(model::Timestamp now);

    ThrottleConfig config_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace wangge::auth
