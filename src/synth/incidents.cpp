#include "incidents.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "wangge/geo/packed_rtree.hpp"

namespace wangge::synth::detail {

namespace {

enum class Season { none, rainy, summer, winter };

struct Category {
    std::string_view name;
    double weight;
    int deadline_hours;  // for general triage; coordination gets twice, urgent 4 h
    Season season;
    bool often_urgent;
    std::array<std::string_view, 3> descriptions;
};

constexpr std::array<Category, 10> categories{{
    {"违法建设", 6, 120, Season::none, false, {"顶层私搭乱建彩钢房", "一层住户违规扩建院墙", "楼间绿地搭建临时棚屋"}},
    {"公共设施损坏", 12, 72, Season::none, false, {"单元门禁损坏无法关闭", "路灯不亮，夜间出行不便", "人行道井盖破损松动"}},
    {"占道经营", 10, 24, Season::summer, false, {"流动商贩占道经营", "临街店铺出店经营", "路口早点摊占道"}},
    {"环境卫生", 16, 24, Season::summer, false, {"楼道堆放杂物", "垃圾桶站满溢未清运", "绿地内堆积建筑垃圾"}},
    {"噪音扰民", 9, 24, Season::summer, false, {"夜间装修噪音扰民", "广场舞音响音量过大", "临街商铺外放音响"}},
    {"消防隐患", 8, 24, Season::winter, true, {"楼道内电动自行车充电", "消防通道被私家车占用", "楼道堆放易燃物"}},
    {"邻里纠纷", 8, 72, Season::none, false, {"楼上漏水引发邻里纠纷", "因停车位发生争执", "宠物扰民引发矛盾"}},
    {"积水内涝", 5, 12, Season::rainy, true, {"地下车库入口雨后积水", "道路低洼处积水严重", "雨水箅子堵塞导致积水"}},
    {"安全隐患", 8, 24, Season::none, true, {"外墙瓷砖脱落", "树木枝干断裂悬挂", "空调外机支架锈蚀"}},
    {"民生诉求", 18, 72, Season::winter, false, {"居民反映供暖不热", "申请增设无障碍坡道", "反映电梯维修进度慢"}},
}};

constexpr std::array<std::string_view, 4> sources{"网格员巡查", "居民上报", "热线", "上级交办"};
constexpr std::array<double, 4> source_weights{45, 30, 18, 7};
constexpr std::array<double, 24> hour_weights{0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 2, 4, 6, 7, 6,
                                              4,   4,   6,   6,   5,   4,   3,   3, 2, 1.2, 0.6, 0.4};
constexpr int days_in_year = 365;
constexpr double hotspot_share = 0.65;

double seasonal_factor(Season season, int month) {
    switch (season) {
        case Season::rainy: return month == 7 || month == 8 ? 6.0 : month == 6 || month == 9 ? 2.0 : 0.1;
        case Season::summer: return month >= 5 && month <= 9 ? 1.5 : 0.8;
        case Season::winter: return month >= 11 || month <= 2 ? 1.8 : 0.8;
        case Season::none: break;
    }
    return 1.0;
}

struct Hotspot {
    geo::Point centre;
    double sigma_m;
    std::size_t category;  // the category most of its cases have
};

/// Finds the grid containing a point (at least 0.5 m inside, so every reader agrees).
class GridLocator {
public:
    explicit GridLocator(std::span<const GridArea> grids) : grids_(grids) {
        std::vector<geo::Box> boxes;
        boxes.reserve(grids.size());
        for (const GridArea& area : grids) boxes.push_back(area.box());
        tree_ = geo::PackedRTree(boxes);
    }
    [[nodiscard]] std::optional<std::size_t> locate(const geo::Point& p) const {
        std::optional<std::size_t> found;
        tree_.query(p, [&](std::size_t i) {
            if (!grids_[i].fits(p, 0.5)) return true;
            found = i;
            return false;
        });
        return found;
    }

private:
    std::span<const GridArea> grids_;
    geo::PackedRTree tree_;
};

/// One workflow step of a generated case.
struct Step {
    std::string_view state;
    double hours_after_previous;
};

/// The path of a case through the workflow (GB/T 30428), before it is cut at the reference time.
std::vector<Step> plan_workflow(Random& random, bool urgent, bool recent) {
    const auto hours = [&](std::string_view state) {
        if (state == "filed" || state == "dispatched") return random.uniform(0.1, urgent ? 0.5 : 3.0);
        if (state == "in_progress") return random.uniform(0.2, urgent ? 1.0 : 8.0);
        if (state == "resolved") return random.uniform(1.0, urgent ? 6.0 : 60.0);
        if (state == "verified" || state == "returned") return random.uniform(1.0, 20.0);
        if (state == "closed") return random.uniform(0.5, 12.0);
        if (state == "voided") return random.uniform(0.2, 3.0);
        return random.uniform(2.0, 30.0);  // suspended
    };
    static constexpr std::array<std::string_view, 6> chain{"filed", "dispatched", "in_progress", "resolved", "verified", "closed"};
    static constexpr std::array<double, 6> kind_weights{70, 8, 4, 5, 3, 10};
    std::vector<std::string_view> states;
    switch (random.weighted(kind_weights)) {
        case 1:  // rework: 核查 fails once
            states = {"filed", "dispatched", "in_progress", "resolved", "returned", "dispatched", "in_progress", "resolved",
                      "verified", "closed"};
            break;
        case 2: states = {"filed", "dispatched", "in_progress", "resolved", "returned"}; break;
        case 3: states = {"voided"}; break;
        case 4: states = {"filed", "dispatched", "in_progress", "suspended"}; break;
        case 5:  // still open, only plausible for recent cases
            states.assign(chain.begin(), chain.begin() + static_cast<std::ptrdiff_t>(recent ? random.below(chain.size()) : chain.size()));
            break;
        default: states.assign(chain.begin(), chain.end()); break;
    }
    std::vector<Step> steps;
    steps.reserve(states.size());
    for (const std::string_view state : states) steps.push_back({state, hours(state)});
    return steps;
}

std::string_view reporter(std::string_view source) {
    if (source == "居民上报") return "居民";
    if (source == "热线") return "12345热线";
    return "区城市管理指挥中心";
}

}  // namespace

void add_incidents(model::Dataset& data, std::span<const GridArea> grids, const Duties& duties, const CityParams& params,
                   Random random, const Progress& progress) {
    if (params.incidents == 0) return;
    const GridLocator locator(grids);
    const model::Timestamp end = params.reference_time;
    const model::Timestamp first_day = end - static_cast<model::Timestamp>(days_in_year) * 86400;
    std::array<int, days_in_year> month_of_day{};
    for (int d = 0; d < days_in_year; ++d) {
        month_of_day[static_cast<std::size_t>(d)] = std::stoi(model::format_iso8601(first_day + d * 86400 + 43200).substr(5, 2));
    }

    std::vector<Hotspot> hotspots;
    for (std::size_t i = 0, n = std::max<std::size_t>(4, grids.size() / 6); i < n; ++i) {
        const GridArea& area = grids[random.below(grids.size())];
        hotspots.push_back({area.random_point_shrinking(random, 10.0), random.uniform(40.0, 250.0), random.below(categories.size())});
    }
    std::vector<double> hotspot_weights(hotspots.size());
    for (double& w : hotspot_weights) w = std::exp(random.normal() * 0.8);
    const WeightedTable hotspot_table(hotspot_weights);

    std::vector<double> category_weights(categories.size());
    std::vector<std::size_t> grid_of;
    grid_of.reserve(params.incidents);
    data.incidents.reserve(data.incidents.size() + params.incidents);
    for (std::size_t n = 0; n < params.incidents; ++n) {
        const auto day = static_cast<int>(random.below(days_in_year));
        const int month = month_of_day[static_cast<std::size_t>(day)];
        for (std::size_t c = 0; c < categories.size(); ++c) {
            category_weights[c] = categories[c].weight * seasonal_factor(categories[c].season, month);
        }
        std::size_t category = random.weighted(category_weights);
        geo::Point location;
        std::optional<std::size_t> grid;
        if (random.chance(hotspot_share)) {
            const Hotspot& spot = hotspots[hotspot_table.pick(random)];
            if (random.chance(0.6)) category = spot.category;
            for (int attempt = 0; attempt < 20 && !grid; ++attempt) {
                location = grids.front().moved(spot.centre, random.normal() * spot.sigma_m, random.normal() * spot.sigma_m);
                grid = locator.locate(location);
            }
        }
        if (!grid && !data.households.empty()) {  // background: where people live
            const model::Household& home = data.households[random.below(data.households.size())];
            for (int attempt = 0; attempt < 20 && !grid; ++attempt) {
                location = grids.front().moved(home.location, random.normal() * 40.0, random.normal() * 40.0);
                grid = locator.locate(location);
            }
        }
        if (!grid) {
            grid = random.below(grids.size());
            location = grids[*grid].random_point_shrinking(random, 2.0);
        }
        const Category& kind = categories[category];
        model::Incident incident;
        incident.category = kind.name;
        incident.source = sources[random.weighted(source_weights)];
        incident.triage = random.chance(kind.often_urgent ? 0.3 : 0.02) ? "urgent" : random.chance(0.22) ? "coordination" : "general";
        incident.description = kind.descriptions[random.below(kind.descriptions.size())];
        incident.location = location;
        incident.grid_code = grids[*grid].grid().code;
        const auto hour = static_cast<model::Timestamp>(random.weighted(hour_weights));
        incident.reported_at = first_day + day * 86400 + hour * 3600 + static_cast<model::Timestamp>(random.below(3600));
        data.incidents.push_back(std::move(incident));
        grid_of.push_back(*grid);
        if (progress && (n % 8192 == 8191)) progress("incidents", n + 1, params.incidents);
    }

    // Ids follow the time of report, as a case register numbers them.
    std::vector<std::size_t> order(grid_of.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return data.incidents[a].reported_at < data.incidents[b].reported_at;
    });
    std::vector<model::Incident> sorted;
    sorted.reserve(order.size());
    std::vector<std::size_t> sorted_grid;
    sorted_grid.reserve(order.size());
    for (const std::size_t i : order) {
        sorted.push_back(std::move(data.incidents[i]));
        sorted_grid.push_back(grid_of[i]);
    }
    data.incidents = std::move(sorted);

    if (params.incident_history) data.incident_events.reserve(data.incident_events.size() + 7 * data.incidents.size());
    for (std::size_t i = 0; i < data.incidents.size(); ++i) {
        model::Incident& incident = data.incidents[i];
        incident.id = static_cast<std::int64_t>(i) + 1;
        const std::size_t g = sorted_grid[i];
        const std::string& code = incident.grid_code;
        const Category& kind = *std::find_if(categories.begin(), categories.end(),
                                             [&](const Category& c) { return c.name == incident.category; });
        const bool urgent = incident.triage == "urgent";
        const bool coordination = incident.triage == "coordination";
        const std::string a_worker = std::to_string(duties.a_worker[g]);
        const std::string handler = urgent ? "街道综合执法队" : coordination ? std::to_string(duties.leader[g]) : a_worker;
        const std::string checker = std::to_string(duties.b_worker[g]);
        const auto actor_and_note = [&](std::string_view state, std::string_view previous) -> std::pair<std::string, std::string> {
            if (state == "filed") return {"受理员", ""};
            if (state == "dispatched") return {"派遣员", previous == "returned" ? "退回后重新派遣" : ""};
            if (state == "in_progress" || state == "resolved") return {handler, ""};
            if (state == "verified") return {checker, ""};
            if (state == "returned") return {checker, "核查未通过，退回重新处置"};
            if (state == "voided") return {"受理员", "重复上报，已合并至前案"};
            if (state == "suspended") return {std::to_string(duties.leader[g]), "批准人：网格长；原因：需产权单位协调处置"};
            return {"值班长", ""};  // closed
        };
        const bool recent = end - incident.reported_at < 20 * 86400;
        model::Timestamp at = incident.reported_at;
        std::string_view state = "reported";
        if (params.incident_history) {
            data.incident_events.push_back({0, incident.id, at,
                                            incident.source == "网格员巡查" ? a_worker : std::string{reporter(incident.source)},
                                            "", "reported", ""});
        }
        for (const Step& step : plan_workflow(random, urgent, recent)) {
            const model::Timestamp next = at + static_cast<model::Timestamp>(step.hours_after_previous * 3600.0);
            if (next >= end) break;  // the future of this case has not happened yet
            at = next;
            if (step.state == "dispatched" && !incident.dispatched_at) incident.dispatched_at = at;
            if (step.state == "closed") incident.closed_at = at;
            if (params.incident_history) {
                auto [actor, note] = actor_and_note(step.state, state);
                data.incident_events.push_back({0, incident.id, at, std::move(actor), std::string{state},
                                                std::string{step.state}, std::move(note)});
            }
            state = step.state;
        }
        incident.state = state;
        if (incident.dispatched_at) {
            const int allowed = urgent ? 4 : coordination ? 2 * kind.deadline_hours : kind.deadline_hours;
            incident.deadline = *incident.dispatched_at + static_cast<model::Timestamp>(allowed) * 3600;
            incident.assignee = urgent ? code.substr(0, 9) : coordination ? code.substr(0, 12) : a_worker;
        }
        if (progress && (i % 8192 == 8191 || i + 1 == data.incidents.size())) {
            progress("incident history", i + 1, data.incidents.size());
        }
    }
    for (std::size_t e = 0; e < data.incident_events.size(); ++e) data.incident_events[e].id = static_cast<std::int64_t>(e) + 1;
}

void add_visits(model::Dataset& data, const std::vector<std::uint32_t>& household_grid, const Duties& duties,
                const CityParams& params, Random random, const Progress& progress) {
    if (params.visits == 0 || data.households.empty()) return;
    static constexpr std::array<std::string_view, 4> notes{"了解近况，无特殊需求", "宣传反诈知识", "核实居住人员信息",
                                                           "提醒用电用气安全"};
    constexpr model::Timestamp window = 90 * 86400;
    // Local midnight of the first day of the window.
    const model::Timestamp start = params.reference_time - window;
    data.visits.reserve(data.visits.size() + params.visits);
    for (std::size_t n = 0; n < params.visits; ++n) {
        const std::size_t h = random.below(data.households.size());
        const model::Household& household = data.households[h];
        const std::uint32_t g = household_grid[h];
        model::Visit visit;
        visit.staff_id = random.chance(0.85) ? duties.a_worker[g] : duties.b_worker[g];
        visit.household_id = household.id;
        visit.at = start + static_cast<model::Timestamp>(random.below(90)) * 86400 + 9 * 3600 +
                   static_cast<model::Timestamp>(random.below(8 * 3600));
        visit.kind = needs_must_visit(household) ? "五必访" : random.chance(0.7) ? "入户走访" : "电话回访";
        visit.note = notes[random.below(notes.size())];
        data.visits.push_back(std::move(visit));
        if (progress && (n % 8192 == 8191 || n + 1 == params.visits)) progress("visits", n + 1, params.visits);
    }
    std::stable_sort(data.visits.begin(), data.visits.end(), [](const model::Visit& a, const model::Visit& b) { return a.at < b.at; });
    for (std::size_t i = 0; i < data.visits.size(); ++i) data.visits[i].id = static_cast<std::int64_t>(i) + 1;
}

}  // namespace wangge::synth::detail
