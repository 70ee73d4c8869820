#include "wangge/workflow/assessment.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "wangge/error.hpp"
#include "wangge/workflow/routing.hpp"

namespace wangge::workflow {

namespace {

constexpr std::string_view unfit_grade = "不称职";

double share_of(const nlohmann::json& document, const char* key, double fallback) {
    if (!document.contains(key)) return fallback;
    const nlohmann::json& value = document.at(key);
    if (!value.is_number() || value.get<double>() < 0) {
        throw InputError(std::string("medal share \"") + key + "\" must be a non-negative number");
    }
    return value.get<double>();
}

/// round(n × share), half up; the tiny epsilon keeps 10 × 0.3 at 3 despite binary fractions.
std::size_t cut(std::size_t n, double share) {
    return static_cast<std::size_t>(std::floor(static_cast<double>(n) * share + 0.5 + 1e-9));
}

/// Scores are compared to 0.01: a rounding difference is no ranking difference.
bool tied(double a, double b) { return std::fabs(a - b) < 0.005; }

std::string area_name(const model::Snapshot& snapshot, const std::string& code) {
    const model::Grid* grid = snapshot.current_grid(code);
    return grid != nullptr ? grid->name : code;
}

nlohmann::json optional_number(const std::optional<double>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

/// Mean of the units' monthly scores per key, over `monthly`.
struct ScoreSum {
    std::string name;
    double sum = 0;
    int months = 0;
};

std::vector<RankedUnit> means(const std::map<std::string, ScoreSum>& sums) {
    std::vector<RankedUnit> units;
    for (const auto& [key, sum] : sums) {
        RankedUnit unit{key, sum.name};
        if (sum.months > 0) unit.score = sum.sum / sum.months;
        unit.months_scored = sum.months;
        units.push_back(std::move(unit));
    }
    return units;
}

}  // namespace

MedalShares MedalShares::from_json(const nlohmann::json& document) {
    if (!document.is_object()) throw InputError("medal shares must be a JSON object");
    MedalShares shares;
    shares = {share_of(document, "gold", shares.gold), share_of(document, "silver", shares.silver),
              share_of(document, "bronze", shares.bronze)};
    if (shares.gold + shares.silver + shares.bronze > 1.0 + 1e-9) throw InputError("medal shares sum to more than 1");
    return shares;
}

std::string_view to_string(Medal medal) noexcept {
    switch (medal) {
    case Medal::gold: return "gold";
    case Medal::silver: return "silver";
    case Medal::bronze: return "bronze";
    case Medal::none: break;
    }
    return "";
}

std::string_view label_zh(Medal medal) noexcept {
    switch (medal) {
    case Medal::gold: return "金";
    case Medal::silver: return "银";
    case Medal::bronze: return "铜";
    case Medal::none: break;
    }
    return "";
}

Period Period::parse(std::string_view text) {
    const auto invalid = [&] {
        return InputError("period must be YYYY or YYYY-Qn (n 1 to 4), not \"" + std::string(text) + "\"");
    };
    Period period;
    if (text.size() < 4) throw invalid();
    const auto [end, error] = std::from_chars(text.data(), text.data() + 4, period.year);
    if (error != std::errc{} || end != text.data() + 4 || period.year < 1970 || period.year > 9999) throw invalid();
    const std::string_view rest = text.substr(4);
    if (rest.empty()) return period;
    if (rest.size() != 3 || rest[0] != '-' || rest[1] != 'Q' || rest[2] < '1' || rest[2] > '4') throw invalid();
    period.quarter = rest[2] - '0';
    return period;
}

std::vector<Month> Period::months() const {
    std::vector<Month> months;
    const unsigned first = quarter == 0 ? 1U : static_cast<unsigned>(quarter - 1) * 3U + 1U;
    const unsigned last = quarter == 0 ? 12U : first + 2U;
    for (unsigned m = first; m <= last; ++m) months.push_back({year, m});
    return months;
}

std::string Period::to_string() const {
    return std::to_string(year) + (quarter == 0 ? "" : "-Q" + std::to_string(quarter));
}

std::vector<RankedUnit> rank_units(std::vector<RankedUnit> units, const MedalShares& shares) {
    std::stable_sort(units.begin(), units.end(), [](const RankedUnit& a, const RankedUnit& b) {
        if (a.score.has_value() != b.score.has_value()) return a.score.has_value();
        if (a.score && b.score && !tied(*a.score, *b.score)) return *a.score > *b.score;
        return a.key < b.key;
    });
    const auto scored = static_cast<std::size_t>(
        std::count_if(units.begin(), units.end(), [](const RankedUnit& unit) { return unit.score.has_value(); }));
    const std::size_t gold = cut(scored, shares.gold);
    const std::size_t silver = cut(scored, shares.gold + shares.silver);
    const std::size_t bronze = cut(scored, shares.gold + shares.silver + shares.bronze);
    for (std::size_t i = 0; i < scored; ++i) {
        RankedUnit& unit = units[i];
        unit.rank = i > 0 && tied(*units[i - 1].score, *unit.score) ? units[i - 1].rank : static_cast<int>(i) + 1;
        const auto position = static_cast<std::size_t>(unit.rank);
        unit.medal = position <= gold     ? Medal::gold
                     : position <= silver ? Medal::silver
                     : position <= bronze ? Medal::bronze
                                          : Medal::none;
    }
    return units;
}

std::vector<RepeatedUnfit> repeated_unfit(std::span<const MonthlyStatistics> monthly) {
    std::map<std::pair<std::string, std::string>, RepeatedUnfit> found;
    for (const MonthlyStatistics& month : monthly) {
        const std::pair<const char*, const std::vector<UnitStatistics>*> levels[] = {
            {"grid", &month.grids}, {"worker", &month.workers}, {"community", &month.communities}};
        for (const auto& [level, units] : levels) {
            for (const UnitStatistics& unit : *units) {
                if (unit.grade != unfit_grade) continue;
                RepeatedUnfit& entry = found[{level, unit.key}];
                entry.level = level;
                entry.key = unit.key;
                entry.name = unit.name;
                entry.months.push_back(month.month.to_string());
            }
        }
    }
    std::vector<RepeatedUnfit> flagged;
    for (auto& [key, entry] : found) {
        if (entry.months.size() >= 2) flagged.push_back(std::move(entry));
    }
    return flagged;
}

Ranking ranking(const model::Snapshot& snapshot, const Period& period, const AssessmentConfig& config,
                const MedalShares& shares) {
    Ranking result{period};
    // The year up to the period's end: the period's own months are among them.
    const unsigned last_month = period.quarter == 0 ? 12U : static_cast<unsigned>(period.quarter) * 3U;
    std::vector<MonthlyStatistics> year;
    for (unsigned m = 1; m <= last_month; ++m) year.push_back(monthly_statistics(snapshot, {period.year, m}, config));

    std::map<std::string, ScoreSum> communities;
    std::map<std::string, ScoreSum> streets;
    std::unordered_map<std::string, std::string> street_of;
    for (const MonthlyStatistics& month : year) {
        if (period.quarter != 0 && (month.month.month - 1) / 3 + 1 != static_cast<unsigned>(period.quarter)) continue;
        std::map<std::string, ScoreSum> street_month;
        for (const UnitStatistics& unit : month.communities) {
            ScoreSum& sum = communities[unit.key];
            sum.name = unit.name;
            auto [known, added] = street_of.try_emplace(unit.key);
            if (added) known->second = areas_of(snapshot, unit.key).street;
            if (!known->second.empty()) streets[known->second].name = area_name(snapshot, known->second);
            if (!unit.score) continue;
            sum.sum += *unit.score;
            ++sum.months;
            if (!known->second.empty()) {
                ScoreSum& street = street_month[known->second];
                street.sum += *unit.score;
                ++street.months;
            }
        }
        for (const auto& [code, month_sum] : street_month) {
            ScoreSum& sum = streets[code];
            sum.sum += month_sum.sum / month_sum.months;
            ++sum.months;
        }
    }
    result.communities = rank_units(means(communities), shares);
    result.streets = rank_units(means(streets), shares);
    result.flagged = repeated_unfit(year);
    return result;
}

namespace {

nlohmann::json ranked_json(const std::vector<RankedUnit>& units) {
    nlohmann::json array = nlohmann::json::array();
    for (const RankedUnit& unit : units) {
        array.push_back({{"key", unit.key},
                         {"name", unit.name},
                         {"score", optional_number(unit.score)},
                         {"months_scored", unit.months_scored},
                         {"rank", unit.rank == 0 ? nlohmann::json(nullptr) : nlohmann::json(unit.rank)},
                         {"medal", unit.medal == Medal::none ? nlohmann::json(nullptr) : nlohmann::json(to_string(unit.medal))},
                         {"medal_zh", label_zh(unit.medal)}});
    }
    return array;
}

nlohmann::json areas_json(const std::vector<AreaDemands>& areas) {
    nlohmann::json array = nlohmann::json::array();
    for (const AreaDemands& area : areas) {
        array.push_back({{"code", area.code}, {"name", area.name}, {"total", area.total}, {"by_category", area.by_category}});
    }
    return array;
}

}  // namespace

nlohmann::json to_json(const Ranking& ranking) {
    nlohmann::json flagged = nlohmann::json::array();
    for (const RepeatedUnfit& entry : ranking.flagged) {
        flagged.push_back({{"level", entry.level}, {"key", entry.key}, {"name", entry.name}, {"months", entry.months}});
    }
    return {{"period", ranking.period.to_string()},
            {"communities", ranked_json(ranking.communities)},
            {"streets", ranked_json(ranking.streets)},
            {"repeated_unfit", std::move(flagged)}};
}

Demands demands(const model::Snapshot& snapshot, const Month& month) {
    Demands result{month};
    std::map<std::string, AreaDemands> grids, communities, streets;
    std::unordered_map<std::string, Areas> areas;
    const auto count = [&](std::map<std::string, AreaDemands>& level, const std::string& code, const std::string& category) {
        if (code.empty()) return;
        AreaDemands& area = level[code];
        if (area.code.empty()) {
            area.code = code;
            area.name = area_name(snapshot, code);
        }
        ++area.total;
        ++area.by_category[category];
    };
    for (const model::Incident& incident : snapshot.data().incidents) {
        if (!month.contains(incident.reported_at)) continue;
        ++result.total;
        ++result.by_category[incident.category];
        ++result.by_source[incident.source];
        auto [found, added] = areas.try_emplace(incident.grid_code);
        if (added) found->second = areas_of(snapshot, incident.grid_code);
        count(grids, found->second.grid, incident.category);
        count(communities, found->second.community, incident.category);
        count(streets, found->second.street, incident.category);
    }
    const auto values = [](std::map<std::string, AreaDemands>& level) {
        std::vector<AreaDemands> list;
        for (auto& [code, area] : level) list.push_back(std::move(area));
        return list;
    };
    result.grids = values(grids);
    result.communities = values(communities);
    result.streets = values(streets);
    return result;
}

nlohmann::json to_json(const Demands& demands) {
    return {{"month", demands.month.to_string()},
            {"total", demands.total},
            {"by_category", demands.by_category},
            {"by_source", demands.by_source},
            {"grids", areas_json(demands.grids)},
            {"communities", areas_json(demands.communities)},
            {"streets", areas_json(demands.streets)}};
}

}  // namespace wangge::workflow
