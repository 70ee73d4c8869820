#include "wangge/auth/token.hpp"

#include <set>

#include <gtest/gtest.h>

namespace wangge::auth {
namespace {

TEST(Token, IsBase64UrlOf32RandomBytes) {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        const IssuedToken issued = issue_token();
        EXPECT_EQ(issued.token.size(), 43u);
        EXPECT_TRUE(looks_like_token(issued.token)) << issued.token;
        EXPECT_EQ(issued.token.find_first_of("+/="), std::string::npos);
        EXPECT_EQ(issued.hash, token_hash(issued.token));
        seen.insert(issued.token);
    }
    EXPECT_EQ(seen.size(), 50u);
}

TEST(Token, HashIsHexBlake2b256) {
    const std::string hash = token_hash("abc");
    EXPECT_EQ(hash.size(), 64u);
    EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
    // BLAKE2b-256("abc"), from the reference implementation.
    EXPECT_EQ(hash, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    EXPECT_NE(token_hash("abd"), hash);
}

TEST(Token, ShapeCheckRefusesJunk) {
    EXPECT_FALSE(looks_like_token(""));
    EXPECT_FALSE(looks_like_token(std::string(42, 'a')));
    EXPECT_FALSE(looks_like_token(std::string(44, 'a')));
    EXPECT_FALSE(looks_like_token(std::string(42, 'a') + "="));
    EXPECT_FALSE(looks_like_token(std::string(42, 'a') + "'"));
    EXPECT_TRUE(looks_like_token(std::string(41, 'a') + "-_"));
}

}  // namespace
}  // namespace wangge::auth
