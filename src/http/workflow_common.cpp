#include "workflow_common.hpp"

#include <algorithm>
#include <string>


namespace wangge::http::detail {

const model::Incident& find_incident(const model::Snapshot& snapshot, std::int64_t id) {
    const auto& incidents = snapshot.data().incidents;
    const auto found =
        std::find_if(incidents.begin(), incidents.end(), [id](const model::Incident& i) { return i.id == id; });
    if (found == incidents.end()) {
        throw ClientError(ErrorKind::not_found, "not_found", "no incident " + std::to_string(id));
    }
    return *found;
}

std::vector<model::IncidentEvent> history_of(const model::Snapshot& snapshot, std::int64_t incident_id) {
    std::vector<model::IncidentEvent> history;
    for (const model::IncidentEvent& event : snapshot.data().incident_events) {
        if (event.incident_id == incident_id) history.push_back(event);
    }
    std::stable_sort(history.begin(), history.end(), [](const auto& a, const auto& b) {
        return a.at != b.at ? a.at < b.at : a.id < b.id;
    });
    return history;
}

std::string write_detail(const workflow::Transition& stored) {
    const model::IncidentEvent& event = stored.event;
    return (event.from_state.empty() ? std::string() : event.from_state + " → ") + event.to_state + " (event " +
           std::to_string(event.id) + "), grid " + stored.incident.grid_code + ", assignee " +
           stored.incident.assignee;
}

}  // namespace wangge::http::detail
