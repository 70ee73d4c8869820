#include "wangge/auth/login_throttle.hpp"

#include <algorithm>
#include <cmath>

#include "wangge/error.hpp"

namespace wangge::auth {

namespace {

std::string pair_key(std::string_view account, std::string_view address) {
    std::string key(account);
    key += '\0';
    key += address;
    return key;
}

BucketConfig address_buckets(const ThrottleConfig& config) {
    if (config.address_failures < 1 || config.address_refill_seconds < 1) {
        throw Error("login throttle: the address limit and its refill time must be positive");
    }
    return {static_cast<double>(config.address_failures),
            static_cast<double>(config.address_failures) / static_cast<double>(config.address_refill_seconds),
            config.max_keys};
}

}  // namespace

LoginThrottle::LoginThrottle(ThrottleConfig config) : config_(config), addresses_(address_buckets(config)) {
    if (config_.free_failures < 0 || config_.first_backoff_seconds < 1 ||
        config_.max_backoff_seconds < config_.first_backoff_seconds || config_.max_keys < 1) {
        throw Error("login throttle: back-off times and the key limit must be positive");
    }
}

std::int64_t LoginThrottle::wait_of(const Backoff& backoff, model::Timestamp now) const noexcept {
    const int over = backoff.failures - config_.free_failures;
    if (over <= 0) return 0;
    // 2^(over-1) times the first back-off, without overflowing the shift.
    const std::int64_t backoff_s =
        over > 40 ? config_.max_backoff_seconds
                  : std::min(config_.max_backoff_seconds, config_.first_backoff_seconds << (over - 1));
    const std::int64_t elapsed = std::max<model::Timestamp>(0, now - backoff.last_failure);
    return std::max<std::int64_t>(0, backoff_s - elapsed);
}

bool LoginThrottle::expired(const Backoff& backoff, model::Timestamp now) const noexcept {
    return now - backoff.last_failure >= config_.max_backoff_seconds && wait_of(backoff, now) == 0;
}

std::int64_t LoginThrottle::retry_after(std::string_view account, std::string_view address,
                                        model::Timestamp now) const {
    std::int64_t wait = 0;
    if (!address.empty()) {
        wait = static_cast<std::int64_t>(std::ceil(addresses_.wait(address, static_cast<double>(now))));
    }
    const std::lock_guard lock(mutex_);
    const auto found = backoffs_.find(pair_key(account, address));
    if (found != backoffs_.end()) wait = std::max(wait, wait_of(found->second, now));
    return wait;
}

void LoginThrottle::record_failure(std::string_view account, std::string_view address, model::Timestamp now) {
    if (!address.empty()) addresses_.spend(address, static_cast<double>(now));
    const std::lock_guard lock(mutex_);
    std::string key = pair_key(account, address);
    auto found = backoffs_.find(key);
    if (found == backoffs_.end()) {
        if (backoffs_.size() >= config_.max_keys) make_room(now);
        found = backoffs_.emplace(std::move(key), Backoff{}).first;
    }
    Backoff& backoff = found->second;
    if (expired(backoff, now)) backoff.failures = 0;
    ++backoff.failures;
    backoff.last_failure = std::max(backoff.last_failure, now);
}

void LoginThrottle::record_success(std::string_view account, std::string_view address) {
    const std::lock_guard lock(mutex_);
    backoffs_.erase(pair_key(account, address));
}

std::size_t LoginThrottle::size() const {
    const std::size_t buckets = addresses_.size();
    const std::lock_guard lock(mutex_);
    return backoffs_.size() + buckets;
}

void LoginThrottle::make_room(model::Timestamp now) {
    std::erase_if(backoffs_, [&](const auto& entry) { return expired(entry.second, now); });
    if (backoffs_.size() < config_.max_keys) return;
    // The least restricted entry goes, so that flooding the table with new
    // pairs cannot free a throttled one.
    const auto loosest = std::ranges::min_element(backoffs_, {}, [&](const auto& entry) {
        return std::pair(wait_of(entry.second, now), entry.second.failures);
    });
    if (loosest != backoffs_.end()) backoffs_.erase(loosest);
}

}  // namespace wangge::auth
