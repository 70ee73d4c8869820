#include "wangge/workflow/departments.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "wangge/model/text.hpp"
#include "wangge/workflow/history.hpp"

namespace wangge::workflow {

namespace {

constexpr std::string_view assignee_prefix = "department:";
constexpr std::string_view note_prefix = "派遣至部门 ";
constexpr std::string_view acknowledge_label = "；报到时限 ";
constexpr std::string_view deadline_label = "；办理时限 ";
constexpr std::string_view hours_unit = " 小时";
constexpr std::int64_t max_hours = 24 * 90;
constexpr std::size_t max_code_length = 32;
constexpr std::size_t max_name_characters = 50;
constexpr std::string_view name_marks[] = {"（", "）", "；", ";", "\n", "\r", "\t"};

// Hours: {acknowledge, {general, coordination, urgent}}. Urgent cases get the
// short times the plans ask of 紧急性工作; the rest follow the usual 12345
// hotline practice of a few working days.
const std::array<Department, 8> defaults{{
    {"chengguan", "城管执法", 2, {72, 120, 4}},
    {"shichang", "市场监管", 2, {72, 120, 4}},
    {"huanjing", "生态环境", 2, {72, 120, 4}},
    {"zhujian", "住房城建", 4, {120, 240, 8}},
    {"xiaofang", "消防救援", 1, {48, 72, 2}},
    {"gongan", "公安派出所", 1, {48, 72, 2}},
    {"wuye", "物业服务", 2, {48, 72, 4}},
    {"zongzhi", "综治中心", 2, {72, 120, 4}},
}};

bool is_ascii_letter(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) noexcept { return c >= '0' && c <= '9'; }

[[noreturn]] void invalid(const std::string& message, const std::string& message_zh) {
    throw WorkflowError("invalid_department", message, message_zh);
}

void check_hours(std::int64_t hours, const std::string& field, const std::string& field_zh) {
    if (hours < 1 || hours > max_hours) {
        invalid(field + " must be between 1 and " + std::to_string(max_hours) + " hours, got " + std::to_string(hours),
                field_zh + "须在 1 至 " + std::to_string(max_hours) + " 小时之间");
    }
}

/// Reads "<digits> 小时" at the start of `text`, moving past it.
std::optional<std::int64_t> read_hours(std::string_view& text) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{}) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    if (!text.starts_with(hours_unit)) return std::nullopt;
    text.remove_prefix(hours_unit.size());
    return value;
}

struct DispatchNote {
    std::string code;
    std::string name;
    std::int64_t acknowledge_hours = 0;
    std::int64_t deadline_hours = 0;
};

/// The department dispatch an event records; nullopt for any other event.
std::optional<DispatchNote> read_dispatch_note(const model::IncidentEvent& event) {
    std::string_view text = event.note;
    if (event.to_state != to_string(State::dispatched) || !text.starts_with(note_prefix)) return std::nullopt;
    text.remove_prefix(note_prefix.size());
    constexpr std::string_view open = "（";
    constexpr std::string_view close = "）";
    const std::size_t name_end = text.find(open);
    if (name_end == std::string_view::npos) return std::nullopt;
    DispatchNote note;
    note.name = std::string(text.substr(0, name_end));
    text.remove_prefix(name_end + open.size());
    const std::size_t code_end = text.find(close);
    if (code_end == std::string_view::npos) return std::nullopt;
    note.code = std::string(text.substr(0, code_end));
    text.remove_prefix(code_end + close.size());
    if (!text.starts_with(acknowledge_label)) return std::nullopt;
    text.remove_prefix(acknowledge_label.size());
    const auto acknowledge = read_hours(text);
    if (!acknowledge || !text.starts_with(deadline_label)) return std::nullopt;
    text.remove_prefix(deadline_label.size());
    const auto deadline = read_hours(text);
    if (!deadline) return std::nullopt;
    note.acknowledge_hours = *acknowledge;
    note.deadline_hours = *deadline;
    return note;
}

/// Time suspended inside [from, to].
std::int64_t paused_within(const Periods& periods, model::Timestamp from, model::Timestamp to) {
    std::int64_t paused = 0;
    for (const Pause& pause : periods.pauses) {
        const model::Timestamp begin = std::max(pause.from, from);
        const model::Timestamp end = std::min(pause.to.value_or(to), to);
        if (end > begin) paused += end - begin;
    }
    return paused;
}

}  // namespace

void check_department(const Department& department) {
    const std::string& code = department.code;
    if (code.empty() || code.size() > max_code_length || !is_ascii_letter(code.front()) ||
        !std::all_of(code.begin(), code.end(), [](char c) { return is_ascii_letter(c) || is_ascii_digit(c); })) {
        invalid("department code \"" + code + "\" must be 1 to 32 letters and digits starting with a letter",
                "部门编码“" + code + "”须为 1 至 32 位字母或数字，并以字母开头");
    }
    const std::size_t characters = model::character_count(department.name);
    // The name is written into dispatch notes between these marks (read_dispatch_note).
    const bool has_mark = std::any_of(std::begin(name_marks), std::end(name_marks), [&](std::string_view mark) {
        return department.name.find(mark) != std::string::npos;
    });
    if (characters == 0 || characters > max_name_characters || has_mark) {
        invalid("department name must be 1 to 50 characters without brackets, semicolons or line breaks",
                "部门名称须为 1 至 50 个字符，不含括号、分号或换行");
    }
    check_hours(department.acknowledge_hours, "acknowledge_hours", "报到时限");
    static constexpr std::array<const char*, 3> fields{"deadline_hours.general", "deadline_hours.coordination",
                                                       "deadline_hours.urgent"};
    static constexpr std::array<const char*, 3> fields_zh{"一般事件办理时限", "协调事件办理时限", "紧急事件办理时限"};
    for (std::size_t i = 0; i < fields.size(); ++i) check_hours(department.deadline_hours[i], fields[i], fields_zh[i]);
}

std::span<const Department> default_departments() noexcept { return defaults; }

std::string department_assignee(std::string_view code) { return std::string(assignee_prefix) + std::string(code); }

std::string_view department_of_assignee(std::string_view assignee) noexcept {
    return assignee.starts_with(assignee_prefix) ? assignee.substr(assignee_prefix.size()) : std::string_view{};
}

bool at_department(const model::Incident& incident) noexcept {
    return !department_of_assignee(incident.assignee).empty();
}

std::string department_dispatch_note(const Department& department, Triage triage, std::string_view reason) {
    std::string note = std::string(note_prefix) + department.name + "（" + department.code + "）" +
                       std::string(acknowledge_label) + std::to_string(department.acknowledge_hours) +
                       std::string(hours_unit) + std::string(deadline_label) +
                       std::to_string(department.deadline_hours[static_cast<std::size_t>(triage)]) +
                       std::string(hours_unit);
    if (!reason.empty()) note += "；原因：" + std::string(reason);
    return note;
}

Light DepartmentStep::light() const noexcept {
    if (allowed_s <= 0) return used_s > 0 ? Light::red : Light::green;
    return light_for(static_cast<double>(used_s) / static_cast<double>(allowed_s));
}

std::vector<DepartmentStep> department_steps(std::span<const model::IncidentEvent> history, model::Timestamp now) {
    const Periods periods = reconstruct_periods(history);
    const std::string_view dispatched = to_string(State::dispatched);
    const std::string_view in_progress = to_string(State::in_progress);
    const std::string_view resolved = to_string(State::resolved);
    std::vector<DepartmentStep> steps;
    for (std::size_t i = 0; i < history.size(); ++i) {
        const std::optional<DispatchNote> note = read_dispatch_note(history[i]);
        if (!note) continue;
        DepartmentStep step;
        step.incident_id = history[i].incident_id;
        step.code = note->code;
        step.name = note->name;
        step.dispatched_at = history[i].at;
        step.acknowledge_s = note->acknowledge_hours * 3600;
        step.allowed_s = note->deadline_hours * 3600;
        for (std::size_t j = i + 1; j < history.size() && step.open(); ++j) {
            const model::IncidentEvent& event = history[j];
            // Another department dispatch ends this step (a community dispatch
            // follows only a return, which follows the result).
            if (read_dispatch_note(event)) {
                step.withdrawn_at = event.at;
            } else if (event.from_state == dispatched && event.to_state == in_progress && !step.acknowledged_at) {
                step.acknowledged_at = event.at;
            } else if (event.to_state == resolved) {
                step.resolved_at = event.at;
            } else if (event.to_state == to_string(State::voided) || event.to_state == to_string(State::closed)) {
                step.withdrawn_at = event.at;
            } else if (const auto seconds = extension_seconds(event)) {
                step.allowed_s += *seconds;
                step.extended_s += *seconds;
            }
        }
        step.stopped = step.resolved_at ? *step.resolved_at : step.withdrawn_at ? *step.withdrawn_at : now;
        step.paused_s = paused_within(periods, step.dispatched_at, step.stopped);
        step.used_s = std::max<std::int64_t>(0, step.stopped - step.dispatched_at - step.paused_s);
        steps.push_back(std::move(step));
    }
    return steps;
}

namespace {

nlohmann::json time_json(std::optional<model::Timestamp> t) {
    return t ? nlohmann::json(model::format_iso8601(*t)) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json to_json(const DepartmentStep& step) {
    return {{"code", step.code},
            {"name", step.name},
            {"dispatched_at", time_json(step.dispatched_at)},
            {"acknowledge_due", time_json(step.acknowledge_due())},
            {"acknowledged_at", time_json(step.acknowledged_at)},
            {"acknowledged_on_time", step.acknowledged_on_time()},
            {"due", time_json(step.due())},
            {"resolved_at", time_json(step.resolved_at)},
            {"withdrawn_at", time_json(step.withdrawn_at)},
            {"allowed_s", step.allowed_s},
            {"extended_s", step.extended_s},
            {"used_s", step.used_s},
            {"overdue", step.overdue()},
            {"light", to_string(step.light())},
            {"light_zh", label_zh(step.light())}};
}

std::vector<DepartmentStatistics> department_statistics(const model::Snapshot& snapshot, const Month& month,
                                                        model::Timestamp now, std::span<const Department> departments) {
    const auto& events = snapshot.data().incident_events;
    std::unordered_set<std::int64_t> sent;
    for (const model::IncidentEvent& event : events) {
        if (read_dispatch_note(event)) sent.insert(event.incident_id);
    }
    std::vector<model::IncidentEvent> kept;
    for (const model::IncidentEvent& event : events) {
        if (sent.contains(event.incident_id)) kept.push_back(event);
    }
    const IncidentHistories histories(std::move(kept));

    std::vector<DepartmentStatistics> rows;
    std::map<std::string, std::size_t, std::less<>> row_of;
    for (const Department& department : departments) {
        row_of.emplace(department.code, rows.size());
        rows.push_back({department.code, department.name});
    }
    std::map<std::string, DepartmentStatistics> others;
    for (const std::int64_t id : sent) {
        for (const DepartmentStep& step : department_steps(histories.of(id), now)) {
            const auto known = row_of.find(step.code);
            DepartmentStatistics& row =
                known != row_of.end() ? rows[known->second] : others.try_emplace(step.code, DepartmentStatistics{step.code, step.name}).first->second;
            if (step.open() && step.overdue()) ++row.overdue_now;
            if (!month.contains(step.dispatched_at)) continue;
            ++row.dispatched;
            if (step.acknowledged_on_time()) ++row.acknowledged_on_time;
            if (step.resolved_at) ++row.resolved;
            if (step.resolved_on_time()) ++row.resolved_on_time;
        }
    }
    for (auto& [code, row] : others) rows.push_back(std::move(row));
    return rows;
}

nlohmann::json to_json(const Month& month, std::span<const DepartmentStatistics> statistics) {
    nlohmann::json rows = nlohmann::json::array();
    for (const DepartmentStatistics& row : statistics) {
        rows.push_back({{"code", row.code},
                        {"name", row.name},
                        {"dispatched", row.dispatched},
                        {"acknowledged_on_time", row.acknowledged_on_time},
                        {"resolved", row.resolved},
                        {"resolved_on_time", row.resolved_on_time},
                        {"overdue_now", row.overdue_now}});
    }
    return {{"month", month.to_string()}, {"departments", std::move(rows)}};
}

}  // namespace wangge::workflow
