#pragma once
// Household visits (走访, DESIGN §1): what a grid worker still has to do in a month.
//
// Rules: each worker visits at least `monthly_household_quota` (15) different
// households a month; every special-group household is visited every month;
// the 五必访 groups (new residents, elderly living alone, disabled people,
// left-behind children, floating population / rented homes) are must-visits.
// A household counts as visited in a month when anyone visited it then (A岗 and
// B岗 share a grid). New residents are the households tagged 新入住 and those
// whose recorded move-in is recent and not yet followed by a visit.
//
// Thread safety: reentrant; the Snapshot is read only.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "wangge/model/entities.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/workflow/month.hpp"

namespace wangge::workflow {

struct VisitPolicy {
    int monthly_household_quota = 15;
    /// Special groups (DESIGN §1): a household with any of these tags is visited monthly.
    std::vector<std::string> special_groups{"独居老人", "空巢老人", "残疾人",   "低保",   "特困",
                                            "优抚对象", "社区矫正", "刑释人员", "4050人员", "流动人口",
                                            "出租房",   "留守儿童", "重病患者", "新入住"};
    /// 五必访.
    std::vector<std::string> must_visit{"新入住", "独居老人", "残疾人", "留守儿童", "流动人口", "出租房"};
    /// A household that moved in (Household::moved_in) within this many days
    /// is a 五必访 (新入住) until someone visits it after its move-in.
    int new_resident_days = 90;
    /// Staff roles that carry the visit quota.
    std::vector<std::string> quota_roles{"专职网格员", "兼职网格员"};

    [[nodiscard]] bool is_special_tag(const std::string& tag) const;
    [[nodiscard]] bool is_special(const model::Household& household) const;
    [[nodiscard]] bool carries_quota(const model::Staff& staff) const;
};

/// Which list a visit kind's reason comes from.
enum class VisitReason {
    none,           ///< no reason is given
    must_visit,     ///< one of VisitPolicy::must_visit (五必访)
    special_group,  ///< one of VisitPolicy::special_groups (特殊人群)
};

/// A kind of visit a worker records at the door (issue #15).
struct VisitKind {
    std::string_view name;  ///< stored in model::Visit::kind
    VisitReason reason;
};

/// 日常走访, 五必访, 特殊人群, 回访: the kinds a new visit may have, in the
/// order the map's form offers them. Visits stored earlier may carry others.
[[nodiscard]] std::span<const VisitKind> visit_kinds() noexcept;

/// The reasons a kind takes under `policy` (empty for VisitReason::none).
[[nodiscard]] const std::vector<std::string>& visit_reasons(VisitReason reason, const VisitPolicy& policy);

/// Checks a new visit's kind and reason: WorkflowError unknown_visit_kind,
/// reason_required, unknown_reason or unexpected_reason, with Chinese text.
void check_visit_kind(std::string_view kind, std::string_view reason, const VisitPolicy& policy = {});

struct DueHousehold {
    const model::Household* household = nullptr;
    std::vector<std::string> reasons;  ///< the household's tags that require the visit
    bool must_visit = false;           ///< one of the reasons is a 五必访 group
};

struct VisitsDue {
    std::int64_t staff_id = 0;
    Month month;
    std::vector<std::string> grid_codes;  ///< the worker's current grids
    int quota = 0;
    int households_visited = 0;  ///< different households the worker visited in the month
    /// Special-group households of the worker's grids not visited by anyone in
    /// the month, must-visits first, then by household id.
    std::vector<DueHousehold> due;

    [[nodiscard]] int quota_remaining() const noexcept {
        return households_visited >= quota ? 0 : quota - households_visited;
    }
};

/// Throws WorkflowError "unknown_staff" when `staff_id` is not in the snapshot.
[[nodiscard]] VisitsDue visits_due(const model::Snapshot& snapshot, std::int64_t staff_id, const Month& month,
                                   const VisitPolicy& policy = {});

/// Households visited by anyone in `month`.
[[nodiscard]] std::unordered_set<std::int64_t> households_visited_in(const model::Snapshot& snapshot,
                                                                     const Month& month);

}  // namespace wangge::workflow
