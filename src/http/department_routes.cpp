#include "wangge/http/department_routes.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/auth/policy.hpp"
#include "wangge/http/body.hpp"
#include "wangge/workflow/departments.hpp"
#include "wangge/workflow/month.hpp"
#include "wangge/workflow/states.hpp"

#include "workflow_common.hpp"

namespace wangge::http {

namespace {

using nlohmann::json;

json department_json(const workflow::Department& department) {
    return {{"code", department.code},
            {"name", department.name},
            {"acknowledge_hours", department.acknowledge_hours},
            {"deadline_hours",
             {{"general", department.deadline_hours[0]},
              {"coordination", department.deadline_hours[1]},
              {"urgent", department.deadline_hours[2]}}}};
}

std::int64_t hours_field(const json& object, const char* name, const char* name_zh) {
    const auto found = object.find(name);
    if (found == object.end() || !found->is_number_integer()) {
        throw ClientError(ErrorKind::bad_request, "invalid_field",
                          std::string("field \"deadline_hours.") + name + "\" must be a whole number of hours",
                          std::string("字段 deadline_hours.") + name + "（" + name_zh + "）应为整数小时");
    }
    return found->get<std::int64_t>();
}

workflow::Department department_from(const JsonBody& body) {
    workflow::Department department;
    department.code = body.required_string("code");
    department.name = body.required_string("name");
    department.acknowledge_hours = body.integer("acknowledge_hours").value_or(2);
    const json* hours = body.find("deadline_hours");
    if (hours == nullptr || !hours->is_object()) {
        throw ClientError(ErrorKind::bad_request, "invalid_field",
                          "field \"deadline_hours\" must be {\"general\",\"coordination\",\"urgent\"} in hours",
                          "字段 deadline_hours 应为各级事件的办理时限（小时）：general、coordination、urgent");
    }
    department.deadline_hours = {hours_field(*hours, "general", "一般"), hours_field(*hours, "coordination", "协调"),
                                 hours_field(*hours, "urgent", "紧急")};
    workflow::check_department(department);
    return department;
}

/// The last step at `code` of each case ever dispatched there.
std::vector<std::pair<const model::Incident*, workflow::DepartmentStep>> cases_of(const model::Snapshot& snapshot,
                                                                              std::string_view code,
                                                                              model::Timestamp now) {
    std::vector<std::pair<const model::Incident*, workflow::DepartmentStep>> cases;
    std::vector<std::int64_t> ids;
    for (const model::IncidentEvent& event : snapshot.data().incident_events) {
        if (event.note.find("（" + std::string(code) + "）") != std::string::npos) ids.push_back(event.incident_id);
    }
    std::sort(ids.begin(), ids.end(), std::greater<>());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (const std::int64_t id : ids) {
        const model::Incident* incident = snapshot.incident(id);
        if (incident == nullptr) continue;
        const std::vector<workflow::DepartmentStep> steps = workflow::department_steps(detail::history_of(snapshot, id), now);
        const auto last = std::find_if(steps.rbegin(), steps.rend(),
                                       [&](const workflow::DepartmentStep& step) { return step.code == code; });
        if (last != steps.rend()) cases.emplace_back(incident, *last);
    }
    return cases;
}

}  // namespace

void add_department_routes(Router& router, const State& state, const AuthGate& gate,
                           store::DepartmentStore& departments) {
    router.get("/departments", [&gate, &departments](const Request& request) {
        request.query().allow_only({});
        (void)gate.require(request, auth::Action::handle_incident);
        json list = json::array();
        for (const workflow::Department& department : departments.list()) list.push_back(department_json(department));
        return Response::json({{"departments", std::move(list)}});
    }, Execution::worker);

    router.post("/departments", [&gate, &departments](const Request& request) {
        request.query().allow_only({});
        const auth::Principal who = gate.require(request, auth::Action::manage_users);
        const JsonBody body(request, {"code", "name", "acknowledge_hours", "deadline_hours"});
        const workflow::Department department = department_from(body);
        const bool added = departments.put(department, [&](bool is_new) {
            return gate.audit_entry(request, who, "departments.put", "departments", {department.code},
                                    auth::Outcome::ok, (is_new ? "added " : "replaced ") + department.name);
        });
        return Response::json(department_json(department), added ? Status::created : Status::ok);
    }, Execution::write);

    // Scans the city's events for the department's dispatches: on the worker pool.
    router.get("/departments/{code}/incidents", [&state, &gate, &departments](const Request& request) {
        request.query().allow_only({});
        const auth::Principal who = gate.require(request, auth::Action::handle_incident);
        const std::string code(request.param("code"));
        const std::string_view own = auth::department_of(who);
        if (!own.empty() && own != code) {
            throw ClientError(ErrorKind::forbidden, "out_of_scope", "another department's cases",
                              "不能查看其他部门的案件");
        }
        const std::optional<workflow::Department> department = departments.find(code);
        if (!department) {
            throw ClientError(ErrorKind::not_found, "not_found", "no department " + code,
                              "没有编码为 " + code + " 的职能部门");
        }
        const model::Timestamp now = gate.now();
        const auto view = state.view();
        json cases = json::array();
        for (const auto& [incident, step] : cases_of(view->snapshot(), code, now)) {
            // A supervisor sees the department's cases of their own area.
            if (own.empty() &&
                auth::decide(who, auth::Action::handle_incident, incident->grid_code) != auth::Decision::allowed) {
                continue;
            }
            const auto state_of = workflow::parse_state(incident->state);
            cases.push_back({{"id", incident->id},
                             {"category", incident->category},
                             {"triage", incident->triage},
                             {"state", incident->state},
                             {"state_zh", state_of ? json(workflow::label_zh(*state_of)) : json(incident->state)},
                             {"description", incident->description},
                             {"grid_code", incident->grid_code},
                             {"at_department", step.open() && workflow::department_of_assignee(incident->assignee) == code},
                             {"step", workflow::to_json(step)}});
        }
        Response response = Response::json({{"department", department_json(*department)}, {"incidents", std::move(cases)}});
        vary_by_session(response, "no-store");
        return response;
    }, Execution::worker);

    // Reads the histories of every case that went to a department: on the worker pool.
    router.get("/stats/departments", [&state, &gate, &departments](const Request& request) {
        request.query().allow_only({"month"});
        (void)gate.require(request, auth::Action::read_statistics);
        const model::Timestamp now = gate.now();
        const std::optional<std::string_view> text = request.query().get("month");
        const workflow::Month month = text ? workflow::Month::parse(*text) : workflow::Month::of(now);
        const auto view = state.view();
        const std::vector<workflow::Department> listed = departments.list();
        return Response::json(
            workflow::to_json(month, workflow::department_statistics(view->snapshot(), month, now, listed)));
    }, Execution::worker);
}

}  // namespace wangge::http
