// Urgent cases not accepted in time (escalation_routes.hpp) over the real
// server and store: the list, scoped per caller, and the stream that pushes a
// case crossing its time with no write happening, and its acceptance.

#include "wangge/http/escalation_routes.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "wire.hpp"
#include "workflow_fixture.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;

/// The system clock plus an offset the test moves (the shipped limit for urgent cases is 30 minutes).
class ShiftedClock {
public:
    std::function<model::Timestamp()> function() {
        return [this] {
            return static_cast<model::Timestamp>(std::chrono::duration_cast<std::chrono::seconds>(
                                                     std::chrono::system_clock::now().time_since_epoch())
                                                     .count()) +
                   offset_.load();
        };
    }
    void advance(model::Timestamp seconds) { offset_ += seconds; }

private:
    std::atomic<model::Timestamp> offset_ = 0;
};

// Constructed before the fixture's server, which calls it.
struct WithClock {
    ShiftedClock clock;
};

class EscalationTest : public WithClock, public test::WorkflowFixture {
protected:
    EscalationTest() : test::WorkflowFixture(clock.function()) {}

    std::int64_t report(const std::string& token, const std::string& triage) {
        const test::Reply reply = report_west(token, triage, "燃气泄漏");
        EXPECT_EQ(reply.status, 201U) << reply.body;
        return reply.json().at("id").get<std::int64_t>();
    }

    std::vector<std::int64_t> escalated_ids(const std::string& token, const std::string& query = "") {
        const test::Reply reply = call(Method::get, "/incidents/escalated" + query, token);
        EXPECT_EQ(reply.status, 200U) << reply.body;
        const json body = reply.json();
        std::vector<std::int64_t> ids;
        for (const json& item : body.at("incidents")) ids.push_back(item.at("id").get<std::int64_t>());
        EXPECT_EQ(body.at("count"), ids.size());
        return ids;
    }
};

/// Every whole "escalated" event of a stream's bytes, in order.
std::vector<json> escalated_events(const std::string& received) {
    std::vector<json> events;
    for (std::size_t at = received.find("event: escalated\n"); at != std::string::npos;
         at = received.find("event: escalated\n", at + 1)) {
        const std::size_t data = received.find("data: ", at);
        const std::size_t end = received.find("\n\n", at);
        if (data == std::string::npos || end == std::string::npos) break;
        events.push_back(json::parse(received.substr(data + 6, received.find('\n', data) - data - 6)));
    }
    return events;
}

TEST_F(EscalationTest, UrgentCasesNotAcceptedInTimeAreListedInScope) {
    const std::string worker = token_of("li");
    const std::string chief = token_of("chief");
    const std::int64_t urgent = report(worker, "urgent");
    const std::int64_t general = report(worker, "general");
    EXPECT_TRUE(escalated_ids(chief).empty());

    clock.advance(31 * 60);
    const test::Reply listed = call(Method::get, "/incidents/escalated", chief);
    ASSERT_EQ(listed.status, 200U) << listed.body;
    ASSERT_EQ(listed.json().at("count"), 1);
    const json item = listed.json().at("incidents").at(0);
    EXPECT_EQ(item.at("id"), urgent);
    EXPECT_EQ(item.at("triage_zh"), "紧急");
    EXPECT_GE(item.at("overdue_s").get<std::int64_t>(), 60);
    EXPECT_NE(urgent, general);  // general cases have no acceptance limit (data/categories.json)

    EXPECT_EQ(escalated_ids(chief, "?area=110105001001"), std::vector<std::int64_t>{urgent});
    EXPECT_TRUE(escalated_ids(chief, "?area=110105001002001").empty());
    EXPECT_EQ(call(Method::get, "/incidents/escalated?area=999", chief).status, 404U);
    // Another grid's worker sees only their grid's: the sample's urgent incident 3, dispatched in July and
    // never accepted. Anonymous callers have no such list (planners neither: access_matrix_test).
    EXPECT_EQ(escalated_ids(token_of("wang")), std::vector<std::int64_t>{3});
    EXPECT_EQ(call(Method::get, "/incidents/escalated", token_of("root")).json().at("count"), 2);
    EXPECT_EQ(call(Method::get, "/incidents/escalated", "").status, 401U);

    ASSERT_EQ(transition(urgent, chief, {{"action", "file"}}).status, 200U);
    EXPECT_EQ(escalated_ids(chief), std::vector<std::int64_t>{urgent});  // filed is still waiting
    ASSERT_EQ(transition(urgent, chief, {{"action", "dispatch"}}).status, 200U);
    ASSERT_EQ(transition(urgent, worker, {{"action", "accept"}}).status, 200U);
    EXPECT_TRUE(escalated_ids(chief).empty());
}

TEST_F(EscalationTest, TheStreamPushesACaseCrossingItsTimeWithoutAWriteAndItsAcceptance) {
    const std::string worker = token_of("li");
    const std::string chief = token_of("chief");
    const std::int64_t urgent = report(worker, "urgent");
    clock.advance(30 * 60 - 2);  // two seconds before the limit

    test::Wire stream(port_);
    stream.write("GET /incidents/escalated/events HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + chief +
                 "\r\n\r\n");
    ASSERT_TRUE(stream.read_until([](const std::string& received) { return escalated_events(received).size() >= 1; }))
        << stream.received();
    EXPECT_EQ(escalated_events(stream.received())[0].at("count"), 0);

    // Nothing is written: the feed's clock finds the case crossing its time.
    ASSERT_TRUE(stream.read_until([](const std::string& received) { return escalated_events(received).size() >= 2; },
                                  std::chrono::seconds(10)))
        << stream.received();
    const json crossed = escalated_events(stream.received())[1];
    ASSERT_EQ(crossed.at("count"), 1);
    EXPECT_EQ(crossed.at("incidents").at(0).at("id"), urgent);

    for (const auto& [action, token] : {std::pair{"file", chief}, {"dispatch", chief}, {"accept", worker}}) {
        ASSERT_EQ(transition(urgent, token, {{"action", action}}).status, 200U) << action;
    }
    ASSERT_TRUE(stream.read_until([](const std::string& received) {
        const std::vector<json> events = escalated_events(received);
        return !events.empty() && events.back().at("count") == 0 && events.size() >= 3;
    })) << stream.received();
}

}  // namespace
}  // namespace wangge::http
