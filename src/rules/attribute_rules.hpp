#pragma once
// The rules that need no geometry: duplicate_code, code_format,
// parent_missing, household_count, no_primary_staff and the planning rules
// residents_count, compound_split and community_households. Internal to the
// rules module.

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "wangge/model/entities.hpp"
#include "wangge/rules/report.hpp"
#include "wangge/rules/validator.hpp"

namespace wangge::rules::detail {

/// Built once per layout; the grids and options must outlive it.
class AttributeRules {
public:
    AttributeRules(std::span<const model::Grid> layout, std::span<const model::Grid> parents, const Options& options);

    /// Every grid of the layout.
    [[nodiscard]] std::vector<Violation> check_all() const;
    /// Layout grid `index` alone, and the duplicates of its code.
    [[nodiscard]] std::vector<Violation> check_one(std::size_t index) const;

private:
    void check_grid(const model::Grid& grid, std::vector<Violation>& out) const;
    /// compound_split for one compound: its split buildings, or the compound itself.
    void check_compound(std::string_view compound, std::vector<Violation>& out) const;
    void check_community(std::string_view code, std::vector<Violation>& out) const;
    [[nodiscard]] Violation about_grids(std::string_view id, const std::set<std::string_view>& codes,
                                        std::string message) const;

    std::span<const model::Grid> layout_;
    bool has_parent_file_;
    const Options& options_;
    std::unordered_set<std::string_view> codes_;
    std::set<model::GridLevel> levels_;
    std::unordered_map<std::string_view, const model::Grid*> by_code_;  // layout first, then parents
    // Finest-level grids holding households of each building / compound.
    std::map<Building, std::set<std::string_view>> building_grids_;
    std::map<std::string_view, std::set<std::string_view>> compound_grids_;
    // Households per community: the sum over its finest-level grids in the layout.
    std::map<std::string_view, long long> community_households_;
};

/// 街道 / 社区 / 网格 / 微网格, for messages.
[[nodiscard]] std::string_view level_name(model::GridLevel level) noexcept;

/// The level a parent of `level` has; nullopt for streets (their parent is a county).
[[nodiscard]] std::optional<model::GridLevel> parent_level(model::GridLevel level) noexcept;

}  // namespace wangge::rules::detail
