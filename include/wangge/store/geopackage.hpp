#pragma once
// The GeoPackage store: one .gpkg file through GDAL/OGR, the source of truth (DESIGN §2).
//
// Layers: grids, staff, staff_grids, households, facilities, incidents,
// incident_events, visits, plus the attribute table wangge_meta holding the
// schema version. The file opens in QGIS and ogrinfo as ordinary layers.
// Points and multipolygons are lon/lat EPSG:4490 with the GeoPackage R-tree
// index; times are DateTime fields in UTC (null for an absent optional time);
// tags are one text field joined with ';'. Model ids are the FID column "id".
// Loads read the tables with SQLite directly (src/store/sqlite.hpp), giving
// back what GDAL's driver reads, only without an OGRFeature per row; every
// write goes through GDAL.
//
// Durability: the file uses SQLite's write-ahead log with synchronous=FULL.
// A commit appends to "<file>-wal" and syncs it once, so a write is on disk
// when its call returns, across a killed process and a power loss alike;
// the rollback journal synced about four times per commit (measured on this
// file: ~25 ms per commit against ~5 ms). synchronous=NORMAL would be another
// 20× cheaper but may lose the last commits on power loss, which would break
// "acknowledged means stored". SQLite folds the log back into the file when
// the last connection closes, so a closed store is one self-contained .gpkg
// that GDAL, ogrinfo and QGIS read; after a crash the next open replays it.
//
// Batches: a server keeps one writable store open and writes through
// Batch (begin_batch()): many writes, each in a savepoint of its own so a
// failing one undoes only itself, each with its audit row, and ONE commit,
// so concurrent writes share one sync of the log (group commit). The single
// writes below are batches of one.
//
// Locks (SQLite, WAL): outside a batch the connection holds none (every read
// is finished before its call returns), so the auth store's connection and
// other processes (`wangge import`, `wangge user`) write freely. A batch takes
// the file's write lock when it begins and holds it until commit() or its
// destructor: other writers wait meanwhile (busy_timeout, 5 s), readers do not.
//
// Thread safety: not thread-safe. One GeoPackageStore per thread; SQLite's
// file lock serialises writers across processes.

#include <array>
#include <cstddef>
#include <filesystem>
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

class GDALDataset;

namespace wangge::model {
struct Tables;
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

/// A new grid layout replacing the one in force (DESIGN §1): every current
/// grid row is closed at `at` and `grids` (valid_from `at`) become current.
struct LayoutPublication {
    model::Timestamp at = 0;
    std::vector<model::Grid> grids;
    std::vector<GridCodeChange> households;
    std::vector<GridCodeChange> facilities;
    std::vector<GridCodeChange> incidents;
    /// Links of grids the layout gives up, carried over to their successors.
    std::vector<GridStaffLinks> staff;
};

class GeoPackageStore {
public:
    class Batch;

    /// Creates a new, empty store with every layer. Fails if the file exists.
    [[nodiscard]] static GeoPackageStore create(const std::filesystem::path& path);
    /// Opens an existing store; fails on a missing file or another schema version.
    [[nodiscard]] static GeoPackageStore open(const std::filesystem::path& path, bool writable = false);

    ~GeoPackageStore();
    GeoPackageStore(GeoPackageStore&&) noexcept;
    GeoPackageStore& operator=(GeoPackageStore&&) noexcept;
    GeoPackageStore(const GeoPackageStore&) = delete;
    GeoPackageStore& operator=(const GeoPackageStore&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const noexcept;
    [[nodiscard]] int schema_version() const;

    /// Reads every layer.
    [[nodiscard]] model::Dataset load(const Progress& progress = {}) const;
    /// Reads only `layers`; the other vectors of the result stay empty.
    [[nodiscard]] model::Dataset load(std::span<const Layer> layers, const Progress& progress = {}) const;
    /// Reads every layer straight into the persistent tables of a snapshot
    /// (model/snapshot.hpp), each layer on a thread of its own: a server start,
    /// which would otherwise hold every row twice while moving it over.
    [[nodiscard]] model::Tables load_tables() const;

    /// Appends all of `data` in one transaction: either every row is stored or none.
    /// Ids of zero are assigned by the store and written back into `data` once
    /// the transaction has committed. Model ids are the layers' FIDs (column "id");
    /// grids and staff_grids have no model id and get an automatic "fid".
    void append(model::Dataset& data, const Progress& progress = {});
    /// An import (store/importer.hpp) in one transaction: appends `added` as
    /// append() does, rewrites every row of `replaced` in place (found by its
    /// id; StoreError when one is missing: nothing is stored then) and appends
    /// the `audit` entries (setting their ids), creating the audit log's
    /// tables first when the file lacks them.
    void upsert(model::Dataset& added, const model::Dataset& replaced, std::vector<auth::AuditEntry>& audit,
                const Progress& progress = {});

    /// Begins a batch of writes that commit together (see Batch). Throws
    /// StoreError when the store is read-only or the write lock cannot be had.
    [[nodiscard]] Batch begin_batch();
    /// Creates the audit log's tables when the file lacks them (one
    /// transaction), so batches can append audit rows (auth/audit_table.hpp).
    void prepare_audit_log();

    // Single writes, each a batch of its own: durable when the call returns;
    // ids are written back only after the commit. See Batch for what they do.
    void publish_layout(const LayoutPublication& publication);
    void insert_incident(model::Incident& incident, model::IncidentEvent& first_event);
    void update_incident(const model::Incident& incident, model::IncidentEvent& event);
    void append_visit(model::Visit& visit);
    void update_staff(const StaffUpdate& update);

private:
    void require_writable() const;
    struct Impl;
    explicit GeoPackageStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// Writes that commit together: one SQLite transaction, holding the file's
/// write lock from begin_batch() until commit() or destruction (which rolls
/// back what is not committed). Ids the store assigns are set in the rows at
/// once but are true only after commit() returns.
///
///     GeoPackageStore::Batch batch = store.begin_batch();
///     for (Write& w : writes) {
///         try {
///             batch.isolated([&] { batch.insert_incident(w.incident, w.event); batch.append_audit(w.audit); });
///         } catch (...) { w.error = std::current_exception(); }  // undone; the batch goes on
///     }
///     batch.commit();  // one sync of the log for all of them
///
/// Thread safety: as the store, which must outlive the batch and take no
/// other write while it is open.
class GeoPackageStore::Batch {
public:
    ~Batch();
    Batch(Batch&&) noexcept;
    Batch& operator=(Batch&&) noexcept;
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

    /// Runs `write` in a savepoint: when it throws, everything it stored is
    /// undone, the exception propagates and the batch goes on without it.
    void isolated(const std::function<void()>& write);

    /// Closes the current grid rows, inserts the publication's grids and sets
    /// the changed grid_codes (src/store/grid_versions.cpp). Throws StoreError
    /// naming a missing row.
    void publish_layout(const LayoutPublication& publication);
    /// Stores a new incident and its first event; sets both ids and the
    /// event's incident_id (src/store/incident_writes.cpp).
    void insert_incident(model::Incident& incident, model::IncidentEvent& first_event);
    /// Rewrites a stored incident (state, assignee, times…) and appends its
    /// event, setting its id. Throws StoreError when no incident has that id.
    void update_incident(const model::Incident& incident, model::IncidentEvent& event);
    /// Appends one visit and sets its id.
    void append_visit(model::Visit& visit);
    /// Replaces the links of each grid in `update.grids` and rewrites its
    /// staff rows (src/store/staff_writes.cpp). Throws StoreError naming a
    /// staff row that is missing.
    void update_staff(const StaffUpdate& update);
    /// Stores a case photo and sets its id and size (src/store/photos.cpp).
    void append_photo(Photo& photo);
    /// Stores a household as `change` leaves it (appended when added, else
    /// rewritten by id) and the change as its version; sets the household's
    /// id when added and the version's id (src/store/household_versions.cpp).
    /// Throws StoreError when an edited household is missing.
    void write_household(workflow::HouseholdChange& change);
    /// Appends `added` and rewrites `replaced` (by id) as GeoPackageStore::upsert
    /// does, setting the new rows' ids (the audit entries are the caller's).
    void upsert(model::Dataset& added, const model::Dataset& replaced);
    /// Appends an audit log entry and sets its id; needs prepare_audit_log()
    /// once per file. Throws InputError for text with a NUL character.
    void append_audit(auth::AuditEntry& entry);

    /// Makes every write of the batch durable at once. Throws StoreError when
    /// it cannot (nothing of the batch is stored then, e.g. after a savepoint
    /// could not be undone); the batch is over either way.
    void commit();

private:
    friend class GeoPackageStore;
    struct State;
    explicit Batch(std::unique_ptr<State> state);
    [[nodiscard]] GDALDataset& dataset() const;
    std::unique_ptr<State> state_;
};

}  // namespace wangge::store
