#include "wangge/workflow/states.hpp"

#include <gtest/gtest.h>

using namespace wangge::workflow;

TEST(States, NamesRoundTrip) {
    for (const State state : {State::reported, State::filed, State::dispatched, State::in_progress, State::resolved,
                              State::verified, State::closed, State::returned, State::voided, State::suspended}) {
        EXPECT_EQ(parse_state(to_string(state)), state);
        EXPECT_FALSE(label_zh(state).empty());
    }
    EXPECT_EQ(to_string(Action::return_), "return");
    EXPECT_EQ(parse_action("void"), Action::void_);
    EXPECT_EQ(parse_role("supervisor"), Role::supervisor);
    EXPECT_EQ(parse_triage("urgent"), Triage::urgent);
    EXPECT_FALSE(parse_state("Closed").has_value());
    EXPECT_FALSE(parse_action("").has_value());
    EXPECT_FALSE(parse_role("anonymous").has_value());
    EXPECT_FALSE(parse_triage("紧急").has_value());
}

TEST(States, ChineseLabels) {
    EXPECT_EQ(label_zh(State::resolved), "处置反馈");
    EXPECT_EQ(label_zh(State::suspended), "挂起");
    EXPECT_EQ(label_zh(Action::extend), "延期");
    EXPECT_EQ(label_zh(Triage::coordination), "协调");
    EXPECT_EQ(label_zh(Role::grid_worker), "网格员");
}

TEST(States, OnlyClosedAndVoidedAreTerminal) {
    EXPECT_TRUE(is_terminal(State::closed));
    EXPECT_TRUE(is_terminal(State::voided));
    EXPECT_FALSE(is_terminal(State::suspended));
    EXPECT_FALSE(is_terminal(State::returned));
}

TEST(States, WorkflowErrorIsAnInputError) {
    const WorkflowError error("forbidden", "role planner may not close", "规划员无权结案");
    const wangge::InputError& base = error;
    EXPECT_STREQ(base.what(), "role planner may not close");
    EXPECT_EQ(error.code(), "forbidden");
    EXPECT_EQ(error.message_zh(), "规划员无权结案");
}
