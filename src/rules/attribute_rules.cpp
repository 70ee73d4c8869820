#include "attribute_rules.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "wangge/geo/geojson.hpp"

namespace wangge::rules::detail {

namespace {

bool all_digits(std::string_view text) noexcept {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string label(const model::Grid& grid) { return std::string(level_name(grid.level)) + " " + grid.code; }

Violation about(const model::Grid& grid, std::string_view id, Severity severity, std::string message) {
    Violation v;
    v.rule = std::string(id);
    v.severity = severity;
    v.grids = {grid.code};
    v.geometry = grid.geometry.empty() ? nlohmann::json() : geo::to_geojson(grid.geometry);
    v.message = std::move(message);
    return v;
}

void check_duplicates(std::span<const model::Grid> layout, std::vector<Violation>& out) {
    std::map<std::string_view, std::vector<const model::Grid*>> by_code;
    for (const model::Grid& grid : layout) by_code[grid.code].push_back(&grid);
    for (const auto& [code, grids] : by_code) {
        if (grids.size() < 2) continue;
        Violation v = about(*grids.front(), rule::duplicate_code, Severity::error,
                            "编码 " + std::string(code) + " 重复出现 " + std::to_string(grids.size()) + " 次");
        geo::MultiPolygon all;
        for (const model::Grid* grid : grids) {
            all.polygons.insert(all.polygons.end(), grid->geometry.polygons.begin(), grid->geometry.polygons.end());
        }
        v.geometry = all.empty() ? nlohmann::json() : geo::to_geojson(all);
        out.push_back(std::move(v));
    }
}

/// household_count / residents_count: the grid's count in `counts` (0 when
/// absent) outside [min, max], e.g. "网格 X 有居民 401 人，不在 200–400 人的范围内".
void check_range(const model::Grid& grid, const std::optional<std::unordered_map<std::string, int>>& counts, int min,
                 int max, std::string_view id, std::string_view noun, std::string_view unit,
                 std::vector<Violation>& out) {
    if (!counts) return;
    const auto found = counts->find(grid.code);
    const int count = found == counts->end() ? 0 : found->second;
    if (count >= min && count <= max) return;
    out.push_back(about(grid, id, Severity::warning,
                        label(grid) + " 有" + std::string(noun) + " " + std::to_string(count) + " " + std::string(unit) +
                            "，不在 " + std::to_string(min) + "–" + std::to_string(max) + " " + std::string(unit) +
                            "的范围内"));
}

void check_format(const model::Grid& grid, const CodeScheme& scheme, std::vector<Violation>& out) {
    const std::size_t length = scheme.length(grid.level);
    std::string problem;
    if (length == 0) {
        problem = "编码规则未定义" + std::string(level_name(grid.level)) + "一级";
    } else if (grid.code.size() != length || !all_digits(grid.code)) {
        problem = "应为 " + std::to_string(length) + " 位数字";
    } else if (!grid.parent_code.empty() &&
               (grid.parent_code.size() != scheme.parent_length(grid.level) || !grid.code.starts_with(grid.parent_code))) {
        problem = "应以上级编码 " + grid.parent_code + " 开头并为其下一级";
    }
    if (problem.empty()) return;
    Violation v = about(grid, rule::code_format, Severity::error, label(grid) + " 编码不符合规则：" + problem);
    if (!grid.parent_code.empty()) v.grids.push_back(grid.parent_code);
    out.push_back(std::move(v));
}

}  // namespace

std::string_view level_name(model::GridLevel level) noexcept {
    switch (level) {
        case model::GridLevel::street: return "街道";
        case model::GridLevel::community: return "社区";
        case model::GridLevel::grid: return "网格";
        case model::GridLevel::subgrid: return "微网格";
        case model::GridLevel::dedicated: return "专属网格";
    }
    return "网格";
}

std::optional<model::GridLevel> parent_level(model::GridLevel level) noexcept {
    switch (level) {
        case model::GridLevel::street: return std::nullopt;
        case model::GridLevel::community: return model::GridLevel::street;
        case model::GridLevel::grid: return model::GridLevel::community;
        case model::GridLevel::subgrid: return model::GridLevel::grid;
        case model::GridLevel::dedicated: return model::GridLevel::community;
    }
    return std::nullopt;
}

AttributeRules::AttributeRules(std::span<const model::Grid> layout, std::span<const model::Grid> parents,
                               const Options& options)
    : layout_(layout), has_parent_file_(!parents.empty()), options_(options) {
    for (const auto* list : {&layout, &parents}) {
        for (const model::Grid& grid : *list) {
            codes_.insert(grid.code);
            levels_.insert(grid.level);
            by_code_.emplace(grid.code, &grid);
        }
    }
    for (const model::Grid& grid : layout) {
        if (grid.level != model::GridLevel::grid) continue;
        if (options_.buildings) {
            if (const auto found = options_.buildings->find(grid.code); found != options_.buildings->end()) {
                for (const Building& building : found->second) {
                    compound_grids_[building.compound].insert(grid.code);
                    if (!building.building.empty()) building_grids_[building].insert(grid.code);
                }
            }
        }
        if (options_.households && !grid.parent_code.empty()) {
            const auto found = options_.households->find(grid.code);
            community_households_[grid.parent_code] += found == options_.households->end() ? 0 : found->second;
        }
    }
}

Violation AttributeRules::about_grids(std::string_view id, const std::set<std::string_view>& codes,
                                      std::string message) const {
    Violation v;
    v.rule = std::string(id);
    v.severity = Severity::warning;
    geo::MultiPolygon all;
    for (std::string_view code : codes) {
        v.grids.emplace_back(code);
        if (const auto found = by_code_.find(code); found != by_code_.end()) {
            const auto& polygons = found->second->geometry.polygons;
            all.polygons.insert(all.polygons.end(), polygons.begin(), polygons.end());
        }
    }
    v.geometry = all.empty() ? nlohmann::json() : geo::to_geojson(all);
    v.message = std::move(message);
    return v;
}

namespace {

std::string joined(const std::set<std::string_view>& codes) {
    std::string out;
    for (std::string_view code : codes) {
        if (!out.empty()) out += "、";
        out += code;
    }
    return out;
}

}  // namespace

// 按照小区范围划分: a building split between grids is named itself, so the
// planner sees which border to move; a compound split only along its
// buildings is named once.
void AttributeRules::check_compound(std::string_view compound, std::vector<Violation>& out) const {
    const auto grids = compound_grids_.find(compound);
    if (grids == compound_grids_.end() || grids->second.size() < 2) return;
    bool building_split = false;
    for (auto it = building_grids_.lower_bound(Building{std::string(compound), {}});
         it != building_grids_.end() && it->first.compound == compound; ++it) {
        if (it->second.size() < 2) continue;
        building_split = true;
        out.push_back(about_grids(rule::compound_split, it->second,
                                  "小区 " + std::string(compound) + " " + it->first.building + " 的住户分属 " +
                                      std::to_string(it->second.size()) + " 个网格：" + joined(it->second)));
    }
    if (!building_split) {
        out.push_back(about_grids(rule::compound_split, grids->second,
                                  "小区 " + std::string(compound) + " 的住户分属 " +
                                      std::to_string(grids->second.size()) + " 个网格：" + joined(grids->second)));
    }
}

void AttributeRules::check_community(std::string_view code, std::vector<Violation>& out) const {
    const auto total = community_households_.find(code);
    if (total == community_households_.end() || total->second <= options_.community_households_max) return;
    out.push_back(about_grids(rule::community_households, {code},
                              "社区 " + std::string(code) + " 有 " + std::to_string(total->second) + " 户，超过 " +
                                  std::to_string(options_.community_households_max) + " 户的上限"));
}

void AttributeRules::check_grid(const model::Grid& grid, std::vector<Violation>& out) const {
    check_format(grid, options_.scheme, out);
    // Without any grid of the parent level (and no parent file) the layout
    // simply holds one level; its parents are not missing, just not given.
    const auto above = parent_level(grid.level);
    const bool parents_known = has_parent_file_ || (above && levels_.contains(*above));
    if (!grid.parent_code.empty() && above && parents_known && !codes_.contains(grid.parent_code)) {
        Violation v = about(grid, rule::parent_missing, Severity::error,
                            label(grid) + " 的上级编码 " + grid.parent_code + " 不存在");
        v.grids.push_back(grid.parent_code);
        out.push_back(std::move(v));
    }
    if (grid.level == model::GridLevel::grid) {
        check_range(grid, options_.households, options_.households_min, options_.households_max,
                    rule::household_count, "", "户", out);
        check_range(grid, options_.residents, options_.residents_min, options_.residents_max, rule::residents_count,
                    "居民", "人", out);
    }
    // A dedicated grid has its own staff too: its cases go to its A岗 first.
    if (options_.primary_staff && grid.staffed_level()) {
        const auto found = options_.primary_staff->find(grid.code);
        if (auto message = primary_staff_message(grid, found == options_.primary_staff->end() ? 0 : found->second)) {
            out.push_back(about(grid, rule::no_primary_staff, Severity::warning, std::move(*message)));
        }
    }
}

}  // namespace wangge::rules::detail

namespace wangge::rules {

// 定人、定岗、定责: every grid has exactly one A岗 responsible person.
std::optional<std::string> primary_staff_message(const model::Grid& grid, int count) {
    if (count == 1) return std::nullopt;
    if (count == 0) return detail::label(grid) + " 没有 A岗（主责）网格员";
    return detail::label(grid) + " 有 " + std::to_string(count) + " 名 A岗 网格员，应只有 1 名";
}

}  // namespace wangge::rules

namespace wangge::rules::detail {

std::vector<Violation> AttributeRules::check_all() const {
    std::vector<Violation> out;
    check_duplicates(layout_, out);
    for (const model::Grid& grid : layout_) check_grid(grid, out);
    for (const auto& [compound, grids] : compound_grids_) check_compound(compound, out);
    for (const auto& [community, total] : community_households_) check_community(community, out);
    return out;
}

std::vector<Violation> AttributeRules::check_one(std::size_t index) const {
    std::vector<Violation> out;
    const model::Grid& grid = layout_[index];
    std::vector<model::Grid> same_code;
    for (const model::Grid& other : layout_) {
        if (other.code == grid.code) same_code.push_back(other);
    }
    check_duplicates(same_code, out);
    check_grid(grid, out);
    if (grid.level == model::GridLevel::grid) {
        if (options_.buildings) {
            if (const auto found = options_.buildings->find(grid.code); found != options_.buildings->end()) {
                std::set<std::string_view> compounds;
                for (const Building& building : found->second) compounds.insert(building.compound);
                for (std::string_view compound : compounds) check_compound(compound, out);
            }
        }
        check_community(grid.parent_code, out);
    } else if (grid.level == model::GridLevel::community) {
        check_community(grid.code, out);
    }
    return out;
}

}  // namespace wangge::rules::detail
