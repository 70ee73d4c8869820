#pragma once
// The state behind a GeoPackageStore, shared by the store's source files.
//
// Private to the store module. Thread safety: as GeoPackageStore (none).

#include <filesystem>
#include <cstdint>
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

}  // namespace detail

}  // namespace wangge::store
