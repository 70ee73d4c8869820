#pragma once
// The one writer of a served store (DESIGN §2): every workflow write goes to
// the GeoPackage first, in one transaction, and only then is the next
// Snapshot built and published, so nothing a client was told is stored can
// be lost when the process dies, and readers never see a change the store
// does not hold.
//
// Cost: each write copies the current Dataset and rebuilds the whole
// Snapshot (indexes included). That is fine for a community's few writes a
// minute; a city-wide server needs a delta snapshot (future work).
//
// Usage, in a handler:
//     const workflow::Transition stored = writer.insert_incident([&](const model::Snapshot& current) {
//         return workflow::report_incident(current, categories, report);  // may throw: nothing is written
//     });
//
// The `make` functions run under the write lock against the snapshot current
// at that moment, so a change is always computed from the latest state (two
// concurrent transitions of one incident cannot both start from the same
// state). A `make` that throws leaves the store and the State untouched.
//
// Thread safety: all members may be called from any thread; writes are
// serialised by a mutex. Every publish of the State must go through this
// Writer, or a write could be built on a snapshot that is no longer current.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>

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

    /// Writes to the GeoPackage at `store_path`, opening it for each write (a
    /// few milliseconds), so that between writes the server holds no write
    /// connection that could keep locks from the file's other writers (the
    /// auth store, `wangge import`). `state` outlives the Writer and is
    /// published before the first write.
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
    /// Under the lock: the current snapshot, `write` to the store, then
    /// `change` on a copy of the data, published as the next version.
    template <class T>
    T write(const Make<T>& make, const std::function<void(store::GeoPackageStore&, T&)>& store_write,
            const std::function<void(model::Dataset&, const T&)>& change);

    std::mutex mutex_;
    std::filesystem::path store_path_;
    State& state_;
};

}  // namespace wangge::http
