#pragma once
// Persistence of users, sessions and the audit log: the AuthStore interface,
// and GeoPackageAuthStore, which keeps them in the store's GeoPackage file.
//
// An AuthStore lives where the entity store does (store::open_auth_store picks
// the implementation by the location), so every server on that store
// accepts the same sessions. Times are seconds since the epoch (UTC), so
// range filters are exact. Every write runs in one transaction. The audit
// log is append-only.
//
// Revocation generation: every write that may end sessions (logout, password
// change, disabling or enabling an account) moves a counter in the same
// transaction, so a server caching sessions (SessionCache) sees another
// process's revocations by polling revocation_generation().
//
// Thread safety: every implementation's members may be called concurrently.

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
    virtual ~AuthStore() = default;
    AuthStore(const AuthStore&) = delete;
    AuthStore& operator=(const AuthStore&) = delete;

    /// Stores a new user and returns it with its id. Throws InputError when
    /// the name is taken.
    virtual User insert_user(User user, std::string_view password_hash) = 0;
    [[nodiscard]] virtual std::optional<Credentials> find_credentials(std::string_view name) const = 0;
    [[nodiscard]] virtual std::vector<User> users() const = 0;
    /// Replaces the password hash and deletes the user's sessions. Returns the
    /// revocation generation it moved to.
    virtual std::int64_t set_password_hash(std::int64_t user_id, std::string_view password_hash,
                                           model::Timestamp now) = 0;
    /// Sets the disabled flag; disabling also deletes the user's sessions.
    /// Returns the revocation generation it moved to.
    virtual std::int64_t set_disabled(std::int64_t user_id, bool disabled, model::Timestamp now) = 0;

    /// Stores a session, first deleting the sessions that expired before `now`.
    virtual void insert_session(const SessionRecord& session, model::Timestamp now) = 0;
    /// The enabled user of an unexpired session with that token hash.
    [[nodiscard]] virtual std::optional<ActiveSession> session_user(std::string_view token_hash,
                                                                    model::Timestamp now) const = 0;
    /// Deletes the session; nullopt when there was none.
    virtual std::optional<EndedSession> delete_session(std::string_view token_hash) = 0;
    /// The counter the revoking writes above move (see the header comment).
    [[nodiscard]] virtual std::int64_t revocation_generation() const = 0;

    /// Appends an entry and sets its id.
    void append_audit(AuditEntry& entry) { append_audit(std::span(&entry, 1)); }
    /// Appends entries in one transaction (one durable commit) and sets their
    /// ids; either all are stored or none.
    virtual void append_audit(std::span<AuditEntry> entries) = 0;
    [[nodiscard]] virtual AuditPage query_audit(const AuditQuery& query) const = 0;

protected:
    AuthStore() = default;
};

/// The auth tables in the store's GeoPackage file (`users`, `sessions`,
/// `audit_log` and the one-row `auth_revocations`), attribute tables created
/// when missing: the file stays an ordinary GeoPackage that QGIS and ogrinfo
/// list and the entity store opens unchanged. Times are INTEGER columns.
/// audit_log has triggers that abort any UPDATE or DELETE, so even other
/// SQLite clients cannot rewrite history.
///
/// Thread safety: one mutex serialises the GDAL dataset, which is not
/// thread-safe. Other processes (the CLI) may write the same file; SQLite's
/// locking serialises them, waiting up to 5 s.
class GeoPackageAuthStore final : public AuthStore {
public:
    /// Opens an existing GeoPackage for update and adds the tables it lacks.
    explicit GeoPackageAuthStore(const std::filesystem::path& gpkg);
    ~GeoPackageAuthStore() override;

    User insert_user(User user, std::string_view password_hash) override;
    [[nodiscard]] std::optional<Credentials> find_credentials(std::string_view name) const override;
    [[nodiscard]] std::vector<User> users() const override;
    std::int64_t set_password_hash(std::int64_t user_id, std::string_view password_hash,
                                   model::Timestamp now) override;
    std::int64_t set_disabled(std::int64_t user_id, bool disabled, model::Timestamp now) override;
    void insert_session(const SessionRecord& session, model::Timestamp now) override;
    [[nodiscard]] std::optional<ActiveSession> session_user(std::string_view token_hash,
                                                            model::Timestamp now) const override;
    std::optional<EndedSession> delete_session(std::string_view token_hash) override;
    [[nodiscard]] std::int64_t revocation_generation() const override;
    using AuthStore::append_audit;
    void append_audit(std::span<AuditEntry> entries) override;
    [[nodiscard]] AuditPage query_audit(const AuditQuery& query) const override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wangge::auth
