#include "wangge/http/workflow_routes.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/auth/audit.hpp"
#include "wangge/auth/policy.hpp"
#include "wangge/http/body.hpp"
#include "wangge/http/household_routes.hpp"
#include "wangge/http/open311_routes.hpp"
#include "wangge/http/service_circle_routes.hpp"
#include "wangge/model/time.hpp"
#include "wangge/store/store.hpp"
#include "wangge/store/departments.hpp"
#include "wangge/workflow/deadlines.hpp"
#include "wangge/workflow/departments.hpp"
#include "wangge/workflow/history.hpp"
#include "wangge/workflow/month.hpp"
#include "wangge/workflow/states.hpp"
#include "wangge/workflow/statistics.hpp"
#include "wangge/workflow/visits.hpp"
#include "wangge/workflow/xlsx_report.hpp"

#include "workflow_common.hpp"

namespace wangge::http {

namespace {

using nlohmann::json;
using detail::find_incident;
using detail::history_of;
using detail::write_detail;

constexpr std::int64_t max_id = std::numeric_limits<std::int64_t>::max();

json time_json(std::optional<model::Timestamp> t) { return t ? json(model::format_iso8601(*t)) : json(nullptr); }

/// The stored name with its Chinese label, or the stored text alone when it is not a known name.
template <class Parse>
json label_of(const std::string& stored, Parse parse) {
    const auto parsed = parse(stored);
    return parsed ? json(workflow::label_zh(*parsed)) : json(stored);
}

json clock_json(const workflow::Clock& clock) {
    return {{"started", time_json(clock.started)},
            {"stopped", time_json(clock.stopped)},
            {"running", clock.running},
            {"allowed_s", clock.allowed_s},
            {"extended_s", clock.extended_s},
            {"paused_s", clock.paused_s},
            {"used_s", clock.used_s},
            {"used_fraction", clock.used_fraction()},
            {"due", time_json(clock.due)},
            {"overdue", clock.overdue()},
            {"light", workflow::to_string(clock.light())},
            {"light_zh", workflow::label_zh(clock.light())}};
}

json event_json(const model::IncidentEvent& event) {
    return {{"id", event.id},         {"incident_id", event.incident_id}, {"at", time_json(event.at)},
            {"actor", event.actor},   {"from_state", event.from_state},   {"to_state", event.to_state},
            {"note", event.note}};
}

/// The case's department steps (吹哨报到), the current one last.
json departments_json(std::span<const model::IncidentEvent> history, model::Timestamp now) {
    json steps = json::array();
    for (const workflow::DepartmentStep& step : workflow::department_steps(history, now)) {
        steps.push_back(workflow::to_json(step));
    }
    return steps;
}

/// The incident with its history and its deadline clock at `now` (light null before dispatch).
json incident_json(const model::Incident& incident, std::span<const model::IncidentEvent> history,
                   model::Timestamp now) {
    const std::optional<workflow::Clock> clock = workflow::clock_at(incident, history, now);
    json events = json::array();
    for (const model::IncidentEvent& event : history) events.push_back(event_json(event));
    return {{"id", incident.id},
            {"category", incident.category},
            {"source", incident.source},
            {"triage", incident.triage},
            {"triage_zh", label_of(incident.triage, workflow::parse_triage)},
            {"state", incident.state},
            {"state_zh", label_of(incident.state, workflow::parse_state)},
            {"description", incident.description},
            {"lon", incident.location.x},
            {"lat", incident.location.y},
            {"grid_code", incident.grid_code},
            {"assignee", incident.assignee},
            {"reported_at", time_json(incident.reported_at)},
            {"dispatched_at", time_json(incident.dispatched_at)},
            {"deadline", time_json(incident.deadline)},
            {"closed_at", time_json(incident.closed_at)},
            {"clock", clock ? clock_json(*clock) : json(nullptr)},
            {"light", clock ? json(workflow::to_string(clock->light())) : json(nullptr)},
            {"departments", departments_json(history, now)},
            {"history", std::move(events)}};
}

/// The user's role in the case workflow, if it has one: the two role
/// vocabularies share their names (DESIGN §6).
std::optional<workflow::Role> workflow_role_of(const auth::User& user) {
    return workflow::parse_role(auth::to_string(user.role));
}

/// The transitions `who` may make on `incident` now, each with what it needs
/// (from the table POST /incidents/{id}/transitions enforces): buttons for the map.
json allowed_actions_json(const auth::Principal& who, const model::Incident& incident) {
    json actions = json::array();
    const std::optional<workflow::State> state = workflow::parse_state(incident.state);
    if (!state || !who.user || !detail::may_handle(who, incident)) return actions;
    const std::optional<workflow::Role> role = workflow_role_of(*who.user);
    if (!role) return actions;
    for (const workflow::TransitionRule* rule : workflow::allowed_rules(*state, *role, workflow::at_department(incident))) {
        actions.push_back({{"action", workflow::to_string(rule->action)},
                           {"label_zh", workflow::label_zh(rule->action)},
                           {"needs_reason", rule->needs_reason},
                           {"needs_approver", rule->needs_approver},
                           {"needs_hours", rule->action == workflow::Action::extend},
                           {"needs_department", rule->action == workflow::Action::dispatch_department}});
    }
    return actions;
}

std::int64_t id_param(const Request& request) { return parse_int(request.param("id"), "id", 1, max_id); }

workflow::Role workflow_role(const auth::User& user) {
    const std::optional<workflow::Role> role = workflow_role_of(user);
    if (!role) throw ClientError(ErrorKind::forbidden, "forbidden", "the role has no workflow rights",
                                      "您的角色无权处理事件");
    return *role;
}


void add_incident_routes(Router& router, const State& state, const WorkflowServices& services) {
    const AuthGate& gate = services.gate;
    router.post("/incidents", [&services, &gate](const Request& request) {
                    request.query().allow_only({});
                    const auth::Principal who = gate.require(request, auth::Action::report_incident);
                    const JsonBody body(request, {"category", "triage", "source", "description", "lon", "lat"});
                    workflow::IncidentReport report;
                    report.category = body.required_string("category");
                    report.source = body.required_string("source");
                    const std::string triage = body.string("triage").value_or("general");
                    const std::optional<workflow::Triage> parsed_triage = workflow::parse_triage(triage);
                    if (!parsed_triage) {
                        throw JsonBody::invalid(
                            "triage", "field \"triage\" must be general, coordination or urgent, not \"" + triage + "\"",
                            " general（一般）、coordination（协调）或 urgent（紧急）");
                    }
                    report.triage = *parsed_triage;
                    report.description = body.required_string("description");
                    detail::check_length(report.description, detail::description_limit);
                    report.location = {body.required_number("lon", -180.0, 180.0),
                                       body.required_number("lat", -90.0, 90.0)};
                    report.actor = who.user->name;
                    report.at = gate.now();
                    const workflow::Transition stored = services.writer.insert_incident(
                        [&](const model::Snapshot& current) {
                            workflow::Transition created =
                                workflow::report_incident(current, services.config.categories, report);
                            (void)gate.require(request, auth::Action::report_incident,
                                               detail::report_scope(current, who, created.incident));
                            return created;
                        },
                        [&](const workflow::Transition& created) {
                            return gate.audit_entry(request, who, "incidents.report", "incidents",
                                                    {std::to_string(created.incident.id)}, auth::Outcome::ok,
                                                    write_detail(created));
                        });
                    Response response = Response::json(
                        incident_json(stored.incident, std::span(&stored.event, 1), report.at), Status::created);
                    response.set_header("Location", "/incidents/" + std::to_string(stored.incident.id));
                    return response;
                },
                Execution::write);

    // Before /incidents/{id}: the first matching route wins. Reads the
    // incidents of the area's grids: on the worker pool (a street has many).
    router.get("/incidents/overdue", [&state, &gate](const Request& request) {
        request.query().allow_only({"area", "now"});
        (void)gate.require(request, auth::Action::read_incidents);
        const std::optional<std::string_view> area = request.query().get("area");
        if (!area || area->empty()) throw InputError("parameter area (a grid, community or street code) is required");
        model::Timestamp now = gate.now();
        if (const std::optional<std::string_view> text = request.query().get("now")) {
            const std::optional<model::Timestamp> parsed = model::parse_iso8601(*text);
            if (!parsed) throw InputError("parameter now must be an ISO 8601 time, not \"" + std::string(*text) + "\"");
            now = *parsed;
        }
        const auto view = state.view();
        const model::Snapshot& snapshot = view->snapshot();
        if (snapshot.current_grid(*area) == nullptr) {
            throw ClientError(ErrorKind::not_found, "not_found", "no current grid, community or street " + std::string(*area),
                              "没有编码为 " + std::string(*area) + " 的网格、社区或街道");
        }
        json incidents = json::array();
        for (const workflow::OverdueIncident& item : workflow::overdue_in(snapshot, *area, now)) {
            incidents.push_back({{"id", item.incident_id}, {"grid_code", item.grid_code}, {"clock", clock_json(item.clock)}});
        }
        const std::size_t count = incidents.size();
        return Response::json({{"area", *area}, {"now", time_json(now)}, {"count", count}, {"incidents", incidents}});
    }, Execution::worker);

    // Finds the incident and its events by scanning the snapshot: on the worker pool.
    router.get("/incidents/{id}", [&state, &gate](const Request& request) {
        request.query().allow_only({});
        const std::int64_t id = id_param(request);
        const auto view = state.view();
        const model::Incident& incident = find_incident(view->snapshot(), id);
        const std::vector<model::IncidentEvent> history = history_of(view->snapshot(), id);
        const auth::Principal who = detail::require_case_reader(gate, request, incident, history);
        json body = incident_json(incident, history, gate.now());
        body["allowed_actions"] = allowed_actions_json(who, incident);
        // The reporter's 满意度 button (POST /incidents/{id}/rating, assessment_routes.hpp).
        body["can_rate"] = who.user && incident.state == workflow::to_string(workflow::State::closed) &&
                           !history.empty() && history.front().actor == who.user->name &&
                           !workflow::latest_rating(history);
        Response response = Response::json(body);
        vary_by_session(response);  // the actions are the caller's
        return response;
    }, Execution::worker);

    router.post(
        "/incidents/{id}/transitions", [&services, &gate](const Request& request) {
            request.query().allow_only({});
            const auth::Principal who = gate.require(request, auth::Action::handle_incident);
            const std::int64_t id = id_param(request);
            const JsonBody body(request, {"action", "note", "reason", "approver", "hours", "assignee", "department"});
            const std::string action_text = body.required_string("action");
            const std::optional<workflow::Action> action = workflow::parse_action(action_text);
            if (!action) throw InputError("unknown action \"" + action_text + "\"");
            const std::optional<std::string> note = body.string("note");
            const std::optional<std::string> reason = body.string("reason");
            if (note && reason) throw InputError("give either \"note\" or \"reason\", not both");
            workflow::TransitionRequest transition;
            transition.action = *action;
            transition.role = workflow_role(*who.user);
            transition.actor = who.user->name;
            transition.at = gate.now();
            transition.note = reason.value_or(note.value_or(""));
            detail::check_length(transition.note, detail::note_limit);
            transition.approver = body.string("approver").value_or("");
            transition.extension_hours = body.integer("hours").value_or(0);
            transition.assignee = body.string("assignee").value_or("");
            if (const std::optional<std::string> code = body.string("department")) {
                transition.department = services.departments != nullptr ? services.departments->find(*code) : std::nullopt;
                if (!transition.department) {
                    throw ClientError(ErrorKind::bad_request, "unknown_department", "no department " + *code,
                                      "没有编码为 " + *code + " 的职能部门");
                }
            }
            std::vector<model::IncidentEvent> history;
            const workflow::Transition stored = services.writer.update_incident(
                [&](const model::Snapshot& current) {
                    const model::Incident& incident = find_incident(current, id);
                    (void)detail::require_case_handler(gate, request, incident);
                    history = history_of(current, id);
                    return workflow::apply(incident, history, transition, services.config.categories);
                },
                [&](const workflow::Transition& changed) {
                    return gate.audit_entry(request, who, "incidents.transition", "incidents", {std::to_string(id)},
                                            auth::Outcome::ok, action_text + ": " + write_detail(changed));
                });
            history.push_back(stored.event);
            json changed = incident_json(stored.incident, history, transition.at);
            changed["allowed_actions"] = allowed_actions_json(who, stored.incident);
            return Response::json(changed);
        },
        Execution::write);
}

json visit_json(const model::Visit& visit) {
    return {{"id", visit.id},
            {"staff_id", visit.staff_id},
            {"household_id", visit.to_household() ? json(visit.household_id) : json(nullptr)},
            {"facility_id", visit.to_household() ? json(nullptr) : json(visit.facility_id)},
            {"at", time_json(visit.at)},
            {"kind", visit.kind},
            {"reason", visit.reason},
            {"note", visit.note},
            {"incident_id", visit.incident_id != 0 ? json(visit.incident_id) : json(nullptr)},
            {"client_key", visit.client_key}};
}

/// The grid of a visit's household or facility; 404 when there is none.
const std::string& visited_grid(const model::Snapshot& snapshot, const model::Visit& visit) {
    if (!visit.to_household()) {
        const model::Facility* facility = snapshot.facility(visit.facility_id);
        if (facility == nullptr) {
            throw ClientError(ErrorKind::not_found, "not_found", "no facility " + std::to_string(visit.facility_id),
                              "没有编号为 " + std::to_string(visit.facility_id) + " 的场所");
        }
        return facility->grid_code;
    }
    return detail::find_household(snapshot, visit.household_id).grid_code;
}

/// 409 for a visit to a household that had moved out by the visit's time (a
/// visit queued offline before the move-out still counts).
void refuse_after_move_out(const model::Snapshot& snapshot, const model::Visit& visit) {
    const model::Household* household = visit.to_household() ? snapshot.household(visit.household_id) : nullptr;
    if (household == nullptr || !household->moved_out || visit.at < *household->moved_out) return;
    throw ClientError(ErrorKind::conflict, "household_moved_out",
                      "household " + std::to_string(household->id) + " moved out on " +
                          model::format_date(*household->moved_out),
                      "该住户已于 " + model::format_date(*household->moved_out) + " 迁出");
}

/// How far an offline visit's time may lie from the server's clock: a phone's
/// clock runs a little fast, and a queue older than a week is no record of the
/// month's work any more.
constexpr model::Timestamp visit_clock_skew_s = 5 * 60;
constexpr model::Timestamp visit_max_age_s = 7 * 24 * 3600;
inline constexpr detail::TextLimit client_key_limit{"client_key", "离线记录编号", 100};

/// The visit's time: the body's "at" (the phone's time when recorded
/// offline), bounded by the server's clock, or now.
model::Timestamp visit_time(const JsonBody& body, model::Timestamp now) {
    const std::optional<std::string> text = body.string("at");
    if (!text) return now;
    const std::optional<model::Timestamp> at = model::parse_iso8601(*text);
    if (!at) throw JsonBody::invalid("at", "field \"at\" must be an ISO 8601 time, not \"" + *text + "\"", "ISO 8601 时间");
    if (*at > now + visit_clock_skew_s) {
        throw ClientError(ErrorKind::bad_request, "visit_in_future", "the visit time " + *text + " is in the future",
                          "走访时间 " + *text + " 晚于当前时间，请检查手机时钟");
    }
    if (*at < now - visit_max_age_s) {
        throw ClientError(ErrorKind::bad_request, "visit_too_old",
                          "the visit time " + *text + " is more than 7 days ago",
                          "走访时间 " + *text + " 已超过 7 天，不能再补录，请联系社区");
    }
    return *at;
}

/// The visit stored under a phone's idempotency key, if any.
const model::Visit* visit_with_key(const model::Snapshot& snapshot, std::string_view key) {
    for (const model::Visit& visit : snapshot.data().visits) {
        if (visit.client_key == key) return &visit;
    }
    return nullptr;
}

/// A replayed offline visit (its key is stored): thrown by the write's make, nothing is written.
struct AlreadyRecorded {
    model::Visit visit;
};

/// The answer to a replay: the stored visit (200), unless the key was used for another visit.
Response replayed(const AuthGate& gate, const Request& request, const auth::Principal& who,
                  const model::Visit& stored, const model::Visit& asked) {
    if (stored.staff_id != asked.staff_id || stored.household_id != asked.household_id) {
        throw ClientError(ErrorKind::conflict, "client_key_reused",
                          "client_key " + asked.client_key + " belongs to visit " + std::to_string(stored.id) +
                              " of another household or staff member",
                          "离线记录编号已用于另一条走访记录");
    }
    gate.audit(request, who, "visits.replay", "visits", {std::to_string(stored.id)}, auth::Outcome::ok,
               "client_key " + stored.client_key);
    return Response::json(visit_json(stored), Status::ok);
}

bool covers_any(const auth::User& user, const std::vector<std::string>& grid_codes) {
    return std::any_of(grid_codes.begin(), grid_codes.end(),
                       [&](const std::string& code) { return auth::covers(user, code); });
}

/// The grids a staff member is linked to.
std::vector<std::string> staff_grid_codes(const model::Snapshot& snapshot, std::int64_t staff_id) {
    std::vector<std::string> codes;
    for (const model::StaffGrid& link : snapshot.data().staff_grids) {
        if (link.staff_id == staff_id) codes.push_back(link.grid_code);
    }
    return codes;
}

void add_visit_routes(Router& router, const State& state, const WorkflowServices& services) {
    const AuthGate& gate = services.gate;
    router.post("/visits", [&state, &services, &gate](const Request& request) {
                    request.query().allow_only({});
                    const auth::Principal who = gate.require(request, auth::Action::record_visit);
                    const JsonBody body(request, {"household_id", "facility_id", "staff_id", "kind", "reason", "note",
                                                  "at", "incident_id", "client_key"});
                    // A household (走访) or a facility, shop or venue (场所走访): exactly one of them.
                    const std::optional<std::int64_t> facility_id = body.integer("facility_id");
                    const std::int64_t household_id = facility_id ? 0 : body.required_integer("household_id");
                    if (facility_id && body.find("household_id") != nullptr) {
                        throw ClientError(ErrorKind::bad_request, "bad_request",
                                          "a visit is to a household or to a facility, not both",
                                          "走访对象只能是住户或场所之一");
                    }
                    std::optional<std::int64_t> staff_id = body.integer("staff_id");
                    if (!staff_id) staff_id = who.user->staff_id;
                    if (!staff_id) {
                        throw ClientError(ErrorKind::bad_request, "bad_request",
                                          "field \"staff_id\" is required: the user is not linked to a staff member",
                                          "缺少必填字段 \"staff_id\"：该用户未关联网格员");
                    }
                    if (who.user->role == auth::Role::grid_worker && staff_id != who.user->staff_id) {
                        throw ClientError(ErrorKind::forbidden, "forbidden", "a grid worker records only their own visits",
                                          "网格员只能记录自己的走访");
                    }
                    model::Visit visit;
                    visit.staff_id = *staff_id;
                    visit.household_id = household_id;
                    visit.facility_id = facility_id.value_or(0);
                    visit.kind = body.required_string("kind");
                    visit.reason = body.string("reason").value_or("");
                    visit.note = body.string("note").value_or("");
                    visit.incident_id = body.integer("incident_id").value_or(0);
                    visit.client_key = body.string("client_key").value_or("");
                    detail::check_length(visit.kind, detail::visit_kind_limit);
                    detail::check_length(visit.note, detail::note_limit);
                    detail::check_length(visit.client_key, client_key_limit);
                    workflow::check_visit_kind(visit.kind, visit.reason);
                    if (!visit.to_household() && !visit.reason.empty()) {
                        throw ClientError(ErrorKind::bad_request, "household_kind",
                                          "a visit of kind " + visit.kind + " is to a household",
                                          "走访类型“" + visit.kind + "”只适用于住户，场所请选择日常走访或回访");
                    }
                    const auto make = [&](const model::Snapshot& current) {
                        if (current.staff(visit.staff_id) == nullptr) {
                            throw InputError("no staff member " + std::to_string(visit.staff_id));
                        }
                        (void)gate.require(request, auth::Action::record_visit, visited_grid(current, visit));
                        // A visit counts in the staff member's statistics: only for staff working in the scope.
                        if (auth::reach(who, auth::Action::record_visit) == auth::Reach::scoped &&
                            !covers_any(*who.user, staff_grid_codes(current, visit.staff_id))) {
                            throw ClientError(ErrorKind::forbidden, "out_of_scope",
                                              "staff member " + std::to_string(visit.staff_id) +
                                                  " works outside your grids",
                                              "该人员不在您负责的网格内工作，不能以其名义记录走访");
                        }
                        if (visit.incident_id != 0) {
                            const model::Incident& raised = find_incident(current, visit.incident_id);
                            (void)gate.require(request, auth::Action::record_visit, raised.grid_code);
                        }
                        if (!visit.client_key.empty()) {
                            if (const model::Visit* stored = visit_with_key(current, visit.client_key)) {
                                throw AlreadyRecorded{*stored};
                            }
                        }
                        // After the replay check: a replay comes back even when its time has grown too old.
                        model::Visit made = visit;
                        made.at = visit_time(body, gate.now());
                        refuse_after_move_out(current, made);
                        return made;
                    };
                    const auto audit = [&](const model::Visit& recorded) {
                        return gate.audit_entry(request, who, "visits.record", "visits", {std::to_string(recorded.id)},
                                                auth::Outcome::ok,
                                                (recorded.to_household() ? "household " + std::to_string(recorded.household_id)
                                                                         : "facility " + std::to_string(recorded.facility_id)) +
                                                    " by staff " +
                                                    std::to_string(recorded.staff_id) + ", " + recorded.kind +
                                                    (recorded.client_key.empty() ? ""
                                                                                 : ", client_key " + recorded.client_key));
                    };
                    try {
                        return Response::json(visit_json(services.writer.append_visit(make, audit)), Status::created);
                    } catch (const AlreadyRecorded& replay) {
                        return replayed(gate, request, who, replay.visit, visit);
                    } catch (const store::StoreError&) {
                        // Two sends of one key in one batch: the store's unique index refused the second.
                        const auto view = state.view();
                        const model::Visit* stored =
                            visit.client_key.empty() ? nullptr : visit_with_key(view->snapshot(), visit.client_key);
                        if (stored == nullptr) throw;
                        return replayed(gate, request, who, *stored, visit);
                    }
                },
                Execution::write);

    router.get("/visits/kinds", [&gate](const Request& request) {
        request.query().allow_only({});
        (void)gate.require(request, auth::Action::record_visit);
        const workflow::VisitPolicy policy;
        json kinds = json::array();
        for (const workflow::VisitKind& kind : workflow::visit_kinds()) {
            kinds.push_back({{"name", kind.name}, {"reasons", workflow::visit_reasons(kind.reason, policy)}});
        }
        return Response::json({{"kinds", std::move(kinds)}});
    }, Execution::io);

    // Scans the staff member's households and the month's visits: on the worker pool.
    router.get("/visits/due", [&state, &gate](const Request& request) {
                   request.query().allow_only({"staff", "month"});
                   const auth::Principal who = gate.require(request, auth::Action::record_visit);
                   const std::optional<std::string_view> staff = request.query().get("staff");
                   if (!staff) throw InputError("parameter staff (a staff id) is required");
                   const std::int64_t staff_id = parse_int(*staff, "staff", 1, max_id);
                   const workflow::Month month = detail::month_param(request, gate.now());
                   const auto view = state.view();
                   const workflow::VisitsDue due = workflow::visits_due(view->snapshot(), staff_id, month);
                   if (auth::reach(who, auth::Action::record_visit) == auth::Reach::scoped &&
                       !covers_any(*who.user, due.grid_codes)) {
                       throw ClientError(ErrorKind::forbidden, "out_of_scope",
                                       "staff member " + std::to_string(staff_id) + " works outside your grids",
                                       "该人员不在您负责的网格内工作");
                   }
                   // Per household: a staff member's grids may reach beyond the caller's scope, and the
                   // reasons are special-group tags (personal data), so each one is checked and audited.
                   json households = json::array();
                   std::vector<std::string> listed;
                   for (const workflow::DueHousehold& item : due.due) {
                       const model::Household& h = *item.household;
                       if (auth::decide(who, auth::Action::record_visit, h.grid_code) != auth::Decision::allowed) {
                           continue;
                       }
                       listed.push_back(std::to_string(h.id));
                       households.push_back({{"household_id", h.id},
                                             {"grid_code", h.grid_code},
                                             {"address", h.compound + h.building + h.unit + h.room},
                                             {"reasons", item.reasons},
                                             {"must_visit", item.must_visit}});
                   }
                   if (!listed.empty()) {
                       gate.audit(request, who, "households.read", "households", std::move(listed), auth::Outcome::ok,
                                  request.target());
                   }
                   Response response = Response::json({{"staff_id", due.staff_id},
                                          {"month", due.month.to_string()},
                                          {"grid_codes", due.grid_codes},
                                          {"quota", due.quota},
                                          {"households_visited", due.households_visited},
                                          {"quota_remaining", due.quota_remaining()},
                                          {"due", std::move(households)}});
                   vary_by_session(response, "no-store");
                   return response;
               }, Execution::worker);
}

/// Keeps only the units a scoped user may see: grids and communities in the
/// scope, workers with a grid in it.
void restrict_to_scope(workflow::MonthlyStatistics& statistics, const model::Snapshot& snapshot,
                       const auth::User& user) {
    const auto outside = [&](const workflow::UnitStatistics& unit) { return !auth::covers(user, unit.key); };
    std::erase_if(statistics.grids, outside);
    std::erase_if(statistics.communities, outside);
    std::erase_if(statistics.workers, [&](const workflow::UnitStatistics& unit) {
        const auto& links = snapshot.data().staff_grids;
        return std::none_of(links.begin(), links.end(), [&](const model::StaffGrid& link) {
            return std::to_string(link.staff_id) == unit.key && auth::covers(user, link.grid_code);
        });
    });
}

/// The month's statistics a user may see (the whole table, or their scope's part).
workflow::MonthlyStatistics visible_statistics(const State& state, const AuthGate& gate, const Request& request,
                                               const auth::Principal& who) {
    const workflow::Month month = detail::month_param(request, gate.now());
    const auto view = state.view();
    workflow::MonthlyStatistics statistics = workflow::monthly_statistics(view->snapshot(), month);
    if (auth::reach(who, auth::Action::read_statistics) == auth::Reach::scoped) {
        restrict_to_scope(statistics, view->snapshot(), *who.user);
    }
    return statistics;
}

void add_statistics_routes(Router& router, const State& state, const WorkflowServices& services) {
    const AuthGate& gate = services.gate;
    // Aggregates the month over the whole snapshot: on the worker pool.
    router.get("/stats", [&state, &gate](const Request& request) {
                   request.query().allow_only({"month", "level"});
                   const auth::Principal who = gate.require(request, auth::Action::read_statistics);
                   const std::optional<std::string_view> level = request.query().get("level");
                   static constexpr std::pair<std::string_view, const char*> levels[] = {
                       {"grid", "grids"}, {"worker", "workers"}, {"community", "communities"}};
                   const auto chosen = std::find_if(std::begin(levels), std::end(levels),
                                                    [&](const auto& entry) { return level && entry.first == *level; });
                   if (level && chosen == std::end(levels)) {
                       throw ClientError(ErrorKind::bad_request, "invalid_parameter",
                                       "level must be grid, worker or community, not \"" + std::string(*level) + "\"",
                                       "参数 level 的值 " + std::string(*level) + " 无效，应为 grid、worker 或 community");
                   }
                   json body = workflow::to_json(visible_statistics(state, gate, request, who));
                   if (level) {
                       for (const auto& [name, key] : levels) {
                           if (key != chosen->second) body.erase(key);
                       }
                   }
                   return Response::json(body);
               }, Execution::worker);

    // The monthly meeting's workbook (the same as `wangge report`), built with GDAL: off the I/O threads.
    router.get(
        "/stats/report.xlsx", [&state, &gate, &services](const Request& request) {
            request.query().allow_only({"month"});
            const auth::Principal who = gate.require(request, auth::Action::read_statistics);
            const workflow::MonthlyStatistics statistics = visible_statistics(state, gate, request, who);
            // Besides the month's units: departments, the month's demands, the quarter's ranking (to date).
            const auto view = state.view();
            const model::Snapshot& snapshot = view->snapshot();
            std::vector<workflow::DepartmentStatistics> departments;
            if (services.departments != nullptr) {
                departments = workflow::department_statistics(snapshot, statistics.month, gate.now(),
                                                              services.departments->list());
            }
            workflow::Demands demands = workflow::demands(snapshot, statistics.month);
            const workflow::Period quarter{statistics.month.year, static_cast<int>((statistics.month.month - 1) / 3 + 1)};
            workflow::Ranking ranking = workflow::ranking(snapshot, quarter, {}, services.config.medals);
            if (auth::reach(who, auth::Action::read_statistics) == auth::Reach::scoped) {
                detail::restrict_to_scope(demands, *who.user);
                detail::restrict_to_scope(ranking, snapshot, *who.user);
            }
            // The month's household changes of the caller's area, without other grids' households.
            const auto household_changes = visible_household_changes(services.records, who, statistics.month, {});
            // The 15-minute living circles of the caller's grids, as they stand.
            const auto circles = all_service_circles(*view);
            std::vector<const service::Coverage*> computed;
            for (const auto& coverage : circles) computed.push_back(coverage.get());
            const bool scoped = auth::reach(who, auth::Action::read_statistics) == auth::Reach::scoped;
            const std::vector<service::GridRow> circle_rows = service::grid_rows(
                snapshot, computed, [&](std::string_view code) { return !scoped || auth::covers(*who.user, code); });
            Response response = Response::bytes(
                workflow::xlsx_report_bytes(statistics, {.departments = departments,
                                                         .demands = &demands,
                                                         .ranking = &ranking,
                                                         .household_changes = &household_changes->month,
                                                         .service_circles = circle_rows}),
                                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
            response.set_header("Content-Disposition",
                                "attachment; filename=\"wangge-" + statistics.month.to_string() + ".xlsx\"");
            return response;
        },
        Execution::worker);
}

}  // namespace

void add_workflow_routes(Router& router, const State& state, const WorkflowServices& services) {
    add_incident_routes(router, state, services);
    add_visit_routes(router, state, services);
    add_statistics_routes(router, state, services);
    add_open311_routes(router, state, services);
}

}  // namespace wangge::http
