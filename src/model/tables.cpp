#include "wangge/model/tables.hpp"

#include <algorithm>
#include <iterator>

namespace wangge::model {

Dataset to_dataset(const Tables& tables) {
    return {tables.grids.to_vector(),      tables.staff.to_vector(),      tables.staff_grids.to_vector(),
            tables.households.to_vector(), tables.facilities.to_vector(), tables.incidents.to_vector(),
            tables.incident_events.to_vector(), tables.visits.to_vector()};
}

namespace {

std::vector<std::size_t> union_of(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) {
    std::vector<std::size_t> both;
    both.reserve(a.size() + b.size());
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    return both;
}

}  // namespace

Changes combine(const Changes& earlier, const Changes& later) {
    Changes both = earlier;
    both.rebuilt = earlier.rebuilt || later.rebuilt;
    both.layout = earlier.layout || later.layout;
    both.staff = earlier.staff || later.staff;
    both.households = union_of(earlier.households, later.households);
    both.facilities = union_of(earlier.facilities, later.facilities);
    both.incidents = union_of(earlier.incidents, later.incidents);
    return both;
}

}  // namespace wangge::model
