#pragma once
// Persistence of users, sessions and the audit log in the store's GeoPackage
// file, as attribute tables (`users`, `sessions`, `audit_log` and the one-row
// `auth_revocations`) created when missing. The file stays an ordinary GeoPackage: QGIS and ogrinfo list
// the tables, and the entity store opens it unchanged.
//
// Times are INTEGER seconds since the epoch (UTC), so range filters are exact.
// Every write runs in one transaction. audit_log has triggers that abort any
// UPDATE or DELETE, so even other SQLite clients cannot rewrite history.
//
// Thread safety: all members may be called concurrently; one mutex serialises
// the GDAL dataset, which is not thread-safe. Other processes (the CLI) may
// write the same file; SQLite's locking serialises them, waiting up to 5 s.
//
// Revocation generation: every write that may end sessions (logout, password
// change, disabling or enabling an account) moves a counter in the same
// transaction, so a server caching sessions (SessionCache) sees another
// process's revocations by polling revocation_generation().

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/auth/audit.hpp"
#include "wangge/auth/session_cache.hpp"
#include "wangge/auth/user.hpp"
#include "wangge/error.hpp"

namespace wangge::auth {

/// The file cannot be opened or written.
class AuthStoreError : public Error {
public:
    using Error::Error;
};

struct Credentials {
    User user;
    std::string password_hash;
};

struct SessionRecord {
    std::string token_hash{};
    std::int64_t user_id = 0;
    model::Timestamp created_at = 0;
    model::Timestamp expires_at = 0;
    std::string client{};
};

/// A session that delete_session() ended.
struct EndedSession {
    User owner;
    std::int64_t generation = 0;  ///< the revocation generation the deletion moved to
};

class AuthStore {
public:
    /// Opens an existing GeoPackage for update and adds the tables it lacks.
    explicit AuthStore(const std::filesystem::path& gpkg);
    ~AuthStore();
    AuthStore(const AuthStore&) = delete;
    AuthStore& operator=(const AuthStore&) = delete;

    /// Stores a new user and returns it with its id. Throws InputError when
    /// the name is taken.
    User insert_user(User user, std::string_view password_hash);
    [[nodiscard]] std::optional<Credentials> find_credentials(std::string_view name) const;
    [[nodiscard]] std::vector<User> users() const;
    /// Replaces the password hash and deletes the user's sessions. Returns the
    /// revocation generation it moved to.
    std::int64_t set_password_hash(std::int64_t user_id, std::string_view password_hash, model::Timestamp now);
    /// Sets the disabled flag; disabling also deletes the user's sessions.
    /// Returns the revocation generation it moved to.
    std::int64_t set_disabled(std::int64_t user_id, bool disabled, model::Timestamp now);

    /// Stores a session, first deleting the sessions that expired before `now`.
    void insert_session(const SessionRecord& session, model::Timestamp now);
    /// The enabled user of an unexpired session with that token hash.
    [[nodiscard]] std::optional<ActiveSession> session_user(std::string_view token_hash, model::Timestamp now) const;
    /// Deletes the session; nullopt when there was none.
    std::optional<EndedSession> delete_session(std::string_view token_hash);
    /// The counter the revoking writes above move (see the header comment).
    [[nodiscard]] std::int64_t revocation_generation() const;

    /// Appends an entry and sets its id.
    void append_audit(AuditEntry& entry);
    /// Appends entries in one transaction (one sync of the log) and sets their
    /// ids; either all are stored or none.
    void append_audit(std::span<AuditEntry> entries);
    [[nodiscard]] AuditPage query_audit(const AuditQuery& query) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wangge::auth
