// model::LiveIndexes: versions extend their overlays, start a background
// rebuild past rebuild_after, adopt it once done with the changes made since,
// and go on with their overlays when the build fails.

#include "wangge/model/live_indexes.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace wangge::model {
namespace {

/// Indexes that count incidents: what a full build saw, plus an overlay of the positions changed since.
struct Counting {
    static Counting build(const Tables& rows) {
        if (fail_builds > 0) {
            --fail_builds;
            throw std::runtime_error("no memory");
        }
        ++builds;
        return {rows.incidents.size(), {}};
    }
    [[nodiscard]] Counting rebuild(const Tables& rows) const { return build(rows); }
    [[nodiscard]] Counting next(const Tables&, const Tables&, const Changes& changes) const {
        Counting next = *this;
        for (const std::size_t position : changes.incidents) {
            if (std::find(next.overlay.begin(), next.overlay.end(), position) == next.overlay.end()) {
                next.overlay.push_back(position);
            }
        }
        return next;
    }
    [[nodiscard]] std::size_t overlay_size() const noexcept { return overlay.size(); }
    /// What a query answers: the incidents counted.
    [[nodiscard]] std::size_t incidents() const noexcept {
        std::size_t appended = 0;
        for (const std::size_t position : overlay) appended += position >= built ? 1 : 0;
        return built + appended;
    }

    std::size_t built = 0;
    std::vector<std::size_t> overlay;

    static inline std::atomic<int> builds = 0;
    static inline std::atomic<int> fail_builds = 0;
};

/// Two indexes, of which incident writes touch one.
struct TwoLayers {
    static TwoLayers build(const Tables& rows) { return make(rows, nullptr); }
    [[nodiscard]] TwoLayers rebuild(const Tables& rows) const { return make(rows, this); }
    [[nodiscard]] TwoLayers next(const Tables& before, const Tables& after, const Changes& changes) const {
        return {incidents.next(before, after, changes), households};
    }
    [[nodiscard]] std::size_t overlay_size() const noexcept {
        return std::max(incidents.overlay_size(), households.overlay_size());
    }

    Counting incidents;
    Counting households;

private:
    static TwoLayers make(const Tables& rows, const TwoLayers* kept) {
        return {kept_or_built(kept, &TwoLayers::incidents, [&] { return Counting::build(rows); }),
                kept_or_built(kept, &TwoLayers::households, [&] { return Counting::build(rows); })};
    }
};

/// Appends one incident to `rows`; returns the delta.
Changes append_incident(Tables& rows, std::int64_t id) {
    Changes changes;
    changes.rebuilt = false;
    changes.incidents_before = rows.incidents.size();
    changes.events_before = rows.incident_events.size();
    changes.incidents = {rows.incidents.size()};
    Incident incident;
    incident.id = id;
    rows.incidents.push_back(incident);
    return changes;
}

/// Appends one incident to `rows` and makes `indexes` the next version, which must count it.
void write(LiveIndexes<Counting>& indexes, Tables& rows, std::int64_t& id) {
    const Tables before = rows;
    const Changes changes = append_incident(rows, ++id);
    indexes = indexes.next(before, rows, changes);
    EXPECT_EQ(indexes->incidents(), rows.incidents.size());
}

TEST(LiveIndexes, RebuildInTheBackgroundThenAdoptWithTheChangesSince) {
    Counting::builds = 0;
    Tables rows;
    LiveIndexes<Counting> indexes(rows, 3);
    EXPECT_EQ(Counting::builds, 1);
    std::int64_t id = 0;
    const auto step = [&] { write(indexes, rows, id); };
    for (int i = 0; i < 3; ++i) step();
    EXPECT_FALSE(indexes.rebuilding());
    step();  // the overlay passes 3: a rebuild of these 4 rows starts
    EXPECT_TRUE(indexes.rebuilding());
    indexes.wait_for_rebuild();
    EXPECT_EQ(Counting::builds, 2);
    step();  // adopts it, with the one row appended since
    EXPECT_FALSE(indexes.rebuilding());
    EXPECT_EQ(indexes->built, 4u);
    EXPECT_EQ(indexes->overlay_size(), 1u);
}

TEST(LiveIndexes, VersionsMadeDuringTheRebuildCollectTheirChanges) {
    Tables rows;
    LiveIndexes<Counting> indexes(rows, 1);
    std::int64_t id = 0;
    std::vector<LiveIndexes<Counting>> versions;
    for (int i = 0; i < 40; ++i) {
        const Tables before = rows;
        const Changes changes = append_incident(rows, ++id);
        indexes = indexes.next(before, rows, changes);
        ASSERT_EQ(indexes->incidents(), rows.incidents.size()) << "write " << i;
        versions.push_back(indexes);  // older versions stay readable
    }
    indexes.wait_for_rebuild();
    const Tables before = rows;
    indexes = indexes.next(before, rows, append_incident(rows, ++id));
    EXPECT_EQ(indexes->incidents(), rows.incidents.size());
    for (std::size_t i = 0; i < versions.size(); ++i) EXPECT_EQ(versions[i]->incidents(), i + 1);
}

TEST(LiveIndexes, AFailedRebuildLeavesTheOverlaysAndIsRetried) {
    Tables rows;
    LiveIndexes<Counting> indexes(rows, 1);
    Counting::fail_builds = 1;
    std::int64_t id = 0;
    const auto step = [&] { write(indexes, rows, id); };
    step();
    step();  // starts a rebuild, which fails
    ASSERT_TRUE(indexes.rebuilding());
    indexes.wait_for_rebuild();
    step();  // the failure is dropped, the overlays go on, and a new rebuild starts
    EXPECT_EQ(indexes->built, 0u);
    EXPECT_TRUE(indexes.rebuilding());
    indexes.wait_for_rebuild();
    step();  // adopts it
    EXPECT_FALSE(indexes.rebuilding());
    EXPECT_EQ(indexes->built, 3u);
}

TEST(LiveIndexes, WritesOutpacingTheRebuildRebuildOnTheCallingThread) {
    Tables rows;
    LiveIndexes<Counting> indexes(rows, rebuild_now_after);
    Changes many;
    many.rebuilt = false;
    for (std::size_t i = 0; i <= rebuild_now_after; ++i) {
        many.incidents.push_back(i);
        rows.incidents.push_back(Incident{});
    }
    indexes = indexes.next(Tables{}, rows, many);
    EXPECT_FALSE(indexes.rebuilding());
    EXPECT_EQ(indexes->built, rebuild_now_after + 1);
    EXPECT_EQ(indexes->overlay_size(), 0u);
}

TEST(LiveIndexes, WritesOutpacingARunningRebuildWaitForIt) {
    Tables rows;
    LiveIndexes<Counting> indexes(rows, 1);
    std::int64_t id = 0;
    for (int i = 0; i < 2; ++i) write(indexes, rows, id);
    ASSERT_TRUE(indexes.rebuilding());
    const Tables before = rows;
    Changes many;
    many.rebuilt = false;
    many.incidents_before = rows.incidents.size();
    for (std::size_t i = 0; i <= rebuild_now_after; ++i) {
        many.incidents.push_back(rows.incidents.size());
        rows.incidents.push_back(Incident{});
    }
    indexes = indexes.next(before, rows, many);
    EXPECT_FALSE(indexes.rebuilding());
    EXPECT_EQ(indexes->incidents(), rows.incidents.size());
    EXPECT_EQ(indexes->overlay_size(), 0u);  // too many even after adopting the running build: built anew
}

TEST(LiveIndexes, ARebuildBuildsOnlyTheIndexesTheWritesTouched) {
    Counting::builds = 0;
    Tables rows;
    std::int64_t id = 0;
    LiveIndexes<TwoLayers> indexes(rows, 2);
    EXPECT_EQ(Counting::builds, 2);
    for (int i = 0; i < 3; ++i) {
        const Tables before = rows;
        const Changes changes = append_incident(rows, ++id);
        indexes = indexes.next(before, rows, changes);
    }
    ASSERT_TRUE(indexes.rebuilding());
    indexes.wait_for_rebuild();
    EXPECT_EQ(Counting::builds, 3);  // the incidents' index; the households' one is shared
    const Tables before = rows;
    indexes = indexes.next(before, rows, append_incident(rows, ++id));
    EXPECT_FALSE(indexes.rebuilding());
    EXPECT_EQ(indexes->incidents.incidents(), rows.incidents.size());
    EXPECT_EQ(indexes->incidents.overlay_size(), 1U);
}

}  // namespace
}  // namespace wangge::model
