#pragma once
// The organisation kinds (组织 of 人、地、物、情、事、组织) of the places layer:
// a Facility row whose kind is one of these is an organisation, any other
// row a facility. Each kind belongs to one category, which the map colours
// and the grid panel groups by.
//
// Thread safety: constant data.

#include <optional>
#include <span>
#include <string_view>

#include "wangge/model/entities.hpp"

namespace wangge::model {

struct OrganisationKind {
    std::string_view kind;      ///< e.g. 网格党支部
    std::string_view category;  ///< 党组织, 社会组织, 物业, 业委会 or 企业商户
};

/// Every organisation kind, grouped by category in the order the grid panel lists them.
[[nodiscard]] std::span<const OrganisationKind> organisation_kinds() noexcept;

/// The category of an organisation kind; nullopt for a facility's kind.
[[nodiscard]] std::optional<std::string_view> organisation_category(std::string_view kind) noexcept;

[[nodiscard]] inline bool is_organisation(const Facility& place) noexcept {
    return organisation_category(place.kind).has_value();
}

}  // namespace wangge::model
