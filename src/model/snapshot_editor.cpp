#include <algorithm>
#include <stdexcept>

#include "wangge/model/snapshot.hpp"

namespace wangge::model {

namespace {

void sort_unique(std::vector<std::size_t>& positions) {
    std::sort(positions.begin(), positions.end());
    positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
}

[[noreturn]] void no_row(const char* layer, std::int64_t id) {
    throw std::out_of_range(std::string("no ") + layer + " with id " + std::to_string(id));
}

}  // namespace

SnapshotEditor::SnapshotEditor(const Snapshot& base) : base_(base), data_(base.data()) {}

template <class Row, class Edit>
bool SnapshotEditor::edit(Table<Row>& rows, const IdIndex& base_ids, std::size_t base_size,
                          std::vector<std::size_t>& touched, std::int64_t id, Edit&& change) {
    std::optional<std::size_t> at = base_ids.find(id);
    // Rows appended by this editor are few: scan them.
    for (std::size_t p = base_size; !at && p < rows.size(); ++p) {
        if (rows[p].id == id) at = p;
    }
    if (!at) return false;
    Row row = rows[*at];
    change(row);
    rows.set(*at, std::move(row));
    touched.push_back(*at);
    return true;
}

template <class Row>
void SnapshotEditor::append(Table<Row>& rows, std::vector<std::size_t>& touched, Row row) {
    touched.push_back(rows.size());
    rows.push_back(std::move(row));
}

template <class Row>
void SnapshotEditor::replace(Table<Row>& rows, const IdIndex& base_ids, std::size_t base_size,
                             std::vector<std::size_t>& touched, Row row, const char* layer) {
    const std::int64_t id = row.id;
    if (!edit(rows, base_ids, base_size, touched, id, [&](Row& stored) { stored = std::move(row); })) no_row(layer, id);
}

void SnapshotEditor::append_household(Household household) {
    append(data_.households, households_, std::move(household));
}

void SnapshotEditor::replace_household(Household household) {
    replace(data_.households, base_.indexes_->household_ids, base_.data_.households.size(), households_,
            std::move(household), "household");
}

void SnapshotEditor::append_facility(Facility facility) {
    append(data_.facilities, facilities_, std::move(facility));
}

void SnapshotEditor::replace_facility(Facility facility) {
    replace(data_.facilities, base_.indexes_->facility_ids, base_.data_.facilities.size(), facilities_,
            std::move(facility), "facility");
}

void SnapshotEditor::append_incident(Incident incident) { append(data_.incidents, incidents_, std::move(incident)); }

void SnapshotEditor::replace_incident(Incident incident) {
    replace(data_.incidents, base_.indexes_->incident_ids, base_.data_.incidents.size(), incidents_,
            std::move(incident), "incident");
}

void SnapshotEditor::append_event(IncidentEvent event) { data_.incident_events.push_back(std::move(event)); }

void SnapshotEditor::append_visit(Visit visit) { data_.visits.push_back(std::move(visit)); }

void SnapshotEditor::replace_layout(Timestamp at, std::span<const Grid> grids) {
    for (std::size_t i = 0; i < data_.grids.size(); ++i) {
        if (!data_.grids[i].current()) continue;
        Grid closed = data_.grids[i];
        closed.valid_to = at;
        data_.grids.set(i, std::move(closed));
    }
    for (const Grid& grid : grids) data_.grids.push_back(grid);
    layout_ = true;
}

void SnapshotEditor::set_household_grid(std::int64_t id, const std::string& grid_code) {
    edit(data_.households, base_.indexes_->household_ids, base_.data_.households.size(), households_, id,
         [&](Household& row) { row.grid_code = grid_code; });
}

void SnapshotEditor::set_facility_grid(std::int64_t id, const std::string& grid_code) {
    edit(data_.facilities, base_.indexes_->facility_ids, base_.data_.facilities.size(), facilities_, id,
         [&](Facility& row) { row.grid_code = grid_code; });
}

void SnapshotEditor::set_incident_grid(std::int64_t id, const std::string& grid_code) {
    edit(data_.incidents, base_.indexes_->incident_ids, base_.data_.incidents.size(), incidents_, id,
         [&](Incident& row) { row.grid_code = grid_code; });
}

void SnapshotEditor::replace_staff(Staff staff) {
    for (std::size_t i = 0; i < data_.staff.size(); ++i) {
        if (data_.staff[i].id != staff.id) continue;
        data_.staff.set(i, std::move(staff));
        staff_ = true;
        return;
    }
    no_row("staff member", staff.id);
}

void SnapshotEditor::set_grid_staff(const std::string& grid_code, std::span<const StaffGrid> links) {
    // Tens of thousands of links at most: copying the others is cheaper than indexing them.
    Table<StaffGrid> kept;
    for (const StaffGrid& link : data_.staff_grids) {
        if (link.grid_code != grid_code) kept.push_back(link);
    }
    for (StaffGrid link : links) {
        link.grid_code = grid_code;
        kept.push_back(std::move(link));
    }
    data_.staff_grids = std::move(kept);
    staff_ = true;
}

void SnapshotEditor::replace_grids(Table<Grid> grids) {
    data_.grids = std::move(grids);
    layout_ = true;
}

void SnapshotEditor::replace_staff_table(Table<Staff> staff) {
    data_.staff = std::move(staff);
    staff_ = true;
}

void SnapshotEditor::replace_staff_links(Table<StaffGrid> links) {
    data_.staff_grids = std::move(links);
    staff_ = true;
}

std::shared_ptr<const Snapshot> SnapshotEditor::finish(std::uint64_t version) {
    const Snapshot& base = base_;
    std::shared_ptr<Snapshot> next(new Snapshot());
    sort_unique(households_);
    sort_unique(facilities_);
    sort_unique(incidents_);
    Changes& changes = next->changes_;
    changes.rebuilt = false;
    changes.from_version = base.version_;
    changes.layout = layout_;
    changes.staff = staff_;
    changes.households_before = base.data_.households.size();
    changes.facilities_before = base.data_.facilities.size();
    changes.incidents_before = base.data_.incidents.size();
    changes.events_before = base.data_.incident_events.size();

    next->version_ = version;
    next->grids_ = layout_ ? std::make_shared<const Snapshot::GridTree>(data_.grids) : base.grids_;
    next->data_ = std::move(data_);
    next->staff_ = staff_ ? std::make_shared<const Snapshot::StaffDirectory>(next->data_.staff, next->data_.staff_grids)
                          : base.staff_;
    changes.households = std::move(households_);
    changes.facilities = std::move(facilities_);
    changes.incidents = std::move(incidents_);
    next->indexes_ = base.indexes_.next(base.data_, next->data_, changes);
    return next;
}

}  // namespace wangge::model
