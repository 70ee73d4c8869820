#include "wangge/workflow/history.hpp"

#include <algorithm>
#include <charconv>

#include "wangge/workflow/states.hpp"

namespace wangge::workflow {

namespace {
constexpr std::string_view extension_prefix = "延期 ";
constexpr std::string_view extension_unit = " 小时";
constexpr std::string_view rating_prefix = "满意度评价 ";
constexpr std::string_view rating_unit = " 分";
}  // namespace

bool IncidentHistories::read_by_clocks(const model::IncidentEvent& event) {
    const std::string_view suspended = to_string(State::suspended);
    const std::string_view returned = to_string(State::returned);
    return event.to_state == suspended || event.from_state == suspended || event.to_state == returned ||
           event.from_state == returned || extension_seconds(event).has_value() || rating_of(event).has_value();
}

namespace {

bool history_order(const model::IncidentEvent& a, const model::IncidentEvent& b) {
    if (a.incident_id != b.incident_id) return a.incident_id < b.incident_id;
    return a.at != b.at ? a.at < b.at : a.id < b.id;
}

}  // namespace

IncidentHistories::IncidentHistories(std::vector<model::IncidentEvent> events) {
    auto sorted = std::make_shared<Sorted>();
    sorted->events = std::move(events);
    std::vector<model::IncidentEvent>& all = sorted->events;
    std::sort(all.begin(), all.end(), history_order);
    for (std::size_t begin = 0; begin < all.size();) {
        std::size_t end = begin;
        while (end < all.size() && all[end].incident_id == all[begin].incident_id) ++end;
        sorted->ranges.emplace(all[begin].incident_id, std::make_pair(begin, end));
        begin = end;
    }
    base_ = std::move(sorted);
}

IncidentHistories IncidentHistories::with(std::span<const model::IncidentEvent> appended) const {
    IncidentHistories next = *this;
    for (const model::IncidentEvent& event : appended) {
        if (clocks_only_ && !read_by_clocks(event)) continue;
        const std::span<const model::IncidentEvent> old = next.of(event.incident_id);
        auto history = std::make_shared<std::vector<model::IncidentEvent>>(old.begin(), old.end());
        history->insert(std::upper_bound(history->begin(), history->end(), event, history_order), event);
        next.overlay_[event.incident_id] = std::move(history);
    }
    return next;
}

std::span<const model::IncidentEvent> IncidentHistories::of(std::int64_t incident_id) const noexcept {
    if (const auto replaced = overlay_.find(incident_id); replaced != overlay_.end()) return *replaced->second;
    const auto found = base_->ranges.find(incident_id);
    if (found == base_->ranges.end()) return {};
    const auto [begin, end] = found->second;
    return std::span<const model::IncidentEvent>(base_->events).subspan(begin, end - begin);
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

std::string rating_note(int score, std::string_view comment) {
    std::string note = std::string(rating_prefix) + std::to_string(score) + std::string(rating_unit);
    if (!comment.empty()) note += "：" + std::string(comment);
    return note;
}

std::optional<int> rating_of(const model::IncidentEvent& event) {
    const std::string_view closed = to_string(State::closed);
    if (event.from_state != closed || event.to_state != closed) return std::nullopt;
    const std::string_view note = event.note;
    if (!note.starts_with(rating_prefix)) return std::nullopt;
    const char* begin = note.data() + rating_prefix.size();
    const char* end = note.data() + note.size();
    int score = 0;
    const auto [next, error] = std::from_chars(begin, end, score);
    if (error != std::errc{} || score < 1 || score > 5 || !std::string_view(next, end).starts_with(rating_unit)) {
        return std::nullopt;
    }
    return score;
}

std::optional<int> latest_rating(std::span<const model::IncidentEvent> history) {
    for (auto event = history.rbegin(); event != history.rend(); ++event) {
        if (const auto score = rating_of(*event)) return score;
    }
    return std::nullopt;
}

}  // namespace wangge::workflow
