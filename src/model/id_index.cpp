#include "wangge/model/id_index.hpp"

#include <tuple>

namespace wangge::model {

EventIndex EventIndex::build(const Table<IncidentEvent>& events) {
    auto sorted = std::make_shared<std::vector<Pair>>();
    sorted->reserve(events.size());
    for (auto it = events.begin(); it != events.end(); ++it) sorted->push_back({it->incident_id, it.position()});
    std::sort(sorted->begin(), sorted->end(), [&events](const Pair& a, const Pair& b) {
        const IncidentEvent& x = events[a.second];
        const IncidentEvent& y = events[b.second];
        return std::tuple(a.first, x.at, x.id, a.second) < std::tuple(b.first, y.at, y.id, b.second);
    });
    EventIndex index;
    index.base_ = std::move(sorted);
    return index;
}

EventIndex EventIndex::next(const Table<IncidentEvent>& events, std::size_t previous_size) const {
    if (previous_size == events.size()) return *this;
    EventIndex index = *this;
    for (std::size_t position = previous_size; position < events.size(); ++position) {
        const Pair pair{events[position].incident_id, position};
        index.overlay_.insert(std::upper_bound(index.overlay_.begin(), index.overlay_.end(), pair), pair);
    }
    return index;
}

std::vector<const IncidentEvent*> EventIndex::of(const Table<IncidentEvent>& events, std::int64_t incident_id) const {
    std::vector<const IncidentEvent*> found;
    const auto collect = [&](const std::vector<Pair>& pairs) {
        const auto by_incident = [](const Pair& a, const Pair& b) { return a.first < b.first; };
        const auto [first, last] = std::equal_range(pairs.begin(), pairs.end(), Pair{incident_id, 0}, by_incident);
        for (auto it = first; it != last; ++it) found.push_back(&events[it->second]);
    };
    collect(*base_);
    if (!overlay_.empty()) {
        collect(overlay_);
        std::stable_sort(found.begin(), found.end(), [](const IncidentEvent* a, const IncidentEvent* b) {
            return a->at != b->at ? a->at < b->at : a->id < b->id;
        });
    }
    return found;
}

}  // namespace wangge::model
