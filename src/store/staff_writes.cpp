// GeoPackageBatch::update_staff: AB岗 assignments and leave (DESIGN §1).

#include <string>
#include <vector>

#include "fields.hpp"
#include "gdal.hpp"
#include "store_impl.hpp"
#include "tables.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

namespace {

/// An OGR SQL string literal.
std::string quoted(const std::string& text) {
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

void replace_links(OGRLayer& layer, const GridStaffLinks& grid) {
    // Collect first: deleting features while a filtered read is open is not safe.
    std::vector<GIntBig> old_rows;
    if (layer.SetAttributeFilter(("grid_code = " + quoted(grid.grid_code)).c_str()) != OGRERR_NONE) {
        throw StoreError("cannot select the staff of grid " + grid.grid_code + ": " + detail::last_gdal_error());
    }
    layer.ResetReading();
    while (OGRFeatureUniquePtr feature{layer.GetNextFeature()}) old_rows.push_back(feature->GetFID());
    layer.SetAttributeFilter(nullptr);
    for (const GIntBig fid : old_rows) {
        if (layer.DeleteFeature(fid) != OGRERR_NONE) {
            throw StoreError("cannot remove staff link " + std::to_string(fid) + ": " + detail::last_gdal_error());
        }
    }
    const auto& table = detail::table<model::StaffGrid>();
    const std::vector<int> indexes = detail::field_indexes(layer, table);
    OGRFeature feature(layer.GetLayerDefn());
    for (model::StaffGrid link : grid.links) {
        link.grid_code = grid.grid_code;
        feature.SetFID(OGRNullFID);
        detail::write_fields(feature, table, indexes, link, detail::TimeEncoding::datetime);
        if (layer.CreateFeature(&feature) != OGRERR_NONE) {
            throw StoreError("cannot link staff " + std::to_string(link.staff_id) + " to grid " + grid.grid_code +
                             ": " + detail::last_gdal_error());
        }
    }
}

void rewrite_staff(OGRLayer& layer, const std::vector<model::Staff>& staff) {
    const auto& table = detail::table<model::Staff>();
    const std::vector<int> indexes = detail::field_indexes(layer, table);
    for (const model::Staff& member : staff) {
        OGRFeatureUniquePtr feature{layer.GetFeature(member.id)};
        if (!feature) throw StoreError("the store has no staff member " + std::to_string(member.id));
        detail::write_fields(*feature, table, indexes, member, detail::TimeEncoding::datetime);
        if (layer.SetFeature(feature.get()) != OGRERR_NONE) {
            throw StoreError("cannot update staff member " + std::to_string(member.id) + ": " +
                             detail::last_gdal_error());
        }
    }
}

}  // namespace

void detail::write_staff_links(GDALDataset& dataset, const std::vector<GridStaffLinks>& grids) {
    if (grids.empty()) return;
    OGRLayer& layer = layer_named(dataset, Layer::staff_grids);
    for (const GridStaffLinks& grid : grids) replace_links(layer, grid);
}

void GeoPackageBatch::update_staff(const StaffUpdate& update) {
    GDALDataset& data = dataset();
    const detail::QuietGdalErrors quiet;
    detail::write_staff_links(data, update.grids);
    if (!update.staff.empty()) rewrite_staff(detail::layer_named(data, Layer::staff), update.staff);
}

}  // namespace wangge::store
