#pragma once
// Slows down password guessing without handing anyone a way to lock others
// out (docs/security.md, "Sign-in throttling"):
//
// - per (account, client address), exponential back-off: the first
//   `free_failures` wrong passwords cost nothing, then each one doubles the
//   wait before that address may try that account again (first_backoff_seconds,
//   2×, 4× … up to max_backoff_seconds). A quiet spell of max_backoff_seconds
//   starts the count afresh, and a successful sign-in from the address clears
//   it. Wrong passwords from one address never delay the same account from
//   another address, so nobody can lock an account (an admin's included).
// - per client address, a token bucket (TokenBuckets) of `address_failures`
//   failures over all accounts, refilled over address_refill_seconds: one
//   address cannot try many accounts either.
//
// An unknown address (empty: a request built outside the server) has no
// address bucket, so such callers cannot throttle each other through it.
//
// Memory is bounded: at most `max_keys` back-off entries and as many address
// buckets. When full, entries whose quiet spell has passed go first, then the
// least restricted one.
//
// Thread safety: all members may be called concurrently (internal mutexes).

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "wangge/auth/token_buckets.hpp"
#include "wangge/model/time.hpp"

namespace wangge::auth {

struct ThrottleConfig {
    int free_failures = 3;
    std::int64_t first_backoff_seconds = 2;
    std::int64_t max_backoff_seconds = 15 * 60;
    int address_failures = 30;
    std::int64_t address_refill_seconds = 15 * 60;
    std::size_t max_keys = 10'000;
};

class LoginThrottle {
public:
    /// Throws wangge::Error for settings that are not positive (free_failures may be 0).
    explicit LoginThrottle(ThrottleConfig config = {});

    /// Seconds until `address` may try `account` again; 0 when it may now.
    [[nodiscard]] std::int64_t retry_after(std::string_view account, std::string_view address,
                                           model::Timestamp now) const;
    /// Counts a wrong password for `account` from `address`.
    void record_failure(std::string_view account, std::string_view address, model::Timestamp now);
    /// A successful sign-in: clears the back-off of this account from this address.
    void record_success(std::string_view account, std::string_view address);
    /// Back-off entries and address buckets held now.
    [[nodiscard]] std::size_t size() const;

private:
    struct Backoff {
        int failures = 0;
        model::Timestamp last_failure = 0;
    };
    [[nodiscard]] std::int64_t wait_of(const Backoff& backoff, model::Timestamp now) const noexcept;
    [[nodiscard]] bool expired(const Backoff& backoff, model::Timestamp now) const noexcept;
    void make_room(model::Timestamp now);

    ThrottleConfig config_;
    TokenBuckets addresses_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Backoff> backoffs_;  ///< by account '\0' address
};

}  // namespace wangge::auth
