#include "wangge/http/api.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "support/test_app.hpp"
#include "wangge/model/snapshot.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

TEST(Health, ReportsStoreVersionAndCounts) {
    TestServer server;
    const Reply reply = server.get("/health");
    ASSERT_EQ(reply.status, 200u);
    EXPECT_EQ(reply.json(), nlohmann::json::parse(R"({"status":"ok","store":"geopackage","snapshot_version":1,
        "counts":{"grids":6,"staff":3,"households":8,"facilities":2,"incidents":3}})"));
    EXPECT_EQ(server.get("/health?verbose=1").status, 400u);
}

TEST(State, PublishingSwapsTheSnapshotForNewRequests) {
    TestServer server;
    const auto before = server.state().view();
    model::Dataset data = sample_dataset();
    data.households.pop_back();
    server.state().publish(model::Snapshot::build(std::move(data), 2));
    const nlohmann::json health = server.get("/health").json();
    EXPECT_EQ(health["snapshot_version"], 2);
    EXPECT_EQ(health["counts"]["households"], 7);
    // A view taken earlier stays valid and unchanged.
    EXPECT_EQ(before->snapshot().version(), 1u);
    EXPECT_EQ(before->snapshot().data().households.size(), 8u);
}

TEST(State, DerivedStateIsBuiltPerSnapshot) {
    State state("geopackage");
    EXPECT_THROW((void)state.view(), ClientError);
    state.derive<std::size_t>([](const model::Snapshot& snapshot) {
        return std::make_shared<const std::size_t>(snapshot.data().households.size());
    });
    state.publish(model::Snapshot::build(sample_dataset(), 1));
    EXPECT_EQ(state.view()->derived<std::size_t>(), 8u);
    EXPECT_THROW((void)state.view()->derived<int>(), std::logic_error);
}

TEST(State, IncrementalStateSeesEarlierDerivedStateAndThePreviousView) {
    State state("geopackage");
    state.derive<std::size_t>([](const model::Snapshot& snapshot) {
        return std::make_shared<const std::size_t>(snapshot.data().households.size());
    });
    // The change in household count since the previous view (0 for the first).
    state.derive_incremental<long>([](const View& next, const View* previous) {
        const auto now = static_cast<long>(next.derived<std::size_t>());
        return std::make_shared<const long>(previous ? now - static_cast<long>(previous->derived<std::size_t>()) : 0);
    });
    std::vector<std::uint64_t> told;
    state.on_publish([&told, &state](const View& view) {
        EXPECT_EQ(state.view()->snapshot().version(), view.snapshot().version()) << "current before listeners run";
        told.push_back(view.snapshot().version());
    });
    state.publish(model::Snapshot::build(sample_dataset(), 1));
    EXPECT_EQ(state.view()->derived<long>(), 0);
    model::Dataset fewer = sample_dataset();
    fewer.households.resize(5);
    state.publish(model::Snapshot::build(std::move(fewer), 2));
    EXPECT_EQ(state.view()->derived<long>(), -3);
    EXPECT_EQ(told, (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(state.instance().size(), 8u);
    EXPECT_NE(state.instance(), State("geopackage").instance()) << "another run, another instance id";
}

}  // namespace
}  // namespace wangge::http::test
