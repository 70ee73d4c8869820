#include "wangge/http/api.hpp"

#include <gtest/gtest.h>

#include "test_server.hpp"
#include "wangge/model/snapshot.hpp"

namespace wangge::http::test {
namespace {

TEST(Health, ReportsStoreVersionAndCounts) {
    TestServer server;
    const Reply reply = server.get("/health");
    ASSERT_EQ(reply.status, 200u);
    EXPECT_EQ(reply.json(), nlohmann::json::parse(R"({"status":"ok","store":"geopackage","snapshot_version":7,
        "counts":{"grids":6,"staff":3,"households":8,"facilities":2,"incidents":3}})"));
    EXPECT_EQ(server.get("/health?verbose=1").status, 400u);
}

TEST(State, PublishingSwapsTheSnapshotForNewRequests) {
    TestServer server;
    const auto before = server.state().view();
    model::Dataset data = sample_dataset();
    data.households.pop_back();
    server.state().publish(model::Snapshot::build(std::move(data), 8));
    const nlohmann::json health = server.get("/health").json();
    EXPECT_EQ(health["snapshot_version"], 8);
    EXPECT_EQ(health["counts"]["households"], 7);
    // A view taken earlier stays valid and unchanged.
    EXPECT_EQ(before->snapshot().version(), 7u);
    EXPECT_EQ(before->snapshot().data().households.size(), 8u);
}

TEST(State, DerivedStateIsBuiltPerSnapshot) {
    State state("geopackage");
    EXPECT_THROW((void)state.view(), HttpError);
    state.derive<std::size_t>([](const model::Snapshot& snapshot) {
        return std::make_shared<const std::size_t>(snapshot.data().households.size());
    });
    state.publish(model::Snapshot::build(sample_dataset(), 1));
    EXPECT_EQ(state.view()->derived<std::size_t>(), 8u);
    EXPECT_THROW((void)state.view()->derived<int>(), std::logic_error);
}

}  // namespace
}  // namespace wangge::http::test
