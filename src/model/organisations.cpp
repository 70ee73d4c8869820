#include "wangge/model/organisations.hpp"

#include <array>

namespace wangge::model {

namespace {
constexpr std::array<OrganisationKind, 8> kinds{{
    {"网格党支部", "党组织"},
    {"小区党支部", "党组织"},
    {"党群微家", "党组织"},
    {"社会组织", "社会组织"},
    {"物业", "物业"},
    {"业委会", "业委会"},
    {"企业", "企业商户"},
    {"商铺", "企业商户"},
}};
}  // namespace

std::span<const OrganisationKind> organisation_kinds() noexcept { return kinds; }

std::optional<std::string_view> organisation_category(std::string_view kind) noexcept {
    for (const OrganisationKind& known : kinds) {
        if (known.kind == kind) return known.category;
    }
    return std::nullopt;
}

}  // namespace wangge::model
