#pragma once
// Sign-in, sessions and account administration over an AuthStore, with every
// step written to the audit log.
//
// Usage (a server keeps one service for all threads):
//     auth::AuthService auth(store::open_auth_store("city.gpkg"));
//     auth::Session session = auth.login("wang", password, "10.0.0.7", now);  // → token for the client
//     auth::Principal who = auth.authenticate(session.token, now);             // per request
//     if (auth::decide(who, auth::Action::read_households) != auth::Decision::allowed) ...
//
// Time is passed in (`now`, seconds UTC) so tests can move it.
//
// Sessions are cached in memory (SessionCache), so authenticate() reads SQLite
// only for a session it has not seen yet. Revocation bounds:
//  - logout, password change and disabling through this service take effect
//    on the very next authenticate() and call the on_revocation listeners
//    before returning;
//  - the same done by another process (`wangge user passwd|disable`, another
//    service on the file) is seen within config.revocation_poll (1 s): the
//    service re-reads the store's revocation generation that often, from its
//    own watcher thread once a listener is registered (so requests never wait
//    for it), before that on a request at most that often; on a change it
//    empties the cache and calls the listeners.
// Sessions created by another process are read on first use, so need no bound.
//
// Thread safety: all members may be called concurrently (the store, the cache
// and the throttle lock internally). Listeners run on the thread that noticed
// the revocation, outside every lock of the service.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/auth/audit.hpp"
#include "wangge/auth/audit_batcher.hpp"
#include "wangge/auth/auth_store.hpp"
#include "wangge/auth/login_throttle.hpp"
#include "wangge/auth/session_cache.hpp"
#include "wangge/auth/user.hpp"
#include "wangge/error.hpp"

namespace wangge::auth {

/// Wrong user name or password, or a disabled account (HTTP 401).
class AuthenticationError : public Error {
public:
    using Error::Error;
};

/// Too many failed logins for this user name from this client address, or from this address at all (HTTP 429).
class ThrottledError : public Error {
public:
    explicit ThrottledError(std::int64_t retry_after_seconds);
    [[nodiscard]] std::int64_t retry_after_seconds() const noexcept { return retry_after_seconds_; }

private:
    std::int64_t retry_after_seconds_;
};

struct AuthConfig {
    std::int64_t session_seconds = 12 * 3600;
    ThrottleConfig throttle;
    /// Sessions kept in memory at most (~1 KB each).
    std::size_t session_cache_capacity = 100'000;
    /// How stale the cache may be after another process revoked a session; 0: checked on every request.
    std::chrono::milliseconds revocation_poll{1'000};
    /// Where record() stores its entries (one call per group commit); empty:
    /// the service's own connection. A server gives its Writer's
    /// (http::Writer::append_audit), so audit rows and writes share one
    /// connection and one commit instead of waiting for each other's lock.
    AuditBatcher::Commit audit_commit{};
};

struct Session {
    std::string token;  ///< the only copy; the store keeps its hash
    User user;
    model::Timestamp expires_at = 0;
};

/// Who performs an account change, and from where, for the audit log.
struct Actor {
    std::optional<std::int64_t> user_id;
    std::string name;    ///< e.g. the admin's user name or "cli:root"
    std::string client;  ///< address, "local" for the CLI
};

struct NewUser {
    std::string name{};
    Role role = Role::grid_worker;
    std::vector<std::string> grid_codes{};
    std::optional<std::int64_t> staff_id{};
};

class AuthService {
public:
    /// Over `store` (store::open_auth_store opens the one beside an entity store).
    explicit AuthService(std::unique_ptr<AuthStore> store, AuthConfig config = {});

    /// Checks the password and opens a session of config.session_seconds.
    /// Throws ThrottledError before checking anything while this client
    /// address is backing off from this account or has used up its address
    /// budget (login_throttle.hpp; the attempt is audited as "throttled"),
    /// AuthenticationError when the credentials are wrong or the account is disabled.
    [[nodiscard]] Session login(std::string_view name, std::string_view password, std::string_view client,
                                model::Timestamp now);
    /// Ends the session of `token`; unknown tokens are ignored.
    void logout(std::string_view token, std::string_view client, model::Timestamp now);
    /// The user of a valid, unexpired session of an enabled account; anonymous
    /// for anything else (empty, malformed, expired or revoked tokens).
    [[nodiscard]] Principal authenticate(std::string_view token, model::Timestamp now) const;
    /// Calls `listener` after sessions may have ended (see the header comment),
    /// e.g. to close the event streams they opened; it re-checks what it holds
    /// with authenticate(). The first listener starts the watcher thread.
    void on_revocation(std::function<void()> listener);

    /// Throws InputError for a bad name, scope or password, or a taken name.
    User add_user(const NewUser& user, std::string_view password, const Actor& actor, model::Timestamp now);
    /// Sets a new password and ends all sessions of the user.
    void change_password(std::string_view name, std::string_view password, const Actor& actor, model::Timestamp now);
    /// Disabling ends all sessions of the user at once.
    void set_disabled(std::string_view name, bool disabled, const Actor& actor, model::Timestamp now);
    [[nodiscard]] std::vector<User> users() const;

    /// Appends to the audit log (for the HTTP layer's reads of personal data)
    /// and returns once the entry is durable; concurrent calls share one
    /// commit (AuditBatcher). Throws when it cannot be stored.
    void record(AuditEntry entry);
    [[nodiscard]] AuditPage audit_log(const AuditQuery& query) const;

private:
    [[nodiscard]] Credentials existing_user(std::string_view name) const;
    /// Empties the cache when another process moved the revocation generation;
    /// unless `force`, at most once per config.revocation_poll.
    void poll_revocations(bool force) const;
    /// After this process's own revoking write moved the generation to `moved_to`.
    void revoked(std::int64_t moved_to) const;
    void notify_revocation() const;
    void watch(const std::stop_token& stop);
    void record_account_change(const Actor& actor, std::string action, const User& user, model::Timestamp now);
    /// Spends the time of one verification when the user does not exist, so
    /// response time does not tell which names exist.
    void verify_against_dummy(std::string_view password);

    AuthConfig config_;
    std::unique_ptr<AuthStore> store_;
    AuditBatcher audit_batcher_;
    LoginThrottle throttle_;
    std::once_flag dummy_once_;
    std::string dummy_hash_;

    mutable SessionCache cache_;
    /// steady_clock ticks before which no poll is due.
    mutable std::atomic<std::chrono::steady_clock::rep> next_poll_{0};
    std::atomic<bool> watching_ = false;  ///< the watcher thread polls, requests do not
    mutable std::mutex generation_mutex_;
    mutable std::int64_t known_generation_ = 0;  ///< guarded by generation_mutex_

    mutable std::mutex listeners_mutex_;
    std::vector<std::function<void()>> listeners_;  ///< guarded by listeners_mutex_
    std::condition_variable_any watch_wakeup_;
    std::mutex watch_mutex_;
    std::jthread watcher_;  ///< last: stopped and joined before the rest goes
};

}  // namespace wangge::auth
