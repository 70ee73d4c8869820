#include "wangge/workflow/visits.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <unordered_map>

#include "wangge/workflow/states.hpp"

namespace wangge::workflow {

namespace {

bool listed(const std::vector<std::string>& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

constexpr std::array<VisitKind, 4> kinds{{
    {"日常走访", VisitReason::none},
    {"五必访", VisitReason::must_visit},
    {"特殊人群", VisitReason::special_group},
    {"回访", VisitReason::none},
}};

constexpr std::string_view new_resident_tag = "新入住";

/// Of `households`, those that moved in during the `policy.new_resident_days`
/// before the month's end and that nobody has visited since (up to that
/// end), by id with their move-in.
std::unordered_map<std::int64_t, model::Timestamp> unvisited_newcomers(std::span<const model::Household* const> households,
                                                                       const model::Table<model::Visit>& visits,
                                                                       const Month& month, const VisitPolicy& policy) {
    const model::Timestamp earliest = month.end() - model::Timestamp{policy.new_resident_days} * 24 * 3600;
    std::unordered_map<std::int64_t, model::Timestamp> moved_in;
    for (const model::Household* household : households) {
        if (household->moved_in && *household->moved_in >= earliest && *household->moved_in < month.end()) {
            moved_in.emplace(household->id, *household->moved_in);
        }
    }
    if (moved_in.empty()) return moved_in;
    for (const model::Visit& visit : visits) {
        const auto found = visit.to_household() ? moved_in.find(visit.household_id) : moved_in.end();
        if (found != moved_in.end() && visit.at >= found->second && visit.at < month.end()) moved_in.erase(found);
    }
    return moved_in;
}

std::string joined(const auto& names, std::string_view separator) {
    std::string text;
    for (const auto& name : names) text += (text.empty() ? "" : std::string(separator)) + std::string(name);
    return text;
}

}  // namespace

std::span<const VisitKind> visit_kinds() noexcept { return kinds; }

const std::vector<std::string>& visit_reasons(VisitReason reason, const VisitPolicy& policy) {
    static const std::vector<std::string> none;
    switch (reason) {
        case VisitReason::must_visit: return policy.must_visit;
        case VisitReason::special_group: return policy.special_groups;
        case VisitReason::none: break;
    }
    return none;
}

void check_visit_kind(std::string_view kind, std::string_view reason, const VisitPolicy& policy) {
    const auto found = std::find_if(kinds.begin(), kinds.end(), [&](const VisitKind& k) { return k.name == kind; });
    if (found == kinds.end()) {
        std::vector<std::string_view> names;
        for (const VisitKind& k : kinds) names.push_back(k.name);
        throw WorkflowError("unknown_visit_kind",
                            "unknown visit kind \"" + std::string(kind) + "\" (expected " + joined(names, ", ") + ")",
                            "走访类型“" + std::string(kind) + "”无效，应为" + joined(names, "、") + "之一");
    }
    const std::vector<std::string>& reasons = visit_reasons(found->reason, policy);
    const std::string name(kind);
    if (found->reason == VisitReason::none) {
        if (!reason.empty()) {
            throw WorkflowError("unexpected_reason", "a visit of kind " + name + " takes no reason",
                                name + "无需填写走访原因");
        }
        return;
    }
    if (reason.empty()) {
        throw WorkflowError("reason_required", "a visit of kind " + name + " needs a reason (" + joined(reasons, ", ") + ")",
                            name + "须注明原因：" + joined(reasons, "、"));
    }
    if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
        throw WorkflowError("unknown_reason",
                            "\"" + std::string(reason) + "\" is not a reason for " + name + " (expected " +
                                joined(reasons, ", ") + ")",
                            "“" + std::string(reason) + "”不是" + name + "的原因，应为" + joined(reasons, "、") + "之一");
    }
}

bool VisitPolicy::is_special_tag(const std::string& tag) const {
    return listed(special_groups, tag) || listed(must_visit, tag);
}

bool VisitPolicy::is_special(const model::Household& household) const {
    return std::any_of(household.tags.begin(), household.tags.end(),
                       [&](const std::string& tag) { return is_special_tag(tag); });
}

bool VisitPolicy::carries_quota(const model::Staff& staff) const { return listed(quota_roles, staff.role); }

std::unordered_set<std::int64_t> households_visited_in(const model::Snapshot& snapshot, const Month& month) {
    std::unordered_set<std::int64_t> visited;
    for (const model::Visit& visit : snapshot.data().visits) {
        if (visit.to_household() && month.contains(visit.at)) visited.insert(visit.household_id);
    }
    return visited;
}

VisitsDue visits_due(const model::Snapshot& snapshot, std::int64_t staff_id, const Month& month,
                     const VisitPolicy& policy) {
    if (snapshot.staff(staff_id) == nullptr) {
        throw WorkflowError("unknown_staff", "no staff member with id " + std::to_string(staff_id),
                            "不存在编号为 " + std::to_string(staff_id) + " 的工作人员");
    }
    VisitsDue result;
    result.staff_id = staff_id;
    result.month = month;
    result.quota = policy.monthly_household_quota;

    std::set<std::string, std::less<>> grids;
    for (const model::StaffGrid& link : snapshot.data().staff_grids) {
        if (link.staff_id == staff_id && snapshot.current_grid(link.grid_code) != nullptr) grids.insert(link.grid_code);
    }
    result.grid_codes.assign(grids.begin(), grids.end());

    std::unordered_set<std::int64_t> by_worker;
    for (const model::Visit& visit : snapshot.data().visits) {
        if (visit.to_household() && visit.staff_id == staff_id && month.contains(visit.at)) {
            by_worker.insert(visit.household_id);
        }
    }
    result.households_visited = static_cast<int>(by_worker.size());

    const auto visited = households_visited_in(snapshot, month);
    // The worker's residents, in one scan of the city's households.
    std::vector<const model::Household*> residents;
    for (const model::Household& household : snapshot.data().households) {
        if (household.resident() && grids.contains(household.grid_code)) residents.push_back(&household);
    }
    const auto newcomers = unvisited_newcomers(residents, snapshot.data().visits, month, policy);
    for (const model::Household* resident : residents) {
        const model::Household& household = *resident;
        const bool newcomer = newcomers.contains(household.id);
        if (!newcomer && (visited.contains(household.id) || !policy.is_special(household))) continue;
        DueHousehold due{&household, {}, newcomer};
        if (newcomer) due.reasons.emplace_back(new_resident_tag);
        for (const std::string& tag : household.tags) {
            if (!policy.is_special_tag(tag) || (newcomer && tag == new_resident_tag)) continue;
            due.reasons.push_back(tag);
            due.must_visit = due.must_visit || listed(policy.must_visit, tag);
        }
        result.due.push_back(std::move(due));
    }
    std::stable_sort(result.due.begin(), result.due.end(), [](const DueHousehold& a, const DueHousehold& b) {
        return a.must_visit != b.must_visit ? a.must_visit : a.household->id < b.household->id;
    });
    return result;
}

}  // namespace wangge::workflow
