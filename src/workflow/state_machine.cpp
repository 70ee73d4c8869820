#include "wangge/workflow/state_machine.hpp"

#include <algorithm>
#include <array>

#include "wangge/workflow/departments.hpp"
#include "wangge/workflow/history.hpp"
#include "wangge/workflow/routing.hpp"

namespace wangge::workflow {

namespace {

constexpr RoleSet everyone = role_bit(Role::grid_worker) | role_bit(Role::supervisor) | role_bit(Role::admin);
constexpr RoleSet dispatchers = role_bit(Role::supervisor) | role_bit(Role::admin);
constexpr RoleSet department_hands = role_bit(Role::department) | role_bit(Role::admin);

constexpr std::array<TransitionRule, 21> rules{{
    {Action::file, State::reported, State::filed, dispatchers, false, false},
    {Action::void_, State::reported, State::voided, dispatchers, false, true},
    {Action::void_, State::filed, State::voided, dispatchers, false, true},
    {Action::dispatch, State::filed, State::dispatched, dispatchers, false, false},
    {Action::dispatch, State::returned, State::dispatched, dispatchers, false, false},
    {Action::accept, State::dispatched, State::in_progress, everyone, false, false},
    {Action::resolve, State::in_progress, State::resolved, everyone | role_bit(Role::department), false, false},
    {Action::verify, State::resolved, State::verified, everyone, false, false},
    {Action::return_, State::resolved, State::returned, everyone, false, true},
    {Action::return_, State::verified, State::returned, dispatchers, false, true},
    {Action::close, State::verified, State::closed, dispatchers, false, false},
    {Action::extend, State::dispatched, State::dispatched, dispatchers, true, true},
    {Action::extend, State::in_progress, State::in_progress, dispatchers, true, true},
    {Action::suspend, State::dispatched, State::suspended, dispatchers, true, true},
    {Action::suspend, State::in_progress, State::suspended, dispatchers, true, true},
    {Action::resume, State::suspended, std::nullopt, dispatchers, false, false},
    {Action::dispatch_department, State::filed, State::dispatched, dispatchers, false, true},
    {Action::dispatch_department, State::returned, State::dispatched, dispatchers, false, true},
    {Action::dispatch_department, State::dispatched, State::dispatched, dispatchers, false, true},
    {Action::dispatch_department, State::in_progress, State::dispatched, dispatchers, false, true},
    {Action::acknowledge, State::dispatched, State::in_progress, department_hands, false, false},
}};

/// The department step narrows the table: a case at a department is
/// acknowledged (报到), not accepted, and only the department (or an admin)
/// reports its result; a department account acts on nothing else.
enum class DepartmentFit { fits, not_at_department, at_department, role };

DepartmentFit department_fit(const TransitionRule& rule, Role role, bool at_dept) noexcept {
    if (rule.action == Action::acknowledge && !at_dept) return DepartmentFit::not_at_department;
    if (!at_dept) return role == Role::department ? DepartmentFit::role : DepartmentFit::fits;
    if (rule.action == Action::accept) return DepartmentFit::at_department;
    if (rule.action == Action::resolve && (department_hands & role_bit(role)) == 0) return DepartmentFit::role;
    return DepartmentFit::fits;
}

constexpr std::array<std::string_view, 4> sources{"网格员巡查", "居民上报", "热线", "上级交办"};

std::string in_quotes(std::string_view text) { return "“" + std::string(text) + "”"; }

std::string incident_name(const model::Incident& incident) {
    return incident.id == 0 ? std::string("the incident") : "incident " + std::to_string(incident.id);
}

/// The states `action` can start from, for the error message.
struct AllowedFrom {
    std::string en;
    std::string zh;
};

AllowedFrom allowed_from(Action action) {
    AllowedFrom allowed;
    for (const TransitionRule& rule : rules) {
        if (rule.action != action) continue;
        allowed.en += (allowed.en.empty() ? "" : ", ") + std::string(to_string(rule.from));
        allowed.zh += (allowed.zh.empty() ? "" : "、") + std::string(label_zh(rule.from));
    }
    return allowed;
}

[[noreturn]] void throw_illegal(const model::Incident& incident, State from, Action action) {
    if (is_terminal(from)) {
        throw WorkflowError("illegal_transition",
                            incident_name(incident) + " is " + std::string(to_string(from)) + "; it cannot be " +
                                "changed any more (requested: " + std::string(to_string(action)) + ")",
                            "案件已" + std::string(label_zh(from)) + "，不能再" + std::string(label_zh(action)));
    }
    const AllowedFrom allowed = allowed_from(action);
    throw WorkflowError("illegal_transition",
                        "cannot " + std::string(to_string(action)) + " " + incident_name(incident) +
                            " while it is " + std::string(to_string(from)) + " (allowed from: " + allowed.en + ")",
                        "案件当前处于" + in_quotes(label_zh(from)) + "状态，不能" + in_quotes(label_zh(action)) +
                            "（仅限" + allowed.zh + "状态）");
}

void check_request(const TransitionRule& rule, const TransitionRequest& request) {
    const std::string action_en(to_string(request.action));
    const std::string action_zh(label_zh(request.action));
    if ((rule.roles & role_bit(request.role)) == 0) {
        std::string permitted;
        for (const Role role : {Role::grid_worker, Role::supervisor, Role::planner, Role::admin, Role::department}) {
            if ((rule.roles & role_bit(role)) != 0) {
                permitted += (permitted.empty() ? "" : ", ") + std::string(to_string(role));
            }
        }
        throw WorkflowError("forbidden",
                            "role " + std::string(to_string(request.role)) + " may not " + action_en + " an incident that is " +
                                std::string(to_string(rule.from)) + " (allowed: " + permitted + ")",
                            std::string(label_zh(request.role)) + "无权对" + in_quotes(label_zh(rule.from)) +
                                "状态的案件执行" + in_quotes(action_zh));
    }
    if (request.actor.empty()) {
        throw WorkflowError("actor_required", action_en + " needs the acting user", action_zh + "须记录操作人");
    }
    if (rule.needs_approver && request.approver.empty()) {
        throw WorkflowError("approver_required", action_en + " needs an approver", action_zh + "须注明批准人");
    }
    if (rule.needs_reason && request.note.empty()) {
        throw WorkflowError("reason_required", action_en + " needs a reason", action_zh + "须填写原因");
    }
    if (request.action == Action::extend &&
        (request.extension_hours < 1 || request.extension_hours > max_extension_hours)) {
        throw WorkflowError("invalid_extension",
                            "an extension must be between 1 and " + std::to_string(max_extension_hours) +
                                " hours, got " + std::to_string(request.extension_hours),
                            "延期时长须在 1 至 " + std::to_string(max_extension_hours) + " 小时之间");
    }
}

/// The state before the open suspension, from the event that suspended the case.
State state_before_suspension(const model::Incident& incident, std::span<const model::IncidentEvent> history) {
    const std::string_view suspended = to_string(State::suspended);
    for (auto event = history.rbegin(); event != history.rend(); ++event) {
        if (event->to_state != suspended) continue;
        const auto before = parse_state(event->from_state);
        if (before && find_rule(Action::suspend, *before) != nullptr) return *before;
        break;
    }
    throw WorkflowError("invalid_incident",
                        incident_name(incident) + " is suspended but its history has no valid suspension event",
                        "案件处于挂起状态，但办理记录中没有有效的挂起记录");
}

Triage triage_of(const model::Incident& incident) {
    const auto triage = parse_triage(incident.triage);
    if (!triage) {
        throw WorkflowError("invalid_incident",
                            incident_name(incident) + " has the unknown triage \"" + incident.triage + "\"",
                            "案件分级“" + incident.triage + "”无法识别");
    }
    return *triage;
}

/// The first dispatch (to a worker, the community or a department) starts the case's clock.
void start_clock(model::Incident& incident, model::Timestamp at, const CategoryTable& categories) {
    if (incident.dispatched_at) return;
    incident.dispatched_at = at;
    incident.deadline = at + categories.at(incident.category).deadline_seconds(triage_of(incident));
}

void check_department_fit(const model::Incident& incident, const TransitionRule& rule,
                          const TransitionRequest& request) {
    const std::string action_en(to_string(request.action));
    const std::string action_zh(label_zh(request.action));
    switch (department_fit(rule, request.role, at_department(incident))) {
    case DepartmentFit::fits: return;
    case DepartmentFit::not_at_department:
        throw WorkflowError("illegal_transition",
                            incident_name(incident) + " is not at a department; only a department acknowledges",
                            "案件未派遣至职能部门，无需报到");
    case DepartmentFit::at_department:
        throw WorkflowError("illegal_transition",
                            incident_name(incident) + " is at department " +
                                std::string(department_of_assignee(incident.assignee)) +
                                ", which acknowledges it (acknowledge), instead of " + action_en,
                            "案件已派遣至职能部门，须由部门报到，不能" + in_quotes(action_zh));
    case DepartmentFit::role:
        throw WorkflowError("forbidden",
                            "role " + std::string(to_string(request.role)) + " may not " + action_en + " " +
                                incident_name(incident) + (at_department(incident) ? " at a department" : ""),
                            std::string(label_zh(request.role)) + "无权对该案件执行" + in_quotes(action_zh));
    }
}

model::Timestamp suspended_at(std::span<const model::IncidentEvent> history) {
    const Periods periods = reconstruct_periods(history);
    return periods.pauses.empty() ? 0 : periods.pauses.back().from;
}

}  // namespace

std::span<const TransitionRule> transition_rules() noexcept { return rules; }

const TransitionRule* find_rule(Action action, State from) noexcept {
    const auto found = std::find_if(rules.begin(), rules.end(), [&](const TransitionRule& rule) {
        return rule.action == action && rule.from == from;
    });
    return found == rules.end() ? nullptr : &*found;
}

std::vector<const TransitionRule*> allowed_rules(State state, Role role, bool at_dept) {
    std::vector<const TransitionRule*> allowed;
    for (const TransitionRule& rule : rules) {
        if (rule.from == state && (rule.roles & role_bit(role)) != 0 &&
            department_fit(rule, role, at_dept) == DepartmentFit::fits) {
            allowed.push_back(&rule);
        }
    }
    return allowed;
}

std::span<const std::string_view> incident_sources() noexcept { return sources; }

Transition apply(const model::Incident& incident, std::span<const model::IncidentEvent> history,
                 const TransitionRequest& request, const CategoryTable& categories) {
    const auto from = parse_state(incident.state);
    if (!from) {
        throw WorkflowError("invalid_incident",
                            incident_name(incident) + " has the unknown state \"" + incident.state + "\"",
                            "案件状态“" + incident.state + "”无法识别");
    }
    const TransitionRule* rule = find_rule(request.action, *from);
    if (rule == nullptr) throw_illegal(incident, *from, request.action);
    check_request(*rule, request);
    check_department_fit(incident, *rule, request);
    if (!history.empty() && request.at < history.back().at) {
        throw WorkflowError("time_order",
                            "the " + std::string(to_string(request.action)) + " time " +
                                model::format_iso8601(request.at) + " is before the last recorded event at " +
                                model::format_iso8601(history.back().at),
                            "办理时间早于上一条办理记录的时间");
    }

    Transition result{incident, {}};
    model::Incident& next = result.incident;
    const State to = rule->to ? *rule->to : state_before_suspension(incident, history);
    next.state = std::string(to_string(to));

    std::string note = request.note;
    switch (request.action) {
    case Action::dispatch:
        if (!request.assignee.empty()) next.assignee = request.assignee;
        if (next.assignee.empty()) {
            throw WorkflowError("no_assignee", incident_name(incident) + " has no assignee to dispatch to",
                                "案件没有处置人，无法派遣");
        }
        // A department's step starts only with its own dispatch (and its times).
        if (at_department(next)) {
            throw WorkflowError("department_redispatch",
                                incident_name(incident) + " was at a department: dispatch it to a department with "
                                "dispatch_department, or name the assignee",
                                "案件曾派遣至职能部门：退回部门重办请使用“派遣至部门”，否则请指定处置人");
        }
        start_clock(next, request.at, categories);
        break;
    case Action::dispatch_department:
        if (!request.department) {
            throw WorkflowError("department_required", "dispatch_department needs the department",
                                "派遣至部门须选择职能部门");
        }
        next.assignee = department_assignee(request.department->code);
        start_clock(next, request.at, categories);
        note = department_dispatch_note(*request.department, triage_of(incident), request.note);
        break;
    case Action::close:
        next.closed_at = request.at;
        break;
    case Action::extend:
        if (next.deadline) *next.deadline += request.extension_hours * 3600;
        note = extension_note(request.extension_hours, request.approver, request.note);
        break;
    case Action::suspend:
        note = approval_note(request.approver, request.note);
        break;
    case Action::resume:
        if (next.deadline) *next.deadline += request.at - suspended_at(history);
        break;
    default:
        break;
    }

    result.event.incident_id = incident.id;
    result.event.at = request.at;
    result.event.actor = request.actor;
    result.event.from_state = incident.state;
    result.event.to_state = next.state;
    result.event.note = std::move(note);
    return result;
}

Transition rate(const model::Incident& incident, std::span<const model::IncidentEvent> history, int score,
                std::string_view comment, const std::string& actor, model::Timestamp at) {
    if (score < 1 || score > 5) {
        throw WorkflowError("invalid_rating", "a rating is a whole number from 1 to 5, got " + std::to_string(score),
                            "满意度评价须为 1 至 5 分");
    }
    if (incident.state != to_string(State::closed)) {
        throw WorkflowError("illegal_transition", incident_name(incident) + " is not closed; only a closed case is rated",
                            "案件尚未结案，结案后才能评价");
    }
    if (history.empty() || actor.empty() || history.front().actor != actor) {
        throw WorkflowError("forbidden", "only who reported " + incident_name(incident) + " rates it",
                            "只有事件的上报人可以评价");
    }
    if (latest_rating(history)) {
        throw WorkflowError("illegal_transition", incident_name(incident) + " is rated already",
                            "该案件已评价过，不能重复评价");
    }
    if (at < history.back().at) {
        throw WorkflowError("time_order", "the rating is before the last recorded event", "评价时间早于上一条办理记录的时间");
    }
    Transition result{incident, {}};
    result.event.incident_id = incident.id;
    result.event.at = at;
    result.event.actor = actor;
    result.event.from_state = incident.state;
    result.event.to_state = incident.state;
    result.event.note = rating_note(score, comment);
    return result;
}

Transition report_incident(const model::Snapshot& snapshot, const CategoryTable& categories,
                           const IncidentReport& incident_report) {
    const Category& category = categories.at(incident_report.category);
    if (std::find(sources.begin(), sources.end(), incident_report.source) == sources.end()) {
        throw WorkflowError("unknown_source",
                            "unknown incident source \"" + incident_report.source +
                                "\" (expected 网格员巡查, 居民上报, 热线 or 上级交办)",
                            "未知的事件来源“" + incident_report.source + "”");
    }
    if (incident_report.actor.empty()) {
        throw WorkflowError("actor_required", "a report needs the reporting user", "上报须记录上报人");
    }
    if (incident_report.description.empty()) {
        throw WorkflowError("description_required", "a report needs a description", "上报须填写事件描述");
    }
    const Route routed = route(snapshot, incident_report.location, incident_report.triage, incident_report.at);

    Transition result;
    model::Incident& incident = result.incident;
    incident.category = category.name;
    incident.source = incident_report.source;
    incident.triage = std::string(to_string(incident_report.triage));
    incident.state = std::string(to_string(State::reported));
    incident.description = incident_report.description;
    incident.location = incident_report.location;
    incident.grid_code = routed.areas.grid;
    incident.assignee = routed.assignee;
    incident.reported_at = incident_report.at;

    result.event.at = incident_report.at;
    result.event.actor = incident_report.actor;
    result.event.to_state = incident.state;
    result.event.note = incident_report.description;
    return result;
}

}  // namespace wangge::workflow
