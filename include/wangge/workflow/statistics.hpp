#pragma once
// Monthly statistics and assessment per grid, grid worker and community (DESIGN §5).
//
// For a month M (+08:00):
// - reported: incidents reported in M, also counted per source;
// - closed: incidents closed in M; on time when their deadline clock (see
//   deadlines.hpp) was not overdue at closure (a case closed without ever
//   being dispatched has no clock and counts as on time); reworked when
//   they were sent back at least once; mean time to close runs from report
//   to closure, in hours;
// - visits: different households visited in M against the quota (a grid
//   and a worker each carry VisitPolicy::monthly_household_quota; a community
//   the sum of its grids); special-group coverage is the share of the
//   special-group households visited by anyone in M.
// Grids and communities own the incidents located in them; a worker owns the
// incidents assigned to their staff id and the households of their grids.
//
// Score (0–100): the weighted mean of on-time rate, 1 − rework rate, visit
// completion (capped at 1), special-group coverage and resident satisfaction
// (the reporters' 1–5 ratings of the cases closed in M, mapped onto 0–1, also
// when given after M), over the parts that have a denominator; no score when
// none has. Grade: 优秀 / 称职 / 基本称职 /
// 不称职 by thresholds.
//
// Thread safety: reentrant; the Snapshot is read only.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wangge/model/snapshot.hpp"
#include "wangge/workflow/month.hpp"
#include "wangge/workflow/visits.hpp"

namespace wangge::workflow {

struct AssessmentConfig {
    struct Weights {
        double on_time = 0.4;
        double no_rework = 0.2;
        double visits = 0.2;
        double coverage = 0.2;
        double satisfaction = 0.2;  ///< resident ratings of the closed cases (history.hpp rating_of)
    };
    /// Lowest score of each grade; below `basic` is 不称职.
    struct Thresholds {
        double excellent = 90.0;  ///< 优秀
        double competent = 75.0;  ///< 称职
        double basic = 60.0;      ///< 基本称职
    };
    Weights weights;
    Thresholds thresholds;
    VisitPolicy visits;

    /// {"weights": {"on_time", "no_rework", "visits", "coverage", "satisfaction"}, "thresholds":
    /// {"excellent", "competent", "basic"}, "monthly_household_quota"}; missing
    /// keys keep their defaults. Throws InputError for negative weights, an
    /// all-zero weight set, or thresholds out of order.
    [[nodiscard]] static AssessmentConfig from_json(const nlohmann::json& document);
};

/// 优秀, 称职, 基本称职 or 不称职.
[[nodiscard]] std::string_view grade_for(double score, const AssessmentConfig::Thresholds& thresholds) noexcept;

struct Metrics {
    int reported = 0;
    std::map<std::string, int> reported_by_source;
    int closed = 0;
    int closed_on_time = 0;
    int reworked = 0;  ///< of the closed
    double close_hours_total = 0.0;
    int visits_done = 0;
    int visit_quota = 0;
    int special_households = 0;
    int special_visited = 0;
    int rated = 0;         ///< of the closed, rated by their reporter
    int rating_total = 0;  ///< sum of those ratings (1–5 each)

    [[nodiscard]] std::optional<double> on_time_rate() const noexcept;
    [[nodiscard]] std::optional<double> rework_rate() const noexcept;
    [[nodiscard]] std::optional<double> mean_close_hours() const noexcept;
    /// visits_done / visit_quota, capped at 1.
    [[nodiscard]] std::optional<double> visit_completion() const noexcept;
    [[nodiscard]] std::optional<double> special_coverage() const noexcept;
    [[nodiscard]] std::optional<double> mean_rating() const noexcept;
    /// The mean rating mapped from 1–5 onto 0–1 (1 → 0, 5 → 1).
    [[nodiscard]] std::optional<double> satisfaction() const noexcept;
};

struct UnitStatistics {
    std::string key;  ///< grid or community code; staff id for a worker
    std::string name;
    Metrics metrics;
    std::optional<double> score;
    std::string grade;  ///< empty without a score
};

struct MonthlyStatistics {
    Month month;
    std::vector<UnitStatistics> grids;        ///< current grids (and sub-grids), by code
    std::vector<UnitStatistics> workers;      ///< staff with a quota role and a current grid, by id
    std::vector<UnitStatistics> communities;  ///< current communities, by code
};

[[nodiscard]] MonthlyStatistics monthly_statistics(const model::Snapshot& snapshot, const Month& month,
                                                   const AssessmentConfig& config = {});

/// {"month": "2026-10", "grids": [...], "workers": [...], "communities": [...]}; each unit
/// {"key","name","reported","reported_by_source":{…},"closed","closed_on_time","on_time_rate",
///  "reworked","rework_rate","mean_close_hours","visits_done","visit_quota","special_households",
///  "special_visited","special_coverage","rated","mean_rating","satisfaction","score","grade"}, rates as
///  fractions, null where undefined.
[[nodiscard]] nlohmann::json to_json(const MonthlyStatistics& statistics);

}  // namespace wangge::workflow
