#include "wangge/http/households.hpp"

#include <algorithm>

#include "wangge/geo/types.hpp"
#include "wangge/model/snapshot.hpp"

namespace wangge::http {

namespace {

void unique_sorted(std::vector<rules::Building>& buildings) {
    std::sort(buildings.begin(), buildings.end());
    buildings.erase(std::unique(buildings.begin(), buildings.end()), buildings.end());
}

}  // namespace

HouseholdCounts::HouseholdCounts() : lazy_(std::make_shared<Lazy>()) {}

const HouseholdCounts::Tallies& HouseholdCounts::tallies(const model::Snapshot& snapshot) const {
    std::call_once(lazy_->once, [&] {
        Tallies& t = lazy_->tallies;
        for (const model::Household& household : snapshot.data().households) {
            if (!household.resident() || household.grid_code.empty()) continue;
            ++t.households[household.grid_code];
            t.residents[household.grid_code] += household.members;
            if (!household.compound.empty()) {
                t.buildings[household.grid_code].push_back({household.compound, household.building});
            }
        }
        for (auto& [code, buildings] : t.buildings) unique_sorted(buildings);
    });
    return lazy_->tallies;
}

bool same_households(const View& next, const View* previous) noexcept {
    const model::Changes& changes = next.snapshot().changes();
    return previous != nullptr && !changes.rebuilt && !changes.layout && changes.households.empty();
}

void derive_household_counts(State& state) {
    state.derive_incremental<HouseholdCounts>([](const View& next, const View* previous) {
        if (same_households(next, previous)) {
            // Copies share the lazy counts: the households did not change.
            return std::make_shared<const HouseholdCounts>(previous->derived<HouseholdCounts>());
        }
        return std::make_shared<const HouseholdCounts>();
    });
}

int primary_staff_count(const model::Snapshot& snapshot, std::string_view code) {
    const auto staff = snapshot.staff_of(code);
    return static_cast<int>(std::count_if(staff.begin(), staff.end(), [](const model::GridStaff& link) {
        return link.duty == model::Duty::primary;
    }));
}

std::optional<std::unordered_map<std::string, int>> primary_staff_counts(const model::Snapshot& snapshot,
                                                                         std::span<const model::Grid> layout) {
    if (snapshot.data().staff_grids.empty()) return std::nullopt;
    std::unordered_map<std::string, int> counts;
    for (const model::Grid& grid : layout) {
        if (grid.staffed_level()) counts.emplace(grid.code, primary_staff_count(snapshot, grid.code));
    }
    return counts;
}

namespace {

class LiveGridFacts final : public drafts::GridFacts {
public:
    explicit LiveGridFacts(const State& state) : state_(state) {}

    [[nodiscard]] Tally in_grid(std::string_view code) const override {
        const auto view = state_.view();
        const HouseholdCounts::Tallies& tallies = view->derived<HouseholdCounts>().tallies(view->snapshot());
        const std::string key(code);
        Tally tally;
        if (const auto found = tallies.households.find(key); found != tallies.households.end()) {
            tally.households = found->second;
        }
        if (const auto found = tallies.residents.find(key); found != tallies.residents.end()) {
            tally.residents = found->second;
        }
        if (const auto found = tallies.buildings.find(key); found != tallies.buildings.end()) {
            tally.buildings = found->second;
        }
        return tally;
    }

    [[nodiscard]] Tally inside(const geo::MultiPolygon& lonlat) const override {
        const auto view = state_.view();
        const model::Snapshot& snapshot = view->snapshot();
        const auto& households = snapshot.data().households;
        Tally tally;
        snapshot.household_index().query(geo::bounds(lonlat), [&](std::size_t position) {
            const model::Household& household = households[position];
            if (!household.resident() || !geo::contains(lonlat, household.location)) return true;
            ++tally.households;
            tally.residents += household.members;
            if (!household.compound.empty()) tally.buildings.push_back({household.compound, household.building});
            return true;
        });
        unique_sorted(tally.buildings);
        return tally;
    }

    [[nodiscard]] std::optional<int> primary_staff(std::string_view code) const override {
        const auto view = state_.view();
        if (view->snapshot().data().staff_grids.empty()) return std::nullopt;
        return primary_staff_count(view->snapshot(), code);
    }

private:
    const State& state_;
};

}  // namespace

std::shared_ptr<const drafts::GridFacts> live_grid_facts(const State& state) {
    return std::make_shared<const LiveGridFacts>(state);
}

}  // namespace wangge::http
