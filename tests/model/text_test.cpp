#include "wangge/model/text.hpp"

#include <gtest/gtest.h>

using namespace wangge::model;

TEST(Text, CountsCharactersNotBytes) {
    EXPECT_EQ(character_count(""), 0U);
    EXPECT_EQ(character_count("abc"), 3U);
    EXPECT_EQ(character_count("张三"), 2U);
    EXPECT_EQ(character_count("3号楼"), 3U);
}

TEST(Text, TrimsAsciiBlanksAndTheIdeographicSpace) {
    EXPECT_EQ(trim_blanks("  幸福里\t"), "幸福里");
    EXPECT_EQ(trim_blanks("\u3000 3号楼 \u3000\r\n"), "3号楼");
    EXPECT_EQ(trim_blanks("吉庆 里"), "吉庆 里");  // inner blanks stay
    EXPECT_EQ(trim_blanks(" \u3000 "), "");
}
