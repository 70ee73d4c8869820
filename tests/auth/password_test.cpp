#include "wangge/auth/password.hpp"

#include <gtest/gtest.h>

#include "wangge/error.hpp"

namespace wangge::auth {
namespace {

TEST(Password, HashVerifies) {
    const std::string hash = hash_password("correct horse");
    EXPECT_TRUE(hash.starts_with("$argon2id$"));
    EXPECT_EQ(hash.find("correct horse"), std::string::npos);
    EXPECT_TRUE(verify_password(hash, "correct horse"));
    EXPECT_FALSE(verify_password(hash, "correct horsE"));
    EXPECT_FALSE(verify_password(hash, ""));
}

TEST(Password, SaltMakesHashesDiffer) {
    const std::string first = hash_password("same password");
    const std::string second = hash_password("same password");
    EXPECT_NE(first, second);
    EXPECT_TRUE(verify_password(second, "same password"));
}

TEST(Password, MalformedHashNeverVerifies) {
    EXPECT_FALSE(verify_password("", "x"));
    EXPECT_FALSE(verify_password("$argon2id$garbage", "x"));
    EXPECT_FALSE(verify_password(std::string(500, '$'), "x"));
}

TEST(Password, Rules) {
    EXPECT_NO_THROW(check_password_rules("12345678"));
    EXPECT_NO_THROW(check_password_rules("网格化管理密码好"));  // eight characters, 24 bytes
    EXPECT_THROW(check_password_rules("1234567"), InputError);
    EXPECT_THROW(check_password_rules("网格化管理"), InputError);  // 15 bytes but five characters
    EXPECT_THROW(check_password_rules(""), InputError);
    EXPECT_THROW(check_password_rules(std::string(max_password_length + 1, 'a')), InputError);
    EXPECT_THROW(check_password_rules("12345678\xFF"), InputError);
}

}  // namespace
}  // namespace wangge::auth
