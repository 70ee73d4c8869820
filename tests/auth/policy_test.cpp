#include "wangge/auth/policy.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace wangge::auth {
namespace {

// The policy of DESIGN §6 as written in policy.hpp; every cell is checked.
constexpr const char* expected_table = R"(
read_grid_outlines            all all    all    all all
read_contact_cards            all all    all    all all
lookup                        all all    all    all all
validate_layout               -   all    all    all all
read_households               -   all    all    all all
read_household_personal       -   scoped scoped -   all
reveal_household_identifiers  -   scoped scoped -   all
read_facilities               -   all    all    all all
read_incidents                -   all    all    all all
read_heat_tiles               -   all    all    all all
report_incident               -   scoped scoped -   all
handle_incident               -   scoped scoped -   all
record_visit                  -   scoped scoped -   all
read_statistics               -   scoped scoped all all
edit_drafts                   -   -      -      all all
publish_layout                -   -      -      all all
import_data                   -   -      -      all all
manage_users                  -   -      -      -   all
read_audit_log                -   -      -      -   all
read_staff                    -   -      all    all all
assign_staff                  -   -      -      all all
set_staff_leave               -   -      scoped all all
edit_households               -   scoped scoped -   all
read_basemap                  all all    all    all all
)";

constexpr const char* grid = "110105001001001";
constexpr const char* other_grid = "110105002001001";

Principal signed_in(Role role) {
    User user{.id = 1, .name = "u", .role = role};
    if (role == Role::grid_worker) user.grid_codes = {grid};
    if (role == Role::supervisor) user.grid_codes = {"110105001"};
    return Principal{user};
}

Reach parse_reach(const std::string& text) {
    return text == "all" ? Reach::all : text == "scoped" ? Reach::scoped : Reach::none;
}

TEST(Policy, EveryRoleTimesEveryAction) {
    const std::vector<Principal> principals{Principal{}, signed_in(Role::grid_worker), signed_in(Role::supervisor),
                                            signed_in(Role::planner), signed_in(Role::admin)};
    std::istringstream table(expected_table);
    std::string action_name;
    std::size_t rows = 0;
    while (table >> action_name) {
        const auto action = parse_action(action_name);
        ASSERT_TRUE(action) << action_name;
        EXPECT_EQ(to_string(*action), action_name);
        for (std::size_t column = 0; column < principals.size(); ++column) {
            std::string cell;
            table >> cell;
            const Principal& who = principals[column];
            const Reach expected = parse_reach(cell);
            SCOPED_TRACE(action_name + " column " + std::to_string(column));
            EXPECT_EQ(reach(who, *action), expected);

            const Decision overall = decide(who, *action);
            const Decision in_scope = decide(who, *action, grid);
            const Decision out_of_scope = decide(who, *action, other_grid);
            if (expected == Reach::none) {
                const Decision denied = who.anonymous() ? Decision::login_required : Decision::forbidden;
                EXPECT_EQ(overall, denied);
                EXPECT_EQ(in_scope, denied);
                EXPECT_EQ(out_of_scope, denied);
            } else {
                EXPECT_EQ(overall, Decision::allowed);
                EXPECT_EQ(in_scope, Decision::allowed);
                EXPECT_EQ(out_of_scope, expected == Reach::all ? Decision::allowed : Decision::out_of_scope);
            }
        }
        ++rows;
    }
    EXPECT_EQ(rows, all_actions.size());
}

TEST(Policy, DisabledUserIsTreatedAsSignedOut) {
    Principal admin = signed_in(Role::admin);
    admin.user->disabled = true;
    EXPECT_EQ(decide(admin, Action::read_audit_log), Decision::login_required);
    EXPECT_EQ(decide(admin, Action::read_grid_outlines), Decision::allowed);
}

TEST(Policy, PublicActionsAreThoseAnonymousCallersReachWhole) {
    for (const Action action : all_actions) {
        EXPECT_EQ(is_public(action), reach(Principal{}, action) == Reach::all) << to_string(action);
    }
    EXPECT_TRUE(is_public(Action::lookup));
    EXPECT_FALSE(is_public(Action::read_households));
}

TEST(Policy, PersonalView) {
    const Principal anonymous;
    EXPECT_EQ(personal_view(anonymous, grid, true), PersonalView::none);
    EXPECT_EQ(personal_view(signed_in(Role::planner), grid, true), PersonalView::none);

    const Principal worker = signed_in(Role::grid_worker);
    EXPECT_EQ(personal_view(worker, grid, false), PersonalView::masked);
    EXPECT_EQ(personal_view(worker, grid, true), PersonalView::full);
    EXPECT_EQ(personal_view(worker, other_grid, true), PersonalView::none);

    const Principal supervisor = signed_in(Role::supervisor);
    EXPECT_EQ(personal_view(supervisor, "110105001009001", false), PersonalView::masked);
    EXPECT_EQ(personal_view(supervisor, other_grid, false), PersonalView::none);

    const Principal admin = signed_in(Role::admin);
    EXPECT_EQ(personal_view(admin, other_grid, false), PersonalView::masked);
    EXPECT_EQ(personal_view(admin, other_grid, true), PersonalView::full);
}

TEST(Policy, Names) {
    EXPECT_EQ(to_string(Decision::out_of_scope), "out_of_scope");
    EXPECT_FALSE(parse_action("drop_tables"));
}

}  // namespace
}  // namespace wangge::auth
