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
    }
    return "网格";
}

std::optional<model::GridLevel> parent_level(model::GridLevel level) noexcept {
    switch (level) {
        case model::GridLevel::street: return std::nullopt;
        case model::GridLevel::community: return model::GridLevel::street;
        case model::GridLevel::grid: return model::GridLevel::community;
        case model::GridLevel::subgrid: return model::GridLevel::grid;
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
        }
    }
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
    if (options_.households && grid.level == model::GridLevel::grid) {
        const auto found = options_.households->find(grid.code);
        const int count = found == options_.households->end() ? 0 : found->second;
        if (count < options_.households_min || count > options_.households_max) {
            out.push_back(about(grid, rule::household_count, Severity::warning,
                                label(grid) + " 有 " + std::to_string(count) + " 户，不在 " +
                                    std::to_string(options_.households_min) + "–" +
                                    std::to_string(options_.households_max) + " 户的范围内"));
        }
    }
    if (options_.primary_staff && grid.level == model::GridLevel::grid) {
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
    return out;
}

}  // namespace wangge::rules::detail
