// The workflow's writes on the incident, event and visit layers, inside a
// write batch (DESIGN §2: the store first, then the snapshot).

#include <string>

#include "fields.hpp"
#include "gdal.hpp"
#include "store_impl.hpp"
#include "tables.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

namespace {

/// The feature of `row` with every column set; FID null when the row's id is 0.
template <class Row>
OGRFeatureUniquePtr feature_of(OGRLayer& layer, const Row& row) {
    const detail::Table<Row>& table = detail::table<Row>();
    OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(layer.GetLayerDefn()));
    feature->SetFID(row.id != 0 ? row.id : OGRNullFID);
    if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::point) {
        feature->SetGeometryDirectly(new OGRPoint(row.location.x, row.location.y));
    }
    detail::write_fields(*feature, table, detail::field_indexes(layer, table), row, detail::TimeEncoding::datetime);
    return feature;
}

/// Inserts `row` and returns the id the store gave it.
template <class Row>
std::int64_t insert_row(GDALDataset& dataset, const Row& row) {
    const Layer which = detail::table<Row>().layer;
    OGRLayer& layer = detail::layer_named(dataset, which);
    OGRFeatureUniquePtr feature = feature_of(layer, row);
    if (layer.CreateFeature(feature.get()) != OGRERR_NONE) {
        throw StoreError("cannot append to " + std::string(to_string(which)) + ": " + detail::last_gdal_error());
    }
    return feature->GetFID();
}

}  // namespace

void GeoPackageStore::require_writable() const {
    if (!impl_->writable) throw StoreError(impl_->path.string() + " was opened read-only");
}

void GeoPackageBatch::insert_incident(model::Incident& incident, model::IncidentEvent& first_event) {
    GDALDataset& data = dataset();
    const detail::QuietGdalErrors quiet;
    model::Incident stored_incident = incident;
    stored_incident.id = 0;
    model::IncidentEvent stored_event = first_event;
    stored_event.id = 0;
    stored_incident.id = insert_row(data, stored_incident);
    stored_event.incident_id = stored_incident.id;
    stored_event.id = insert_row(data, stored_event);
    incident = std::move(stored_incident);
    first_event = std::move(stored_event);
}

void GeoPackageBatch::update_incident(const model::Incident& incident, model::IncidentEvent& event,
                                      const IncidentVersion& expected) {
    if (incident.id <= 0) throw StoreError("cannot update an incident without an id");
    GDALDataset& data = dataset();
    const detail::QuietGdalErrors quiet;
    const std::string id = std::to_string(incident.id);
    // The batch holds the file's write lock, so the incident cannot change between this check and the commit.
    IncidentVersion stored;
    stored.state = detail::execute_sql(data, "SELECT state FROM incidents WHERE id = " + id);
    if (stored.state.empty()) throw StoreError("no incident " + id);
    stored.last_event_id =
        std::stoll(detail::execute_sql(data, "SELECT COALESCE(MAX(id), 0) FROM incident_events WHERE incident_id = " + id));
    detail::check_incident_version(incident.id, expected, stored);
    model::IncidentEvent stored_event = event;
    stored_event.id = 0;
    stored_event.incident_id = incident.id;
    OGRLayer& layer = detail::layer_named(data, Layer::incidents);
    OGRFeatureUniquePtr feature = feature_of(layer, incident);
    const OGRErr result = layer.SetFeature(feature.get());
    if (result == OGRERR_NON_EXISTING_FEATURE) throw StoreError("no incident " + std::to_string(incident.id));
    if (result != OGRERR_NONE) {
        throw StoreError("cannot update incident " + std::to_string(incident.id) + ": " + detail::last_gdal_error());
    }
    stored_event.id = insert_row(data, stored_event);
    event = std::move(stored_event);
}

void GeoPackageBatch::append_visit(model::Visit& visit) {
    GDALDataset& data = dataset();
    const detail::QuietGdalErrors quiet;
    model::Visit stored = visit;
    stored.id = 0;
    stored.id = insert_row(data, stored);
    visit = std::move(stored);
}

}  // namespace wangge::store
