#include "wangge/drafts/publish.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "wangge/geo/geos.hpp"
#include "wangge/model/duty_days.hpp"

namespace wangge::drafts {

namespace {

using PairKey = std::pair<std::string, std::string>;

/// Grid codes under the new layout, found by the same lookup the server uses.
class NewLayout {
public:
    explicit NewLayout(const std::vector<model::Grid>& grids) {
        model::Dataset only_grids;
        only_grids.grids = grids;
        snapshot_ = model::Snapshot::build(std::move(only_grids), 0);
    }
    /// The base grid at `p`, or the row's dedicated grid while the new layout
    /// keeps it around `p` (a case routed to a dedicated grid stays there).
    template <class Row>
    [[nodiscard]] std::string code_for(const Row& row) const {
        const auto found = snapshot_->lookup(row.location);
        if (!found) return {};
        if (found->dedicated != nullptr && found->dedicated->code == row.grid_code) return row.grid_code;
        return found->grid().code;
    }

private:
    std::shared_ptr<const model::Snapshot> snapshot_;
};

template <class Row, class Count>
void reassign(const model::Table<Row>& rows, const NewLayout& layout, std::vector<store::GridCodeChange>& changes,
              std::map<PairKey, Reassignment>& pairs, Count count, bool (*eligible)(const Row&)) {
    for (const Row& row : rows) {
        if (!eligible(row)) continue;
        std::string code = layout.code_for(row);
        if (code == row.grid_code) continue;
        Reassignment& pair = pairs[{row.grid_code, code}];
        pair.from = row.grid_code;
        pair.to = code;
        ++(pair.*count);
        changes.push_back({row.id, std::move(code)});
    }
}

/// The new grid of the same level that takes the most of `old`'s area.
const model::Grid* successor(geo::geos::Context& context, const model::Grid& old,
                             const std::vector<model::Grid>& grids) {
    const geo::geos::Geometry shape = context.multipolygon(old.geometry);
    const geo::Box box = geo::bounds(old.geometry);
    const model::Grid* best = nullptr;
    double best_area = 0.0;
    for (const model::Grid& grid : grids) {
        if (grid.level != old.level || !box.intersects(geo::bounds(grid.geometry))) continue;
        // Degrees² compare fine within one city.
        const double area = shape.intersection(context.multipolygon(grid.geometry)).area();
        if (area > best_area) {
            best_area = area;
            best = &grid;
        }
    }
    return best;
}

/// The staff links of grids the new layout gives up, moved to the grid that
/// takes most of each one's area (a merge). A moved A岗 becomes B岗 where the
/// successor has its A岗 already, so a merge never leaves two; a grid the
/// layout keeps keeps its links, and a new code (a split) starts without
/// staff, which the no_primary_staff rule reports.
std::vector<store::GridStaffLinks> carried_staff(const model::Snapshot& current,
                                                 const std::vector<model::Grid>& grids) {
    std::set<std::string_view> kept;
    for (const model::Grid& grid : grids) kept.insert(grid.code);
    std::vector<store::GridStaffLinks> out;
    std::map<std::string, std::vector<model::StaffGrid>> incoming;  // successor code → links moving in
    geo::geos::Context context;
    for (const model::Grid* old : current.current_grids()) {
        const auto staff = current.staff_of(old->code);
        if (kept.contains(old->code) || staff.empty()) continue;
        out.push_back({old->code, {}});
        const model::Grid* next = successor(context, *old, grids);
        if (next == nullptr) continue;  // nothing takes its area: the links go with the grid
        for (const model::GridStaff& link : staff) {
            incoming[next->code].push_back(
                {link.staff->id, next->code, link.duty, model::duty_days_in(current, link.staff->id, old->code)});
        }
    }
    for (auto& [code, moving] : incoming) {
        std::vector<model::StaffGrid> links;
        for (const model::GridStaff& link : current.staff_of(code)) {
            links.push_back({link.staff->id, code, link.duty, model::duty_days_in(current, link.staff->id, code)});
        }
        for (model::StaffGrid& link : moving) {
            const auto same_staff = [&](const model::StaffGrid& l) { return l.staff_id == link.staff_id; };
            if (std::any_of(links.begin(), links.end(), same_staff)) continue;
            const bool has_primary = std::any_of(links.begin(), links.end(), [](const model::StaffGrid& l) {
                return l.duty == model::Duty::primary;
            });
            if (has_primary) link.duty = model::Duty::backup;
            links.push_back(std::move(link));
        }
        out.push_back({code, std::move(links)});
    }
    return out;
}

std::string grid_text(const std::string& code) { return code.empty() ? std::string("网格外") : code + " 网格"; }

}  // namespace

bool incident_open(const model::Incident& incident) noexcept {
    return incident.state != "closed" && incident.state != "voided";
}

PublishPlan plan_publication(const Draft& draft, const model::Snapshot& current, model::Timestamp now) {
    if (draft.grids().empty()) throw EditError("an empty layout cannot be published", "空的网格布局不能发布");
    PublishPlan plan;
    store::LayoutPublication& publication = plan.publication;
    publication.at = now;
    publication.base_layout_version = layout_version(current.current_grids());
    const int version = *publication.base_layout_version + 1;
    publication.grids = draft.grids();
    for (model::Grid& grid : publication.grids) {
        grid.valid_from = now;
        grid.valid_to.reset();
        grid.version = version;
    }
    const NewLayout layout(publication.grids);
    const model::Tables& data = current.data();
    std::map<PairKey, Reassignment> pairs;
    reassign<model::Household>(data.households, layout, publication.households, pairs, &Reassignment::households,
                               [](const model::Household&) { return true; });
    reassign<model::Facility>(data.facilities, layout, publication.facilities, pairs, &Reassignment::facilities,
                              [](const model::Facility&) { return true; });
    reassign<model::Incident>(data.incidents, layout, publication.incidents, pairs, &Reassignment::incidents,
                              [](const model::Incident& incident) { return incident_open(incident); });
    for (auto& [key, pair] : pairs) plan.moves.push_back(std::move(pair));
    publication.staff = carried_staff(current, publication.grids);
    return plan;
}

void apply_publication(model::SnapshotEditor& editor, const store::LayoutPublication& publication) {
    editor.replace_layout(publication.at, publication.grids);
    for (const store::GridCodeChange& change : publication.households) editor.set_household_grid(change.id, change.grid_code);
    for (const store::GridCodeChange& change : publication.facilities) editor.set_facility_grid(change.id, change.grid_code);
    for (const store::GridCodeChange& change : publication.incidents) editor.set_incident_grid(change.id, change.grid_code);
    for (const store::GridStaffLinks& grid : publication.staff) editor.set_grid_staff(grid.grid_code, grid.links);
}

nlohmann::json to_json(const std::vector<Reassignment>& moves) {
    std::size_t households = 0;
    std::size_t facilities = 0;
    std::size_t incidents = 0;
    nlohmann::json pairs = nlohmann::json::array();
    for (const Reassignment& move : moves) {
        households += move.households;
        facilities += move.facilities;
        incidents += move.incidents;
        std::string counted;
        const auto add = [&](std::size_t n, const char* unit) {
            if (n == 0) return;
            if (!counted.empty()) counted += "、";
            counted += std::to_string(n) + unit;
        };
        add(move.households, " 户");
        add(move.facilities, " 处设施");
        add(move.incidents, " 件在办事件");
        pairs.push_back({{"from", move.from},
                         {"to", move.to},
                         {"households", move.households},
                         {"facilities", move.facilities},
                         {"incidents", move.incidents},
                         {"message", counted + "从 " + grid_text(move.from) + "划入 " + grid_text(move.to)}});
    }
    return {{"households", households}, {"facilities", facilities}, {"incidents", incidents}, {"pairs", pairs}};
}

}  // namespace wangge::drafts
