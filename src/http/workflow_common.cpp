#include "workflow_common.hpp"

#include <string>


namespace wangge::http::detail {

const model::Incident& find_incident(const model::Snapshot& snapshot, std::int64_t id) {
    const model::Incident* found = snapshot.incident(id);
    if (found == nullptr) throw ClientError(ErrorKind::not_found, "not_found", "no incident " + std::to_string(id));
    return *found;
}

std::vector<model::IncidentEvent> history_of(const model::Snapshot& snapshot, std::int64_t incident_id) {
    std::vector<model::IncidentEvent> history;
    for (const model::IncidentEvent* event : snapshot.events_of(incident_id)) history.push_back(*event);
    return history;
}

std::string write_detail(const workflow::Transition& stored) {
    const model::IncidentEvent& event = stored.event;
    return (event.from_state.empty() ? std::string() : event.from_state + " → ") + event.to_state + " (event " +
           std::to_string(event.id) + "), grid " + stored.incident.grid_code + ", assignee " +
           stored.incident.assignee;
}

}  // namespace wangge::http::detail
