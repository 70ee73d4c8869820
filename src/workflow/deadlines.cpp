#include "wangge/workflow/deadlines.hpp"

#include <algorithm>
#include <unordered_set>

#include "wangge/workflow/routing.hpp"
#include "wangge/workflow/states.hpp"

namespace wangge::workflow {

std::string_view to_string(Light light) noexcept {
    switch (light) {
    case Light::green: return "green";
    case Light::yellow: return "yellow";
    case Light::red: return "red";
    }
    return "red";
}

std::string_view label_zh(Light light) noexcept {
    switch (light) {
    case Light::green: return "绿灯";
    case Light::yellow: return "黄灯";
    case Light::red: return "红灯";
    }
    return "红灯";
}

Light light_for(double used_fraction) noexcept {
    if (used_fraction < 0.8) return Light::green;
    if (used_fraction <= 1.0) return Light::yellow;
    return Light::red;
}

double Clock::used_fraction() const noexcept {
    if (allowed_s <= 0) return used_s > 0 ? 2.0 : 0.0;
    return static_cast<double>(used_s) / static_cast<double>(allowed_s);
}

std::optional<Clock> clock_at(const model::Incident& incident, std::span<const model::IncidentEvent> history,
                              model::Timestamp now) {
    if (!incident.dispatched_at || !incident.deadline) return std::nullopt;
    if (incident.state == to_string(State::voided)) return std::nullopt;
    Clock clock;
    clock.started = *incident.dispatched_at;
    clock.stopped = std::max(clock.started, incident.closed_at ? std::min(*incident.closed_at, now) : now);

    const Periods periods = reconstruct_periods(history);
    std::int64_t resumed_s = 0;  // completed pauses, already added to the stored deadline
    bool paused_now = false;
    for (const Pause& pause : periods.pauses) {
        const model::Timestamp from = std::clamp(pause.from, clock.started, clock.stopped);
        const model::Timestamp to = std::clamp(pause.to.value_or(clock.stopped), clock.started, clock.stopped);
        clock.paused_s += to - from;
        if (pause.to) {
            resumed_s += *pause.to - pause.from;
        } else if (pause.from <= clock.stopped) {
            paused_now = true;
        }
    }
    for (const Extension& extension : periods.extensions) clock.extended_s += extension.seconds;

    clock.running = !incident.closed_at && !paused_now;
    clock.allowed_s = *incident.deadline - clock.started - resumed_s;
    clock.used_s = clock.stopped - clock.started - clock.paused_s;
    clock.due = clock.stopped + (clock.allowed_s - clock.used_s);
    return clock;
}

std::vector<OverdueIncident> overdue_in(const model::Snapshot& snapshot, std::string_view area, model::Timestamp now) {
    // The area's grids, each once: a bad parent link (a cycle, a repeated code) must not loop or double count.
    std::vector<std::string_view> codes{area};
    std::unordered_set<std::string_view> seen{area};
    for (std::size_t i = 0; i < codes.size(); ++i) {
        for (const model::Grid* child : snapshot.children(codes[i])) {
            if (seen.insert(child->code).second) codes.push_back(child->code);
        }
    }
    std::vector<OverdueIncident> overdue;
    std::vector<model::IncidentEvent> history;
    for (const std::string_view code : codes) {
        for (const std::size_t position : snapshot.incidents_in(code)) {
            const model::Incident& incident = snapshot.data().incidents[position];
            if (incident.closed_at) continue;
            history.clear();
            for (const model::IncidentEvent* event : snapshot.events_of(incident.id)) history.push_back(*event);
            const auto clock = clock_at(incident, history, now);
            if (!clock || !clock->overdue()) continue;
            const Areas areas = areas_of(snapshot, incident.grid_code);
            if (area != areas.grid && area != areas.community && area != areas.street) continue;
            overdue.push_back({incident.id, incident.grid_code, *clock});
        }
    }
    std::sort(overdue.begin(), overdue.end(),
              [](const OverdueIncident& a, const OverdueIncident& b) { return a.incident_id < b.incident_id; });
    return overdue;
}

}  // namespace wangge::workflow
