#include "wangge/workflow/deadlines.hpp"

#include <algorithm>

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

OverdueByArea overdue_by_area(const model::Snapshot& snapshot, const model::Table<model::Incident>& incidents,
                              const IncidentHistories& histories, model::Timestamp now) {
    std::vector<const model::Incident*> ordered;
    for (const model::Incident& incident : incidents) ordered.push_back(&incident);
    std::sort(ordered.begin(), ordered.end(),
              [](const model::Incident* a, const model::Incident* b) { return a->id < b->id; });

    OverdueByArea overdue;
    for (const model::Incident* incident : ordered) {
        if (incident->closed_at) continue;
        const auto clock = clock_at(*incident, histories.of(incident->id), now);
        if (!clock || !clock->overdue()) continue;
        const OverdueIncident item{incident->id, incident->grid_code, *clock};
        const Areas areas = areas_of(snapshot, incident->grid_code);
        overdue.grids[areas.grid].push_back(item);
        if (!areas.community.empty()) overdue.communities[areas.community].push_back(item);
        if (!areas.street.empty()) overdue.streets[areas.street].push_back(item);
    }
    return overdue;
}

}  // namespace wangge::workflow
