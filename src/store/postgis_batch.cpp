// PostgisBatch: many writes, one transaction (store.hpp, postgis_batch.hpp).
// Each write does what the GeoPackage batch's does (batch.cpp and the files
// it names), with the same errors.

#include <string>
#include <vector>

#include "household_json.hpp"
#include "postgis_batch.hpp"
#include "postgis_rows.hpp"
#include "tables.hpp"
#include "wangge/store/photos.hpp"
#include "wangge/workflow/household_changes.hpp"

namespace wangge::store {

namespace {

using detail::params_of;
using detail::PgConnection;
using detail::time_text;

/// Sets the grid_code of rows (points) found by id, listing them where they
/// lie; StoreError naming a missing one.
void set_grid_codes(PgConnection& connection, Layer layer, const std::vector<GridCodeChange>& changes,
                    detail::ChangeLog& log) {
    const std::string name(to_string(layer));
    const std::string sql = "UPDATE " + detail::quote_identifier(name) + " SET grid_code = $1 WHERE id = $2 RETURNING " +
                            detail::point_box_columns();
    for (const GridCodeChange& change : changes) {
        const detail::PgResult moved = connection.execute(sql, params_of({change.grid_code, std::to_string(change.id)}));
        if (moved.rows() != 1) throw StoreError(name + " has no row " + std::to_string(change.id));
        log.add(layer, change.id);
        log.cover(layer, detail::result_box(moved, 0, 0));
    }
}

/// Makes each grid's links those given.
void write_staff_links(PgConnection& connection, const std::vector<GridStaffLinks>& grids) {
    for (const GridStaffLinks& grid : grids) {
        (void)connection.execute("DELETE FROM staff_grids WHERE grid_code = $1", params_of({grid.grid_code}));
        std::vector<model::StaffGrid> links = grid.links;
        for (model::StaffGrid& link : links) link.grid_code = grid.grid_code;
        if (!links.empty()) (void)detail::append_rows(connection, links);
    }
}

constexpr const char* savepoint = "wangge_write";

}  // namespace

PostgisBatch::PostgisBatch(PostgisStore::Impl& store) : store_(store) { transaction_.emplace(store_.connection); }

PostgisBatch::~PostgisBatch() = default;

detail::PgConnection& PostgisBatch::connection() const {
    if (!transaction_) throw StoreError("the write batch is over");
    return store_.connection;
}

void PostgisBatch::isolated(const std::function<void()>& write) {
    PgConnection& c = connection();
    (void)c.execute(std::string("SAVEPOINT ") + savepoint);
    // The write's changes are gathered apart, so that undoing it lists nothing.
    detail::ChangeLog before;
    std::swap(before, changes_);
    try {
        write();
    } catch (...) {
        changes_ = std::move(before);
        try {
            // ROLLBACK TO undoes the write (and clears a failed statement's error) but keeps the savepoint; RELEASE ends it.
            (void)c.execute(std::string("ROLLBACK TO SAVEPOINT ") + savepoint);
            (void)c.execute(std::string("RELEASE SAVEPOINT ") + savepoint);
        } catch (const StoreError&) {
            broken_ = true;
        }
        throw;
    }
    (void)c.execute(std::string("RELEASE SAVEPOINT ") + savepoint);
    before.merge(changes_);
    changes_ = std::move(before);
}

void PostgisBatch::publish_layout(const LayoutPublication& publication) {
    PgConnection& c = connection();
    // Publications on every server of the database queue here until the
    // transaction ends (readers do not), so the version read next is the one
    // in force when this one commits.
    (void)c.execute("LOCK TABLE grids IN SHARE ROW EXCLUSIVE MODE");
    detail::check_layout_base(
        publication, static_cast<int>(c.execute("SELECT COALESCE(max(version), 0) FROM grids WHERE valid_to IS NULL")
                                          .text_int(0, 0)));
    // The grids closed are listed by where they lay, as the new ones are.
    const detail::PgResult closed =
        c.execute("WITH closed AS (UPDATE grids SET valid_to = $1 WHERE valid_to IS NULL RETURNING " +
                      detail::quote_identifier(detail::geometry_column) + ") " + detail::extent_query("closed"),
                  params_of({time_text(publication.at)}));
    // Grids have no model id: the layer is listed whole (a few thousand rows at most).
    changes_.add_layer(Layer::grids);
    changes_.cover(Layer::grids, detail::result_box(closed, 0, 0));
    for (const model::Grid& grid : publication.grids) {
        if (grid.geometry.empty()) throw StoreError("grid " + grid.code + " has an empty geometry");
        changes_.cover(Layer::grids, detail::row_bounds(grid));
    }
    if (!publication.grids.empty()) (void)detail::append_rows(c, publication.grids);
    set_grid_codes(c, Layer::households, publication.households, changes_);
    set_grid_codes(c, Layer::facilities, publication.facilities, changes_);
    set_grid_codes(c, Layer::incidents, publication.incidents, changes_);
    write_staff_links(c, publication.staff);
    if (!publication.staff.empty()) changes_.add_layer(Layer::staff_grids);
}

void PostgisBatch::insert_incident(model::Incident& incident, model::IncidentEvent& first_event) {
    PgConnection& c = connection();
    model::Incident stored_incident = incident;
    stored_incident.id = 0;
    model::IncidentEvent stored_event = first_event;
    stored_event.id = 0;
    stored_incident.id = detail::insert_row(c, stored_incident);
    stored_event.incident_id = stored_incident.id;
    stored_event.id = detail::insert_row(c, stored_event);
    changes_.add(Layer::incidents, stored_incident.id);
    changes_.cover(Layer::incidents, detail::row_bounds(stored_incident));
    changes_.add(Layer::incident_events, stored_event.id);
    incident = std::move(stored_incident);
    first_event = std::move(stored_event);
}

void PostgisBatch::update_incident(const model::Incident& incident, model::IncidentEvent& event,
                                   const IncidentVersion& expected) {
    if (incident.id <= 0) throw StoreError("cannot update an incident without an id");
    PgConnection& c = connection();
    const std::string id = std::to_string(incident.id);
    // The row lock makes transitions of this incident on other servers wait
    // until the batch ends; each statement after it sees what they committed.
    // Where it lay too: a transition may move it.
    const detail::PgResult row = c.execute(
        "SELECT state, " + detail::point_box_columns() + " FROM incidents WHERE id = $1 FOR UPDATE", params_of({id}));
    if (row.rows() == 0) throw StoreError("no incident " + id);
    IncidentVersion stored;
    stored.state = std::string(row.bytes(0, 0));
    stored.last_event_id =
        c.execute("SELECT COALESCE(max(id), 0) FROM incident_events WHERE incident_id = $1", params_of({id})).text_int(0, 0);
    detail::check_incident_version(incident.id, expected, stored);
    model::IncidentEvent stored_event = event;
    stored_event.id = 0;
    stored_event.incident_id = incident.id;
    if (!detail::update_row(c, incident)) throw StoreError("no incident " + std::to_string(incident.id));
    stored_event.id = detail::insert_row(c, stored_event);
    changes_.add(Layer::incidents, incident.id);
    changes_.cover(Layer::incidents, detail::result_box(row, 0, 1));
    changes_.cover(Layer::incidents, detail::row_bounds(incident));
    changes_.add(Layer::incident_events, stored_event.id);
    event = std::move(stored_event);
}

void PostgisBatch::append_visit(model::Visit& visit) {
    PgConnection& c = connection();
    model::Visit stored = visit;
    stored.id = 0;
    stored.id = detail::insert_row(c, stored);
    changes_.add(Layer::visits, stored.id);
    visit = std::move(stored);
}

void PostgisBatch::update_staff(const StaffUpdate& update) {
    PgConnection& c = connection();
    write_staff_links(c, update.grids);
    for (const model::Staff& member : update.staff) {
        if (!detail::update_row(c, member)) {
            throw StoreError("the store has no staff member " + std::to_string(member.id));
        }
    }
    // A few thousand rows: listed whole.
    changes_.add_layer(Layer::staff);
    changes_.add_layer(Layer::staff_grids);
}

void PostgisBatch::append_photo(Photo& photo) {
    static const std::string sql =
        "INSERT INTO incident_photos (incident_id, stage, at, uploader, content_type, width, height, size, lon, lat, "
        "bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";
    PgConnection& c = connection();
    PhotoInfo& info = photo.info;
    info.size = photo.bytes.size();
    std::optional<std::string> lon;
    std::optional<std::string> lat;
    if (info.location) {
        lon = std::to_string(info.location->x);
        lat = std::to_string(info.location->y);
    }
    std::vector<detail::PgParam> params =
        params_of({std::to_string(info.incident_id), info.stage, time_text(info.at), info.uploader, info.content_type,
                   std::to_string(info.width), std::to_string(info.height), std::to_string(info.size), lon, lat});
    params.push_back({photo.bytes, true});  // bytea, binary: no escaping of the image
    info.id = c.execute(sql, params).text_int(0, 0);
}

void PostgisBatch::write_household(workflow::HouseholdChange& change) {
    detail::write_household_row(*this, change);
    static const std::string sql =
        "INSERT INTO household_versions (household_id, kind, at, \"user\", source, grid_code, before, after) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
    std::optional<std::string> before;
    if (change.before) before = detail::household_version_json(*change.before);
    change.id = connection()
                    .execute(sql, params_of({std::to_string(change.after.id), std::string(workflow::to_string(change.kind)),
                                             time_text(change.at), change.user, change.source, change.after.grid_code,
                                             before, detail::household_version_json(change.after)}))
                    .text_int(0, 0);
}

void PostgisBatch::upsert(model::Dataset& added, const model::Dataset& replaced) {
    detail::set_assigned_ids(added, detail::write_rows(connection(), added, replaced, {}, changes_));
}

void PostgisBatch::append_audit(auth::AuditEntry& entry) { detail::insert_audit_row(connection(), entry); }

void PostgisBatch::commit() {
    PgConnection& c = connection();
    if (!broken_) {
        try {
            (void)changes_.write(c, store_.origin);  // last: the change lock is held until COMMIT
        } catch (...) {
            transaction_.reset();  // rolls back: the batch is over either way
            throw;
        }
    }
    detail::commit_batch(transaction_, broken_);
}

}  // namespace wangge::store
