#include "wangge/auth/masking.hpp"

#include <gtest/gtest.h>

namespace wangge::auth {
namespace {

TEST(Mask, IdNumber) {
    EXPECT_EQ(mask_id_number("110105199001011234"), "110105********1234");
    EXPECT_EQ(mask_id_number("11010519900101123X"), "110105********123X");
    EXPECT_EQ(mask_id_number("110105900101123"), "110105*****1123");  // old 15-digit number
    EXPECT_EQ(mask_id_number("12345678"), "12****78");
    EXPECT_EQ(mask_id_number("123"), "***");
    EXPECT_EQ(mask_id_number(""), "");
}

TEST(Mask, Phone) {
    EXPECT_EQ(mask_phone("13812345678"), "138****5678");
    EXPECT_EQ(mask_phone("010-62345678"), "010*****5678");
    EXPECT_EQ(mask_phone("62345678"), "62****78");
    EXPECT_EQ(mask_phone("110"), "***");
}

TEST(Mask, Name) {
    EXPECT_EQ(mask_name("张三"), "张*");
    EXPECT_EQ(mask_name("王小明"), "王**");
    EXPECT_EQ(mask_name("欧阳娜娜"), "欧***");
    EXPECT_EQ(mask_name("李"), "*");
    EXPECT_EQ(mask_name("Li Lei"), "L*****");
    EXPECT_EQ(mask_name(""), "");
}

TEST(Mask, InvalidUtf8IsHiddenWhole) {
    EXPECT_EQ(mask_name("\xE5\xBC"), "**");
    EXPECT_EQ(mask_phone("\xFF\xFE\xFD\xFC\xFB\xFA\xF9\xF8\xF7\xF6\xF5"), std::string(11, '*'));
}

model::Household sample_household() {
    model::Household household;
    household.compound = "幸福小区";
    household.grid_code = "110105001001001";
    household.head_name = "张三";
    household.id_number = "110105199001011234";
    household.phone = "13812345678";
    household.tags = {"残疾人", "低保"};
    return household;
}

TEST(ApplyView, NoneMaskedFull) {
    model::Household none = sample_household();
    apply_view(none, PersonalView::none);
    EXPECT_EQ(none.head_name, "");
    EXPECT_EQ(none.id_number, "");
    EXPECT_EQ(none.phone, "");
    EXPECT_TRUE(none.tags.empty());
    EXPECT_EQ(none.compound, "幸福小区");

    model::Household masked = sample_household();
    apply_view(masked, PersonalView::masked);
    EXPECT_EQ(masked.head_name, "张*");
    EXPECT_EQ(masked.id_number, "110105********1234");
    EXPECT_EQ(masked.phone, "138****5678");
    EXPECT_EQ(masked.tags.size(), 2u);

    model::Household full = sample_household();
    apply_view(full, PersonalView::full);
    EXPECT_EQ(full.id_number, "110105199001011234");
    EXPECT_EQ(full.phone, "13812345678");
    EXPECT_EQ(full.head_name, "张三");
}

}  // namespace
}  // namespace wangge::auth
