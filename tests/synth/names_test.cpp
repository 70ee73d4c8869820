#include "wangge/synth/names.hpp"

#include <gtest/gtest.h>

#include "wangge/model/time.hpp"

namespace wangge::synth {
namespace {

TEST(NamesTest, CheckCharacterMatchesTheStandardExample) {
    // The example number of GB 11643-1999.
    EXPECT_EQ(id_check_character("11010519491231002"), 'X');
}

TEST(NamesTest, IdNumberCarriesRegionBirthSexAndValidCheck) {
    Random random(5);
    const model::Timestamp birth = *model::parse_iso8601("1958-03-07T10:00:00+08:00");
    for (int i = 0; i < 200; ++i) {
        const bool male = i % 2 == 0;
        const std::string id = id_number(random, "110105", birth, male);
        ASSERT_EQ(id.size(), 18u);
        EXPECT_EQ(id.substr(0, 14), "11010519580307");
        EXPECT_EQ((id[16] - '0') % 2 == 1, male);
        EXPECT_EQ(id[17], id_check_character(id.substr(0, 17)));
    }
}

TEST(NamesTest, MobileNumbersHaveElevenDigits) {
    Random random(6);
    for (int i = 0; i < 100; ++i) {
        const std::string phone = mobile_number(random);
        ASSERT_EQ(phone.size(), 11u);
        EXPECT_EQ(phone[0], '1');
        EXPECT_EQ(phone.find_first_not_of("0123456789"), std::string::npos);
    }
}

TEST(NamesTest, NamesAreTwoToThreeChineseCharacters) {
    Random random(8);
    for (int i = 0; i < 100; ++i) {
        const std::string name = person_name(random, i % 2 == 0);
        EXPECT_TRUE(name.size() == 6 || name.size() == 9) << name;  // 3 UTF-8 bytes per character
        const std::string stem = place_stem(random);
        EXPECT_EQ(stem.size(), 6u);
        EXPECT_NE(stem.substr(0, 3), stem.substr(3, 3));
    }
}

}  // namespace
}  // namespace wangge::synth
