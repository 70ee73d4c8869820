#include "wangge/http/households.hpp"

#include <algorithm>

#include "wangge/geo/types.hpp"
#include "wangge/model/snapshot.hpp"

namespace wangge::http {

HouseholdCounts::HouseholdCounts() : lazy_(std::make_shared<Lazy>()) {}

const HouseholdCounts::Map& HouseholdCounts::of(const model::Snapshot& snapshot) const {
    std::call_once(lazy_->once, [&] {
        for (const model::Household& household : snapshot.data().households) {
            if (household.resident() && !household.grid_code.empty()) ++lazy_->counts[household.grid_code];
        }
    });
    return lazy_->counts;
}

void derive_household_counts(State& state) {
    state.derive_incremental<HouseholdCounts>([](const View& next, const View* previous) {
        const model::Changes& changes = next.snapshot().changes();
        if (previous != nullptr && !changes.rebuilt && !changes.layout && changes.households.empty()) {
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
        if (grid.level == model::GridLevel::grid) counts.emplace(grid.code, primary_staff_count(snapshot, grid.code));
    }
    return counts;
}

namespace {

class LiveGridFacts final : public drafts::GridFacts {
public:
    explicit LiveGridFacts(const State& state) : state_(state) {}

    [[nodiscard]] int in_grid(std::string_view code) const override {
        const auto view = state_.view();
        const HouseholdCounts::Map& counts = view->derived<HouseholdCounts>().of(view->snapshot());
        const auto found = counts.find(std::string(code));
        return found == counts.end() ? 0 : found->second;
    }

    [[nodiscard]] int inside(const geo::MultiPolygon& lonlat) const override {
        const auto view = state_.view();
        const model::Snapshot& snapshot = view->snapshot();
        const auto& households = snapshot.data().households;
        int count = 0;
        snapshot.household_index().query(geo::bounds(lonlat), [&](std::size_t position) {
            const model::Household& household = households[position];
            if (household.resident() && geo::contains(lonlat, household.location)) ++count;
            return true;
        });
        return count;
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
