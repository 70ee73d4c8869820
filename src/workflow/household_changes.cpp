#include "wangge/workflow/household_changes.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>

#include "wangge/model/text.hpp"
#include "wangge/workflow/states.hpp"

namespace wangge::workflow {

namespace {

constexpr std::array<std::pair<HouseholdChangeKind, std::string_view>, 3> kind_names{{
    {HouseholdChangeKind::added, "added"},
    {HouseholdChangeKind::edited, "edited"},
    {HouseholdChangeKind::moved_out, "moved_out"},
}};

[[noreturn]] void refuse(std::string_view field, const std::string& message, const std::string& message_zh) {
    throw WorkflowError("bad_household", "field '" + std::string(field) + "': " + message,
                        "字段 \"" + std::string(field) + "\" " + message_zh);
}

constexpr std::size_t max_text = 50;
constexpr int max_members = 99;

}  // namespace

std::string_view to_string(HouseholdChangeKind kind) noexcept {
    for (const auto& [value, name] : kind_names) {
        if (value == kind) return name;
    }
    return "edited";
}

std::optional<HouseholdChangeKind> parse_household_change_kind(std::string_view text) noexcept {
    for (const auto& [value, name] : kind_names) {
        if (name == text) return value;
    }
    return std::nullopt;
}

std::string_view label_zh(HouseholdChangeKind kind) noexcept {
    switch (kind) {
        case HouseholdChangeKind::added: return "新增";
        case HouseholdChangeKind::moved_out: return "迁出";
        case HouseholdChangeKind::edited: break;
    }
    return "修改";
}

void check_household(const model::Household& household) {
    if (household.compound.empty()) refuse("compound", "is required", "（小区）不能为空");
    const std::array<std::pair<std::string_view, const std::string*>, 7> texts{{
        {"compound", &household.compound},
        {"building", &household.building},
        {"unit", &household.unit},
        {"room", &household.room},
        {"head_name", &household.head_name},
        {"id_number", &household.id_number},
        {"phone", &household.phone},
    }};
    for (const auto& [field, text] : texts) {
        if (model::character_count(*text) > max_text) {
            refuse(field, "is longer than " + std::to_string(max_text) + " characters",
                   "超过 " + std::to_string(max_text) + " 个字");
        }
    }
    if (household.members < 1 || household.members > max_members) {
        refuse("members", "must be 1 to " + std::to_string(max_members), "（人数）应为 1 至 " + std::to_string(max_members));
    }
    std::set<std::string_view> seen;
    for (const std::string& tag : household.tags) {
        if (tag.empty() || model::character_count(tag) > max_text) refuse("tags", "has an empty or overlong tag", "含有空白或过长的标签");
        if (!seen.insert(tag).second) refuse("tags", "names '" + tag + "' twice", "重复填写了标签 " + tag);
    }
    if (household.moved_in && household.moved_out && *household.moved_out < *household.moved_in) {
        refuse("moved_out", "is before the move-in", "（迁出日期）早于入住日期");
    }
}

std::vector<std::string_view> changed_fields(const model::Household& before, const model::Household& after) {
    std::vector<std::string_view> fields;
    const auto check = [&](std::string_view name, bool same) {
        if (!same) fields.push_back(name);
    };
    check("compound", before.compound == after.compound);
    check("building", before.building == after.building);
    check("unit", before.unit == after.unit);
    check("room", before.room == after.room);
    check("location", before.location == after.location);
    check("grid_code", before.grid_code == after.grid_code);
    check("members", before.members == after.members);
    check("tags", before.tags == after.tags);
    check("head_name", before.head_name == after.head_name);
    check("id_number", before.id_number == after.id_number);
    check("phone", before.phone == after.phone);
    check("moved_in", before.moved_in == after.moved_in);
    check("moved_out", before.moved_out == after.moved_out);
    return fields;
}

TagChange tag_change(const std::vector<std::string>& before, const std::vector<std::string>& after) {
    TagChange change;
    for (const std::string& tag : after) {
        if (std::find(before.begin(), before.end(), tag) == before.end()) change.added.push_back(tag);
    }
    for (const std::string& tag : before) {
        if (std::find(after.begin(), after.end(), tag) == after.end()) change.removed.push_back(tag);
    }
    return change;
}

MonthlyHouseholdChanges monthly_household_changes(std::span<const HouseholdChange> changes, const Month& month) {
    // Each household's changes of the month, in time order (then version order).
    std::map<std::int64_t, std::vector<const HouseholdChange*>> by_household;
    for (const HouseholdChange& change : changes) {
        if (month.contains(change.at)) by_household[change.household_id()].push_back(&change);
    }
    MonthlyHouseholdChanges result;
    result.month = month;
    for (auto& [id, list] : by_household) {
        std::stable_sort(list.begin(), list.end(), [](const HouseholdChange* a, const HouseholdChange* b) {
            return a->at != b->at ? a->at < b->at : a->id < b->id;
        });
        const HouseholdChange* first = list.front();
        const HouseholdChange* last = list.back();
        const bool added = first->kind == HouseholdChangeKind::added;
        const bool moved_out = std::any_of(list.begin(), list.end(), [](const HouseholdChange* change) {
            return change->kind == HouseholdChangeKind::moved_out;
        });
        if (moved_out) {
            result.moved_out.push_back({last, {}});
        } else if (added) {
            result.added.push_back({last, {}});
        } else if (first->before) {
            TagChange tags = tag_change(first->before->tags, last->after.tags);
            if (!tags.empty()) result.tags_changed.push_back({last, std::move(tags)});
        }
    }
    return result;
}

}  // namespace wangge::workflow
