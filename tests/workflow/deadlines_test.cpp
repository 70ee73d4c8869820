#include "wangge/workflow/deadlines.hpp"

#include <gtest/gtest.h>

#include "fixture.hpp"
#include "wangge/workflow/state_machine.hpp"

using namespace wangge;
using namespace wangge::workflow;
using namespace wangge::workflow::test;

namespace {

constexpr std::int64_t hour = 3600;

/// Drives an incident through the state machine, keeping its history.
struct Drive {
    model::Incident incident;
    std::vector<model::IncidentEvent> history;

    Drive(const char* category, const char* reported) {
        incident = test::incident(1, grid1_code, "居民上报", "general", "1", reported, "filed");
        incident.category = category;
        history.push_back({1, 1, incident.reported_at, "居民", "", "reported", "事件"});
    }
    Drive& act(Action action, model::Timestamp when, std::int64_t extension_hours = 0) {
        TransitionRequest r;
        r.action = action;
        r.role = Role::admin;
        r.actor = "admin";
        r.at = when;
        r.note = "原因";
        r.approver = "主任";
        r.extension_hours = extension_hours;
        Transition t = apply(incident, history, r, shipped_config().categories);
        incident = t.incident;
        history.push_back(t.event);
        return *this;
    }
    [[nodiscard]] Clock clock(model::Timestamp now) const {
        const auto c = clock_at(incident, history, now);
        EXPECT_TRUE(c.has_value());
        return c.value_or(Clock{});
    }
};

}  // namespace

TEST(Deadlines, LightThresholds) {
    EXPECT_EQ(light_for(0.0), Light::green);
    EXPECT_EQ(light_for(0.7999), Light::green);
    EXPECT_EQ(light_for(0.8), Light::yellow);
    EXPECT_EQ(light_for(1.0), Light::yellow);
    EXPECT_EQ(light_for(1.0001), Light::red);
    EXPECT_EQ(to_string(Light::yellow), "yellow");
    EXPECT_EQ(label_zh(Light::red), "红灯");
}

TEST(Deadlines, NoClockBeforeDispatch) {
    const Drive d("占道经营", "2026-10-10T09:00:00");
    EXPECT_FALSE(clock_at(d.incident, d.history, at("2026-10-12T09:00:00")).has_value());
}

TEST(Deadlines, CalendarHoursFromDispatch) {
    Drive d("占道经营", "2026-10-10T08:00:00");  // general: 24 h
    const model::Timestamp t = at("2026-10-10T09:00:00");
    d.act(Action::dispatch, t);
    EXPECT_EQ(d.incident.deadline, at("2026-10-11T09:00:00"));
    Clock c = d.clock(t + 12 * hour);
    EXPECT_EQ(c.used_s, 12 * hour);
    EXPECT_EQ(c.allowed_s, 24 * hour);
    EXPECT_DOUBLE_EQ(c.used_fraction(), 0.5);
    EXPECT_EQ(c.light(), Light::green);
    EXPECT_TRUE(c.running);
    EXPECT_EQ(c.due, t + 24 * hour);
    EXPECT_EQ(d.clock(t + 20 * hour).light(), Light::yellow);
    EXPECT_EQ(d.clock(t + 24 * hour).light(), Light::yellow);
    EXPECT_FALSE(d.clock(t + 24 * hour).overdue());
    EXPECT_EQ(d.clock(t + 24 * hour + 1).light(), Light::red);
    EXPECT_TRUE(d.clock(t + 24 * hour + 1).overdue());
}

TEST(Deadlines, CrossingMidnightAndMonthEnds) {
    Drive october("积水内涝", "2026-10-31T21:00:00");  // general: 12 h
    october.act(Action::dispatch, at("2026-10-31T22:00:00"));
    EXPECT_EQ(october.incident.deadline, at("2026-11-01T10:00:00"));
    const Clock c = october.clock(at("2026-11-01T08:00:00"));
    EXPECT_EQ(c.used_s, 10 * hour);
    EXPECT_EQ(c.light(), Light::yellow);

    Drive leap("积水内涝", "2028-02-28T19:00:00");
    leap.act(Action::dispatch, at("2028-02-28T20:00:00"));
    EXPECT_EQ(leap.incident.deadline, at("2028-02-29T08:00:00"));

    Drive year_end("违法建设", "2026-12-31T09:00:00");  // general: 120 h
    year_end.act(Action::dispatch, at("2026-12-31T10:00:00"));
    EXPECT_EQ(year_end.incident.deadline, at("2027-01-05T10:00:00"));
}

TEST(Deadlines, SuspensionPausesTheClock) {
    Drive d("占道经营", "2026-10-10T08:00:00");
    const model::Timestamp t = at("2026-10-10T22:00:00");
    d.act(Action::dispatch, t).act(Action::accept, t + hour).act(Action::suspend, t + 2 * hour);

    // Suspended across midnight: the clock stands still at 2 h used.
    Clock c = d.clock(t + 10 * hour);
    EXPECT_FALSE(c.running);
    EXPECT_EQ(c.used_s, 2 * hour);
    EXPECT_EQ(c.paused_s, 8 * hour);
    EXPECT_EQ(c.allowed_s, 24 * hour);
    EXPECT_EQ(c.due, t + 10 * hour + 22 * hour);

    d.act(Action::resume, t + 10 * hour);
    EXPECT_EQ(d.incident.state, "in_progress");
    EXPECT_EQ(d.incident.deadline, t + 32 * hour);
    c = d.clock(t + 12 * hour);
    EXPECT_TRUE(c.running);
    EXPECT_EQ(c.used_s, 4 * hour);
    EXPECT_EQ(c.paused_s, 8 * hour);
    EXPECT_EQ(c.allowed_s, 24 * hour);
    EXPECT_EQ(c.due, t + 32 * hour);
    EXPECT_FALSE(d.clock(t + 32 * hour).overdue());
    EXPECT_TRUE(d.clock(t + 32 * hour + 1).overdue());
}

TEST(Deadlines, ExtensionsAddAllowedTime) {
    Drive d("占道经营", "2026-10-10T08:00:00");
    const model::Timestamp t = at("2026-10-10T09:00:00");
    d.act(Action::dispatch, t).act(Action::extend, t + 20 * hour, 12).act(Action::accept, t + 21 * hour);
    const Clock c = d.clock(t + 30 * hour);
    EXPECT_EQ(c.allowed_s, 36 * hour);
    EXPECT_EQ(c.extended_s, 12 * hour);
    EXPECT_EQ(c.used_s, 30 * hour);
    EXPECT_EQ(c.light(), Light::yellow);
}

TEST(Deadlines, TheClockStopsAtClosure) {
    Drive d("占道经营", "2026-10-10T08:00:00");
    const model::Timestamp t = at("2026-10-10T09:00:00");
    d.act(Action::dispatch, t)
        .act(Action::accept, t + hour)
        .act(Action::resolve, t + 5 * hour)
        .act(Action::verify, t + 6 * hour)
        .act(Action::close, t + 7 * hour);
    const Clock c = d.clock(t + 100 * hour);
    EXPECT_FALSE(c.running);
    EXPECT_EQ(c.stopped, t + 7 * hour);
    EXPECT_EQ(c.used_s, 7 * hour);
    EXPECT_FALSE(c.overdue());
}

TEST(Deadlines, OverdueListsPerGridCommunityAndStreet) {
    const auto snapshot = community_snapshot(assessment_dataset());
    // 10-21 11:00: incident 4 (grid 2, due 10-21 10:00) is overdue; 1–3 are closed, 5 not dispatched.
    const std::vector<OverdueIncident> in_grid = overdue_in(*snapshot, grid2_code, at("2026-10-21T11:00:00"));
    ASSERT_EQ(in_grid.size(), 1U);
    EXPECT_EQ(in_grid[0].incident_id, 4);
    EXPECT_EQ(in_grid[0].grid_code, grid2_code);
    EXPECT_EQ(in_grid[0].clock.used_s - in_grid[0].clock.allowed_s, hour);
    EXPECT_EQ(overdue_in(*snapshot, community_code, at("2026-10-21T11:00:00")).size(), 1U);
    EXPECT_EQ(overdue_in(*snapshot, street_code, at("2026-10-21T11:00:00")).size(), 1U);
    EXPECT_TRUE(overdue_in(*snapshot, grid1_code, at("2026-10-21T11:00:00")).empty());

    EXPECT_TRUE(overdue_in(*snapshot, grid2_code, at("2026-10-21T10:00:00")).empty());
    EXPECT_TRUE(overdue_in(*snapshot, street_code, at("2026-10-21T10:00:00")).empty());
}
