#include "wangge/workflow/state_machine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "fixture.hpp"
#include "wangge/workflow/history.hpp"

using namespace wangge;
using namespace wangge::workflow;
using namespace wangge::workflow::test;

namespace {

constexpr std::array all_states{State::reported, State::filed,  State::dispatched, State::in_progress,
                                State::resolved, State::verified, State::closed,   State::returned,
                                State::voided,   State::suspended};
constexpr std::array all_actions{Action::file,    Action::dispatch, Action::accept, Action::resolve,
                                 Action::verify,  Action::close,    Action::return_, Action::void_,
                                 Action::extend,  Action::suspend,  Action::resume, Action::dispatch_department,
                                 Action::acknowledge};
constexpr std::array all_roles{Role::grid_worker, Role::supervisor, Role::planner, Role::admin, Role::department};

const model::Timestamp t0 = at("2026-10-10T09:00:00+08:00");

/// An incident sitting in `state`, with a history that leads there (a
/// suspended one was suspended from in_progress).
struct Case {
    model::Incident incident;
    std::vector<model::IncidentEvent> history;
};

Case case_in(State state) {
    Case c;
    c.incident.id = 7;
    c.incident.category = "占道经营";
    c.incident.source = "居民上报";
    c.incident.triage = "general";
    c.incident.grid_code = grid1_code;
    c.incident.assignee = "1";
    c.incident.reported_at = t0;
    c.incident.state = std::string(to_string(state));
    c.history.push_back({1, 7, t0, "居民", "", "reported", "路口早点摊占道"});
    const bool dispatched = state != State::reported && state != State::filed && state != State::voided;
    if (dispatched) {
        c.incident.dispatched_at = t0 + 3600;
        c.incident.deadline = t0 + 3600 + 24 * 3600;
    }
    if (state == State::suspended) c.history.push_back({2, 7, t0 + 7200, "9", "in_progress", "suspended", "批准人：社区主任；原因：待协调"});
    if (state == State::closed) c.incident.closed_at = t0 + 10 * 3600;
    return c;
}

TransitionRequest request(Action action, Role role, model::Timestamp when = t0 + 5 * 3600) {
    TransitionRequest r;
    r.action = action;
    r.role = role;
    r.actor = "5";
    r.at = when;
    r.note = "现场核实";
    r.approver = "社区主任";
    r.extension_hours = 24;
    r.department = default_departments()[0];
    return r;
}

std::string code_of(const Case& c, const TransitionRequest& r) {
    try {
        (void)apply(c.incident, c.history, r, shipped_config().categories);
    } catch (const WorkflowError& e) {
        EXPECT_FALSE(e.message_zh().empty());
        EXPECT_FALSE(std::string(e.what()).empty());
        return e.code();
    }
    return "accepted";
}

}  // namespace

TEST(StateMachine, TableHasOneRowPerDocumentedTransition) {
    EXPECT_EQ(transition_rules().size(), 21U);
    EXPECT_NE(find_rule(Action::return_, State::verified), nullptr);
    EXPECT_EQ(find_rule(Action::close, State::resolved), nullptr);
    for (const TransitionRule& rule : transition_rules()) {
        EXPECT_EQ(rule.roles & role_bit(Role::planner), 0U) << to_string(rule.action);
        EXPECT_NE(rule.roles & role_bit(Role::admin), 0U) << to_string(rule.action);
    }
}

TEST(StateMachine, EveryLegalTransitionForEveryPermittedRole) {
    for (const TransitionRule& rule : transition_rules()) {
        for (const Role role : all_roles) {
            if ((rule.roles & role_bit(role)) == 0) continue;
            Case c = case_in(rule.from);
            // The department step: acknowledged only at a department, where a department account acts.
            if (rule.action == Action::acknowledge || role == Role::department) {
                c.incident.assignee = department_assignee("chengguan");
            }
            const Transition t = apply(c.incident, c.history, request(rule.action, role), shipped_config().categories);
            const State expected = rule.to ? *rule.to : State::in_progress;  // the test suspends from in_progress
            SCOPED_TRACE(std::string(to_string(rule.action)) + " from " + std::string(to_string(rule.from)) + " as " +
                         std::string(to_string(role)));
            EXPECT_EQ(t.incident.state, to_string(expected));
            EXPECT_EQ(t.event.incident_id, 7);
            EXPECT_EQ(t.event.from_state, to_string(rule.from));
            EXPECT_EQ(t.event.to_state, to_string(expected));
            EXPECT_EQ(t.event.actor, "5");
            EXPECT_EQ(t.event.at, t0 + 5 * 3600);
            EXPECT_EQ(t.event.id, 0);
        }
    }
}

TEST(StateMachine, EveryTransitionOutsideTheTableIsIllegal) {
    int illegal = 0;
    for (const State state : all_states) {
        for (const Action action : all_actions) {
            if (find_rule(action, state) != nullptr) continue;
            EXPECT_EQ(code_of(case_in(state), request(action, Role::admin)), "illegal_transition")
                << to_string(action) << " from " << to_string(state);
            ++illegal;
        }
    }
    EXPECT_EQ(illegal, 10 * 13 - 21);
}

TEST(StateMachine, IllegalTransitionMessagesInEnglishAndChinese) {
    const Case resolved = case_in(State::resolved);
    try {
        (void)apply(resolved.incident, resolved.history, request(Action::close, Role::admin), shipped_config().categories);
        FAIL() << "closing a resolved incident must fail";
    } catch (const WorkflowError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot close incident 7 while it is resolved (allowed from: verified)");
        EXPECT_EQ(e.message_zh(), "案件当前处于“处置反馈”状态，不能“结案”（仅限核查状态）");
    }
    const Case closed = case_in(State::closed);
    try {
        (void)apply(closed.incident, closed.history, request(Action::return_, Role::admin), shipped_config().categories);
        FAIL() << "a closed incident is final";
    } catch (const WorkflowError& e) {
        EXPECT_EQ(e.message_zh(), "案件已结案，不能再退回");
    }
}

TEST(StateMachine, RolesOutsideTheTableAreForbidden) {
    for (const TransitionRule& rule : transition_rules()) {
        for (const Role role : all_roles) {
            if ((rule.roles & role_bit(role)) != 0) continue;
            EXPECT_EQ(code_of(case_in(rule.from), request(rule.action, role)), "forbidden")
                << to_string(rule.action) << " as " << to_string(role);
        }
    }
    const Case verified = case_in(State::verified);
    try {
        (void)apply(verified.incident, verified.history, request(Action::close, Role::grid_worker),
                    shipped_config().categories);
    } catch (const WorkflowError& e) {
        EXPECT_EQ(e.message_zh(), "网格员无权对“核查”状态的案件执行“结案”");
    }
}

TEST(StateMachine, ApprovalsAndReasonsAreRequired) {
    const Case c = case_in(State::in_progress);
    TransitionRequest r = request(Action::extend, Role::supervisor);
    r.approver.clear();
    EXPECT_EQ(code_of(c, r), "approver_required");
    r = request(Action::suspend, Role::supervisor);
    r.note.clear();
    EXPECT_EQ(code_of(c, r), "reason_required");
    r = request(Action::extend, Role::supervisor);
    r.extension_hours = 0;
    EXPECT_EQ(code_of(c, r), "invalid_extension");
    r.extension_hours = max_extension_hours + 1;
    EXPECT_EQ(code_of(c, r), "invalid_extension");
    r = request(Action::resolve, Role::grid_worker);
    r.actor.clear();
    EXPECT_EQ(code_of(c, r), "actor_required");
    r = request(Action::void_, Role::supervisor);
    r.note.clear();
    EXPECT_EQ(code_of(case_in(State::filed), r), "reason_required");
    // Accepting needs no reason.
    r = request(Action::accept, Role::grid_worker);
    r.note.clear();
    EXPECT_EQ(code_of(case_in(State::dispatched), r), "accepted");
}

TEST(StateMachine, RejectsTimeBeforeTheLastEventAndUnknownState) {
    const Case c = case_in(State::suspended);  // last event at t0 + 2 h
    EXPECT_EQ(code_of(c, request(Action::resume, Role::supervisor, t0 + 3600)), "time_order");
    Case broken = case_in(State::filed);
    broken.incident.state = "lost";
    EXPECT_EQ(code_of(broken, request(Action::dispatch, Role::supervisor)), "invalid_incident");
    Case unknown_category = case_in(State::filed);
    unknown_category.incident.category = "外星人入侵";
    EXPECT_EQ(code_of(unknown_category, request(Action::dispatch, Role::supervisor)), "unknown_category");
    Case no_suspension_event = case_in(State::suspended);
    no_suspension_event.history.pop_back();
    EXPECT_EQ(code_of(no_suspension_event, request(Action::resume, Role::supervisor)), "invalid_incident");
}

TEST(StateMachine, LifecycleMovesTheDeadline) {
    const CategoryTable& categories = shipped_config().categories;
    Case c = case_in(State::filed);
    std::vector<model::IncidentEvent>& history = c.history;
    model::Incident incident = c.incident;
    incident.assignee.clear();
    const auto step = [&](TransitionRequest r) {
        Transition t = apply(incident, history, r, categories);
        incident = t.incident;
        history.push_back(t.event);
    };
    // Dispatch: 占道经营, general → 24 h.
    TransitionRequest dispatch = request(Action::dispatch, Role::supervisor, t0 + 3600);
    EXPECT_EQ(code_of({incident, history}, dispatch), "no_assignee");
    dispatch.assignee = "1";
    step(dispatch);
    EXPECT_EQ(incident.assignee, "1");
    EXPECT_EQ(incident.dispatched_at, t0 + 3600);
    EXPECT_EQ(incident.deadline, t0 + 25 * 3600);
    step(request(Action::accept, Role::grid_worker, t0 + 2 * 3600));

    // Suspended 3 h: the deadline moves by 3 h on resume and the state comes back.
    step(request(Action::suspend, Role::supervisor, t0 + 4 * 3600));
    EXPECT_EQ(history.back().note, "批准人：社区主任；原因：现场核实");
    step(request(Action::resume, Role::supervisor, t0 + 7 * 3600));
    EXPECT_EQ(incident.state, "in_progress");
    EXPECT_EQ(incident.deadline, t0 + 28 * 3600);

    // Extended 24 h: the state stays, the deadline moves, the note records it.
    step(request(Action::extend, Role::supervisor, t0 + 8 * 3600));
    EXPECT_EQ(incident.state, "in_progress");
    EXPECT_EQ(history.back().from_state, "in_progress");
    EXPECT_EQ(history.back().to_state, "in_progress");
    EXPECT_EQ(history.back().note, "延期 24 小时；批准人：社区主任；原因：现场核实");
    EXPECT_EQ(extension_seconds(history.back()), 24 * 3600);
    EXPECT_EQ(incident.deadline, t0 + 52 * 3600);

    // Returned once (rework), re-dispatched: the clock keeps its start and deadline.
    step(request(Action::resolve, Role::grid_worker, t0 + 10 * 3600));
    step(request(Action::return_, Role::grid_worker, t0 + 11 * 3600));
    EXPECT_EQ(incident.state, "returned");
    step(request(Action::dispatch, Role::supervisor, t0 + 12 * 3600));
    EXPECT_EQ(incident.assignee, "1");
    EXPECT_EQ(incident.dispatched_at, t0 + 3600);
    EXPECT_EQ(incident.deadline, t0 + 52 * 3600);
    step(request(Action::accept, Role::grid_worker, t0 + 13 * 3600));
    step(request(Action::resolve, Role::grid_worker, t0 + 20 * 3600));
    step(request(Action::verify, Role::grid_worker, t0 + 21 * 3600));
    EXPECT_FALSE(incident.closed_at);
    step(request(Action::close, Role::supervisor, t0 + 22 * 3600));
    EXPECT_EQ(incident.state, "closed");
    EXPECT_EQ(incident.closed_at, t0 + 22 * 3600);
    EXPECT_TRUE(was_reworked(history));

    const Periods periods = reconstruct_periods(history);
    ASSERT_EQ(periods.pauses.size(), 1U);
    EXPECT_EQ(periods.pauses[0].from, t0 + 4 * 3600);
    EXPECT_EQ(periods.pauses[0].to, t0 + 7 * 3600);
    ASSERT_EQ(periods.extensions.size(), 1U);
    EXPECT_EQ(periods.extensions[0].seconds, 24 * 3600);
}

TEST(Report, RoutesByLocationAndTriage) {
    const auto snapshot = community_snapshot();
    IncidentReport r{"占道经营", "网格员巡查", Triage::general, "路口早点摊占道", {116.445, 39.925}, "1", t0};
    Transition t = report_incident(*snapshot, shipped_config().categories, r);
    EXPECT_EQ(t.incident.state, "reported");
    EXPECT_EQ(t.incident.grid_code, grid1_code);
    EXPECT_EQ(t.incident.assignee, "1");
    EXPECT_EQ(t.incident.triage, "general");
    EXPECT_EQ(t.incident.reported_at, t0);
    EXPECT_FALSE(t.incident.dispatched_at);
    EXPECT_EQ(t.event.from_state, "");
    EXPECT_EQ(t.event.to_state, "reported");
    EXPECT_EQ(t.event.note, "路口早点摊占道");

    r.triage = Triage::urgent;
    EXPECT_EQ(report_incident(*snapshot, shipped_config().categories, r).incident.assignee, street_code);

    const auto code = [&](IncidentReport bad) {
        try {
            (void)report_incident(*snapshot, shipped_config().categories, bad);
        } catch (const WorkflowError& e) {
            return e.code();
        }
        return std::string("accepted");
    };
    IncidentReport bad = r;
    bad.category = "未知";
    EXPECT_EQ(code(bad), "unknown_category");
    bad = r;
    bad.source = "微博";
    EXPECT_EQ(code(bad), "unknown_source");
    bad = r;
    bad.location = {120.0, 30.0};
    EXPECT_EQ(code(bad), "outside_grids");
    bad = r;
    bad.description.clear();
    EXPECT_EQ(code(bad), "description_required");
}

TEST(StateMachine, AllowedRulesAreTheTableRowsOfTheStateAndRole) {
    for (const State state : {State::reported, State::filed, State::dispatched, State::in_progress, State::resolved,
                              State::verified, State::closed, State::returned, State::voided, State::suspended}) {
        for (const Role role : {Role::grid_worker, Role::supervisor, Role::planner, Role::admin}) {
            std::vector<const TransitionRule*> expected;
            for (const TransitionRule& rule : transition_rules()) {
                // Acknowledging is for cases at a department (AtADepartment… below).
                if (rule.from == state && (rule.roles & role_bit(role)) != 0 && rule.action != Action::acknowledge) {
                    expected.push_back(&rule);
                }
            }
            EXPECT_EQ(allowed_rules(state, role), expected) << to_string(state) << " " << to_string(role);
        }
    }
    const auto actions = [](State state, Role role) {
        std::vector<Action> list;
        for (const TransitionRule* rule : allowed_rules(state, role)) list.push_back(rule->action);
        return list;
    };
    EXPECT_EQ(actions(State::dispatched, Role::grid_worker), std::vector<Action>{Action::accept});
    EXPECT_EQ(actions(State::verified, Role::supervisor), (std::vector<Action>{Action::return_, Action::close}));
    EXPECT_TRUE(actions(State::verified, Role::grid_worker).empty());
    EXPECT_TRUE(actions(State::in_progress, Role::planner).empty());
    EXPECT_TRUE(actions(State::closed, Role::admin).empty());
}

TEST(StateMachine, DepartmentDispatchGoesToTheDepartmentWithItsHours) {
    const Case c = case_in(State::in_progress);
    TransitionRequest r = request(Action::dispatch_department, Role::supervisor);
    r.note = "需执法部门拆除";
    const Transition t = apply(c.incident, c.history, r, shipped_config().categories);
    EXPECT_EQ(t.incident.state, "dispatched");
    EXPECT_EQ(t.incident.assignee, "department:chengguan");
    EXPECT_TRUE(at_department(t.incident));
    EXPECT_EQ(t.incident.deadline, c.incident.deadline);  // the community's clock is not restarted
    EXPECT_EQ(t.event.note, "派遣至部门 城管执法（chengguan）；报到时限 2 小时；办理时限 72 小时；原因：需执法部门拆除");
    r.department.reset();
    EXPECT_EQ(code_of(c, r), "department_required");
    r = request(Action::dispatch_department, Role::supervisor);
    r.note.clear();
    EXPECT_EQ(code_of(c, r), "reason_required");
    EXPECT_EQ(code_of(c, request(Action::dispatch_department, Role::grid_worker)), "forbidden");
    EXPECT_EQ(code_of(c, request(Action::dispatch_department, Role::department)), "forbidden");
    // A filed case dispatched straight to a department starts the case's clock too.
    const Case filed = case_in(State::filed);
    const Transition first = apply(filed.incident, filed.history, request(Action::dispatch_department, Role::admin),
                                   shipped_config().categories);
    EXPECT_EQ(first.incident.dispatched_at, t0 + 5 * 3600);
    EXPECT_TRUE(first.incident.deadline.has_value());
}

TEST(StateMachine, AtADepartmentTheDepartmentAcknowledgesAndReportsBack) {
    Case at = case_in(State::dispatched);
    at.incident.assignee = department_assignee("chengguan");
    EXPECT_EQ(code_of(at, request(Action::accept, Role::grid_worker)), "illegal_transition");
    EXPECT_EQ(code_of(at, request(Action::accept, Role::supervisor)), "illegal_transition");
    EXPECT_EQ(code_of(at, request(Action::acknowledge, Role::department)), "accepted");
    EXPECT_EQ(code_of(at, request(Action::acknowledge, Role::supervisor)), "forbidden");
    Case handling = case_in(State::in_progress);
    handling.incident.assignee = department_assignee("chengguan");
    EXPECT_EQ(code_of(handling, request(Action::resolve, Role::department)), "accepted");
    EXPECT_EQ(code_of(handling, request(Action::resolve, Role::grid_worker)), "forbidden");
    EXPECT_EQ(code_of(handling, request(Action::resolve, Role::supervisor)), "forbidden");
    EXPECT_EQ(code_of(handling, request(Action::resolve, Role::admin)), "accepted");
    // Not at a department: nothing to acknowledge, and a department account may do nothing.
    EXPECT_EQ(code_of(case_in(State::dispatched), request(Action::acknowledge, Role::admin)), "illegal_transition");
    EXPECT_EQ(code_of(case_in(State::in_progress), request(Action::resolve, Role::department)), "forbidden");

    const auto actions = [](State state, Role role, bool at_dept) {
        std::vector<Action> names;
        for (const TransitionRule* rule : allowed_rules(state, role, at_dept)) names.push_back(rule->action);
        return names;
    };
    EXPECT_EQ(actions(State::dispatched, Role::department, true), std::vector<Action>{Action::acknowledge});
    EXPECT_EQ(actions(State::in_progress, Role::department, true), std::vector<Action>{Action::resolve});
    EXPECT_TRUE(actions(State::dispatched, Role::department, false).empty());
    EXPECT_TRUE(actions(State::in_progress, Role::grid_worker, true).empty());
    EXPECT_EQ(actions(State::dispatched, Role::grid_worker, false), std::vector<Action>{Action::accept});
    // Returned by the community after the department's result: dispatched again to someone named,
    // or to a department with its own times.
    Case returned = case_in(State::returned);
    returned.incident.assignee = department_assignee("chengguan");
    EXPECT_EQ(code_of(returned, request(Action::dispatch, Role::supervisor)), "department_redispatch");
    TransitionRequest named = request(Action::dispatch, Role::supervisor);
    named.assignee = "1";
    EXPECT_EQ(code_of(returned, named), "accepted");
    EXPECT_EQ(code_of(returned, request(Action::dispatch_department, Role::supervisor)), "accepted");
    const std::vector<Action> supervisor = actions(State::dispatched, Role::supervisor, true);
    EXPECT_EQ(std::count(supervisor.begin(), supervisor.end(), Action::accept), 0);
    EXPECT_EQ(std::count(supervisor.begin(), supervisor.end(), Action::dispatch_department), 1);
}

TEST(StateMachine, TheReporterRatesAClosedCaseOnce) {
    Case closed = case_in(State::closed);  // reported by 居民
    const Transition rated = rate(closed.incident, closed.history, 4, "处理及时", "居民", t0 + 20 * 3600);
    EXPECT_EQ(rated.incident, closed.incident);
    EXPECT_EQ(rated.event.from_state, "closed");
    EXPECT_EQ(rated.event.to_state, "closed");
    EXPECT_EQ(rated.event.note, "满意度评价 4 分：处理及时");
    EXPECT_EQ(rating_of(rated.event), 4);
    const auto code = [&](const Case& c, int score, const char* actor) {
        try {
            (void)rate(c.incident, c.history, score, "", actor, t0 + 20 * 3600);
        } catch (const WorkflowError& e) {
            EXPECT_FALSE(e.message_zh().empty());
            return e.code();
        }
        return std::string("accepted");
    };
    EXPECT_EQ(code(closed, 0, "居民"), "invalid_rating");
    EXPECT_EQ(code(closed, 6, "居民"), "invalid_rating");
    EXPECT_EQ(code(closed, 5, "网格员"), "forbidden");
    EXPECT_EQ(code(case_in(State::verified), 5, "居民"), "illegal_transition");
    closed.history.push_back(rated.event);
    EXPECT_EQ(code(closed, 5, "居民"), "illegal_transition");  // once
    EXPECT_EQ(latest_rating(closed.history), 4);
    // Notes that only look like ratings are none.
    EXPECT_FALSE(rating_of({9, 7, t0, "x", "closed", "closed", "满意度评价 9 分"}).has_value());
    EXPECT_FALSE(rating_of({9, 7, t0, "x", "resolved", "closed", "满意度评价 4 分"}).has_value());
}
