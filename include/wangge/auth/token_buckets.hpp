#pragma once
// One token-bucket table for every limiter of the server: the per-address
// request rate (http::RateLimiter) and the login throttle's per-address
// failure budget (auth::LoginThrottle). A bucket per key holds up to
// `capacity` tokens and refills at `refill_per_second`; a key without a bucket
// counts as full.
//
// Time is a number of seconds on any clock the caller keeps monotonic (the
// rate limiter passes steady_clock, the throttle seconds UTC); a clock going
// back never refills a bucket.
//
// Memory is bounded: at most `max_keys` buckets. When full, buckets that have
// refilled completely (the same as no bucket) are dropped first, then the
// fullest one, so the keys being limited are the last to be forgotten and
// flooding the table with new keys cannot free a limited one.
//
// Thread safety: all members may be called concurrently (one mutex around a
// hash lookup).

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wangge::auth {

struct BucketConfig {
    double capacity = 1;           ///< tokens of a full bucket (at least 1)
    double refill_per_second = 1;  ///< more than 0
    std::size_t max_keys = 10'000;
};

class TokenBuckets {
public:
    /// Throws wangge::InputError for a capacity below 1 or a rate that is not positive.
    explicit TokenBuckets(BucketConfig config);

    /// Takes one token from the bucket of `key` when it has one and returns 0;
    /// else takes nothing and returns the seconds until a token is back.
    [[nodiscard]] double acquire(std::string_view key, double now);
    /// Takes one token whatever is left (a bucket never goes below empty).
    void spend(std::string_view key, double now);
    /// Seconds until the bucket of `key` holds a token again; 0 when it does.
    [[nodiscard]] double wait(std::string_view key, double now) const;
    /// Drops the bucket of `key` (it is full again).
    void forget(std::string_view key);
    /// Buckets held now.
    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] const BucketConfig& config() const noexcept { return config_; }

private:
    struct Bucket {
        double tokens = 0;
        double updated = 0;
    };
    [[nodiscard]] double tokens_at(const Bucket& bucket, double now) const noexcept;
    [[nodiscard]] double wait_for(double tokens) const noexcept;
    /// The bucket of `key` brought up to `now`, created full when missing.
    Bucket& bucket(std::string_view key, double now);
    void make_room(double now);

    BucketConfig config_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace wangge::auth
