#include "wangge/drafts/publish.hpp"

#include <map>
#include <utility>

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
    [[nodiscard]] std::string code_at(const geo::Point& p) const {
        const auto found = snapshot_->lookup(p);
        return found ? found->grid().code : std::string();
    }

private:
    std::shared_ptr<const model::Snapshot> snapshot_;
};

template <class Row, class Count>
void reassign(const model::Table<Row>& rows, const NewLayout& layout, std::vector<store::GridCodeChange>& changes,
              std::map<PairKey, Reassignment>& pairs, Count count, bool (*eligible)(const Row&)) {
    for (const Row& row : rows) {
        if (!eligible(row)) continue;
        std::string code = layout.code_at(row.location);
        if (code == row.grid_code) continue;
        Reassignment& pair = pairs[{row.grid_code, code}];
        pair.from = row.grid_code;
        pair.to = code;
        ++(pair.*count);
        changes.push_back({row.id, std::move(code)});
    }
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
    const int version = layout_version(current.current_grids()) + 1;
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
    return plan;
}

void apply_publication(model::SnapshotEditor& editor, const store::LayoutPublication& publication) {
    editor.replace_layout(publication.at, publication.grids);
    for (const store::GridCodeChange& change : publication.households) editor.set_household_grid(change.id, change.grid_code);
    for (const store::GridCodeChange& change : publication.facilities) editor.set_facility_grid(change.id, change.grid_code);
    for (const store::GridCodeChange& change : publication.incidents) editor.set_incident_grid(change.id, change.grid_code);
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
