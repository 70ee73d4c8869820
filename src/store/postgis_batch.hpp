#pragma once
// The state behind a PostgisStore and its batch, shared by its source files.
//
// Private to the store module. Thread safety: as PostgisStore (none).

#include <functional>
#include <optional>
#include <string>

#include "pg.hpp"
#include "postgis_changes.hpp"
#include "store_impl.hpp"
#include "wangge/store/postgis.hpp"

namespace wangge::store {

struct PostgisStore::Impl {
    std::string uri;  ///< with the password, for the load connections
    detail::PgConnection connection;
    int schema_version = 0;
    bool writable = false;
    /// This process's writes in the change table: random per open store.
    std::string origin{};
};

namespace detail {

/// Rewrites `replaced` (by id; StoreError when a row is missing) and appends
/// `added` inside the caller's transaction (postgis.cpp), listing the rows in `log`.
AssignedIds write_rows(PgConnection& connection, const model::Dataset& added, const model::Dataset& replaced,
                       const Progress& progress, ChangeLog& log);
/// Inserts an audit row inside the caller's transaction and sets its id.
void insert_audit_row(PgConnection& connection, auth::AuditEntry& entry);

}  // namespace detail

/// A PostgisStore's batch: one transaction on the store's connection, each
/// isolated() write in a savepoint (postgis_batch.cpp).
class PostgisBatch final : public Batch {
public:
    explicit PostgisBatch(PostgisStore::Impl& store);
    ~PostgisBatch() override;  // an open transaction rolls back

    void isolated(const std::function<void()>& write) override;
    void publish_layout(const LayoutPublication& publication) override;
    void insert_incident(model::Incident& incident, model::IncidentEvent& first_event) override;
    void update_incident(const model::Incident& incident, model::IncidentEvent& event,
                         const IncidentVersion& expected) override;
    void append_visit(model::Visit& visit) override;
    void update_staff(const StaffUpdate& update) override;
    void append_photo(Photo& photo) override;
    void write_household(workflow::HouseholdChange& change) override;
    void upsert(model::Dataset& added, const model::Dataset& replaced) override;
    void append_audit(auth::AuditEntry& entry) override;
    void commit() override;

private:
    /// The connection, while the batch is open; StoreError after commit().
    [[nodiscard]] detail::PgConnection& connection() const;
    PostgisStore::Impl& store_;
    std::optional<detail::PgTransaction> transaction_;
    /// A savepoint could not be undone: the batch holds a failed write and must not commit.
    bool broken_ = false;
    /// What the batch's writes that stand changed, for the change table at commit().
    detail::ChangeLog changes_;
};

}  // namespace wangge::store
