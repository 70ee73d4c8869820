#include "wangge/workflow/routing.hpp"

#include <algorithm>
#include <cstdio>

namespace wangge::workflow {

namespace {

/// Parent links are followed at most this far, so a cycle in bad data cannot hang a request.
constexpr int max_depth = 8;

std::string format_point(const geo::Point& p) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "(%.7f, %.7f)", p.x, p.y);
    return buffer;
}

void assign_level(Areas& areas, const model::Grid& grid) {
    if (grid.level == model::GridLevel::community && areas.community.empty()) areas.community = grid.code;
    if (grid.level == model::GridLevel::street && areas.street.empty()) areas.street = grid.code;
}

/// The staff id of the first A岗 (else B岗) worker not on leave at `at` of the
/// finest grid, or of the grid above a sub-grid that has no staff of its own;
/// empty when there is none.
std::string grid_worker(const model::Snapshot& snapshot, std::string_view grid_code, model::Timestamp at) {
    const model::Grid* grid = snapshot.current_grid(grid_code);
    for (int depth = 0; grid != nullptr && depth < max_depth; ++depth) {
        const auto staff = snapshot.staff_of(grid->code);
        for (const model::GridStaff& link : staff) {  // A岗 first
            if (!link.staff->on_leave(at)) return std::to_string(link.staff->id);
        }
        if (!staff.empty()) return {};
        if (grid->level != model::GridLevel::subgrid) break;
        grid = snapshot.current_grid(grid->parent_code);
    }
    return {};
}

}  // namespace

Areas areas_of(const model::Snapshot& snapshot, std::string_view grid_code) {
    Areas areas{std::string(grid_code), {}, {}};
    const model::Grid* grid = snapshot.current_grid(grid_code);
    for (int depth = 0; grid != nullptr && depth < max_depth; ++depth) {
        assign_level(areas, *grid);
        grid = grid->parent_code.empty() ? nullptr : snapshot.current_grid(grid->parent_code);
    }
    return areas;
}

std::string assignee_for(const model::Snapshot& snapshot, const Areas& areas, Triage triage, model::Timestamp at) {
    const auto missing = [&](std::string_view level_en, std::string_view level_zh) {
        return WorkflowError("no_assignee",
                             "grid " + areas.grid + " has no " + std::string(level_en) + " to take a " +
                                 std::string(to_string(triage)) + " incident",
                             "网格 " + areas.grid + " 没有上级" + std::string(level_zh) + "，无法分派" +
                                 std::string(label_zh(triage)) + "事件");
    };
    switch (triage) {
    case Triage::general:
        if (std::string worker = grid_worker(snapshot, areas.grid, at); !worker.empty()) return worker;
        if (areas.community.empty()) throw missing("staff or community", "社区");
        return areas.community;
    case Triage::coordination:
        if (areas.community.empty()) throw missing("community", "社区");
        return areas.community;
    case Triage::urgent:
        if (areas.street.empty()) throw missing("street", "街道");
        return areas.street;
    }
    return {};
}

Route route(const model::Snapshot& snapshot, const geo::Point& location, Triage triage, model::Timestamp at) {
    const auto found = snapshot.lookup(location);
    if (!found) {
        throw WorkflowError("outside_grids", "location " + format_point(location) + " lies outside every grid",
                            "位置 " + format_point(location) + " 不在任何网格内");
    }
    Route result;
    result.areas.grid = found->grid().code;
    for (const model::Grid* grid : found->chain) assign_level(result.areas, *grid);
    // A general case inside a dedicated grid (专属网格) goes to its own staff
    // first, and belongs to it, so they may work it; else to the base grid's.
    if (found->dedicated != nullptr && triage == Triage::general) {
        if (std::string worker = grid_worker(snapshot, found->dedicated->code, at); !worker.empty()) {
            result.areas.grid = found->dedicated->code;
            result.assignee = std::move(worker);
            result.near_boundary = found->near_boundary;
            return result;
        }
    }
    result.assignee = assignee_for(snapshot, result.areas, triage, at);
    result.near_boundary = found->near_boundary;
    return result;
}

std::vector<Escalation> escalations_due(std::span<const model::Incident> incidents,
                                        const IncidentHistories& histories, const EscalationPolicy& policy,
                                        model::Timestamp now) {
    std::vector<Escalation> due;
    for (const model::Incident& incident : incidents) {
        const auto state = parse_state(incident.state);
        const auto triage = parse_triage(incident.triage);
        if (!state || !triage) continue;
        if (*state != State::reported && *state != State::filed && *state != State::dispatched) continue;
        const auto limit = policy.limit(*triage);
        if (!limit) continue;
        // After a return the clock of acceptance restarts at the re-dispatch.
        model::Timestamp since = incident.reported_at;
        const auto history = histories.of(incident.id);
        if (was_reworked(history) && *state == State::dispatched) {
            const std::string_view dispatched = to_string(State::dispatched);
            for (const model::IncidentEvent& event : history) {
                if (event.to_state == dispatched) since = event.at;
            }
        }
        const model::Timestamp due_at = since + *limit;
        if (now < due_at) continue;
        due.push_back({incident.id, incident.assignee, *triage, since, due_at, now - due_at});
    }
    std::sort(due.begin(), due.end(), [](const Escalation& a, const Escalation& b) {
        return a.overdue_s != b.overdue_s ? a.overdue_s > b.overdue_s : a.incident_id < b.incident_id;
    });
    return due;
}

}  // namespace wangge::workflow
