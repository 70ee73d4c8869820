#pragma once
// The GeoPackage store: one .gpkg file through GDAL/OGR, the source of truth (DESIGN §2).
//
// Layers: grids, staff, staff_grids, households, facilities, incidents,
// incident_events, visits, plus the attribute table wangge_meta holding the
// schema version. The file opens in QGIS and ogrinfo as ordinary layers.
//
// Thread safety: not thread-safe. One GeoPackageStore per thread; SQLite's
// file lock serialises writers across processes.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

#include "wangge/error.hpp"
#include "wangge/model/entities.hpp"

namespace wangge::store {

class StoreError : public Error {
public:
    using Error::Error;
};

/// The layout version this build reads and writes.
inline constexpr int schema_version = 1;

/// Reports progress of long writes and loads: layer name, rows done, rows in all.
using Progress = std::function<void(std::string_view layer, std::size_t done, std::size_t total)>;

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

    /// Appends all of `data` in one transaction: either every row is stored or none.
    /// Ids of zero are assigned by the store and written back into `data`.
    void append(model::Dataset& data, const Progress& progress = {});

private:
    struct Impl;
    explicit GeoPackageStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace wangge::store
