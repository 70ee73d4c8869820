#pragma once
// The GeoPackage store: one .gpkg file through GDAL/OGR, the source of truth (DESIGN §2).
//
// Layers: grids, staff, staff_grids, households, facilities, incidents,
// incident_events, visits, plus the attribute table wangge_meta holding the
// schema version. The file opens in QGIS and ogrinfo as ordinary layers.
// Points and multipolygons are lon/lat EPSG:4490 with the GeoPackage R-tree
// index; times are DateTime fields in UTC (null for an absent optional time);
// tags are one text field joined with ';'. Model ids are the FID column "id".
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

#include "wangge/error.hpp"
#include "wangge/model/entities.hpp"

namespace wangge::store {

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

/// A new grid layout replacing the one in force (DESIGN §1): every current
/// grid row is closed at `at` and `grids` (valid_from `at`) become current.
struct LayoutPublication {
    model::Timestamp at = 0;
    std::vector<model::Grid> grids;
    std::vector<GridCodeChange> households;
    std::vector<GridCodeChange> facilities;
    std::vector<GridCodeChange> incidents;
};

class GeoPackageStore {
public:
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

    /// Appends all of `data` in one transaction: either every row is stored or none.
    /// Ids of zero are assigned by the store and written back into `data` once
    /// the transaction has committed. Model ids are the layers' FIDs (column "id");
    /// grids and staff_grids have no model id and get an automatic "fid".
    void append(model::Dataset& data, const Progress& progress = {});

    /// Applies `publication` in one transaction (src/store/grid_versions.cpp):
    /// closes the current grid rows, inserts the new ones and sets the changed
    /// grid_codes. Throws StoreError naming a missing row; nothing is stored then.
    void publish_layout(const LayoutPublication& publication);

    // Workflow writes (src/store/incident_writes.cpp): each is one transaction,
    // durable when the call returns; ids are assigned by the store and written
    // back only after the commit.

    /// Stores a new incident and its first event; sets both ids and the event's incident_id.
    void insert_incident(model::Incident& incident, model::IncidentEvent& first_event);
    /// Rewrites a stored incident (state, assignee, times…) and appends its event.
    /// Throws StoreError when no incident has that id; nothing is stored then.
    void update_incident(const model::Incident& incident, model::IncidentEvent& event);
    /// Appends one visit and sets its id.
    void append_visit(model::Visit& visit);

private:
    void require_writable() const;
    struct Impl;
    explicit GeoPackageStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace wangge::store
