#pragma once
// The store interface: where the entity layers live (DESIGN §2). The server,
// the importer, the exporter and the CLI read and write through Store and
// Batch; GeoPackageStore (store/geopackage.hpp) is the file implementation,
// and open_store()/create_store() pick one by the location's form.
//
// A store keeps the layers below, model ids assigned by the store, every
// write in one transaction with its audit rows, and batches (begin_batch()):
// many writes that commit together, each undoable alone (isolated()), so
// concurrent requests share one durable commit (group commit).
//
// Thread safety: an implementation is not thread-safe unless it says so; one
// Store per thread, and a Batch is used by the thread that holds its store.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/auth/audit.hpp"
#include "wangge/error.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/model/tables.hpp"

namespace wangge::auth {
class AuthStore;  // auth/auth_store.hpp
}

namespace wangge::workflow {
struct HouseholdChange;  // workflow/household_changes.hpp
}

namespace wangge::store {

struct Photo;  // store/photos.hpp

class StoreError : public Error {
public:
    using Error::Error;
};

/// The store's database cannot be reached now (it is down or restarting);
/// the same call may succeed later. The HTTP layer answers 503.
class StoreUnavailableError : public StoreError {
public:
    using StoreError::StoreError;
};

/// A write refused because the store no longer holds what it was computed
/// from: another server on the same database changed it first (a layout
/// published, an incident moved on). Nothing of the write is stored; the
/// caller reloads and decides again.
class ConflictError : public StoreError {
public:
    using StoreError::StoreError;
};

/// The layout version this build reads and writes.
inline constexpr int schema_version = 1;

/// The entity layers of a store, in the order they are written and loaded
/// (parents before the rows that refer to them).
enum class Layer { grids, staff, staff_grids, households, facilities, incidents, incident_events, visits };

inline constexpr std::array<Layer, 8> all_layers{Layer::grids,      Layer::staff,     Layer::staff_grids,
                                                 Layer::households, Layer::facilities, Layer::incidents,
                                                 Layer::incident_events, Layer::visits};

/// The layer's table name, e.g. "staff_grids".
[[nodiscard]] std::string_view to_string(Layer layer) noexcept;
/// Parses a table name; nullopt for anything else.
[[nodiscard]] std::optional<Layer> parse_layer(std::string_view name) noexcept;

/// Reports progress of long writes and loads: layer name, rows done, rows in all.
using Progress = std::function<void(std::string_view layer, std::size_t done, std::size_t total)>;

/// A row whose grid_code a layout publication re-derives.
struct GridCodeChange {
    std::int64_t id = 0;
    std::string grid_code;
};

/// The staff links one grid has after a write (AB岗, DESIGN §1).
struct GridStaffLinks {
    std::string grid_code;
    std::vector<model::StaffGrid> links;  ///< empty: the grid keeps no staff
};

/// A change of staffing: grids whose links are replaced whole, and staff
/// rows rewritten in place (found by id), such as a leave being set.
struct StaffUpdate {
    std::vector<GridStaffLinks> grids;
    std::vector<model::Staff> staff;
};

/// Rows of one layer a write changed, as a database's change table lists them
/// (replicas: store/change_feed.hpp): by id, or the whole layer (grids and
/// staff_grids, which have no model id, and writes too large to list).
struct LayerChange {
    Layer layer = Layer::grids;
    std::optional<std::vector<std::int64_t>> ids;  ///< nullopt: the whole layer
    /// Covers the written rows' geometries, new and replaced (lon/lat);
    /// nullopt for a layer without geometry or when unknown.
    std::optional<geo::Box> bounds;
};

/// What load_tables_at_change() reads: the tables and the last entry of the
/// store's change table they include.
struct TablesAtChange {
    model::Tables tables;
    std::int64_t change_seq = 0;
};

/// A new grid layout replacing the one in force (DESIGN §1): every current
/// grid row is closed at `at` and `grids` (valid_from `at`) become current.
struct LayoutPublication {
    model::Timestamp at = 0;
    /// The layout version the publication was planned on (the highest
    /// version of the grids in force then, 0 for none): the store refuses it
    /// with ConflictError when the layout in force has another version.
    /// nullopt: replace whatever layout is in force, unchecked.
    std::optional<int> base_layout_version;
    std::vector<model::Grid> grids;
    std::vector<GridCodeChange> households;
    std::vector<GridCodeChange> facilities;
    std::vector<GridCodeChange> incidents;
    /// Links of grids the layout gives up, carried over to their successors.
    std::vector<GridStaffLinks> staff;
};

/// What a transition of an incident was computed from: the incident's state
/// and the id of its latest event then (0 for none). The store refuses the
/// transition with ConflictError unless the incident still is so, which
/// serialises the transitions of one incident across servers.
struct IncidentVersion {
    std::string state;
    std::int64_t last_event_id = 0;
};

/// Writes that commit together: one transaction, holding the store's write
/// lock from Store::begin_batch() until commit() or destruction (which rolls
/// back what is not committed). Ids the store assigns are set in the rows at
/// once but are true only after commit() returns.
///
///     std::unique_ptr<Batch> batch = store.begin_batch();
///     for (Write& w : writes) {
///         try {
///             batch->isolated([&] { batch->insert_incident(w.incident, w.event); batch->append_audit(w.audit); });
///         } catch (...) { w.error = std::current_exception(); }  // undone; the batch goes on
///     }
///     batch->commit();  // one durable commit for all of them
///
/// Thread safety: as its store, which must outlive the batch and take no
/// other write while it is open.
class Batch {
public:
    virtual ~Batch() = default;
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

    /// Runs `write` in a savepoint: when it throws, everything it stored is
    /// undone, the exception propagates and the batch goes on without it.
    virtual void isolated(const std::function<void()>& write) = 0;

    /// Closes the current grid rows, inserts the publication's grids and sets
    /// the changed grid_codes. Throws ConflictError when the layout in force
    /// is not the one it was planned on (checked under a lock that orders
    /// publications), StoreError naming a missing row.
    virtual void publish_layout(const LayoutPublication& publication) = 0;
    /// Stores a new incident and its first event; sets both ids and the
    /// event's incident_id.
    virtual void insert_incident(model::Incident& incident, model::IncidentEvent& first_event) = 0;
    /// Rewrites a stored incident (state, assignee, times…) and appends its
    /// event, setting its id. Throws StoreError when no incident has that id,
    /// ConflictError when it is no longer as `expected` (checked holding the
    /// incident's row lock until the batch ends).
    virtual void update_incident(const model::Incident& incident, model::IncidentEvent& event,
                                 const IncidentVersion& expected) = 0;
    /// Appends one visit and sets its id.
    virtual void append_visit(model::Visit& visit) = 0;
    /// Replaces the links of each grid in `update.grids` and rewrites its
    /// staff rows. Throws StoreError naming a staff row that is missing.
    virtual void update_staff(const StaffUpdate& update) = 0;
    /// Stores a case photo and sets its id and size (store/photos.hpp).
    virtual void append_photo(Photo& photo) = 0;
    /// Stores a household as `change` leaves it (appended when added, else
    /// rewritten by id) and the change as its version; sets the household's
    /// id when added and the version's id (store/household_versions.hpp).
    /// Throws StoreError when an edited household is missing.
    virtual void write_household(workflow::HouseholdChange& change) = 0;
    /// Appends `added` and rewrites `replaced` (by id) as Store::upsert
    /// does, setting the new rows' ids (the audit entries are the caller's).
    virtual void upsert(model::Dataset& added, const model::Dataset& replaced) = 0;
    /// Appends an audit log entry and sets its id; needs
    /// Store::prepare_audit_log() once per store. Throws InputError for text
    /// with a NUL character.
    virtual void append_audit(auth::AuditEntry& entry) = 0;

    /// Makes every write of the batch durable at once. Throws StoreError when
    /// it cannot (nothing of the batch is stored then, e.g. after a savepoint
    /// could not be undone); the batch is over either way.
    virtual void commit() = 0;

protected:
    Batch() = default;
};

class Store {
public:
    virtual ~Store() = default;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    /// Where the store is, for messages: a file path or a database address
    /// without its password.
    [[nodiscard]] virtual std::string location() const = 0;
    [[nodiscard]] virtual int schema_version() const = 0;

    /// Reads every layer.
    [[nodiscard]] model::Dataset load(const Progress& progress = {}) const { return load(all_layers, progress); }
    /// Reads only `layers`; the other vectors of the result stay empty.
    [[nodiscard]] model::Dataset load(std::span<const Layer> layers, const Progress& progress = {}) const {
        return read_layers(layers, progress);
    }
    /// Reads every layer straight into the persistent tables of a snapshot
    /// (model/snapshot.hpp): a server start, which would otherwise hold every
    /// row twice while moving it over.
    [[nodiscard]] virtual model::Tables load_tables() const = 0;
    /// load_tables() and the sequence number of the last change (store/change_feed.hpp)
    /// they include, read in one database snapshot, so that a replica applies
    /// exactly the changes after it. A store without a change table (a file) answers 0.
    [[nodiscard]] virtual TablesAtChange load_tables_at_change() const;
    /// The current rows of `changes` (each layer's listed ids, or all its
    /// rows), read on the store's write connection, inside a batch when one is
    /// open. Ids no longer stored are left out.
    [[nodiscard]] virtual model::Dataset read_changed(std::span<const LayerChange> changes) const;
    /// The id under which this store's writes are listed in the change table
    /// (so a replica skips its own writes); empty for a store without one.
    [[nodiscard]] virtual std::string change_origin() const { return {}; }

    /// Appends all of `data` in one transaction: either every row is stored
    /// or none. Ids of zero are assigned by the store and written back into
    /// `data` once the transaction has committed. grids and staff_grids have
    /// no model id.
    void append(model::Dataset& data, const Progress& progress = {});
    /// An import (store/importer.hpp) in one transaction: appends `added` as
    /// append() does, rewrites every row of `replaced` in place (found by its
    /// id; StoreError when one is missing: nothing is stored then) and appends
    /// the `audit` entries (setting their ids), preparing the audit log first.
    virtual void upsert(model::Dataset& added, const model::Dataset& replaced, std::vector<auth::AuditEntry>& audit,
                        const Progress& progress = {}) = 0;

    /// Begins a batch of writes that commit together (see Batch). Throws
    /// StoreError when the store is read-only or the write lock cannot be had.
    [[nodiscard]] virtual std::unique_ptr<Batch> begin_batch() = 0;
    /// Creates the audit log's tables when the store lacks them (one
    /// transaction), so batches can append audit rows (auth/audit_table.hpp).
    virtual void prepare_audit_log() = 0;

    // Single writes, each a batch of its own: durable when the call returns;
    // ids are written back only after the commit. See Batch for what they do.
    void publish_layout(const LayoutPublication& publication);
    void insert_incident(model::Incident& incident, model::IncidentEvent& first_event);
    void update_incident(const model::Incident& incident, model::IncidentEvent& event, const IncidentVersion& expected);
    void append_visit(model::Visit& visit);
    void update_staff(const StaffUpdate& update);

protected:
    Store() = default;
    Store(Store&&) noexcept = default;
    Store& operator=(Store&&) noexcept = default;

private:
    [[nodiscard]] virtual model::Dataset read_layers(std::span<const Layer> layers, const Progress& progress) const = 0;
};

/// Whether `location` names a database ("postgresql://…" or "postgres://…")
/// rather than a file.
[[nodiscard]] bool is_database_location(std::string_view location) noexcept;

/// Whether a store is at `location`: the file exists, or the database has
/// wangge's tables. Throws StoreError when the database cannot be reached.
[[nodiscard]] bool store_exists(std::string_view location);

/// Opens the store at `location`: a GeoPackage file path, or a database
/// address. Throws StoreError when there is none or it has another schema.
[[nodiscard]] std::unique_ptr<Store> open_store(std::string_view location, bool writable = false);
/// Creates a new, empty store with every layer. Fails if one exists there.
[[nodiscard]] std::unique_ptr<Store> create_store(std::string_view location);
/// Removes a store create_store() just made, into which nothing was written:
/// the file, or the database's tables (a command whose first write failed
/// leaves no empty store behind).
void remove_new_store(std::string_view location);
/// The users, sessions and audit log kept with the store at `location`,
/// adding their tables when it lacks them. Throws auth::AuthStoreError, or
/// StoreError for a database (not kept there yet).
[[nodiscard]] std::unique_ptr<auth::AuthStore> open_auth_store(std::string_view location);

}  // namespace wangge::store
