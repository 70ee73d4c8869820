#pragma once
// The writing half of the change table replicas follow (docs/replicas.md):
// what a transaction wrote, per layer, gathered while it runs and appended to
// `changes` right before it commits, with a NOTIFY on wangge_changes.
//
// Commit order: the rows are inserted holding a transaction-level advisory
// lock (change_lock_key) taken just before them and held until COMMIT, so the
// identity drawn for `seq` and the commit happen in the same order in every
// process: a reader that has seen seq n never later finds a committed row
// below n. (A transaction that fails after drawing its seq leaves a gap.)
//
// Private to the store module. Thread safety: a ChangeLog belongs to one
// batch (one thread).

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pg.hpp"
#include "wangge/store/store.hpp"

namespace wangge::store::detail {

/// The advisory lock key the appenders of `changes` take turns at.
inline constexpr std::int64_t change_lock_key = 0x77616e67676501;

/// The channel NOTIFY uses; its payload is the last seq the commit appended.
inline constexpr const char* change_channel = "wangge_changes";

class ChangeLog {
public:
    /// Past this many ids a layer is listed as a whole (a replica reloads it).
    static constexpr std::size_t max_ids = 10'000;

    void add(Layer layer, std::span<const std::int64_t> ids);
    void add(Layer layer, std::int64_t id) { add(layer, std::span<const std::int64_t>(&id, 1)); }
    /// The whole layer changed.
    void add_layer(Layer layer);
    /// Takes in what `other` gathered (a write that succeeded) and empties it.
    void merge(ChangeLog& other);
    void clear() noexcept { layers_.clear(); }
    [[nodiscard]] bool empty() const noexcept { return layers_.empty(); }
    /// Per layer, the ids sorted and unique (nullopt: the whole layer).
    [[nodiscard]] std::vector<LayerChange> changes() const;

    /// Appends the rows under the change lock and sends the NOTIFY, inside the
    /// caller's transaction, which must commit next; returns the last seq (0
    /// when there is nothing to append).
    std::int64_t write(PgConnection& connection, const std::string& origin) const;

private:
    std::map<Layer, std::optional<std::vector<std::int64_t>>> layers_;
};

}  // namespace wangge::store::detail
