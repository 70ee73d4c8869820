#pragma once
// The one writer of a served store (DESIGN §2): every workflow write goes to
// the GeoPackage first, in one transaction, and only then is the next
// Snapshot built and published, so nothing a client was told is stored can
// be lost when the process dies, and readers never see a change the store
// does not hold.
//
// Group commit: writes that arrive while a batch is being written wait in a
// queue and go together into the next batch: each is stored in its own
// transaction, then all of them are applied by ONE model::SnapshotEditor and
// published as ONE new Snapshot version. One caller at a time leads: it runs
// batches until its own write is done, then hands the lead to a waiting caller.
//
// Cost: the next version shares every table chunk and index the batch did not
// touch (model/snapshot.hpp), and the derived state (tile indexes, the tile
// change feed, collection statistics) updates from the batch's delta, so a
// batch costs in proportion to its rows, not to the city.
//
// Usage, in a handler:
//     const workflow::Transition stored = writer.insert_incident([&](const model::Snapshot& current) {
//         return workflow::report_incident(current, categories, report);  // may throw: nothing is written
//     });
//
// The `make` functions run on the leading caller's thread (the caller itself
// waits meanwhile) against the snapshot current when the batch began, so a
// change is computed from the latest state plus the earlier writes of its
// batch: a transition of an incident that an earlier write of the batch
// inserted or changed is not kept but computed again in the next batch (two
// concurrent transitions of one incident cannot both start from the same
// state), and so is a `make` that throws after an earlier write of the batch
// touched an incident (its refusal may come from the older state). `make`
// must therefore be pure: it may run more than once. A grid layout is
// published only as the first write of a batch, which it ends. A `make` that
// throws, or a store write that fails, fails its own write alone (nothing is
// written for it); if the Snapshot cannot be built after the store writes,
// every write of that batch throws (stored, but served only after the next
// batch or a restart).
//
// Thread safety: all members may be called from any thread, and block until
// the write is stored and published. Every publish of the State must go
// through this Writer, or a write could be built on a snapshot that is no
// longer current.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <vector>

#include "wangge/drafts/publish.hpp"
#include "wangge/http/state.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/workflow/state_machine.hpp"

namespace wangge::http {

class Writer {
public:
    template <class T>
    using Make = std::function<T(const model::Snapshot& current)>;

    /// Writes to the GeoPackage at `store_path`, opening it once per batch (a
    /// few milliseconds) and closing it before the Snapshot is built, so that
    /// between writes the server holds no write connection that could keep
    /// locks from the file's other writers (the auth store, `wangge import`).
    /// `state` outlives the Writer and is published before the first write.
    Writer(std::filesystem::path store_path, State& state);

    /// Stores a new incident and its first event; returns them with their ids.
    workflow::Transition insert_incident(const Make<workflow::Transition>& make);
    /// Stores a transition of an existing incident; returns it with the event's id.
    workflow::Transition update_incident(const Make<workflow::Transition>& make);
    /// Stores a visit; returns it with its id.
    model::Visit append_visit(const Make<model::Visit>& make);
    /// Publishes a new grid layout (draft_routes.cpp): closes the grids in
    /// force, stores the plan's grids and re-derived grid codes; returns the plan.
    drafts::PublishPlan publish_layout(const Make<drafts::PublishPlan>& make);

private:
    class Job;  // one queued write (writer.cpp)
    template <class T>
    struct Operation;  // what a kind of write stores and changes
    template <class T>
    class TypedJob;

    template <class T>
    T write(const Make<T>& make, const Operation<T>& operation);
    /// Queues `job` and returns once it is complete; leads batches while no other caller does.
    void run(Job& job);
    /// Makes, stores and publishes the jobs of one batch (setting their
    /// errors); returns those left for the next batch, in order.
    std::vector<Job*> run_batch(const std::vector<Job*>& batch);

    std::filesystem::path store_path_;
    State& state_;
    std::mutex mutex_;  // guards the members below and every Job's `done` (a Job is the leader's until done)
    std::condition_variable changed_;
    std::deque<Job*> queue_;
    bool leading_ = false;
};

}  // namespace wangge::http
