#pragma once
// The one writer of a served store (DESIGN §2): every write goes to the
// GeoPackage first, in one transaction WITH ITS AUDIT ROW, and only then is
// the next Snapshot built and published, so nothing a client was told is
// stored can be lost when the process dies, no acknowledged write lacks its
// audit row and no audit row lacks its write (issue #13), and readers never
// see a change the store does not hold.
//
// Group commit: writes that arrive while a batch is being written wait in a
// queue and go together into the next batch: each is stored with its audit
// row in a savepoint of its own (a failing one undoes only itself), then the
// batch commits ONCE (one sync of the log for all of them), and all of them
// are applied by ONE model::SnapshotEditor and published as ONE new Snapshot
// version. One caller at a time leads: it runs batches until its own write is
// done, then hands the lead to a waiting caller.
//
// Connection and locks: the Writer keeps one writable connection to the
// store for its whole life (opened by the constructor, which also creates the
// audit log's tables when missing). The audit rows of reads come through it
// too (append_audit, given to the auth service by app::App): on a second
// connection they and the writes took turns at SQLite's write lock, each
// waiter sleeping in SQLite's busy handler for up to 100 ms at a time.
// Between batches it holds no lock, so the auth store's connection (sessions,
// accounts) and other processes (`wangge import`, `wangge user`) write the
// file freely. A batch holds
// SQLite's write lock only while its computed writes are stored and committed
// (a few milliseconds per write, one sync): not while they are computed
// (`make`), nor while the snapshot is built. Other writers wait for it
// meanwhile (busy_timeout, 5 s), readers never do.
//
// Cost: the next version shares every table chunk and index the batch did not
// touch (model/snapshot.hpp), and the derived state (tile indexes, the tile
// change feed, collection statistics) updates from the batch's delta, so a
// batch costs in proportion to its rows, not to the city.
//
// Usage, in a handler:
//     const workflow::Transition stored = writer.insert_incident(
//         [&](const model::Snapshot& current) {
//             return workflow::report_incident(current, categories, report);  // may throw: nothing is written
//         },
//         [&](const workflow::Transition& stored) {  // ids assigned; committed with the write
//             return gate.audit_entry(request, who, "incidents.report", "incidents", {std::to_string(stored.incident.id)});
//         });
//
// The `make` functions run on the leading caller's thread (the caller itself
// waits meanwhile) against the snapshot current when the batch began, so a
// change is computed from the latest state plus the earlier writes of its
// batch: a transition of an incident (or a change of a household) that an
// earlier write of the batch inserted or changed is not kept but computed
// again in the next batch (two concurrent transitions of one incident cannot
// both start from the same state), and so is a `make` that throws after an
// earlier write of the batch touched an incident or household (its refusal
// may come from the older state). `make`
// must therefore be pure: it may run more than once. The `audit` functions
// run on the same thread, after the store has assigned the write's ids,
// inside the write's savepoint, while the batch holds the write lock: they
// only build the entry and must not write the file through another
// connection (AuthGate::audit), which would wait for this very lock until
// the busy timeout and fail. A grid layout is published only as the first
// write of a batch, which it ends. Servers sharing one database each make
// their writes from their own snapshot, which may lag: the store refuses a
// layout or incident transition made from an outdated state
// (store::ConflictError); that write fails alone with a 409 ClientError
// ("draft_outdated", "incident_changed") and only its audit entry is stored,
// with outcome error. A `make` or `audit` that throws, or a store
// write that fails, fails its own write alone (nothing is written for it); a
// failed commit fails every write of the batch (none is stored); if the
// Snapshot cannot be built after the commit, every write of that batch throws
// (stored, but served only after the next batch or a restart).
//
// Replicas (docs/replicas.md): on a database store the writes of other
// servers reach this one through its follower (http/replica.hpp), which
// hands them to apply_remote() or reload(): jobs in the same queue, so they
// are serialised with local writes and publishes.
//
// Thread safety: all members may be called from any thread, and block until
// the write is stored and published. Every publish of the State must go
// through this Writer, or a write could be built on a snapshot that is no
// longer current. The store connection is used by the leading caller only.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "wangge/auth/audit.hpp"
#include "wangge/drafts/publish.hpp"
#include "wangge/http/state.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/store/store.hpp"
#include "wangge/store/photos.hpp"
#include "wangge/workflow/household_changes.hpp"
#include "wangge/workflow/state_machine.hpp"

namespace wangge::store {
struct ImportPlan;  // store/importer.hpp: only the import routes and writer.cpp need it whole
}

namespace wangge::http {

class Writer {
public:
    template <class T>
    using Make = std::function<T(const model::Snapshot& current)>;
    /// The audit entry of a write, from the value as stored (with its ids).
    template <class T>
    using Audit = std::function<auth::AuditEntry(const T& stored)>;

    /// Opens the GeoPackage at `store_path` for writing and keeps it open (see
    /// "Connection and locks"); throws store::StoreError when it cannot.
    /// `state` outlives the Writer and is published before the first write.
    Writer(const std::filesystem::path& store_path, State& state);

    /// Stores a new incident and its first event; returns them with their ids.
    workflow::Transition insert_incident(const Make<workflow::Transition>& make,
                                         const Audit<workflow::Transition>& audit);
    /// Stores a transition of an existing incident; returns it with the event's id.
    workflow::Transition update_incident(const Make<workflow::Transition>& make,
                                         const Audit<workflow::Transition>& audit);
    /// Stores a visit; returns it with its id.
    model::Visit append_visit(const Make<model::Visit>& make, const Audit<model::Visit>& audit);
    /// Stores a case photo (photo_routes.hpp); returns it with its id. Ordered
    /// with the transitions of its incident (the stage check reads the state)
    /// but publishes no snapshot: photos are not in it (store/photos.hpp).
    store::Photo attach_photo(const Make<store::Photo>& make, const Audit<store::Photo>& audit);
    /// Publishes a new grid layout (draft_routes.cpp): closes the grids in
    /// force, stores the plan's grids and re-derived grid codes; returns the plan.
    drafts::PublishPlan publish_layout(const Make<drafts::PublishPlan>& make, const Audit<drafts::PublishPlan>& audit);
    /// Stores a change of staffing (staff_routes.hpp): grids' AB岗 links
    /// replaced whole, staff rows (leave) rewritten; returns it as stored.
    /// Concurrent changes of one grid or one person: the later one wins.
    store::StaffUpdate update_staff(const Make<store::StaffUpdate>& make, const Audit<store::StaffUpdate>& audit);
    /// Stores a household added, edited or moved out (household_routes.hpp)
    /// with its version; returns the change as stored (ids set).
    workflow::HouseholdChange change_household(const Make<workflow::HouseholdChange>& make,
                                               const Audit<workflow::HouseholdChange>& audit);
    /// Stores an upload of households or facilities (import_routes.hpp): the
    /// plan's new rows (given their ids) and replaced rows, with its per-row
    /// "import.update" audit entries besides `audit`'s; returns the plan as stored.
    store::ImportPlan import_rows(const Make<store::ImportPlan>& make, const Audit<store::ImportPlan>& audit);
    /// Stores audit rows of no write (reads of personal data, sign-ins) with
    /// the next batch, on the same connection and commit as the writes (see
    /// "Connection and locks"); sets their ids. Publishes nothing when the
    /// batch holds audit rows only. Throws when they could not be stored.
    void append_audit(std::span<auth::AuditEntry> entries);

    /// Applies writes another server on the database made (http/replica.hpp):
    /// reads the CURRENT rows of `changes` on the Writer's connection, in the
    /// leading caller's turn (so no local write to them interleaves), and
    /// publishes them with the next version: rows replaced when served, else
    /// appended; grids, staff and links listed whole replaced whole. Reading
    /// current rows makes applying twice harmless. Whole-layer changes of the
    /// other layers are for reload(). Throws store::StoreError when the rows
    /// cannot be read (nothing is published then).
    void apply_remote(std::vector<store::LayerChange> changes);
    /// Reads the whole store again and publishes it as the next version (the
    /// change table no longer reaches back, or a whole large layer changed);
    /// returns the last change it includes (store::TablesAtChange).
    std::int64_t reload();
    /// The id under which the Writer's writes are listed in the change table
    /// (store::Store::change_origin()); empty for a file.
    [[nodiscard]] const std::string& change_origin() const noexcept { return origin_; }

private:
    class Job;  // one queued write (writer.cpp)
    class AuditJob;
    class RemoteJob;
    class ReloadJob;
    template <class T>
    struct Operation;  // what a kind of write stores and changes
    template <class T>
    class TypedJob;

    template <class T>
    T write(const Make<T>& make, const Audit<T>& audit, const Operation<T>& operation);
    /// Queues `job` and returns once it is complete; leads batches while no other caller does.
    void run(Job& job);
    /// Makes, stores and publishes the jobs of one batch (setting their
    /// errors); returns those left for the next batch, in order.
    std::vector<Job*> run_batch(const std::vector<Job*>& batch);

    std::unique_ptr<store::Store> store_;  // the leading caller's alone (see run())
    std::string origin_;
    State& state_;
    std::mutex mutex_;  // guards the members below and every Job's `done` (a Job is the leader's until done)
    std::condition_variable changed_;
    std::deque<Job*> queue_;
    bool leading_ = false;
    std::thread::id leader_;  // a write made inside a write would wait for itself: refused
};

}  // namespace wangge::http
