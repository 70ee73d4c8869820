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
// Thread safety: view() and publish() may be called from any thread at any
// time; a View never changes, so a request sees one consistent snapshot even
// while a writer publishes the next. derive() must be called before the
// server starts (it is not synchronised with publish()).

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
    explicit State(std::string store_kind) : store_kind_(std::move(store_kind)) {}

    [[nodiscard]] const std::string& store_kind() const noexcept { return store_kind_; }

    /// Registers a builder run for every published snapshot, on the publishing thread.
    template <class T>
    void derive(std::function<std::shared_ptr<const T>(const model::Snapshot&)> build) {
        derivers_.push_back({std::type_index(typeid(T)),
                             [build = std::move(build)](const model::Snapshot& s) -> std::shared_ptr<const void> {
                                 return build(s);
                             }});
    }

    /// Builds the derived state for `snapshot`, then makes it current atomically.
    void publish(std::shared_ptr<const model::Snapshot> snapshot);

    /// The current view, never null; throws HttpError 503 before the first publish().
    [[nodiscard]] std::shared_ptr<const View> view() const;

private:
    struct Deriver {
        std::type_index type;
        std::function<std::shared_ptr<const void>(const model::Snapshot&)> build;
    };
    std::string store_kind_;
    std::vector<Deriver> derivers_;
    std::atomic<std::shared_ptr<const View>> current_;
};

}  // namespace wangge::http
