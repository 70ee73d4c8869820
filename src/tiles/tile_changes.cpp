#include "wangge/tiles/tile_changes.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <unordered_map>

namespace wangge::tiles {
namespace {

std::vector<geo::Box>& boxes_of(TileChanges& changes, Layer layer) {
    return changes.boxes[layer_index(layer)];
}

geo::Box point_box(const geo::Point& lonlat) {
    geo::Box box;
    box.expand(lonlat_to_world(lonlat));
    return box;
}

/// Flags the old and the new location of every position whose row differs
/// in what layer k shows (`differs` returns one flag per layer) in
/// outputs[k], and every row only one side has in all of them. Compares the
/// rows at `positions` (sorted) when given — the rows a snapshot edit
/// touched — else all of them.
template <class Row, std::size_t N, class Differs>
void diff_rows(const model::Table<Row>& before, const model::Table<Row>& after,
               const std::vector<std::size_t>* positions, Differs differs,
               const std::array<std::vector<geo::Box>*, N>& outputs) {
    const auto flag = [](std::vector<geo::Box>& out, const Row& old_row, const Row* new_row) {
        out.push_back(point_box(old_row.location));
        if (new_row && !(new_row->location == old_row.location)) out.push_back(point_box(new_row->location));
    };
    const std::size_t common = std::min(before.size(), after.size());
    const auto compare = [&](std::size_t i) {
        const std::array<bool, N> differing = differs(before[i], after[i]);
        for (std::size_t k = 0; k < N; ++k) {
            if (differing[k]) flag(*outputs[k], before[i], &after[i]);
        }
    };
    if (positions) {
        for (const std::size_t i : *positions) {
            if (i < common) compare(i);
        }
    } else {
        for (std::size_t i = 0; i < common; ++i) compare(i);
    }
    for (std::vector<geo::Box>* out : outputs) {
        for (std::size_t i = common; i < before.size(); ++i) flag(*out, before[i], nullptr);
        for (std::size_t i = common; i < after.size(); ++i) flag(*out, after[i], nullptr);
    }
}

std::array<bool, 1> household_differs(const model::Household& a, const model::Household& b) {
    return {!(a.id == b.id && a.location == b.location && a.grid_code == b.grid_code && a.compound == b.compound &&
              a.building == b.building && a.tags == b.tags && a.moved_out == b.moved_out)};
}

std::array<bool, 1> facility_differs(const model::Facility& a, const model::Facility& b) {
    return {!(a.id == b.id && a.location == b.location && a.kind == b.kind && a.name == b.name &&
              a.grid_code == b.grid_code && a.compound == b.compound)};
}

bool same_event(const model::IncidentEvent& a, const model::IncidentEvent& b) {
    return a.id == b.id && a.incident_id == b.incident_id && a.at == b.at && a.from_state == b.from_state &&
           a.to_state == b.to_state && a.note == b.note;
}

/// Incidents whose event history differs (sorted ids): the deadline light
/// reads it. Events are append-only, so an edited snapshot's differ only
/// from `first_new` on (its edit appended there); two unrelated snapshots
/// (`first_new` 0) are compared event by event. Comparing the shared events
/// too cost every publish a pass over all of them (1.4M at 200k incidents).
std::vector<std::int64_t> incidents_with_new_history(const model::Table<model::IncidentEvent>& before,
                                                     const model::Table<model::IncidentEvent>& after,
                                                     std::size_t first_new) {
    std::vector<std::int64_t> ids;
    const std::size_t common = std::min(before.size(), after.size());
    for (std::size_t i = std::min(first_new, common); i < common; ++i) {
        if (same_event(before[i], after[i])) continue;
        ids.push_back(before[i].incident_id);
        ids.push_back(after[i].incident_id);
    }
    for (std::size_t i = common; i < before.size(); ++i) ids.push_back(before[i].incident_id);
    for (std::size_t i = common; i < after.size(); ++i) ids.push_back(after[i].incident_id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

/// Whether an incident differs in what the incidents layer shows (the
/// deadline clock's inputs included, `history_changed` for its events) and in
/// what heat counts and filters by; one pass, as incidents are many.
template <class HistoryChanged>
std::array<bool, 2> incident_differs(const model::Incident& a, const model::Incident& b,
                                     HistoryChanged history_changed) {
    const bool counted_alike = a.location == b.location && a.category == b.category && a.state == b.state;
    const bool shown_alike = counted_alike && a.id == b.id && a.triage == b.triage && a.grid_code == b.grid_code &&
                             a.dispatched_at == b.dispatched_at && a.deadline == b.deadline &&
                             a.closed_at == b.closed_at && !history_changed(a.id);
    return {!shown_alike, !(counted_alike && a.reported_at == b.reported_at)};
}

/// A grid's world box from its lon/lat box: Web Mercator keeps x order and flips y.
geo::Box world_box(const model::Grid& grid, const geo::Point& label_world) {
    const geo::Box lonlat = geo::bounds(grid.geometry);
    geo::Box box;
    box.expand(label_world);
    if (lonlat.empty()) return box;
    box.expand(lonlat_to_world({lonlat.min_x, lonlat.max_y}));
    box.expand(lonlat_to_world({lonlat.max_x, lonlat.min_y}));
    return box;
}

bool same_rings(const GridShapes& a, std::size_t i, const GridShapes& b, std::size_t j) {
    const std::size_t polygons = a.polygon_count(i);
    if (b.polygon_count(j) != polygons) return false;
    for (std::size_t p = 0; p < polygons; ++p) {
        if (a.ring_count(i, p) != b.ring_count(j, p)) return false;
    }
    std::vector<geo::Point> ring_a;
    std::vector<geo::Point> ring_b;
    // The full-detail rings first: they differ whenever the grid itself changed.
    for (int step = 0; step <= GridShapes::detail_zoom; ++step) {
        const int z = GridShapes::detail_zoom - step;
        for (std::size_t p = 0; p < polygons; ++p) {
            for (std::size_t r = 0; r < a.ring_count(i, p); ++r) {
                a.ring(i, p, r, z, ring_a);
                b.ring(j, p, r, z, ring_b);
                if (ring_a != ring_b) return false;
            }
        }
    }
    return true;
}

/// Positions (into `ranks`) outside one longest strictly increasing run: the
/// fewest elements whose moving explains the new order.
std::vector<std::size_t> out_of_order(const std::vector<std::size_t>& ranks) {
    std::vector<std::size_t> tails;  // positions ending the best run of each length
    std::vector<std::size_t> previous(ranks.size(), ranks.size());
    for (std::size_t k = 0; k < ranks.size(); ++k) {
        const auto at = std::lower_bound(tails.begin(), tails.end(), ranks[k], [&ranks](std::size_t position, std::size_t rank) {
            return ranks[position] < rank;
        });
        if (at != tails.begin()) previous[k] = *(at - 1);
        if (at == tails.end()) {
            tails.push_back(k);
        } else {
            *at = k;
        }
    }
    std::vector<bool> kept(ranks.size(), false);
    for (std::size_t k = tails.empty() ? ranks.size() : tails.back(); k < ranks.size(); k = previous[k]) kept[k] = true;
    std::vector<std::size_t> moved;
    for (std::size_t k = 0; k < ranks.size(); ++k) {
        if (!kept[k]) moved.push_back(k);
    }
    return moved;
}

}  // namespace

bool TileChanges::empty() const noexcept {
    return std::all_of(boxes.begin(), boxes.end(), [](const std::vector<geo::Box>& layer) { return layer.empty(); });
}

std::span<const geo::Box> TileChanges::of(Layer layer) const noexcept { return boxes[layer_index(layer)]; }

TileChanges changed_areas(const TileIndex& before, const TileIndex& after) {
    TileChanges changes;
    const model::Tables& old_data = before.snapshot().data();
    const model::Tables& new_data = after.snapshot().data();
    const model::Changes& delta = after.snapshot().changes();
    const bool edited = !delta.rebuilt && delta.from_version == before.version();

    // Grids, matched by code (thousands, not millions: a hash map is fine),
    // unless the edit shared every part of the grid tiles.
    if (before.grids_ != after.grids_ || before.grid_households_ != after.grid_households_) {
        changed_grids(before, after, boxes_of(changes, Layer::grids));
    }

    diff_rows<model::Household, 1>(old_data.households, new_data.households, edited ? &delta.households : nullptr,
                                   household_differs, {&boxes_of(changes, Layer::households)});
    diff_rows<model::Facility, 1>(old_data.facilities, new_data.facilities, edited ? &delta.facilities : nullptr,
                                  facility_differs, {&boxes_of(changes, Layer::facilities)});
    const std::vector<std::int64_t> new_history = incidents_with_new_history(
        old_data.incident_events, new_data.incident_events, edited ? delta.events_before : 0);
    const auto history_changed = [&new_history](std::int64_t id) {
        return std::binary_search(new_history.begin(), new_history.end(), id);
    };
    std::vector<std::size_t> incidents;
    if (edited) {
        incidents = delta.incidents;
        for (const std::int64_t id : new_history) {
            if (const auto position = after.snapshot().incident_position(id)) incidents.push_back(*position);
        }
        std::sort(incidents.begin(), incidents.end());
        incidents.erase(std::unique(incidents.begin(), incidents.end()), incidents.end());
    }
    diff_rows<model::Incident, 2>(
        old_data.incidents, new_data.incidents, edited ? &incidents : nullptr,
        [&](const model::Incident& a, const model::Incident& b) { return incident_differs(a, b, history_changed); },
        {&boxes_of(changes, Layer::incidents), &boxes_of(changes, Layer::heat)});
    return changes;
}

void changed_grids(const TileIndex& before, const TileIndex& after, std::vector<geo::Box>& grid_boxes) {
    const auto old_grids = before.snapshot().current_grids();
    const auto new_grids = after.snapshot().current_grids();
    const TileIndex::GridLayer& old_layer = *before.grids_;
    const TileIndex::GridLayer& new_layer = *after.grids_;
    const std::vector<std::int64_t>& old_households = *before.grid_households_;
    const std::vector<std::int64_t>& new_households = *after.grid_households_;
    std::unordered_map<std::string_view, std::size_t> old_position;
    old_position.reserve(old_grids.size());
    for (std::size_t i = 0; i < old_grids.size(); ++i) old_position.emplace(old_grids[i]->code, i);
    const auto old_box = [&](std::size_t i) { return world_box(*old_grids[i], old_layer.labels[i]); };
    const auto new_box = [&](std::size_t j) { return world_box(*new_grids[j], new_layer.labels[j]); };
    std::vector<bool> matched(old_grids.size(), false);
    std::vector<std::size_t> ranks;       // old position of each matched new grid, in new order
    std::vector<std::size_t> rank_grid;   // and its new position
    for (std::size_t j = 0; j < new_grids.size(); ++j) {
        const model::Grid& grid = *new_grids[j];
        const auto found = old_position.find(grid.code);
        if (found == old_position.end() || matched[found->second]) {
            grid_boxes.push_back(new_box(j));
            continue;
        }
        const std::size_t i = found->second;
        matched[i] = true;
        const model::Grid& old = *old_grids[i];
        const bool same = old.name == grid.name && old.level == grid.level && old.parent_code == grid.parent_code &&
                          old_households[i] == new_households[j] && old_layer.staff[i] == new_layer.staff[j] &&
                          old_layer.labels[i] == new_layer.labels[j] &&
                          same_rings(old_layer.shapes, i, new_layer.shapes, j);
        if (same) {
            ranks.push_back(i);
            rank_grid.push_back(j);
        } else {
            grid_boxes.push_back(old_box(i));
            grid_boxes.push_back(new_box(j));
        }
    }
    for (const std::size_t k : out_of_order(ranks)) {
        grid_boxes.push_back(old_box(ranks[k]));
        grid_boxes.push_back(new_box(rank_grid[k]));
    }
    for (std::size_t i = 0; i < old_grids.size(); ++i) {
        if (!matched[i]) grid_boxes.push_back(old_box(i));
    }
}

}  // namespace wangge::tiles
