#pragma once
// The vocabulary of the incident workflow (DESIGN §5, GB/T 30428): states,
// actions, roles and triage levels, with their stored names and the Chinese
// labels the map shows, plus the workflow's typed error.
//
// Thread safety: everything here is stateless.

#include <optional>
#include <string>
#include <string_view>

#include "wangge/error.hpp"

namespace wangge::workflow {

/// The stored names are those of model::Incident::state.
enum class State { reported, filed, dispatched, in_progress, resolved, verified, closed, returned, voided, suspended };

/// What a user does to an incident. `return_` (退回) and `void_` (作废) carry a
/// trailing underscore because their names are C++ keywords; their stored
/// names are "return" and "void". dispatch_department (派遣至部门) and
/// acknowledge (报到) are the department step of 吹哨报到 (departments.hpp).
enum class Action {
    file, dispatch, accept, resolve, verify, close, return_, void_, extend, suspend, resume,
    dispatch_department, acknowledge
};

/// The HTTP roles of DESIGN §6 (anonymous users never reach the workflow).
enum class Role { grid_worker, supervisor, planner, admin, department };

/// 一般 handled on the spot by the grid worker, 协调 by the community, 紧急 by the street office.
enum class Triage { general, coordination, urgent };

[[nodiscard]] std::string_view to_string(State state) noexcept;
[[nodiscard]] std::string_view to_string(Action action) noexcept;
[[nodiscard]] std::string_view to_string(Role role) noexcept;
[[nodiscard]] std::string_view to_string(Triage triage) noexcept;

/// Chinese labels for the map: 上报, 立案, 派遣, 处置, 处置反馈, 核查, 结案, 退回, 作废, 挂起.
[[nodiscard]] std::string_view label_zh(State state) noexcept;
/// 立案, 派遣, 签收, 处置反馈, 核查, 结案, 退回, 作废, 延期, 挂起, 恢复, 派遣至部门, 报到.
[[nodiscard]] std::string_view label_zh(Action action) noexcept;
/// 一般, 协调, 紧急.
[[nodiscard]] std::string_view label_zh(Triage triage) noexcept;
/// 网格员, 指挥调度员, 规划员, 管理员, 职能部门.
[[nodiscard]] std::string_view label_zh(Role role) noexcept;

/// Parse the stored names above; nullopt for anything else.
[[nodiscard]] std::optional<State> parse_state(std::string_view text) noexcept;
[[nodiscard]] std::optional<Action> parse_action(std::string_view text) noexcept;
[[nodiscard]] std::optional<Role> parse_role(std::string_view text) noexcept;
[[nodiscard]] std::optional<Triage> parse_triage(std::string_view text) noexcept;

/// closed and voided: no transition leaves them.
[[nodiscard]] bool is_terminal(State state) noexcept;

/// A workflow request that cannot be carried out. code() is a stable
/// identifier for clients (the HTTP layer puts it in {"error":{"code"}});
/// what() is English, message_zh() the Chinese text for the map.
class WorkflowError : public InputError {
public:
    WorkflowError(std::string code, const std::string& message, std::string message_zh);

    [[nodiscard]] const std::string& code() const noexcept { return code_; }
    [[nodiscard]] const std::string& message_zh() const noexcept { return message_zh_; }

private:
    std::string code_;
    std::string message_zh_;
};

}  // namespace wangge::workflow
