#include "wangge/workflow/history.hpp"

#include <algorithm>
#include <charconv>

#include "wangge/workflow/states.hpp"

namespace wangge::workflow {

namespace {
constexpr std::string_view extension_prefix = "延期 ";
constexpr std::string_view extension_unit = " 小时";
}  // namespace

IncidentHistories::IncidentHistories(std::span<const model::IncidentEvent> events)
    : IncidentHistories(std::vector<model::IncidentEvent>(events.begin(), events.end())) {}

IncidentHistories IncidentHistories::for_clocks(std::span<const model::IncidentEvent> events) {
    const std::string_view suspended = to_string(State::suspended);
    const std::string_view returned = to_string(State::returned);
    std::vector<model::IncidentEvent> kept;
    for (const model::IncidentEvent& event : events) {
        if (event.to_state == suspended || event.from_state == suspended || event.to_state == returned ||
            event.from_state == returned || extension_seconds(event)) {
            kept.push_back(event);
        }
    }
    return IncidentHistories(std::move(kept));
}

IncidentHistories::IncidentHistories(std::vector<model::IncidentEvent> events) : events_(std::move(events)) {
    std::sort(events_.begin(), events_.end(), [](const model::IncidentEvent& a, const model::IncidentEvent& b) {
        if (a.incident_id != b.incident_id) return a.incident_id < b.incident_id;
        return a.at != b.at ? a.at < b.at : a.id < b.id;
    });
    for (std::size_t begin = 0; begin < events_.size();) {
        std::size_t end = begin;
        while (end < events_.size() && events_[end].incident_id == events_[begin].incident_id) ++end;
        ranges_.emplace(events_[begin].incident_id, std::make_pair(begin, end));
        begin = end;
    }
}

std::span<const model::IncidentEvent> IncidentHistories::of(std::int64_t incident_id) const noexcept {
    const auto found = ranges_.find(incident_id);
    if (found == ranges_.end()) return {};
    const auto [begin, end] = found->second;
    return std::span<const model::IncidentEvent>(events_).subspan(begin, end - begin);
}

Periods reconstruct_periods(std::span<const model::IncidentEvent> history) {
    const std::string_view suspended = to_string(State::suspended);
    Periods periods;
    for (const model::IncidentEvent& event : history) {
        if (event.to_state == suspended && event.from_state != suspended) {
            periods.pauses.push_back({event.at, std::nullopt});
        } else if (event.from_state == suspended && event.to_state != suspended && !periods.pauses.empty() &&
                   !periods.pauses.back().to) {
            periods.pauses.back().to = event.at;
        } else if (const auto seconds = extension_seconds(event)) {
            periods.extensions.push_back({event.at, *seconds});
        }
    }
    return periods;
}

bool was_reworked(std::span<const model::IncidentEvent> history) noexcept {
    const std::string_view returned = to_string(State::returned);
    return std::any_of(history.begin(), history.end(),
                       [&](const model::IncidentEvent& event) { return event.to_state == returned; });
}

std::string approval_note(std::string_view approver, std::string_view reason) {
    std::string note = "批准人：";
    note.append(approver).append("；原因：").append(reason);
    return note;
}

std::string extension_note(std::int64_t hours, std::string_view approver, std::string_view reason) {
    std::string note(extension_prefix);
    note.append(std::to_string(hours)).append(extension_unit).append("；").append(approval_note(approver, reason));
    return note;
}

std::optional<std::int64_t> extension_seconds(const model::IncidentEvent& event) {
    if (event.from_state.empty() || event.from_state != event.to_state) return std::nullopt;
    const std::string_view note = event.note;
    if (!note.starts_with(extension_prefix)) return std::nullopt;
    const char* begin = note.data() + extension_prefix.size();
    const char* end = note.data() + note.size();
    std::int64_t hours = 0;
    const auto [next, error] = std::from_chars(begin, end, hours);
    if (error != std::errc{} || hours <= 0 || !std::string_view(next, end).starts_with(extension_unit)) {
        return std::nullopt;
    }
    return hours * 3600;
}

}  // namespace wangge::workflow
