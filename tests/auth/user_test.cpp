#include "wangge/auth/user.hpp"

#include <gtest/gtest.h>

#include "wangge/error.hpp"

namespace wangge::auth {
namespace {

TEST(Role, NamesRoundTrip) {
    for (const Role role : {Role::admin, Role::planner, Role::supervisor, Role::grid_worker}) {
        EXPECT_EQ(parse_role(to_string(role)), role);
    }
    EXPECT_FALSE(parse_role("root"));
    EXPECT_FALSE(parse_role("Admin"));
}

TEST(Covers, GridCodesArePrefixes) {
    const User worker{.name = "w", .role = Role::grid_worker, .grid_codes = {"110105001001001"}};
    EXPECT_TRUE(covers(worker, "110105001001001"));
    EXPECT_TRUE(covers(worker, "11010500100100101"));  // a sub-grid
    EXPECT_FALSE(covers(worker, "110105001001002"));
    EXPECT_FALSE(covers(worker, "110105001"));  // the community above
    EXPECT_FALSE(covers(worker, ""));

    const User supervisor{.name = "s", .role = Role::supervisor, .grid_codes = {"110105001001", "110105002"}};
    EXPECT_TRUE(covers(supervisor, "110105001001007"));
    EXPECT_TRUE(covers(supervisor, "110105002003004"));
    EXPECT_FALSE(covers(supervisor, "110105001002001"));

    const User admin{.name = "a", .role = Role::admin};
    EXPECT_TRUE(covers(admin, "999"));
    const User planner{.name = "p", .role = Role::planner};
    EXPECT_FALSE(covers(planner, "110105001001001"));
}

TEST(UserName, AcceptsChineseAndRefusesJunk) {
    EXPECT_NO_THROW(check_user_name("wang.fang"));
    EXPECT_NO_THROW(check_user_name("王芳"));
    EXPECT_NO_THROW(check_user_name(std::string(64, 'a')));
    EXPECT_THROW(check_user_name(""), InputError);
    EXPECT_THROW(check_user_name(std::string(65, 'a')), InputError);
    EXPECT_THROW(check_user_name("wang fang"), InputError);
    EXPECT_THROW(check_user_name("a,b"), InputError);
    EXPECT_THROW(check_user_name("tab\there"), InputError);
    EXPECT_THROW(check_user_name("\xE7\x8E"), InputError);  // truncated UTF-8
}

TEST(GridCodes, ParsesAndDeduplicates) {
    EXPECT_EQ(parse_grid_codes("110105001001001"), std::vector<std::string>{"110105001001001"});
    EXPECT_EQ(parse_grid_codes("2,1,2"), (std::vector<std::string>{"2", "1"}));
    EXPECT_THROW((void)parse_grid_codes(""), InputError);
    EXPECT_THROW((void)parse_grid_codes("1,,2"), InputError);
    EXPECT_THROW((void)parse_grid_codes("1,"), InputError);
    EXPECT_THROW((void)parse_grid_codes("11 01"), InputError);
    EXPECT_THROW((void)parse_grid_codes("1'; DROP TABLE users"), InputError);
}

TEST(Scope, FitsTheRole) {
    EXPECT_NO_THROW(check_scope(Role::grid_worker, {"1"}));
    EXPECT_NO_THROW(check_scope(Role::supervisor, {"1"}));
    EXPECT_NO_THROW(check_scope(Role::admin, {}));
    EXPECT_NO_THROW(check_scope(Role::planner, {}));
    EXPECT_THROW(check_scope(Role::grid_worker, {}), InputError);
    EXPECT_THROW(check_scope(Role::supervisor, {}), InputError);
    EXPECT_THROW(check_scope(Role::admin, {"1"}), InputError);
    EXPECT_THROW(check_scope(Role::planner, {"1"}), InputError);
}

}  // namespace
}  // namespace wangge::auth
