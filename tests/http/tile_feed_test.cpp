// Tile freshness end to end (issue #5): a write through the Writer moves the
// ETags of just the tiles it touches, /tiles/changes lists it and
// /tiles/events pushes it, over the real server and GeoPackage store
// (workflow_fixture.hpp).
#include "wangge/http/tile_feed.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "wangge/tiles/tile_math.hpp"
#include "wire.hpp"
#include "workflow_fixture.hpp"

using namespace wangge;
using namespace wangge::http;
using namespace wangge::http::test;
using nlohmann::json;

namespace {

/// In the west grid, 1.2 km from incident 3 and the east grid's facility.
const geo::Point new_case{116.405, 39.912};
const geo::Point far_away{116.43, 39.915};

std::string tile_target(const std::string& layer, const geo::Point& lonlat, int z) {
    const tiles::TileId tile = tiles::tile_containing(lonlat, z);
    return "/tiles/" + layer + "/" + std::to_string(z) + "/" + std::to_string(tile.x) + "/" +
           std::to_string(tile.y) + ".mvt";
}

bool range_contains(const json& range, const tiles::TileId& tile) {
    return range.at(0) == tile.z && range.at(1) <= tile.x && tile.x <= range.at(3) && range.at(2) <= tile.y &&
           tile.y <= range.at(4);
}

class TileFeed : public WorkflowFixture {
protected:
    /// GET with If-None-Match.
    Reply revalidate(const std::string& target, const std::string& token, const std::string& etag) {
        Headers headers{{"If-None-Match", etag}};
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        return Client(port_).get(target, headers);
    }
    std::string etag_of(const std::string& target, const std::string& token) {
        const Reply reply = call(Method::get, target, token);
        EXPECT_TRUE(reply.status == 200 || reply.status == 204) << target << ": " << reply.status << " " << reply.body;
        EXPECT_FALSE(reply.header("ETag").empty()) << target;
        return reply.header("ETag");
    }
    Reply report_new_case() {
        return call(Method::post, "/incidents", token_of("li"),
                    {{"category", "违法建设"},
                     {"triage", "general"},
                     {"source", "网格员巡查"},
                     {"description", "楼顶私搭乱建"},
                     {"lon", new_case.x},
                     {"lat", new_case.y}});
    }
    std::string cursor_of(const std::string& token) {
        const Reply reply = call(Method::get, "/tiles/changes", token);
        EXPECT_EQ(reply.status, 200U) << reply.body;
        return reply.json().at("cursor");
    }
};

/// The id and data of the first event `name` in a stream's bytes (events are
/// sent whole, so chunk framing never cuts one); nullopt until it arrived whole.
struct Event {
    std::string id;
    json data;
};
std::optional<Event> first_event(const std::string& received, const std::string& name) {
    const std::size_t start = received.find("event: " + name + "\n");
    if (start == std::string::npos || received.find("\n\n", start) == std::string::npos) return std::nullopt;
    const std::size_t id_at = received.find("id: ", start);
    const std::size_t data_at = received.find("data: ", start);
    if (id_at == std::string::npos || data_at == std::string::npos) return std::nullopt;
    return Event{received.substr(id_at + 4, received.find('\n', id_at) - id_at - 4),
                 json::parse(received.substr(data_at + 6, received.find('\n', data_at) - data_at - 6))};
}

std::string events_request(const std::string& token, const std::string& last_event_id = "") {
    std::string request = "GET /tiles/events HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + token + "\r\n";
    if (!last_event_id.empty()) request += "Last-Event-ID: " + last_event_id + "\r\n";
    return request + "\r\n";
}

/// Reads the stream until the event `name` arrived whole.
std::optional<Event> wait_for_event(Wire& wire, const std::string& name) {
    wire.read_until([&name](const std::string& received) { return first_event(received, name).has_value(); });
    return first_event(wire.received(), name);
}

/// The part of an incident tile's ETag before the minute of its deadline lights.
std::string without_minute(const std::string& etag) { return etag.substr(0, etag.find("-m")); }

}  // namespace

TEST_F(TileFeed, ANewIncidentMovesTheETagsOfTheTilesItTouchesOnly) {
    const std::string chief = token_of("chief");
    const std::string near_heat = tile_target("heat", new_case, 16);
    const std::string far_heat = tile_target("heat", far_away, 16);
    const std::string near_incidents = tile_target("incidents", new_case, 16);
    const std::string far_incidents = tile_target("incidents", far_away, 16);
    const std::string near_grids = tile_target("grids", new_case, 16);
    const std::string city_heat = tile_target("heat", new_case, 12);
    const std::string before_near_heat = etag_of(near_heat, chief);
    const std::string before_far_heat = etag_of(far_heat, chief);
    const std::string before_city_heat = etag_of(city_heat, chief);
    const std::string before_near_incidents = etag_of(near_incidents, chief);
    const std::string before_far_incidents = etag_of(far_incidents, chief);
    const std::string before_grids = etag_of(near_grids, "");

    const Reply reported = report_new_case();
    ASSERT_EQ(reported.status, 201U) << reported.body;

    EXPECT_EQ(revalidate(far_heat, chief, before_far_heat).status, 304U);
    EXPECT_EQ(revalidate(near_grids, "", before_grids).status, 304U) << "an incident does not touch the grid layer";
    const Reply near_now = revalidate(near_heat, chief, before_near_heat);
    EXPECT_EQ(near_now.status, 200U);
    EXPECT_NE(near_now.header("ETag"), before_near_heat);
    EXPECT_NE(revalidate(city_heat, chief, before_city_heat).header("ETag"), before_city_heat);
    EXPECT_NE(without_minute(etag_of(near_incidents, chief)), without_minute(before_near_incidents));
    EXPECT_EQ(without_minute(etag_of(far_incidents, chief)), without_minute(before_far_incidents));
}

TEST_F(TileFeed, ChangesListTheTilesOfTheLayersTheCallerMayRead) {
    const std::string chief = token_of("chief");
    const std::string cursor = cursor_of(chief);
    const std::string anonymous_cursor = cursor_of("");
    EXPECT_EQ(cursor, anonymous_cursor);
    ASSERT_EQ(report_new_case().status, 201U);

    const Reply reply = call(Method::get, "/tiles/changes?after=" + cursor, chief);
    ASSERT_EQ(reply.status, 200U) << reply.body;
    EXPECT_EQ(reply.header("Cache-Control"), "no-store");
    const json body = reply.json();
    EXPECT_NE(body.at("cursor"), cursor);
    std::set<std::string> layers;
    for (const json& change : body.at("changes")) {
        layers.insert(change.at("layer"));
        const json& bounds = change.at("bounds");
        EXPECT_LE(bounds.at(0).get<double>(), new_case.x);
        EXPECT_LE(bounds.at(1).get<double>(), new_case.y);
        EXPECT_GE(bounds.at(2).get<double>(), new_case.x);
        EXPECT_GE(bounds.at(3).get<double>(), new_case.y);
        bool near_listed = false;
        bool far_listed = false;
        for (const json& range : change.at("tiles")) {
            near_listed = near_listed || range_contains(range, tiles::tile_containing(new_case, 16));
            far_listed = far_listed || range_contains(range, tiles::tile_containing(far_away, 16));
        }
        EXPECT_TRUE(near_listed) << change.dump();
        EXPECT_FALSE(far_listed) << change.dump();
    }
    EXPECT_EQ(layers, (std::set<std::string>{"heat", "incidents"}));

    // Anonymous callers may read grid tiles only: the incident is none of theirs.
    const Reply anonymous = call(Method::get, "/tiles/changes?after=" + anonymous_cursor, "");
    ASSERT_EQ(anonymous.status, 200U);
    EXPECT_TRUE(anonymous.json().at("changes").empty()) << anonymous.body;
    EXPECT_EQ(anonymous.json().at("cursor"), body.at("cursor"));
    // Caught up: nothing more.
    EXPECT_TRUE(call(Method::get, "/tiles/changes?after=" + body.at("cursor").get<std::string>(), chief)
                    .json()
                    .at("changes")
                    .empty());
}

TEST_F(TileFeed, CursorsOfAnotherRunResetAndOthersAreRefused) {
    const std::string chief = token_of("chief");
    const Reply other_run = call(Method::get, "/tiles/changes?after=0badcafe.1", chief);
    ASSERT_EQ(other_run.status, 200U);
    EXPECT_EQ(other_run.json().at("reset"), true);
    const std::string cursor = cursor_of(chief);
    const std::string ahead = cursor.substr(0, cursor.find('.')) + ".999";
    EXPECT_EQ(call(Method::get, "/tiles/changes?after=" + ahead, chief).json().at("reset"), true);
    for (const char* bad : {"junk", "abc.", ".3", "abc.-1", "abc.1x"}) {
        const Reply reply = call(Method::get, std::string("/tiles/changes?after=") + bad, chief);
        EXPECT_EQ(reply.status, 400U) << bad;
        EXPECT_EQ(reply.json().at("error").at("code"), "invalid_parameter") << bad;
    }
    EXPECT_EQ(call(Method::get, "/tiles/events?after=junk", chief).status, 400U);
    EXPECT_EQ(call(Method::get, "/tiles/changes?since=1", chief).status, 400U);
}

TEST_F(TileFeed, EventsPushEachWriteAndResumeFromTheLastEventId) {
    const std::string chief = token_of("chief");
    Wire stream(port_);
    stream.write(events_request(chief));
    const std::optional<Event> ready = wait_for_event(stream, "ready");
    ASSERT_TRUE(ready) << stream.received();
    EXPECT_NE(stream.received().find("Content-Type: text/event-stream"), std::string::npos) << stream.received();
    EXPECT_EQ(ready->id, ready->data.at("cursor"));
    EXPECT_EQ(ready->id, cursor_of(chief));

    ASSERT_EQ(report_new_case().status, 201U);
    const std::optional<Event> pushed = wait_for_event(stream, "tiles");
    ASSERT_TRUE(pushed) << stream.received();
    EXPECT_EQ(pushed->id, cursor_of(chief));
    // The same changes /tiles/changes lists.
    const json listed = call(Method::get, "/tiles/changes?after=" + ready->id, chief).json();
    EXPECT_EQ(pushed->data.at("changes"), listed.at("changes"));
    EXPECT_EQ(pushed->data.at("changes").size(), 2U);

    // A client that reconnects with the id it saw last gets what it missed first.
    Wire resumed(port_);
    resumed.write(events_request(chief, ready->id));
    const std::optional<Event> caught_up = wait_for_event(resumed, "tiles");
    ASSERT_TRUE(caught_up) << resumed.received();
    EXPECT_EQ(caught_up->data.at("changes"), listed.at("changes"));
    // An id of another server run cannot be resumed: reload everything.
    Wire foreign(port_);
    foreign.write(events_request(chief, "0badcafe.7"));
    EXPECT_TRUE(wait_for_event(foreign, "reset")) << foreign.received();
}

// Streams without a session are capped apart from the server's stream limit (issue #18).
TEST(TileFeedStreams, AnonymousStreamsAreCapped) {
    support::TestApp app(support::TestAppOptions{.max_anonymous_streams = 2});
    const auto open = [&](Headers headers) { return app.handle(Method::get, "/tiles/events", std::move(headers)); };
    std::vector<Response> anonymous;
    for (int i = 0; i < 2; ++i) {
        anonymous.push_back(open({}));
        EXPECT_TRUE(anonymous.back().streamed()) << anonymous.back().body();
    }
    const Response refused = open({});
    EXPECT_EQ(refused.status(), Status::service_unavailable);
    EXPECT_EQ(nlohmann::json::parse(refused.body())["error"]["code"], "too_many_streams");
    // Signed-in callers do not count against it, and a closed stream frees its place.
    EXPECT_TRUE(open(app.accounts().bearer(support::users::worker)).streamed());
    anonymous.pop_back();
    EXPECT_TRUE(open({}).streamed());
}

// Issue #18 item 6: a stream must not outlive the session that opened it.
TEST_F(TileFeed, AStreamOpenedBeforeLogoutIsClosedAtOnceOnLogout) {
    const std::string leaving = token_of("chief");
    const std::string staying = token_of("chief");
    Wire closing(port_);
    closing.write(events_request(leaving));
    ASSERT_TRUE(wait_for_event(closing, "ready")) << closing.received();
    Wire open(port_);
    open.write(events_request(staying));
    ASSERT_TRUE(wait_for_event(open, "ready")) << open.received();

    server_.app().auth().logout(leaving, "", gate_->now());
    // Far sooner than a heartbeat (15 s) or the stream's age limit (10 min), even on a loaded machine.
    EXPECT_TRUE(closing.read_to_close(std::chrono::seconds(5))) << closing.received();

    // The user's other session keeps its stream.
    ASSERT_EQ(report_new_case().status, 201U);
    EXPECT_TRUE(wait_for_event(open, "tiles")) << open.received();
    EXPECT_FALSE(open.closed());
}

TEST_F(TileFeed, StreamsCloseWhenTheAccountIsDisabledHereOrByAnotherProcess) {
    Wire chief(port_);
    chief.write(events_request(token_of("chief")));
    ASSERT_TRUE(wait_for_event(chief, "ready")) << chief.received();
    Wire worker(port_);
    worker.write(events_request(token_of("li")));
    ASSERT_TRUE(wait_for_event(worker, "ready")) << worker.received();
    Wire anonymous(port_);
    anonymous.write("GET /tiles/events HTTP/1.1\r\nHost: test\r\n\r\n");
    ASSERT_TRUE(wait_for_event(anonymous, "ready")) << anonymous.received();

    const auth::Actor admin{std::nullopt, "cli:test", "local"};
    server_.app().auth().set_disabled("chief", true, admin, gate_->now());
    EXPECT_TRUE(chief.read_to_close(std::chrono::seconds(5))) << chief.received();  // not the 15 s heartbeat

    // `wangge user passwd` runs in another process: a second service on the file.
    auth::AuthService(std::make_unique<auth::GeoPackageAuthStore>(server_.store_path())).change_password("li", "another good password", admin, gate_->now());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(worker.read_to_close(std::chrono::seconds(10))) << worker.received();
    // Within the revocation poll (1 s) and slack for a loaded machine: still far from the 15 s heartbeat,
    // the only other thing that would notice.
    EXPECT_LE(std::chrono::steady_clock::now() - start, auth::AuthConfig{}.revocation_poll + std::chrono::seconds(3));
    EXPECT_FALSE(anonymous.read_to_close(std::chrono::milliseconds(200)));
}
