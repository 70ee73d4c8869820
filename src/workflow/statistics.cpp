#include "wangge/workflow/statistics.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "wangge/workflow/deadlines.hpp"
#include "wangge/workflow/history.hpp"
#include "wangge/workflow/routing.hpp"
#include "wangge/workflow/states.hpp"

namespace wangge::workflow {

namespace {

std::optional<double> ratio(double part, double whole) noexcept {
    if (whole <= 0.0) return std::nullopt;
    return part / whole;
}

double read_number(const nlohmann::json& object, const char* key, double fallback) {
    if (!object.contains(key)) return fallback;
    if (!object[key].is_number()) throw InputError(std::string("assessment: \"") + key + "\" must be a number");
    return object[key].get<double>();
}

std::optional<double> score_of(const Metrics& metrics, const AssessmentConfig::Weights& weights) {
    const std::optional<double> rework = metrics.rework_rate();
    const std::pair<std::optional<double>, double> parts[] = {
        {metrics.on_time_rate(), weights.on_time},
        {rework ? std::optional<double>(1.0 - *rework) : std::nullopt, weights.no_rework},
        {metrics.visit_completion(), weights.visits},
        {metrics.special_coverage(), weights.coverage},
        {metrics.satisfaction(), weights.satisfaction},
    };
    double sum = 0.0, weight = 0.0;
    for (const auto& [value, part_weight] : parts) {
        if (!value || part_weight <= 0.0) continue;
        sum += *value * part_weight;
        weight += part_weight;
    }
    if (weight <= 0.0) return std::nullopt;
    return 100.0 * sum / weight;
}

/// One incident's contribution, computed once and added to each unit that owns it.
struct IncidentFacts {
    bool reported = false;
    bool closed = false;
    bool on_time = false;
    bool reworked = false;
    double close_hours = 0.0;
    std::optional<int> rating;
};

void add(Metrics& metrics, const IncidentFacts& facts, const std::string& source) {
    if (facts.reported) {
        ++metrics.reported;
        ++metrics.reported_by_source[source];
    }
    if (facts.closed) {
        ++metrics.closed;
        metrics.closed_on_time += facts.on_time ? 1 : 0;
        metrics.reworked += facts.reworked ? 1 : 0;
        metrics.close_hours_total += facts.close_hours;
        if (facts.rating) {
            ++metrics.rated;
            metrics.rating_total += *facts.rating;
        }
    }
}

void add_households(Metrics& to, const Metrics& from) {
    to.visits_done += from.visits_done;
    to.visit_quota += from.visit_quota;
    to.special_households += from.special_households;
    to.special_visited += from.special_visited;
}

/// Units of one sheet keyed for accumulation, emitted in key order.
class Units {
public:
    Metrics* find(const std::string& key) {
        const auto found = index_.find(key);
        return found == index_.end() ? nullptr : &units_[found->second].metrics;
    }
    Metrics& add(std::string key, std::string name) {
        index_.emplace(key, units_.size());
        units_.push_back({std::move(key), std::move(name), {}, std::nullopt, {}});
        return units_.back().metrics;
    }
    std::vector<UnitStatistics> finish(const AssessmentConfig& config) && {
        for (UnitStatistics& unit : units_) {
            unit.score = score_of(unit.metrics, config.weights);
            if (unit.score) unit.grade = std::string(grade_for(*unit.score, config.thresholds));
        }
        return std::move(units_);
    }

private:
    std::vector<UnitStatistics> units_;
    std::unordered_map<std::string, std::size_t> index_;
};

nlohmann::json optional_number(const std::optional<double>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json unit_json(const UnitStatistics& unit) {
    const Metrics& m = unit.metrics;
    return {
        {"key", unit.key},
        {"name", unit.name},
        {"reported", m.reported},
        {"reported_by_source", m.reported_by_source},
        {"closed", m.closed},
        {"closed_on_time", m.closed_on_time},
        {"on_time_rate", optional_number(m.on_time_rate())},
        {"reworked", m.reworked},
        {"rework_rate", optional_number(m.rework_rate())},
        {"mean_close_hours", optional_number(m.mean_close_hours())},
        {"visits_done", m.visits_done},
        {"visit_quota", m.visit_quota},
        {"special_households", m.special_households},
        {"special_visited", m.special_visited},
        {"special_coverage", optional_number(m.special_coverage())},
        {"rated", m.rated},
        {"mean_rating", optional_number(m.mean_rating())},
        {"satisfaction", optional_number(m.satisfaction())},
        {"score", optional_number(unit.score)},
        {"grade", unit.grade},
    };
}

nlohmann::json units_json(const std::vector<UnitStatistics>& units) {
    nlohmann::json array = nlohmann::json::array();
    for (const UnitStatistics& unit : units) array.push_back(unit_json(unit));
    return array;
}

}  // namespace

AssessmentConfig AssessmentConfig::from_json(const nlohmann::json& document) {
    AssessmentConfig config;
    if (!document.is_object()) throw InputError("assessment configuration must be a JSON object");
    if (document.contains("weights")) {
        const nlohmann::json& w = document["weights"];
        if (!w.is_object()) throw InputError("assessment: \"weights\" must be an object");
        config.weights = {read_number(w, "on_time", config.weights.on_time),
                          read_number(w, "no_rework", config.weights.no_rework),
                          read_number(w, "visits", config.weights.visits),
                          read_number(w, "coverage", config.weights.coverage),
                          read_number(w, "satisfaction", config.weights.satisfaction)};
    }
    const auto& weights = config.weights;
    if (weights.on_time < 0 || weights.no_rework < 0 || weights.visits < 0 || weights.coverage < 0 ||
        weights.satisfaction < 0 ||
        weights.on_time + weights.no_rework + weights.visits + weights.coverage + weights.satisfaction <= 0) {
        throw InputError("assessment: weights must be non-negative and not all zero");
    }
    if (document.contains("thresholds")) {
        const nlohmann::json& t = document["thresholds"];
        if (!t.is_object()) throw InputError("assessment: \"thresholds\" must be an object");
        config.thresholds = {read_number(t, "excellent", config.thresholds.excellent),
                             read_number(t, "competent", config.thresholds.competent),
                             read_number(t, "basic", config.thresholds.basic)};
    }
    const auto& thresholds = config.thresholds;
    if (!(thresholds.excellent >= thresholds.competent && thresholds.competent >= thresholds.basic)) {
        throw InputError("assessment: thresholds must satisfy excellent >= competent >= basic");
    }
    if (document.contains("monthly_household_quota")) {
        const nlohmann::json& quota = document["monthly_household_quota"];
        if (!quota.is_number_integer() || quota.get<int>() < 0) {
            throw InputError("assessment: \"monthly_household_quota\" must be a whole number >= 0");
        }
        config.visits.monthly_household_quota = quota.get<int>();
    }
    return config;
}

std::string_view grade_for(double score, const AssessmentConfig::Thresholds& thresholds) noexcept {
    if (score >= thresholds.excellent) return "优秀";
    if (score >= thresholds.competent) return "称职";
    if (score >= thresholds.basic) return "基本称职";
    return "不称职";
}

std::optional<double> Metrics::on_time_rate() const noexcept { return ratio(closed_on_time, closed); }
std::optional<double> Metrics::rework_rate() const noexcept { return ratio(reworked, closed); }
std::optional<double> Metrics::mean_close_hours() const noexcept { return ratio(close_hours_total, closed); }
std::optional<double> Metrics::visit_completion() const noexcept {
    const auto done = ratio(visits_done, visit_quota);
    return done ? std::optional<double>(std::min(1.0, *done)) : std::nullopt;
}
std::optional<double> Metrics::special_coverage() const noexcept {
    return ratio(special_visited, special_households);
}
std::optional<double> Metrics::mean_rating() const noexcept { return ratio(rating_total, rated); }
std::optional<double> Metrics::satisfaction() const noexcept { return ratio(rating_total - rated, 4.0 * rated); }

MonthlyStatistics monthly_statistics(const model::Snapshot& snapshot, const Month& month,
                                     const AssessmentConfig& config) {
    const model::Tables& data = snapshot.data();
    const VisitPolicy& policy = config.visits;
    std::vector<const model::Grid*> layout(snapshot.current_grids().begin(), snapshot.current_grids().end());
    std::sort(layout.begin(), layout.end(), [](const model::Grid* a, const model::Grid* b) { return a->code < b->code; });
    Units grids, communities, workers;
    for (const model::Grid* grid : layout) {
        if (grid->level == model::GridLevel::grid || grid->level == model::GridLevel::subgrid) {
            grids.add(grid->code, grid->name).visit_quota = policy.monthly_household_quota;
        } else if (grid->dedicated()) {
            grids.add(grid->code, grid->name);  // its cases; the households stay with the base grids
        } else if (grid->level == model::GridLevel::community) {
            communities.add(grid->code, grid->name);
        }
    }

    // Households: visits and special-group coverage per grid.
    const auto visited = households_visited_in(snapshot, month);
    std::unordered_map<std::string, Metrics> households_by_grid;
    for (const model::Household& household : data.households) {
        if (!household.resident()) continue;
        Metrics& metrics = households_by_grid[household.grid_code];
        const bool was_visited = visited.contains(household.id);
        metrics.visits_done += was_visited ? 1 : 0;
        if (policy.is_special(household)) {
            ++metrics.special_households;
            metrics.special_visited += was_visited ? 1 : 0;
        }
    }
    std::unordered_map<std::string, std::string> community_of;
    for (const model::Grid* grid : layout) {
        Metrics* metrics = grids.find(grid->code);
        if (metrics == nullptr) continue;
        const std::string community = areas_of(snapshot, grid->code).community;
        community_of.emplace(grid->code, community);
        if (const auto found = households_by_grid.find(grid->code); found != households_by_grid.end()) {
            add_households(*metrics, found->second);
        }
        if (Metrics* parent = communities.find(community)) add_households(*parent, *metrics);
    }

    // Workers: their own visits, the special-group households of their grids.
    std::unordered_map<std::int64_t, std::unordered_set<std::int64_t>> visited_by_staff;
    for (const model::Visit& visit : data.visits) {
        if (visit.to_household() && month.contains(visit.at)) visited_by_staff[visit.staff_id].insert(visit.household_id);
    }
    std::vector<const model::Staff*> staff;
    for (const model::Staff& member : data.staff) staff.push_back(&member);
    std::sort(staff.begin(), staff.end(), [](const model::Staff* a, const model::Staff* b) { return a->id < b->id; });
    for (const model::Staff* member : staff) {
        if (!policy.carries_quota(*member)) continue;
        std::vector<std::string> own_grids;
        for (const model::StaffGrid& link : data.staff_grids) {
            if (link.staff_id == member->id && grids.find(link.grid_code) != nullptr &&
                std::find(own_grids.begin(), own_grids.end(), link.grid_code) == own_grids.end()) {
                own_grids.push_back(link.grid_code);
            }
        }
        if (own_grids.empty()) continue;
        Metrics& metrics = workers.add(std::to_string(member->id), member->name);
        metrics.visit_quota = policy.monthly_household_quota;
        metrics.visits_done = static_cast<int>(visited_by_staff[member->id].size());
        for (const std::string& code : own_grids) {
            const auto found = households_by_grid.find(code);
            if (found == households_by_grid.end()) continue;
            metrics.special_households += found->second.special_households;
            metrics.special_visited += found->second.special_visited;
        }
    }

    // Incidents.
    const IncidentHistories histories = IncidentHistories::for_clocks(data.incident_events);
    const std::string_view closed_state = to_string(State::closed);
    for (const model::Incident& incident : data.incidents) {
        IncidentFacts facts;
        facts.reported = month.contains(incident.reported_at);
        if (incident.state == closed_state && incident.closed_at && month.contains(*incident.closed_at)) {
            const auto history = histories.of(incident.id);
            const auto clock = clock_at(incident, history, *incident.closed_at);
            facts.closed = true;
            facts.on_time = !clock || !clock->overdue();
            facts.reworked = was_reworked(history);
            facts.close_hours = static_cast<double>(*incident.closed_at - incident.reported_at) / 3600.0;
            facts.rating = latest_rating(history);
        }
        if (!facts.reported && !facts.closed) continue;
        if (Metrics* metrics = grids.find(incident.grid_code)) add(*metrics, facts, incident.source);
        if (const auto community = community_of.find(incident.grid_code); community != community_of.end()) {
            if (Metrics* metrics = communities.find(community->second)) add(*metrics, facts, incident.source);
        }
        if (Metrics* metrics = workers.find(incident.assignee)) add(*metrics, facts, incident.source);
    }

    return {month, std::move(grids).finish(config), std::move(workers).finish(config),
            std::move(communities).finish(config)};
}

nlohmann::json to_json(const MonthlyStatistics& statistics) {
    return {
        {"month", statistics.month.to_string()},
        {"grids", units_json(statistics.grids)},
        {"workers", units_json(statistics.workers)},
        {"communities", units_json(statistics.communities)},
    };
}

}  // namespace wangge::workflow
