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
// Batch (store.hpp, begin_batch()): many writes, each in a savepoint of its own so a
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

#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "wangge/store/store.hpp"

namespace wangge::store {

class GeoPackageBatch;  // src/store/store_impl.hpp

class GeoPackageStore final : public Store {
public:
    /// Creates a new, empty store with every layer. Fails if the file exists.
    [[nodiscard]] static GeoPackageStore create(const std::filesystem::path& path);
    /// Opens an existing store; fails on a missing file or another schema version.
    [[nodiscard]] static GeoPackageStore open(const std::filesystem::path& path, bool writable = false);

    ~GeoPackageStore() override;
    GeoPackageStore(GeoPackageStore&&) noexcept;
    GeoPackageStore& operator=(GeoPackageStore&&) noexcept;

    [[nodiscard]] const std::filesystem::path& path() const noexcept;
    [[nodiscard]] std::string location() const override;
    [[nodiscard]] int schema_version() const override;

    /// Each layer on a thread of its own.
    [[nodiscard]] model::Tables load_tables() const override;
    void upsert(model::Dataset& added, const model::Dataset& replaced, std::vector<auth::AuditEntry>& audit,
                const Progress& progress = {}) override;
    [[nodiscard]] std::unique_ptr<Batch> begin_batch() override;
    void prepare_audit_log() override;

private:
    friend class GeoPackageBatch;
    struct Impl;
    void require_writable() const;
    [[nodiscard]] model::Dataset read_layers(std::span<const Layer> layers, const Progress& progress) const override;
    explicit GeoPackageStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace wangge::store
