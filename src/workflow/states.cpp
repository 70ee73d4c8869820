#include "wangge/workflow/states.hpp"

#include <array>
#include <utility>

namespace wangge::workflow {

namespace {

template <class Enum, std::size_t N>
using Names = std::array<std::pair<Enum, std::string_view>, N>;

constexpr Names<State, 10> state_names{{
    {State::reported, "reported"},
    {State::filed, "filed"},
    {State::dispatched, "dispatched"},
    {State::in_progress, "in_progress"},
    {State::resolved, "resolved"},
    {State::verified, "verified"},
    {State::closed, "closed"},
    {State::returned, "returned"},
    {State::voided, "voided"},
    {State::suspended, "suspended"},
}};

constexpr Names<State, 10> state_labels{{
    {State::reported, "上报"},
    {State::filed, "立案"},
    {State::dispatched, "派遣"},
    {State::in_progress, "处置"},
    {State::resolved, "处置反馈"},
    {State::verified, "核查"},
    {State::closed, "结案"},
    {State::returned, "退回"},
    {State::voided, "作废"},
    {State::suspended, "挂起"},
}};

constexpr Names<Action, 13> action_names{{
    {Action::file, "file"},
    {Action::dispatch, "dispatch"},
    {Action::accept, "accept"},
    {Action::resolve, "resolve"},
    {Action::verify, "verify"},
    {Action::close, "close"},
    {Action::return_, "return"},
    {Action::void_, "void"},
    {Action::extend, "extend"},
    {Action::suspend, "suspend"},
    {Action::resume, "resume"},
    {Action::dispatch_department, "dispatch_department"},
    {Action::acknowledge, "acknowledge"},
}};

constexpr Names<Action, 13> action_labels{{
    {Action::file, "立案"},
    {Action::dispatch, "派遣"},
    {Action::accept, "签收"},
    {Action::resolve, "处置反馈"},
    {Action::verify, "核查"},
    {Action::close, "结案"},
    {Action::return_, "退回"},
    {Action::void_, "作废"},
    {Action::extend, "延期"},
    {Action::suspend, "挂起"},
    {Action::resume, "恢复"},
    {Action::dispatch_department, "派遣至部门"},
    {Action::acknowledge, "报到"},
}};

constexpr Names<Role, 5> role_names{{
    {Role::grid_worker, "grid_worker"},
    {Role::supervisor, "supervisor"},
    {Role::planner, "planner"},
    {Role::admin, "admin"},
    {Role::department, "department"},
}};

constexpr Names<Role, 5> role_labels{{
    {Role::grid_worker, "网格员"},
    {Role::supervisor, "指挥调度员"},
    {Role::planner, "规划员"},
    {Role::admin, "管理员"},
    {Role::department, "职能部门"},
}};

constexpr Names<Triage, 3> triage_names{{
    {Triage::general, "general"},
    {Triage::coordination, "coordination"},
    {Triage::urgent, "urgent"},
}};

constexpr Names<Triage, 3> triage_labels{{
    {Triage::general, "一般"},
    {Triage::coordination, "协调"},
    {Triage::urgent, "紧急"},
}};

template <class Enum, std::size_t N>
std::string_view lookup(const Names<Enum, N>& names, Enum value) noexcept {
    for (const auto& [candidate, name] : names) {
        if (candidate == value) return name;
    }
    return {};
}

template <class Enum, std::size_t N>
std::optional<Enum> parse(const Names<Enum, N>& names, std::string_view text) noexcept {
    for (const auto& [value, name] : names) {
        if (name == text) return value;
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(State state) noexcept { return lookup(state_names, state); }
std::string_view to_string(Action action) noexcept { return lookup(action_names, action); }
std::string_view to_string(Role role) noexcept { return lookup(role_names, role); }
std::string_view to_string(Triage triage) noexcept { return lookup(triage_names, triage); }

std::string_view label_zh(State state) noexcept { return lookup(state_labels, state); }
std::string_view label_zh(Action action) noexcept { return lookup(action_labels, action); }
std::string_view label_zh(Triage triage) noexcept { return lookup(triage_labels, triage); }
std::string_view label_zh(Role role) noexcept { return lookup(role_labels, role); }

std::optional<State> parse_state(std::string_view text) noexcept { return parse(state_names, text); }
std::optional<Action> parse_action(std::string_view text) noexcept { return parse(action_names, text); }
std::optional<Role> parse_role(std::string_view text) noexcept { return parse(role_names, text); }
std::optional<Triage> parse_triage(std::string_view text) noexcept { return parse(triage_names, text); }

bool is_terminal(State state) noexcept { return state == State::closed || state == State::voided; }

WorkflowError::WorkflowError(std::string code, const std::string& message, std::string message_zh)
    : InputError(message), code_(std::move(code)), message_zh_(std::move(message_zh)) {}

}  // namespace wangge::workflow
