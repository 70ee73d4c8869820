#include "wangge/model/organisations.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace wangge::model {
namespace {

TEST(OrganisationsTest, EachKindHasOneOfTheFiveCategories) {
    const std::set<std::string_view> categories{"党组织", "社会组织", "物业", "业委会", "企业商户"};
    std::set<std::string_view> kinds;
    for (const OrganisationKind& known : organisation_kinds()) {
        EXPECT_TRUE(categories.contains(known.category)) << known.kind;
        EXPECT_TRUE(kinds.insert(known.kind).second) << "listed twice: " << known.kind;
        EXPECT_EQ(organisation_category(known.kind), known.category);
    }
    EXPECT_EQ(organisation_category("网格党支部"), "党组织");
    EXPECT_EQ(organisation_category("商铺"), "企业商户");
}

TEST(OrganisationsTest, FacilitiesAreNotOrganisations) {
    for (const char* kind : {"党群服务中心", "卫生服务站", "消防栓", "避难场所", "", "物业公司"}) {
        EXPECT_FALSE(organisation_category(kind)) << kind;
    }
    Facility place;
    place.kind = "消防栓";
    EXPECT_FALSE(is_organisation(place));
    place.kind = "业委会";
    EXPECT_TRUE(is_organisation(place));
}

}  // namespace
}  // namespace wangge::model
