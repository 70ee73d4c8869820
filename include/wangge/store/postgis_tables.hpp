#pragma once
// The tables a server keeps beside the entity layers, in the PostGIS store's
// database (docs/postgis-store.md): users, sessions, the revocation counter
// and the audit log (PostgisAuthStore), case photos and household versions
// (PostgisRecords), the departments (PostgisDepartmentTable). Same semantics
// as their GeoPackage twins; because they live in the database, every server
// on it accepts the same sessions and sees the same accounts and departments.
//
// Each opens the store's schema (migrating an older one forward, refusing a
// database without a store or with a newer schema, as PostgisStore::open).
//
// Connections: PostgisAuthStore and PostgisRecords each keep a pool of up to
// 4 (made when needed; a call is one short statement or transaction, and the
// snapshot, not these tables, answers most requests), PostgisDepartmentTable
// one. A connection the database dropped is replaced at the next call, with
// attempts spaced out while it is down; meanwhile calls throw
// StoreUnavailableError (docs/postgis-store.md).
//
// Thread safety: PostgisAuthStore and PostgisRecords may be called
// concurrently (each call on a connection of the pool of its own).
// PostgisDepartmentTable is not thread-safe (DepartmentStore serialises it).

#include <memory>
#include <string_view>

#include "wangge/auth/auth_store.hpp"
#include "wangge/store/departments.hpp"
#include "wangge/store/records.hpp"

namespace wangge::store {

class PostgisAuthStore final : public auth::AuthStore {
public:
    /// Opens the store at `location` (a postgresql:// URI). Throws StoreError.
    explicit PostgisAuthStore(std::string_view location);
    ~PostgisAuthStore() override;

    auth::User insert_user(auth::User user, std::string_view password_hash) override;
    [[nodiscard]] std::optional<auth::Credentials> find_credentials(std::string_view name) const override;
    [[nodiscard]] std::vector<auth::User> users() const override;
    std::int64_t set_password_hash(std::int64_t user_id, std::string_view password_hash,
                                   model::Timestamp now) override;
    std::int64_t set_disabled(std::int64_t user_id, bool disabled, model::Timestamp now) override;
    void insert_session(const auth::SessionRecord& session, model::Timestamp now) override;
    [[nodiscard]] std::optional<auth::ActiveSession> session_user(std::string_view token_hash,
                                                                  model::Timestamp now) const override;
    std::optional<auth::EndedSession> delete_session(std::string_view token_hash) override;
    [[nodiscard]] std::int64_t revocation_generation() const override;
    using AuthStore::append_audit;
    void append_audit(std::span<auth::AuditEntry> entries) override;
    [[nodiscard]] auth::AuditPage query_audit(const auth::AuditQuery& query) const override;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

/// Reads only: its connection refuses writes (those go through a Batch).
class PostgisRecords final : public Records {
public:
    /// Opens the store at `location` (a postgresql:// URI). Throws StoreError.
    explicit PostgisRecords(std::string_view location);
    ~PostgisRecords() override;

    [[nodiscard]] std::vector<PhotoInfo> list_photos(std::int64_t incident_id) const override;
    [[nodiscard]] std::optional<Photo> read_photo(std::int64_t incident_id, std::int64_t photo_id) const override;
    [[nodiscard]] std::vector<workflow::HouseholdChange> household_history(std::int64_t household_id) const override;
    [[nodiscard]] std::vector<workflow::HouseholdChange> household_versions_between(
        model::Timestamp from, model::Timestamp until) const override;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

/// The `departments` table; filled with workflow::default_departments() by
/// the first open that finds it empty (the schema makes it empty, and no
/// call deletes a department).
class PostgisDepartmentTable final : public DepartmentTable {
public:
    /// Opens the store at `location` (a postgresql:// URI). Throws StoreError.
    explicit PostgisDepartmentTable(std::string_view location);
    ~PostgisDepartmentTable() override;

    [[nodiscard]] std::vector<workflow::Department> read_all() const override;
    bool write(const workflow::Department& department, const DepartmentAudit& audit) override;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace wangge::store
