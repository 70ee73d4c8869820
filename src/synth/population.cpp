#include "population.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <string_view>

#include "wangge/synth/names.hpp"

namespace wangge::synth::detail {

namespace {

struct TagRate {
    std::string_view tag;
    double rate;  // share of households
};

// Rates as seen in Beijing community registers; together ~18 % of households carry a tag.
constexpr std::array<TagRate, 12> tag_rates{{
    {"独居老人", 0.035}, {"空巢老人", 0.045}, {"残疾人", 0.022}, {"低保", 0.018},
    {"特困", 0.004},     {"优抚对象", 0.010}, {"社区矫正", 0.003}, {"刑释人员", 0.004},
    {"4050人员", 0.015}, {"流动人口", 0.040}, {"留守儿童", 0.004}, {"重病患者", 0.014},
}};
constexpr std::array<std::string_view, 5> must_visit_tags{"独居老人", "空巢老人", "残疾人", "留守儿童", "流动人口"};
constexpr std::array<std::string_view, 7> compound_suffixes{"小区", "家园", "里", "北里", "苑", "公寓", "花园"};
constexpr std::array<double, 5> member_weights{14, 30, 32, 15, 9};  // 1..5 people
constexpr double seconds_per_year = 365.2425 * 86400.0;
constexpr double unit_spacing_m = 14.0;

bool has_tag(const std::vector<std::string>& tags, std::string_view tag) {
    return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

model::Timestamp birth_between(Random& random, model::Timestamp now, double min_age, double max_age) {
    return now - static_cast<model::Timestamp>(random.uniform(min_age, max_age) * seconds_per_year);
}

/// Fills tags, members and the head of household consistently (an elder living
/// alone is one person aged 66 or more, …).
void describe_household(model::Household& household, Random& random, std::string_view region, model::Timestamp now) {
    for (const TagRate& rate : tag_rates) {
        if (random.chance(rate.rate)) household.tags.emplace_back(rate.tag);
    }
    auto& tags = household.tags;
    if (has_tag(tags, "独居老人")) std::erase(tags, std::string{"空巢老人"});
    if (has_tag(tags, "流动人口")) tags.emplace_back("出租房");
    const bool alone = has_tag(tags, "独居老人");
    const bool empty_nest = has_tag(tags, "空巢老人");
    const bool left_behind = has_tag(tags, "留守儿童");
    household.members = alone ? 1 : empty_nest ? 2 : left_behind ? 3 : static_cast<int>(random.weighted(member_weights)) + 1;
    model::Timestamp birth = 0;
    if (alone || empty_nest || left_behind) {
        birth = birth_between(random, now, 66, 92);
    } else if (has_tag(tags, "4050人员")) {
        birth = birth_between(random, now, 41, 55);
    } else if (has_tag(tags, "流动人口")) {
        birth = birth_between(random, now, 22, 45);
    } else {
        birth = birth_between(random, now, 24, 85);
    }
    const bool male = random.chance(0.55);
    household.head_name = person_name(random, male);
    household.id_number = id_number(random, region, birth, male);
    household.phone = mobile_number(random);
}

/// Splits `total` over the grids in proportion to `weights`, exactly.
std::vector<std::size_t> apportion(std::size_t total, const std::vector<double>& weights) {
    double sum = 0.0;
    for (const double w : weights) sum += w;
    std::vector<std::size_t> counts(weights.size());
    double cumulative = 0.0;
    std::size_t assigned = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        cumulative += weights[i];
        const auto upto = i + 1 == weights.size() ? total : static_cast<std::size_t>(std::llround(static_cast<double>(total) * cumulative / sum));
        counts[i] = upto - assigned;
        assigned = upto;
    }
    return counts;
}

struct Building {
    int units;
    int floors;
    int doors;  // per floor and unit
};

Building draw_building(Random& random) {
    if (random.chance(0.25)) return {1, random.between(12, 28), 4};  // 塔楼
    return {random.between(2, 5), random.chance(0.7) ? 6 : 5, 2};      // 板楼
}

/// Places one compound's households: buildings scattered around a centre, one
/// point per unit entrance, every point at least 2 m inside the grid.
void add_compound(model::Dataset& data, std::vector<std::uint32_t>& grid_of, const GridArea& area, std::uint32_t grid_index,
                  std::size_t households, Random& random, model::Timestamp now) {
    std::string compound = place_stem(random);
    compound += compound_suffixes[random.below(compound_suffixes.size())];
    const geo::Point centre = area.random_point_shrinking(random, 40.0);
    const std::string_view region = std::string_view{area.grid().code}.substr(0, 6);
    const double spread = random.uniform(30.0, 70.0);
    int building_number = 0;
    while (households > 0) {
        ++building_number;
        const Building building = draw_building(random);
        geo::Point site = centre;
        for (int attempt = 0; attempt < 20; ++attempt) {
            const geo::Point candidate = area.moved(centre, random.normal() * spread, random.normal() * spread);
            if (area.fits(candidate, 15.0)) {
                site = candidate;
                break;
            }
        }
        const double occupancy = random.uniform(0.82, 1.0);
        for (int unit = 1; unit <= building.units && households > 0; ++unit) {
            const double unit_offset = (unit - (building.units + 1) / 2.0) * unit_spacing_m;
            for (int floor = 1; floor <= building.floors && households > 0; ++floor) {
                for (int door = 1; door <= building.doors && households > 0; ++door) {
                    if (!random.chance(occupancy)) continue;
                    model::Household household;
                    household.id = static_cast<std::int64_t>(data.households.size()) + 1;
                    household.compound = compound;
                    household.building = std::to_string(building_number) + "号楼";
                    household.unit = std::to_string(unit) + "单元";
                    household.room = std::to_string(unit) + "-" + std::to_string(floor) + (door < 10 ? "0" : "") + std::to_string(door);
                    household.location = area.moved(site, unit_offset + random.uniform(-3.0, 3.0), random.uniform(-2.5, 2.5));
                    if (!area.fits(household.location, 2.0)) household.location = site;
                    household.grid_code = area.grid().code;
                    describe_household(household, random, region, now);
                    data.households.push_back(std::move(household));
                    grid_of.push_back(grid_index);
                    --households;
                }
            }
        }
    }
}

/// Calls visit(first, last) for each community's run of grids; grids come
/// ordered by code, so the grids of a community are consecutive.
template <class Visit>
void for_each_community(std::span<const GridArea> grids, Visit visit) {
    for (std::size_t first = 0; first < grids.size();) {
        std::size_t last = first;
        while (last < grids.size() && grids[last].grid().parent_code == grids[first].grid().parent_code) ++last;
        visit(first, last);
        first = last;
    }
}

}  // namespace

bool needs_must_visit(const model::Household& household) noexcept {
    for (const std::string_view tag : must_visit_tags) {
        if (has_tag(household.tags, tag)) return true;
    }
    return false;
}

Duties add_staff(model::Dataset& data, std::span<const GridArea> grids, Random random) {
    Duties duties;
    const auto hire = [&](std::string_view role) {
        model::Staff staff;
        staff.id = static_cast<std::int64_t>(data.staff.size()) + 1;
        staff.name = person_name(random, random.chance(0.45));
        staff.phone = mobile_number(random);
        staff.role = role;
        data.staff.push_back(std::move(staff));
        return data.staff.back().id;
    };
    // 值班日 as the sample's: the 专职 A岗 on weekdays, the 兼职 B岗 at weekends, others no set days.
    constexpr std::uint8_t weekdays = 0x1f, weekend = 0x60;
    const auto link = [&](std::int64_t staff_id, const std::string& grid_code, model::Duty duty,
                          std::uint8_t duty_days = 0) {
        data.staff_grids.push_back({staff_id, grid_code, duty, duty_days});
    };
    for_each_community(grids, [&](std::size_t first, std::size_t last) {
        const std::int64_t leader = hire("网格长");
        std::int64_t part_timer = 0;
        for (std::size_t g = first; g < last; ++g) {
            const std::string& code = grids[g].grid().code;
            if ((g - first) % 3 == 0) part_timer = hire("兼职网格员");
            duties.a_worker.push_back(hire("专职网格员"));
            duties.b_worker.push_back(part_timer);
            duties.leader.push_back(leader);
            link(duties.a_worker.back(), code, model::Duty::primary, weekdays);
            link(part_timer, code, model::Duty::backup, weekend);
            link(hire("楼栋长"), code, model::Duty::backup);
        }
        link(hire("志愿者"), grids[first].grid().code, model::Duty::backup);
    });
    return duties;
}

std::vector<std::uint32_t> add_households(model::Dataset& data, std::span<const GridArea> grids, std::size_t count,
                                          model::Timestamp now, Random random, const Progress& progress) {
    // Some grids are dense housing, others mostly offices or parks.
    std::vector<double> weights(grids.size());
    for (double& w : weights) w = random.chance(0.08) ? random.uniform(0.05, 0.3) : random.uniform(0.6, 1.4);
    const auto per_grid = apportion(count, weights);
    std::vector<std::uint32_t> grid_of;
    grid_of.reserve(count);
    data.households.reserve(data.households.size() + count);
    for (std::size_t g = 0; g < grids.size(); ++g) {
        std::size_t left = per_grid[g];
        const std::size_t compounds = std::min<std::size_t>(left, 1 + left / 150 + random.below(2));
        for (std::size_t c = 0; c < compounds; ++c) {
            const std::size_t share = left / (compounds - c);
            add_compound(data, grid_of, grids[g], static_cast<std::uint32_t>(g), share, random, now);
            left -= share;
        }
        if (progress && (g % 64 == 63 || g + 1 == grids.size())) progress("households", grid_of.size(), count);
    }
    return grid_of;
}

void add_facilities(model::Dataset& data, std::span<const GridArea> grids, Random random) {
    const auto add = [&](std::string_view kind, std::string name, const GridArea& area, double margin_m) {
        model::Facility facility;
        facility.id = static_cast<std::int64_t>(data.facilities.size()) + 1;
        facility.kind = kind;
        facility.name = std::move(name);
        facility.location = area.random_point_shrinking(random, margin_m);
        facility.grid_code = area.grid().code;
        data.facilities.push_back(std::move(facility));
    };
    static constexpr std::array<std::string_view, 10> shops{"便利店", "超市", "面馆", "包子铺", "水果店",
                                                            "理发店", "药店", "五金店", "洗衣店", "早餐店"};
    int hydrant = 0;
    for_each_community(grids, [&](std::size_t first, std::size_t last) {
        const model::Grid& first_grid = grids[first].grid();
        const std::string community = first_grid.name.substr(0, first_grid.name.find("第"));
        const auto in_community = [&] { return first + random.below(last - first); };
        add("党群服务中心", community + "党群服务中心", grids[in_community()], 15.0);
        if (random.chance(0.6)) add("卫生服务站", community + "卫生服务站", grids[in_community()], 15.0);
        if (random.chance(0.5)) add("养老驿站", community + "养老服务驿站", grids[in_community()], 15.0);
        if (random.chance(0.3)) add("幼儿园", place_stem(random) + "幼儿园", grids[in_community()], 25.0);
        if (random.chance(0.2)) add("学校", place_stem(random) + "小学", grids[in_community()], 40.0);
        if (random.chance(0.15)) add("菜市场", place_stem(random) + "农贸市场", grids[in_community()], 25.0);
        if (random.chance(0.15)) add("避难场所", place_stem(random) + "公园应急避难场所", grids[in_community()], 40.0);
        for (std::size_t g = first; g < last; ++g) {
            for (int i = random.between(1, 3); i > 0; --i) add("消防栓", "市政消防栓 " + std::to_string(++hydrant), grids[g], 5.0);
            for (int i = random.between(0, 3); i > 0; --i) {
                add("商铺", place_stem(random) + std::string{shops[random.below(shops.size())]}, grids[g], 6.0);
            }
        }
    });
}

void add_organisations(model::Dataset& data, std::span<const GridArea> grids,
                       std::span<const std::uint32_t> household_grid, Random random) {
    const auto add = [&](std::string_view kind, std::string name, const GridArea& area, const geo::Point& at,
                         std::string compound) {
        model::Facility organisation;
        organisation.id = static_cast<std::int64_t>(data.facilities.size()) + 1;
        organisation.kind = kind;
        organisation.name = std::move(name);
        organisation.location = at;
        organisation.grid_code = area.grid().code;
        organisation.compound = std::move(compound);
        organisation.contact_name = person_name(random, random.chance(0.5));
        organisation.contact_phone = mobile_number(random);
        data.facilities.push_back(std::move(organisation));
    };
    const auto somewhere = [&](const GridArea& area) { return area.random_point_shrinking(random, 10.0); };
    static constexpr std::array<std::string_view, 5> societies{"志愿服务队", "睦邻互助会", "老年协会", "文体协会",
                                                               "巾帼志愿队"};
    static constexpr std::array<std::string_view, 4> firms{"科技有限公司", "商贸有限公司", "餐饮管理有限公司",
                                                           "建筑装饰工程有限公司"};
    for_each_community(grids, [&](std::size_t first, std::size_t last) {
        const model::Grid& first_grid = grids[first].grid();
        const std::string community = first_grid.name.substr(0, first_grid.name.find("第"));
        for (int i = random.between(1, 2); i > 0; --i) {
            const GridArea& area = grids[first + random.below(last - first)];
            add("社会组织", community + std::string{societies[random.below(societies.size())]}, area, somewhere(area), {});
        }
        for (int i = random.between(0, 2); i > 0; --i) {
            const GridArea& area = grids[first + random.below(last - first)];
            add("企业", place_stem(random) + std::string{firms[random.below(firms.size())]}, area, somewhere(area), {});
        }
        for (std::size_t g = first; g < last; ++g) add("网格党支部", grids[g].grid().name + "党支部", grids[g], somewhere(grids[g]), {});
    });
    // The households of a compound were added one after another: each run is one compound.
    for (std::size_t first = 0; first < data.households.size();) {
        const model::Household& head = data.households[first];
        std::size_t last = first;
        while (last < data.households.size() && data.households[last].compound == head.compound &&
               household_grid[last] == household_grid[first]) {
            ++last;
        }
        const GridArea& area = grids[household_grid[first]];
        const auto near_compound = [&] {
            const geo::Point at = area.moved(head.location, random.uniform(-20.0, 20.0), random.uniform(-20.0, 20.0));
            return area.fits(at, 2.0) ? at : head.location;
        };
        if (random.chance(0.8)) add("物业", place_stem(random) + "物业服务有限公司", area, near_compound(), head.compound);
        if (random.chance(0.35)) add("业委会", head.compound + "业主委员会", area, near_compound(), head.compound);
        if (random.chance(0.25)) add("党群微家", head.compound + "党群微家", area, near_compound(), head.compound);
        first = last;
    }
}

}  // namespace wangge::synth::detail
