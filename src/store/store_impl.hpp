#pragma once
// The state behind a GeoPackageStore, shared by the store's source files.
//
// Private to the store module. Thread safety: as GeoPackageStore (none).

#include <filesystem>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gdal.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

struct GeoPackageStore::Impl {
    std::filesystem::path path;
    GDALDatasetUniquePtr dataset;
    int schema_version = 0;
    bool writable = false;
};

namespace detail {

/// A layer of the store by its entity; StoreError when the file lacks it.
inline OGRLayer& layer_named(GDALDataset& dataset, Layer which) {
    OGRLayer* layer = dataset.GetLayerByName(std::string(to_string(which)).c_str());
    if (layer == nullptr) throw StoreError("the store has no layer " + std::string(to_string(which)));
    return *layer;
}

/// The ids a write assigned, per layer, in the order of its rows (0 where a row had one).
using AssignedIds = std::vector<std::pair<Layer, std::vector<std::int64_t>>>;

/// Rewrites `replaced` (by id; StoreError when a row is missing) and appends
/// `added` inside the caller's transaction (geopackage.cpp).
AssignedIds write_rows(GDALDataset& dataset, const std::filesystem::path& path, const model::Dataset& added,
                       const model::Dataset& replaced, const Progress& progress);
/// Makes each grid's links those given, inside the caller's transaction (staff_writes.cpp).
void write_staff_links(GDALDataset& dataset, const std::vector<GridStaffLinks>& grids);
/// Writes the assigned ids back into `data`.
void set_assigned_ids(model::Dataset& data, const AssignedIds& assigned);

/// The table holding the schema version (and, being tiny, the write lock below).
inline constexpr const char* meta_layer = "wangge_meta";

/// A write transaction on the store that takes SQLite's write lock first.
/// GDAL begins a deferred transaction, whose first read pins a snapshot; if
/// another connection (the auth store's audit log) commits before this one's
/// first write, SQLite answers "database is locked" at once, without waiting
/// for the busy timeout. Writing first makes the wait apply.
class WriteTransaction : public Transaction {
public:
    explicit WriteTransaction(GDALDataset& dataset) : Transaction(dataset) {
        (void)execute_sql(dataset, std::string("UPDATE ") + meta_layer +
                                       " SET value = value WHERE key = 'schema_version'");
    }
};

/// Batch::commit() of either store: refuses a broken batch (rolling it back)
/// and ends the batch whether the commit succeeds or throws.
template <class Transaction>
void commit_batch(std::optional<Transaction>& transaction, bool broken) {
    if (broken) {
        transaction.reset();  // rolls back
        throw StoreError("a failed write could not be undone; the whole batch was rolled back");
    }
    try {
        transaction->commit();
    } catch (...) {
        transaction.reset();
        throw;
    }
    transaction.reset();
}

/// Throws ConflictError unless `publication` was planned on the layout in
/// force, whose version is `in_force` (store.cpp; both stores' check).
void check_layout_base(const LayoutPublication& publication, int in_force);
/// Throws ConflictError unless incident `id`, `stored` as it is, is as a
/// transition `expected` it (store.cpp; both stores' check).
void check_incident_version(std::int64_t id, const IncidentVersion& expected, const IncidentVersion& stored);

/// The household row of Batch::write_household(), through batch.upsert();
/// sets change.after.id when the household is added.
void write_household_row(Batch& batch, workflow::HouseholdChange& change);  // household_versions.cpp

}  // namespace detail

/// A GeoPackageStore's batch: one SQLite transaction holding the file's write
/// lock (batch.cpp; each write in the file named in its comment).
class GeoPackageBatch final : public Batch {
public:
    explicit GeoPackageBatch(GeoPackageStore::Impl& store);
    ~GeoPackageBatch() override;  // an open transaction rolls back

    void isolated(const std::function<void()>& write) override;
    void publish_layout(const LayoutPublication& publication) override;                          // grid_versions.cpp
    void insert_incident(model::Incident& incident, model::IncidentEvent& first_event) override;  // incident_writes.cpp
    void update_incident(const model::Incident& incident, model::IncidentEvent& event,
                         const IncidentVersion& expected) override;  // incident_writes.cpp
    void append_visit(model::Visit& visit) override;                                              // incident_writes.cpp
    void update_staff(const StaffUpdate& update) override;                                        // staff_writes.cpp
    void append_photo(Photo& photo) override;                                                     // photos.cpp
    void write_household(workflow::HouseholdChange& change) override;  // household_versions.cpp
    void upsert(model::Dataset& added, const model::Dataset& replaced) override;
    void append_audit(auth::AuditEntry& entry) override;
    void commit() override;

private:
    /// The dataset, while the batch is open; StoreError after commit().
    [[nodiscard]] GDALDataset& dataset() const;
    GeoPackageStore::Impl& store_;
    std::optional<detail::WriteTransaction> transaction_;
    /// A savepoint could not be undone: the batch holds a failed write and must not commit.
    bool broken_ = false;
};


}  // namespace wangge::store
