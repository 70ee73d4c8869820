#pragma once
// The writing half of the change table replicas follow (docs/replicas.md):
// what a transaction wrote, per layer, gathered while it runs and appended to
// `changes` right before it commits, with a NOTIFY on wangge_changes.
//
// Bounds: each row also carries [w, s, e, n] of the geometries the
// transaction wrote in the layer, old positions of rewritten rows included
// (a map reloads the tiles at both), so that a replica can tell where a write
// lies without reading it; NULL for the layers without geometry. Every write
// of a layer with geometry covers what it wrote (cover(), cover_stored()).
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
#include "tables.hpp"
#include "wangge/geo/types.hpp"
#include "wangge/store/store.hpp"

namespace wangge::store::detail {

/// The advisory lock key the appenders of `changes` take turns at.
inline constexpr std::int64_t change_lock_key = 0x77616e67676501;

/// The advisory lock key of pruning the table (ChangeFeed::prune): one server at a time.
inline constexpr std::int64_t prune_lock_key = change_lock_key + 1;

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
    /// The rows written in `layer` (a layer with geometry) lie in `box`: each
    /// write there covers its new geometries and the old ones it replaced.
    void cover(Layer layer, const geo::Box& box);
    /// The same for the stored geometries of `ids` before they are rewritten
    /// (one query; nothing when none is stored).
    template <class Row>
    void cover_stored(PgConnection& connection, std::span<const std::int64_t> ids);
    /// Takes in what `other` gathered (a write that succeeded) and empties it.
    void merge(ChangeLog& other);
    void clear() noexcept { layers_.clear(); }
    [[nodiscard]] bool empty() const noexcept { return layers_.empty(); }
    /// Per layer, the ids sorted and unique (nullopt: the whole layer) and
    /// the bounds (nullopt: nothing covered).
    [[nodiscard]] std::vector<LayerChange> changes() const;

    /// Appends the rows under the change lock and sends the NOTIFY, inside the
    /// caller's transaction, which must commit next; returns the last seq (0
    /// when there is nothing to append).
    std::int64_t write(PgConnection& connection, const std::string& origin) const;

private:
    struct Listed {
        std::optional<std::vector<std::int64_t>> ids;  ///< nullopt: the whole layer
        geo::Box bounds;                                ///< empty: none covered
    };
    std::map<Layer, Listed> layers_;
};

/// The box of one row's geometry.
template <class Row>
geo::Box row_bounds(const Row& row) {
    if constexpr (geometry_kind<Row> == GeometryKind::point) {
        geo::Box box;
        box.expand(row.location);
        return box;
    } else {
        return geo::bounds(row.geometry);
    }
}

/// "SELECT <the extent's four columns> FROM (SELECT ST_Extent(geom) … FROM
/// <from>)": one row, read with result_box(result, 0, 0).
std::string extent_query(const std::string& from);
/// A point geometry's box as four columns, for result_box.
std::string point_box_columns();

/// Four columns from `first` (west, south, east, north) as a box; empty when the first is NULL.
geo::Box result_box(const PgResult& result, int row, int first);

/// The box of the geometries stored for `ids` in `layer` (empty when none is).
geo::Box stored_bounds(PgConnection& connection, Layer layer, std::span<const std::int64_t> ids);

template <class Row>
void ChangeLog::cover_stored(PgConnection& connection, std::span<const std::int64_t> ids) {
    static_assert(geometry_kind<Row> != GeometryKind::none);
    const Layer layer = table<Row>().layer;
    if (!ids.empty()) cover(layer, stored_bounds(connection, layer, ids));
}

}  // namespace wangge::store::detail
