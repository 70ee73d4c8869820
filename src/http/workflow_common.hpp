#pragma once
// What the workflow and Open311 routes share (internal to the http module):
// finding an incident and its history in a
// Snapshot, and describing a stored incident write for the audit log.
//
// Thread safety: pure functions over a read-only Snapshot.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/auth/policy.hpp"
#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/workflow_routes.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/workflow/assessment.hpp"
#include "wangge/workflow/month.hpp"
#include "wangge/workflow/state_machine.hpp"

namespace wangge::http {

/// The kind of a refused workflow request, by its code (workflow_routes.hpp):
/// forbidden → 403, illegal_transition and time_order → 409, the rest 400.
/// Defined in router.cpp, whose dispatch maps them; Open311 answers in its own shape.
[[nodiscard]] ErrorKind kind_of(const workflow::WorkflowError& error) noexcept;

}  // namespace wangge::http

namespace wangge::http::detail {

/// The incident with that id; ClientError 404 "not_found" when there is none.
/// The request's ?month=YYYY-MM, or the month of `now` when absent; 400 when malformed.
[[nodiscard]] workflow::Month month_param(const Request& request, model::Timestamp now);
/// The grid in force with `code`; 404 "unknown_grid" when there is none.
[[nodiscard]] const model::Grid& current_grid(const model::Snapshot& snapshot, const std::string& code);

[[nodiscard]] const model::Incident& find_incident(const model::Snapshot& snapshot, std::int64_t id);
/// The household with that id (moved out or not); ClientError 404 "not_found" when there is none.
[[nodiscard]] const model::Household& find_household(const model::Snapshot& snapshot, std::int64_t id);

/// The grid a new incident's reporter must cover: its own grid, or, for a case
/// routed to a dedicated grid (专属网格), the base grid under it when the
/// reporter works there (a worker patrols their whole grid).
[[nodiscard]] std::string report_scope(const model::Snapshot& snapshot, const auth::Principal& reporter,
                                       const model::Incident& incident);

/// One incident's events in time order (ties by id).
[[nodiscard]] std::vector<model::IncidentEvent> history_of(const model::Snapshot& snapshot, std::int64_t incident_id);

/// The longest text a field may store, in characters, with its names for the error.
struct TextLimit {
    const char* field;
    const char* field_zh;
    std::size_t max_characters;
};
inline constexpr TextLimit description_limit{"description", "事件描述", 4000};
inline constexpr TextLimit note_limit{"note", "备注", 2000};
inline constexpr TextLimit visit_kind_limit{"kind", "走访类型", 50};

/// workflow::WorkflowError "too_long" (400, with message_zh) when `text` exceeds the limit.
void check_length(std::string_view text, const TextLimit& limit);

/// Who may act on a case (handle_incident): a user whose scope covers its
/// grid; a department account only while the case is at its department
/// (吹哨报到, workflow/departments.hpp).
[[nodiscard]] bool may_handle(const auth::Principal& who, const model::Incident& incident);
/// The principal when may_handle(); ClientError 401/403 ("out_of_scope") otherwise.
auth::Principal require_case_handler(const AuthGate& gate, const Request& request, const model::Incident& incident);
/// Who may read a case page: read_incidents; a department account the cases
/// ever dispatched to its department (`history` is the case's). ClientError 401/403 otherwise.
auth::Principal require_case_reader(const AuthGate& gate, const Request& request, const model::Incident& incident,
                                    std::span<const model::IncidentEvent> history);

/// Keep what a scoped user may see of the assessment: units and areas of
/// their scope, workers with a grid in it (ranks stay city-wide).
void restrict_to_scope(workflow::Ranking& ranking, const model::Snapshot& snapshot, const auth::User& user);
void restrict_to_scope(workflow::Demands& demands, const auth::User& user);

/// Stores the reporter's rating of closed incident `id` (workflow::rate) with its audit entry.
workflow::Transition store_rating(const WorkflowServices& services, std::int64_t id, std::int64_t score,
                                  const std::string& comment, const std::string& actor,
                                  const std::function<auth::AuditEntry(const workflow::Transition&)>& audit);

/// What an incident write changed, for the audit log's detail:
/// "reported → filed (event 12), grid 110105001001001, assignee 1".
[[nodiscard]] std::string write_detail(const workflow::Transition& stored);

}  // namespace wangge::http::detail
