#pragma once
// Sign-in, sessions and account administration over an AuthStore, with every
// step written to the audit log.
//
// Usage (a server keeps one service for all threads):
//     auth::AuthService auth("city.gpkg");
//     auth::Session session = auth.login("wang", password, "10.0.0.7", now);  // → token for the client
//     auth::Principal who = auth.authenticate(session.token, now);             // per request
//     if (auth::decide(who, auth::Action::read_households) != auth::Decision::allowed) ...
//
// Time is passed in (`now`, seconds UTC) so tests can move it.
//
// Thread safety: all members may be called concurrently (the store and the
// throttle lock internally).

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/auth/audit.hpp"
#include "wangge/auth/audit_batcher.hpp"
#include "wangge/auth/auth_store.hpp"
#include "wangge/auth/login_throttle.hpp"
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
    /// Opens (and if needed extends) the GeoPackage at `gpkg`.
    explicit AuthService(const std::filesystem::path& gpkg, AuthConfig config = {});

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
    void record_account_change(const Actor& actor, std::string action, const User& user, model::Timestamp now);
    /// Spends the time of one verification when the user does not exist, so
    /// response time does not tell which names exist.
    void verify_against_dummy(std::string_view password);

    AuthConfig config_;
    AuthStore store_;
    AuditBatcher audit_batcher_;
    LoginThrottle throttle_;
    std::once_flag dummy_once_;
    std::string dummy_hash_;
};

}  // namespace wangge::auth
