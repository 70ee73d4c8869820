#pragma once
// What the server serves: the current Snapshot plus state derived from it
// (tile indexes, per-grid statistics…), swapped in together.
//
// Usage:
//     State state("geopackage");
//     state.derive<tiles::TileIndex>([](const model::Snapshot& s) {   // before the first publish
//         return std::make_shared<const tiles::TileIndex>(s);
//     });
//     state.publish(model::Snapshot::build(std::move(data), 1));
//     ...
//     // in a handler, once per request:
//     const std::shared_ptr<const View> view = state.view();
//     const model::Snapshot& snapshot = view->snapshot();
//     const tiles::TileIndex& index = view->derived<tiles::TileIndex>();
//
// State that depends on the previous view too (what changed since it) uses
// derive_incremental(); code that must act on each publish (pushing changes
// to open maps) registers with on_publish().
//
// Thread safety: view() and publish() may be called from any thread at any
// time; a View never changes, so a request sees one consistent snapshot even
// while a writer publishes the next. Publishes must not overlap (the
// http::Writer serialises them). derive(), derive_incremental() and
// on_publish() must be called before the server starts (they are not
// synchronised with publish()).

#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <typeindex>
#include <utility>
#include <vector>

#include "wangge/http/router.hpp"
#include "wangge/model/snapshot.hpp"

namespace wangge::http {

/// One published snapshot and everything derived from it.
class View {
public:
    [[nodiscard]] const model::Snapshot& snapshot() const noexcept { return *snapshot_; }
    [[nodiscard]] const std::shared_ptr<const model::Snapshot>& snapshot_ptr() const noexcept { return snapshot_; }

    /// The value registered with State::derive<T>; throws std::logic_error if none was.
    template <class T>
    [[nodiscard]] const T& derived() const {
        for (const auto& [type, value] : derived_) {
            if (type == std::type_index(typeid(T))) return *static_cast<const T*>(value.get());
        }
        throw std::logic_error(std::string("no derived state of type ") + typeid(T).name());
    }

private:
    friend class State;
    std::shared_ptr<const model::Snapshot> snapshot_;
    std::vector<std::pair<std::type_index, std::shared_ptr<const void>>> derived_;
};

class State {
public:
    /// `store_kind` is reported by /health ("geopackage", "postgresql").
    explicit State(std::string store_kind);

    [[nodiscard]] const std::string& store_kind() const noexcept { return store_kind_; }
    /// A random id of this State (8 hex digits): snapshot versions restart
    /// with the process, so ETags and change cursors carry it, and those of
    /// an earlier run never match.
    [[nodiscard]] const std::string& instance() const noexcept { return instance_; }

    /// Registers a builder run for every published snapshot, on the publishing thread.
    template <class T>
    void derive(std::function<std::shared_ptr<const T>(const model::Snapshot&)> build) {
        derivers_.push_back({std::type_index(typeid(T)),
                             [build = std::move(build)](const View& next, const View*) -> std::shared_ptr<const void> {
                                 return build(next.snapshot());
                             }});
    }

    /// Registers a builder that also sees the view being built (its snapshot
    /// and what was derived before this builder) and the previous view (null
    /// on the first publish).
    template <class T>
    void derive_incremental(std::function<std::shared_ptr<const T>(const View& next, const View* previous)> build) {
        derivers_.push_back({std::type_index(typeid(T)), std::move(build)});
    }

    /// Registers a listener called on the publishing thread right after each
    /// view becomes current. It must not block for long nor throw.
    void on_publish(std::function<void(const View&)> listener) { listeners_.push_back(std::move(listener)); }

    /// Builds the derived state for `snapshot`, makes it current atomically,
    /// then tells the listeners.
    void publish(std::shared_ptr<const model::Snapshot> snapshot);

    /// The current view, never null; throws ClientError 503 before the first publish().
    [[nodiscard]] std::shared_ptr<const View> view() const;

private:
    struct Deriver {
        std::type_index type;
        std::function<std::shared_ptr<const void>(const View& next, const View* previous)> build;
    };
    std::string store_kind_;
    std::string instance_;
    std::vector<Deriver> derivers_;
    std::vector<std::function<void(const View&)>> listeners_;
    std::atomic<std::shared_ptr<const View>> current_;
};

}  // namespace wangge::http
