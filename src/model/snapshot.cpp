#include "wangge/model/snapshot.hpp"

#include <algorithm>
#include <cmath>
#include <future>
#include <limits>
#include <tuple>
#include <utility>

#include "wangge/geo/ellipsoid.hpp"

namespace wangge::model {

namespace {

// Metres per degree at a latitude (geo/ellipsoid.hpp): lookups measure
// distances of tens of metres, where this local scaling is exact to well below
// GPS noise, and it is thread-safe and cheap on the hot path (a PROJ transform
// per request would be neither).
using MetricScale = geo::Point;

/// Squared distance in metres from p to the segment ab (lon/lat).
double segment_distance2(const geo::Point& p, geo::Point a, geo::Point b, const MetricScale& k) noexcept {
    const double ax = (a.x - p.x) * k.x, ay = (a.y - p.y) * k.y;
    const double bx = (b.x - p.x) * k.x, by = (b.y - p.y) * k.y;
    const double dx = bx - ax, dy = by - ay;
    const double length2 = dx * dx + dy * dy;
    double t = length2 > 0.0 ? -(ax * dx + ay * dy) / length2 : 0.0;
    t = std::clamp(t, 0.0, 1.0);
    const double x = ax + t * dx, y = ay + t * dy;
    return x * x + y * y;
}

double boundary_distance_m(const geo::MultiPolygon& multi, const geo::Point& p) noexcept {
    const MetricScale k = geo::metres_per_degree(p.y);
    double best = std::numeric_limits<double>::infinity();
    for (const geo::Polygon& polygon : multi.polygons) {
        for (const geo::Ring& ring : polygon.rings) {
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                best = std::min(best, segment_distance2(p, ring[i], ring[i + 1], k));
            }
        }
    }
    return std::sqrt(best);
}

/// A point this close to a border counts as on it, so that it is routed by the
/// shared-border rule instead of by floating-point luck.
constexpr double on_border_m = 1e-6;

}  // namespace

Snapshot::GridTree::GridTree(const Table<Grid>& grids) {
    for (const Grid& grid : grids) {
        if (!grid.current()) continue;
        current.push_back(&grid);
        by_code.emplace(grid.code, &grid);
        if (!grid.parent_code.empty()) children[grid.parent_code].push_back(&grid);
    }
    std::vector<geo::Box> boxes;
    boxes.reserve(current.size());
    for (const Grid* grid : current) boxes.push_back(geo::bounds(grid->geometry));
    index = geo::PackedRTree(boxes);
}

Snapshot::StaffDirectory::StaffDirectory(const Table<Staff>& staff, const Table<StaffGrid>& links) {
    for (const Staff& member : staff) by_id.emplace(member.id, &member);
    for (const StaffGrid& link : links) {
        const auto member = by_id.find(link.staff_id);
        if (member == by_id.end()) continue;
        by_grid[link.grid_code].push_back({member->second, link.duty});
        by_staff[link.staff_id].push_back(&link);
    }
    for (auto& [code, grid_links] : by_grid) {
        std::stable_sort(grid_links.begin(), grid_links.end(), [](const GridStaff& a, const GridStaff& b) {
            return a.duty != b.duty ? a.duty == Duty::primary : a.staff->id < b.staff->id;
        });
    }
}

std::shared_ptr<const Snapshot> Snapshot::build(Dataset data, std::uint64_t version, std::size_t rebuild_after) {
    return build(Tables{Table<Grid>(std::move(data.grids)), Table<Staff>(std::move(data.staff)),
                        Table<StaffGrid>(std::move(data.staff_grids)), Table<Household>(std::move(data.households)),
                        Table<Facility>(std::move(data.facilities)), Table<Incident>(std::move(data.incidents)),
                        Table<IncidentEvent>(std::move(data.incident_events)), Table<Visit>(std::move(data.visits))},
                 version, rebuild_after);
}

std::shared_ptr<const Snapshot> Snapshot::build(Tables data, std::uint64_t version, std::size_t rebuild_after) {
    std::shared_ptr<Snapshot> snapshot(new Snapshot());
    snapshot->data_ = std::move(data);
    const Tables& tables = snapshot->data_;
    snapshot->version_ = version;
    snapshot->grids_ = std::make_shared<const GridTree>(tables.grids);
    snapshot->staff_ = std::make_shared<const StaffDirectory>(tables.staff, tables.staff_grids);
    snapshot->indexes_ = LiveIndexes<RowIndexes>(tables, rebuild_after);
    return snapshot;
}

Snapshot::RowIndexes Snapshot::RowIndexes::build(const Tables& rows) { return make(rows, nullptr); }

Snapshot::RowIndexes Snapshot::RowIndexes::rebuild(const Tables& rows) const { return make(rows, this); }

Snapshot::RowIndexes Snapshot::RowIndexes::make(const Tables& rows, const RowIndexes* kept) {
    // The households' indexes, half the work, are built on a second core
    // meanwhile. (The future waits in its destructor, so an exception here
    // cannot outrun the task.)
    std::future<std::pair<PointSearch, IdIndex>> households = std::async(std::launch::async, [&rows, kept] {
        return std::pair(kept_or_built(kept, &RowIndexes::households, [&] { return PointSearch::build(rows.households); }),
                         kept_or_built(kept, &RowIndexes::household_ids, [&] { return IdIndex::build(rows.households); }));
    });
    RowIndexes indexes{PointSearch(),
                       kept_or_built(kept, &RowIndexes::facilities, [&] { return PointSearch::build(rows.facilities); }),
                       kept_or_built(kept, &RowIndexes::incidents, [&] { return PointSearch::build(rows.incidents); }),
                       IdIndex(),
                       kept_or_built(kept, &RowIndexes::facility_ids, [&] { return IdIndex::build(rows.facilities); }),
                       kept_or_built(kept, &RowIndexes::incident_ids, [&] { return IdIndex::build(rows.incidents); }),
                       kept_or_built(kept, &RowIndexes::events, [&] { return EventIndex::build(rows.incident_events); }),
                       kept_or_built(kept, &RowIndexes::incident_grids, [&] { return GridMembers::build(rows.incidents); })};
    std::tie(indexes.households, indexes.household_ids) = households.get();  // rethrows its failure
    return indexes;
}

Snapshot::RowIndexes Snapshot::RowIndexes::next(const Tables&, const Tables& after, const Changes& changes) const {
    return {households.next(after.households, changes.households),
            facilities.next(after.facilities, changes.facilities),
            incidents.next(after.incidents, changes.incidents),
            household_ids.next(after.households, changes.households_before),
            facility_ids.next(after.facilities, changes.facilities_before),
            incident_ids.next(after.incidents, changes.incidents_before),
            events.next(after.incident_events, changes.events_before),
            incident_grids.next(after.incidents, changes.incidents)};
}

std::size_t Snapshot::RowIndexes::overlay_size() const noexcept {
    return std::max({households.overlay_size(), facilities.overlay_size(), incidents.overlay_size(),
                     household_ids.overlay_size(), facility_ids.overlay_size(), incident_ids.overlay_size(),
                     events.overlay_size(), incident_grids.overlay_size()});
}

const Grid* Snapshot::current_grid(std::string_view code) const {
    const auto found = grids_->by_code.find(code);
    return found == grids_->by_code.end() ? nullptr : found->second;
}

std::span<const Grid* const> Snapshot::children(std::string_view code) const {
    const auto found = grids_->children.find(code);
    if (found == grids_->children.end()) return {};
    return found->second;
}

std::vector<const Grid*> Snapshot::grids_at(Timestamp t) const {
    std::vector<const Grid*> grids;
    for (const Grid& grid : data_.grids) {
        if (grid.in_force_at(t)) grids.push_back(&grid);
    }
    return grids;
}

std::span<const GridStaff> Snapshot::staff_of(std::string_view grid_code) const {
    const auto found = staff_->by_grid.find(grid_code);
    if (found == staff_->by_grid.end()) return {};
    return found->second;
}

std::span<const StaffGrid* const> Snapshot::links_of(std::int64_t staff_id) const {
    const auto found = staff_->by_staff.find(staff_id);
    if (found == staff_->by_staff.end()) return {};
    return found->second;
}

const Staff* Snapshot::staff(std::int64_t id) const {
    const auto found = staff_->by_id.find(id);
    return found == staff_->by_id.end() ? nullptr : found->second;
}

const Household* Snapshot::household(std::int64_t id) const {
    const auto position = indexes_->household_ids.find(id);
    return position ? &data_.households[*position] : nullptr;
}

const Facility* Snapshot::facility(std::int64_t id) const {
    const auto position = indexes_->facility_ids.find(id);
    return position ? &data_.facilities[*position] : nullptr;
}

const Incident* Snapshot::incident(std::int64_t id) const {
    const auto position = indexes_->incident_ids.find(id);
    return position ? &data_.incidents[*position] : nullptr;
}

std::optional<std::size_t> Snapshot::incident_position(std::int64_t id) const { return indexes_->incident_ids.find(id); }

std::vector<const IncidentEvent*> Snapshot::events_of(std::int64_t incident_id) const {
    return indexes_->events.of(data_.incident_events, incident_id);
}

std::vector<std::size_t> Snapshot::incidents_in(std::string_view grid_code) const {
    std::vector<std::size_t> positions;
    indexes_->incident_grids.visit(grid_code, [&](std::size_t position) { positions.push_back(position); });
    std::sort(positions.begin(), positions.end());
    return positions;
}

std::optional<LookupResult> Snapshot::lookup(const geo::Point& lonlat) const {
    if (!std::isfinite(lonlat.x) || !std::isfinite(lonlat.y)) return std::nullopt;
    // Finest level first, then the smaller code: the first grid that holds
    // the point (or has it on its border) is the answer, so coarse parents
    // with long borders are only tested when no finer grid is there.
    std::vector<const Grid*> candidates;
    grids_->index.query(lonlat, [&](std::size_t i) {
        candidates.push_back(grids_->current[i]);
        return true;
    });
    std::sort(candidates.begin(), candidates.end(), [](const Grid* a, const Grid* b) {
        return a->level != b->level ? a->level > b->level : a->code < b->code;
    });
    const Grid* best = nullptr;
    const Grid* dedicated = nullptr;
    double best_distance = 0.0;
    for (const Grid* grid : candidates) {
        // Dedicated grids sort first (the highest level) and lie over the base
        // chain instead of ending it; only the point's inside counts for them.
        if (grid->dedicated()) {
            if (dedicated == nullptr && geo::contains(grid->geometry, lonlat)) dedicated = grid;
            continue;
        }
        const double distance = boundary_distance_m(grid->geometry, lonlat);
        if (distance <= on_border_m || geo::contains(grid->geometry, lonlat)) {
            best = grid;
            best_distance = distance;
            break;
        }
    }
    if (best == nullptr) return std::nullopt;

    LookupResult result;
    result.dedicated = dedicated;
    for (const Grid* grid = best; grid != nullptr; grid = grid->parent_code.empty() ? nullptr : current_grid(grid->parent_code)) {
        result.chain.push_back(grid);
        if (result.chain.size() > 8) break;  // a cycle in parent codes must not hang a request
    }
    std::reverse(result.chain.begin(), result.chain.end());
    result.distance_to_boundary_m = best_distance;
    result.near_boundary = best_distance < near_boundary_m;
    return result;
}

}  // namespace wangge::model
