// GeoPackageBatch::publish_layout: versioned grid layouts (DESIGN §1, §4).

#include <string>
#include <vector>

#include "fields.hpp"
#include "gdal.hpp"
#include "store_impl.hpp"
#include "tables.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

namespace {

int field_index(OGRLayer& layer, const char* name) {
    const int index = layer.GetLayerDefn()->GetFieldIndex(name);
    if (index < 0) throw StoreError(std::string("layer ") + layer.GetName() + " has no field " + name);
    return index;
}

void close_current_grids(OGRLayer& grids, model::Timestamp at) {
    const int valid_to = field_index(grids, "valid_to");
    // Collect first: rewriting features while a filtered read is open is not safe.
    std::vector<GIntBig> open_rows;
    if (grids.SetAttributeFilter("valid_to IS NULL") != OGRERR_NONE) {
        throw StoreError("cannot select the current grids: " + detail::last_gdal_error());
    }
    grids.ResetReading();
    while (OGRFeatureUniquePtr feature{grids.GetNextFeature()}) open_rows.push_back(feature->GetFID());
    grids.SetAttributeFilter(nullptr);
    for (const GIntBig fid : open_rows) {
        OGRFeatureUniquePtr feature{grids.GetFeature(fid)};
        if (!feature) throw StoreError("grid row " + std::to_string(fid) + " vanished while publishing");
        detail::set_time_field(*feature, valid_to, at);
        if (grids.SetFeature(feature.get()) != OGRERR_NONE) {
            throw StoreError("cannot close grid row " + std::to_string(fid) + ": " + detail::last_gdal_error());
        }
    }
}

void insert_grids(OGRLayer& layer, const std::vector<model::Grid>& grids) {
    const auto& table = detail::table<model::Grid>();
    const std::vector<int> indexes = detail::field_indexes(layer, table);
    OGRFeature feature(layer.GetLayerDefn());
    for (const model::Grid& grid : grids) {
        if (grid.geometry.empty()) throw StoreError("grid " + grid.code + " has an empty geometry");
        feature.SetFID(OGRNullFID);
        feature.SetGeometryDirectly(detail::to_ogr(grid.geometry).release());
        detail::write_fields(feature, table, indexes, grid, detail::TimeEncoding::datetime);
        if (layer.CreateFeature(&feature) != OGRERR_NONE) {
            throw StoreError("cannot insert grid " + grid.code + ": " + detail::last_gdal_error());
        }
    }
}

void set_grid_codes(OGRLayer& layer, const std::vector<GridCodeChange>& changes) {
    if (changes.empty()) return;
    const int grid_code = field_index(layer, "grid_code");
    for (const GridCodeChange& change : changes) {
        OGRFeatureUniquePtr feature{layer.GetFeature(change.id)};
        if (!feature) {
            throw StoreError(std::string(layer.GetName()) + " has no row " + std::to_string(change.id));
        }
        feature->SetField(grid_code, change.grid_code.c_str());
        if (layer.SetFeature(feature.get()) != OGRERR_NONE) {
            throw StoreError("cannot update " + std::string(layer.GetName()) + " row " + std::to_string(change.id) +
                             ": " + detail::last_gdal_error());
        }
    }
}

}  // namespace

void GeoPackageBatch::publish_layout(const LayoutPublication& publication) {
    GDALDataset& data = dataset();
    const detail::QuietGdalErrors quiet;
    // The batch holds the file's write lock: no other publication can come between this check and the commit.
    detail::check_layout_base(
        publication, std::stoi(detail::execute_sql(data, "SELECT COALESCE(MAX(version), 0) FROM grids WHERE valid_to IS NULL")));
    OGRLayer& grids = detail::layer_named(data, Layer::grids);
    close_current_grids(grids, publication.at);
    insert_grids(grids, publication.grids);
    set_grid_codes(detail::layer_named(data, Layer::households), publication.households);
    set_grid_codes(detail::layer_named(data, Layer::facilities), publication.facilities);
    set_grid_codes(detail::layer_named(data, Layer::incidents), publication.incidents);
    detail::write_staff_links(data, publication.staff);
}

}  // namespace wangge::store
