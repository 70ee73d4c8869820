#pragma once
// The state behind a GeoPackageStore, shared by the store's source files.
//
// Private to the store module. Thread safety: as GeoPackageStore (none).

#include <filesystem>
#include <string>
#include <string>

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

}  // namespace detail

}  // namespace wangge::store
