// The store interface's shared parts: single writes as batches of one, and
// the choice of implementation by location (store.hpp).

#include "wangge/store/store.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "pg.hpp"
#include "postgis_schema.hpp"
#include "store_impl.hpp"
#include "tables.hpp"
#include "wangge/auth/auth_store.hpp"
#include "wangge/store/departments.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/store/postgis.hpp"
#include "wangge/store/postgis_tables.hpp"
#include "wangge/store/records.hpp"

namespace wangge::store {

namespace {

/// Runs one write in a batch of its own; `rows` get their ids only once it has committed.
template <class Write, class... Rows>
void write_alone(Store& store, Write write, Rows&... rows) {
    std::tuple<Rows...> copies(rows...);
    const std::unique_ptr<Batch> batch = store.begin_batch();
    std::apply([&](auto&... copy) { write(*batch, copy...); }, copies);
    batch->commit();
    std::tie(rows...) = std::move(copies);
}

}  // namespace

namespace detail {

void check_layout_base(const LayoutPublication& publication, int in_force) {
    if (publication.base_layout_version && *publication.base_layout_version != in_force) {
        throw ConflictError("the layout was planned on version " + std::to_string(*publication.base_layout_version) +
                            " but version " + std::to_string(in_force) + " is in force now");
    }
}

void check_incident_version(std::int64_t id, const IncidentVersion& expected, const IncidentVersion& stored) {
    if (stored.state != expected.state || stored.last_event_id != expected.last_event_id) {
        throw ConflictError("incident " + std::to_string(id) + " changed meanwhile: it is " + stored.state +
                            " with latest event " + std::to_string(stored.last_event_id) + ", not " + expected.state +
                            " with " + std::to_string(expected.last_event_id));
    }
}

}  // namespace detail

void Store::append(model::Dataset& data, const Progress& progress) {
    std::vector<auth::AuditEntry> no_audit;
    upsert(data, {}, no_audit, progress);
}

TablesAtChange Store::load_tables_at_change() const { return {load_tables(), 0}; }

model::Dataset Store::read_changed(std::span<const LayerChange> changes) const {
    // A file has no replicas to feed; this whole-layer read then filter is
    // what it can do without a query by id, and what the contract tests compare.
    std::vector<Layer> layers;
    for (const LayerChange& change : changes) {
        if (std::find(layers.begin(), layers.end(), change.layer) == layers.end()) layers.push_back(change.layer);
    }
    model::Dataset data = load(layers);
    for (const LayerChange& change : changes) {
        if (!change.ids) continue;
        detail::with_table(change.layer, [&](const auto& table) {
            using Row = typename std::decay_t<decltype(table)>::row_type;
            if constexpr (detail::has_id<Row>) {
                std::erase_if(detail::rows(data, table), [&](const Row& row) {
                    return std::find(change.ids->begin(), change.ids->end(), row.id) == change.ids->end();
                });
            }
        });
    }
    return data;
}

void Store::publish_layout(const LayoutPublication& publication) {
    write_alone(*this, [&](Batch& batch) { batch.publish_layout(publication); });
}

void Store::insert_incident(model::Incident& incident, model::IncidentEvent& first_event) {
    write_alone(
        *this, [](Batch& batch, model::Incident& i, model::IncidentEvent& e) { batch.insert_incident(i, e); }, incident,
        first_event);
}

void Store::update_incident(const model::Incident& incident, model::IncidentEvent& event,
                            const IncidentVersion& expected) {
    write_alone(
        *this, [&](Batch& batch, model::IncidentEvent& e) { batch.update_incident(incident, e, expected); }, event);
}

void Store::append_visit(model::Visit& visit) {
    write_alone(*this, [](Batch& batch, model::Visit& v) { batch.append_visit(v); }, visit);
}

void Store::update_staff(const StaffUpdate& update) {
    write_alone(*this, [&](Batch& batch) { batch.update_staff(update); });
}

bool is_database_location(std::string_view location) noexcept {
    return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

bool store_exists(std::string_view location) {
    if (is_database_location(location)) return PostgisStore::exists(location);
    return std::filesystem::exists(std::filesystem::path(location));
}

void remove_new_store(std::string_view location) {
    if (!is_database_location(location)) {
        std::filesystem::remove(std::filesystem::path(location));
        return;
    }
    detail::PgConnection connection{std::string(location)};
    detail::drop_schema(connection);
}

std::unique_ptr<Store> open_store(std::string_view location, bool writable) {
    if (is_database_location(location)) return PostgisStore::open(location, writable);
    return std::make_unique<GeoPackageStore>(GeoPackageStore::open(std::filesystem::path(location), writable));
}

std::unique_ptr<Store> create_store(std::string_view location) {
    if (is_database_location(location)) return PostgisStore::create(location);
    return std::make_unique<GeoPackageStore>(GeoPackageStore::create(std::filesystem::path(location)));
}

std::unique_ptr<auth::AuthStore> open_auth_store(std::string_view location) {
    if (is_database_location(location)) return std::make_unique<PostgisAuthStore>(location);
    return std::make_unique<auth::GeoPackageAuthStore>(std::filesystem::path(location));
}

std::unique_ptr<DepartmentTable> open_department_table(std::string_view location) {
    if (is_database_location(location)) return std::make_unique<PostgisDepartmentTable>(location);
    return std::make_unique<GeoPackageDepartmentTable>(std::filesystem::path(location));
}

std::unique_ptr<Records> open_records(std::string_view location) {
    if (is_database_location(location)) return std::make_unique<PostgisRecords>(location);
    return std::make_unique<GeoPackageRecords>(std::filesystem::path(location));
}

}  // namespace wangge::store
