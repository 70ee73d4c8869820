#include "workflow_common.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "wangge/model/text.hpp"
#include "wangge/workflow/departments.hpp"
#include "wangge/workflow/states.hpp"

namespace wangge::http::detail {

workflow::Month month_param(const Request& request, model::Timestamp now) {
    const std::optional<std::string_view> text = request.query().get("month");
    return text ? workflow::Month::parse(*text) : workflow::Month::of(now);
}

const model::Grid& current_grid(const model::Snapshot& snapshot, const std::string& code) {
    const model::Grid* grid = snapshot.current_grid(code);
    if (grid == nullptr) {
        throw ClientError(ErrorKind::not_found, "unknown_grid", "no grid in force has the code " + code,
                          "没有编码为 " + code + " 的现行网格");
    }
    return *grid;
}

const model::Incident& find_incident(const model::Snapshot& snapshot, std::int64_t id) {
    const model::Incident* found = snapshot.incident(id);
    if (found == nullptr) throw ClientError(ErrorKind::not_found, "not_found", "no incident " + std::to_string(id),
                                            "没有编号为 " + std::to_string(id) + " 的事件");
    return *found;
}

const model::Household& find_household(const model::Snapshot& snapshot, std::int64_t id) {
    const model::Household* found = snapshot.household(id);
    if (found == nullptr) throw ClientError(ErrorKind::not_found, "not_found", "no household " + std::to_string(id),
                                            "没有编号为 " + std::to_string(id) + " 的住户");
    return *found;
}

std::string report_scope(const model::Snapshot& snapshot, const auth::Principal& reporter,
                         const model::Incident& incident) {
    if (auth::decide(reporter, auth::Action::report_incident, incident.grid_code) == auth::Decision::allowed) {
        return incident.grid_code;
    }
    const auto found = snapshot.lookup(incident.location);
    return found && found->dedicated != nullptr && found->dedicated->code == incident.grid_code ? found->grid().code
                                                                                                : incident.grid_code;
}

std::vector<model::IncidentEvent> history_of(const model::Snapshot& snapshot, std::int64_t incident_id) {
    std::vector<model::IncidentEvent> history;
    for (const model::IncidentEvent* event : snapshot.events_of(incident_id)) history.push_back(*event);
    return history;
}

void check_length(std::string_view text, const TextLimit& limit) {
    if (model::character_count(text) <= limit.max_characters) return;
    const std::string max = std::to_string(limit.max_characters);
    throw workflow::WorkflowError("too_long",
                                  "field \"" + std::string(limit.field) + "\" is longer than " + max + " characters",
                                  std::string(limit.field_zh) + "不能超过" + max + "个字");
}

namespace {

[[noreturn]] void not_your_department() {
    throw ClientError(ErrorKind::forbidden, "out_of_scope", "the case is not dispatched to your department",
                      "该案件未派遣至您的部门");
}

}  // namespace

bool may_handle(const auth::Principal& who, const model::Incident& incident) {
    const std::string_view department = auth::department_of(who);
    if (!department.empty()) return workflow::department_of_assignee(incident.assignee) == department;
    return auth::decide(who, auth::Action::handle_incident, incident.grid_code) == auth::Decision::allowed;
}

auth::Principal require_case_handler(const AuthGate& gate, const Request& request, const model::Incident& incident) {
    auth::Principal who = gate.require(request, auth::Action::handle_incident);
    if (auth::department_of(who).empty()) return gate.require(request, auth::Action::handle_incident, incident.grid_code);
    if (!may_handle(who, incident)) not_your_department();
    return who;
}

auth::Principal require_case_reader(const AuthGate& gate, const Request& request, const model::Incident& incident,
                                    std::span<const model::IncidentEvent> history) {
    auth::Principal who = gate.principal(request);
    const std::string_view department = auth::department_of(who);
    if (department.empty()) return gate.require(request, auth::Action::read_incidents);
    if (may_handle(who, incident)) return who;
    for (const workflow::DepartmentStep& step : workflow::department_steps(history, gate.now())) {
        if (step.code == department) return who;
    }
    not_your_department();
}

/// Keeps what a scoped user may see: units of their scope, workers with a grid in it.
void restrict_to_scope(workflow::Ranking& ranking, const model::Snapshot& snapshot, const auth::User& user) {
    const auto outside = [&](const workflow::RankedUnit& unit) { return !auth::covers(user, unit.key); };
    std::erase_if(ranking.communities, outside);
    std::erase_if(ranking.streets, outside);
    std::erase_if(ranking.flagged, [&](const workflow::RepeatedUnfit& entry) {
        if (entry.level != "worker") return !auth::covers(user, entry.key);
        const auto& links = snapshot.data().staff_grids;
        return std::none_of(links.begin(), links.end(), [&](const model::StaffGrid& link) {
            return std::to_string(link.staff_id) == entry.key && auth::covers(user, link.grid_code);
        });
    });
}

void restrict_to_scope(workflow::Demands& demands, const auth::User& user) {
    const auto outside = [&](const workflow::AreaDemands& area) { return !auth::covers(user, area.code); };
    std::erase_if(demands.grids, outside);
    std::erase_if(demands.communities, outside);
    std::erase_if(demands.streets, outside);
}

workflow::Transition store_rating(const WorkflowServices& services, std::int64_t id, std::int64_t score,
                                  const std::string& comment, const std::string& actor,
                                  const std::function<auth::AuditEntry(const workflow::Transition&)>& audit) {
    const model::Timestamp at = services.gate.now();
    // Out-of-range scores fail in rate() with the others, before anything is stored.
    const int bounded = static_cast<int>(std::clamp<std::int64_t>(score, std::numeric_limits<int>::min(),
                                                                  std::numeric_limits<int>::max()));
    return services.writer.update_incident(
        [&](const model::Snapshot& current) {
            return workflow::rate(find_incident(current, id), history_of(current, id), bounded, comment, actor, at);
        },
        audit);
}

std::string write_detail(const workflow::Transition& stored) {
    const model::IncidentEvent& event = stored.event;
    return (event.from_state.empty() ? std::string() : event.from_state + " → ") + event.to_state + " (event " +
           std::to_string(event.id) + "), grid " + stored.incident.grid_code + ", assignee " +
           stored.incident.assignee;
}

}  // namespace wangge::http::detail
