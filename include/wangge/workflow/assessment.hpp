#pragma once
// The assessment the community plans use (issue #15 item 6): quarterly and
// yearly ranking of communities and streets with 金/银/铜 medals, the flag for
// anyone graded 不称职 twice in a year, and the monthly 群众诉求分析.
//
// Period score: the mean of the unit's monthly scores (statistics.hpp) over
// the months of the period that have one. A street's monthly score is the mean
// of its communities' scores that month.
//
// Medals: the units with a score are ranked by it, highest first; equal
// scores (to 0.01) share a rank (competition ranking: 1, 2, 2, 4). The medal
// cut-offs are counts of the ranked units, cumulative and rounded half up:
// gold to round(n × gold), silver to round(n × (gold + silver)), bronze to
// round(n × (gold + silver + bronze)). Tie rule: a unit gets the medal of its
// rank, that is of the first position of its tie group, so units tied across a
// cut-off all get the better medal (and the next medal's places shrink by as
// many). Units without a score are listed last, unranked.
//
// Repeated 不称职: every grid, worker and community graded 不称职 in two or more
// months of the period's year, up to the period's end.
//
// 群众诉求分析: the incidents reported in a month (+08:00) by category, by
// source, and per grid, community and street by category.
//
// Thread safety: reentrant; the Snapshot is read only.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wangge/model/snapshot.hpp"
#include "wangge/workflow/month.hpp"
#include "wangge/workflow/statistics.hpp"

namespace wangge::workflow {

/// Shares of the ranked units (fractions, summing to at most 1).
struct MedalShares {
    double gold = 0.10;
    double silver = 0.20;
    double bronze = 0.30;

    /// {"gold", "silver", "bronze"}; missing keys keep their defaults. Throws
    /// InputError for a negative share or a sum above 1.
    [[nodiscard]] static MedalShares from_json(const nlohmann::json& document);
};

enum class Medal { none, gold, silver, bronze };
/// "gold" / "silver" / "bronze" / "".
[[nodiscard]] std::string_view to_string(Medal medal) noexcept;
/// 金 / 银 / 铜 / "".
[[nodiscard]] std::string_view label_zh(Medal medal) noexcept;

/// A quarter ("2026-Q3") or a year ("2026").
struct Period {
    int year = 1970;
    int quarter = 0;  ///< 1–4; 0 for the whole year

    /// Throws InputError for anything else.
    [[nodiscard]] static Period parse(std::string_view text);
    [[nodiscard]] std::vector<Month> months() const;
    [[nodiscard]] std::string to_string() const;
};

struct RankedUnit {
    std::string key{};  ///< community or street code
    std::string name{};
    std::optional<double> score{};  ///< the period's mean of monthly scores
    int months_scored = 0;
    int rank = 0;  ///< 1 = best; 0 without a score
    Medal medal = Medal::none;
};

/// Ranks `units` (key, name, score set) by the rules above.
[[nodiscard]] std::vector<RankedUnit> rank_units(std::vector<RankedUnit> units, const MedalShares& shares);

struct RepeatedUnfit {
    std::string level;  ///< grid, worker or community
    std::string key;
    std::string name;
    std::vector<std::string> months;  ///< "YYYY-MM", graded 不称职
};

/// Units graded 不称职 in two or more of `monthly` (one month's statistics each).
[[nodiscard]] std::vector<RepeatedUnfit> repeated_unfit(std::span<const MonthlyStatistics> monthly);

struct Ranking {
    Period period;
    std::vector<RankedUnit> communities{};
    std::vector<RankedUnit> streets{};
    std::vector<RepeatedUnfit> flagged{};  ///< over the period's year up to its end
};

/// Computes the monthly statistics of the period's year up to its end (a
/// whole-city scan per month: call it off the I/O threads).
[[nodiscard]] Ranking ranking(const model::Snapshot& snapshot, const Period& period, const AssessmentConfig& config,
                              const MedalShares& shares);

[[nodiscard]] nlohmann::json to_json(const Ranking& ranking);

/// One area's demands: count by category.
struct AreaDemands {
    std::string code;
    std::string name;
    int total = 0;
    std::map<std::string, int> by_category;
};

struct Demands {
    Month month;
    int total = 0;
    std::map<std::string, int> by_category{};
    std::map<std::string, int> by_source{};
    std::vector<AreaDemands> grids{}, communities{}, streets{};  ///< by code, only areas with incidents
};

[[nodiscard]] Demands demands(const model::Snapshot& snapshot, const Month& month);
[[nodiscard]] nlohmann::json to_json(const Demands& demands);

}  // namespace wangge::workflow
