#include "workflow_common.hpp"

#include <algorithm>
#include <string>

#include "wangge/workflow/states.hpp"


namespace wangge::http::detail {

nlohmann::json json_object_body(const Request& request) {
    nlohmann::json body;
    try {
        body = nlohmann::json::parse(request.body());
    } catch (const nlohmann::json::exception& e) {
        throw InputError(std::string("the request body is not JSON: ") + e.what());
    }
    if (!body.is_object()) throw InputError("the request body must be a JSON object");
    return body;
}

const model::Incident& find_incident(const model::Snapshot& snapshot, std::int64_t id) {
    const auto& incidents = snapshot.data().incidents;
    const auto found =
        std::find_if(incidents.begin(), incidents.end(), [id](const model::Incident& i) { return i.id == id; });
    if (found == incidents.end()) {
        throw HttpError(Status::not_found, "not_found", "no incident " + std::to_string(id));
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

std::size_t character_count(std::string_view text) noexcept {
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

void check_length(std::string_view text, const TextLimit& limit) {
    if (character_count(text) <= limit.max_characters) return;
    const std::string max = std::to_string(limit.max_characters);
    throw workflow::WorkflowError("too_long",
                                  "field \"" + std::string(limit.field) + "\" is longer than " + max + " characters",
                                  std::string(limit.field_zh) + "不能超过" + max + "个字");
}

std::string write_detail(const workflow::Transition& stored) {
    const model::IncidentEvent& event = stored.event;
    return (event.from_state.empty() ? std::string() : event.from_state + " → ") + event.to_state + " (event " +
           std::to_string(event.id) + "), grid " + stored.incident.grid_code + ", assignee " +
           stored.incident.assignee;
}

}  // namespace wangge::http::detail
