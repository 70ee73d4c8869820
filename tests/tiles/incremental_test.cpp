// The live engine's contract (issue #13): after random sequences of every
// kind of write, a snapshot made by model::SnapshotEditor and a TileIndex
// updated from its delta are identical to a full rebuild of the same rows —
// rows, id lookups, event histories, incidents by grid, point searches, the heat pyramid and
// every tile — and the tile change feed (changed_areas on the delta) touches
// every tile whose bytes changed.

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "wangge/drafts/publish.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/synth/city.hpp"
#include "wangge/tiles/change_log.hpp"
#include "wangge/tiles/tile_changes.hpp"
#include "wangge/tiles/tile_index.hpp"

using namespace wangge;
using namespace wangge::tiles;

namespace {

constexpr model::Timestamp now = synth::default_reference_time;
const std::vector<std::string> categories{"违法建设", "公共设施损坏", "邻里纠纷", "消防隐患", "新类别"};
const std::vector<std::string> states{"reported", "filed", "dispatched", "in_progress", "suspended", "closed"};

class Writes {
public:
    explicit Writes(std::uint64_t seed) : random_(seed) {}

    /// One batch of 1–3 random writes of any kind but a publish.
    void batch(const model::Snapshot& current, model::SnapshotEditor& editor) {
        const int writes = pick(1, 3);
        for (int w = 0; w < writes; ++w) {
            switch (pick(0, 5)) {
                case 0: new_incident(current, editor); break;
                case 1:
                case 2: transition(editor); break;
                case 3: editor.append_visit({next_id(), 1, editor.data().households[index(editor.data().households.size())].id,
                                             now, "日常走访", "随机", "", 0, ""}); break;
                case 4: change_household(current, editor); break;
                default: new_household(current, editor); break;
            }
        }
    }

    /// Re-issues the layout (new grid rows) and moves a few households' grid codes.
    void publish(const model::Snapshot& current, model::SnapshotEditor& editor, int version) {
        store::LayoutPublication publication;
        publication.at = now + version;
        for (const model::Grid* grid : current.current_grids()) {
            model::Grid row = *grid;
            row.valid_from = publication.at;
            row.version = version;
            publication.grids.push_back(std::move(row));
        }
        const auto grids = current.current_grids();
        for (int i = 0; i < 5; ++i) {
            const model::Household& household = current.data().households[index(current.data().households.size())];
            publication.households.push_back({household.id, grids[index(grids.size())]->code});
        }
        drafts::apply_publication(editor, publication);
    }

private:
    int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
    std::size_t index(std::size_t size) { return std::uniform_int_distribution<std::size_t>(0, size - 1)(random_); }
    std::int64_t next_id() { return ++id_; }

    geo::Point somewhere(const model::Snapshot& current) {
        const geo::Box box = current.extent();
        return {std::uniform_real_distribution<double>(box.min_x, box.max_x)(random_),
                std::uniform_real_distribution<double>(box.min_y, box.max_y)(random_)};
    }

    void new_incident(const model::Snapshot& current, model::SnapshotEditor& editor) {
        model::Incident incident;
        incident.id = next_id();
        incident.category = categories[index(categories.size())];
        incident.source = "网格员巡查";
        incident.triage = "general";
        incident.state = "reported";
        incident.location = somewhere(current);
        if (const auto found = current.lookup(incident.location)) incident.grid_code = found->grid().code;
        incident.reported_at = now - pick(0, 200) * 86400;
        editor.append_incident(incident);
        editor.append_event({next_id(), incident.id, incident.reported_at, "网格员", "", "reported", ""});
    }

    void transition(model::SnapshotEditor& editor) {
        model::Incident incident = editor.data().incidents[index(editor.data().incidents.size())];
        const std::string from = incident.state;
        incident.state = states[index(states.size())];
        if (incident.state == "dispatched") {
            incident.dispatched_at = now - 86400;
            incident.deadline = now + pick(-2, 2) * 86400;
        }
        editor.replace_incident(incident);
        editor.append_event({next_id(), incident.id, now - pick(0, 100) * 60, "主任", from, incident.state,
                             incident.state == "suspended" ? "批准人：王主任；原因：需协调" : ""});
    }

    void change_household(const model::Snapshot& current, model::SnapshotEditor& editor) {
        model::Household household = editor.data().households[index(editor.data().households.size())];
        switch (pick(0, 2)) {
            case 0:
                household.location = somewhere(current);
                if (const auto found = current.lookup(household.location)) household.grid_code = found->grid().code;
                break;
            case 1: household.tags = {pick(0, 1) == 0 ? "独居老人" : "低保"}; break;
            default: household.moved_out = now; break;  // leaves the tiles and the grids' counts
        }
        editor.replace_household(household);
    }

    void new_household(const model::Snapshot& current, model::SnapshotEditor& editor) {
        model::Household household;
        household.id = next_id();
        household.compound = "新建小区";
        household.building = "1号楼";
        household.location = somewhere(current);
        if (const auto found = current.lookup(household.location)) household.grid_code = found->grid().code;
        household.members = 2;
        editor.append_household(household);
    }

    std::mt19937_64 random_;
    std::int64_t id_ = 100'000'000;
};

/// Tiles sampled over the city at each zoom, plus the tiles around `hot` points.
std::vector<TileId> sample_tiles(const geo::Box& extent, const std::vector<geo::Point>& hot, std::mt19937_64& random) {
    std::vector<TileId> tiles;
    for (const int z : {0, 8, 11, 12, 13, 14, 15, 16, 18}) {
        for (int i = 0; i < 5; ++i) {
            const geo::Point p{std::uniform_real_distribution<double>(extent.min_x, extent.max_x)(random),
                               std::uniform_real_distribution<double>(extent.min_y, extent.max_y)(random)};
            tiles.push_back(tile_containing(p, z));
        }
        for (const geo::Point& p : hot) tiles.push_back(tile_containing(p, z));
    }
    return tiles;
}

std::vector<TileQuery> queries(const TileId& tile) {
    std::vector<TileQuery> all;
    for (const Layer layer : all_layers) {
        TileQuery query;
        query.layer = layer;
        query.tile = tile;
        query.now = now;
        all.push_back(query);
        if (layer == Layer::households) {
            query.include_tags = true;
            all.push_back(query);
        }
        if (layer == Layer::heat) {
            query.heat.from = now - 90 * 86400;
            query.heat.to = now + 1;
            all.push_back(query);
            query.heat = {};
            query.heat.category = "新类别";  // unknown to the first build: only the overlay has it
            all.push_back(query);
            query.heat = {};
            query.heat.state = "dispatched";
            all.push_back(query);
        }
    }
    return all;
}

std::vector<std::int64_t> sorted_hits(const model::PointSearch& index, const geo::Box& box) {
    std::vector<std::int64_t> hits;
    index.query(box, [&](std::size_t position) {
        hits.push_back(static_cast<std::int64_t>(position));
        return true;
    });
    std::sort(hits.begin(), hits.end());
    return hits;
}

void expect_same_model(const model::Snapshot& edited, const model::Snapshot& rebuilt) {
    const model::Tables& rows = edited.data();
    EXPECT_EQ(model::to_dataset(rows).incidents, model::to_dataset(rebuilt.data()).incidents);
    for (std::size_t i = 0; i < rows.incidents.size(); i += 7) {
        const model::Incident& incident = rows.incidents[i];
        ASSERT_EQ(edited.incident(incident.id), &incident);
        std::vector<model::IncidentEvent> a;
        std::vector<model::IncidentEvent> b;
        for (const auto* event : edited.events_of(incident.id)) a.push_back(*event);
        for (const auto* event : rebuilt.events_of(incident.id)) b.push_back(*event);
        ASSERT_EQ(a, b) << "events of incident " << incident.id;
    }
    for (std::size_t i = 0; i < rows.households.size(); i += 11) {
        ASSERT_EQ(edited.household(rows.households[i].id), &rows.households[i]);
    }
    EXPECT_EQ(edited.current_grids().size(), rebuilt.current_grids().size());
    for (const model::Grid* grid : rebuilt.current_grids()) {
        ASSERT_EQ(edited.incidents_in(grid->code), rebuilt.incidents_in(grid->code)) << "incidents of " << grid->code;
    }
    const geo::Box all = rebuilt.extent();
    const double dx = (all.max_x - all.min_x) / 4;
    const double dy = (all.max_y - all.min_y) / 4;
    for (int i = 0; i < 4; ++i) {
        const geo::Box box{all.min_x + i * dx, all.min_y + i * dy, all.min_x + (i + 1.5) * dx, all.min_y + (i + 1.5) * dy};
        EXPECT_EQ(sorted_hits(edited.household_index(), box), sorted_hits(rebuilt.household_index(), box));
        EXPECT_EQ(sorted_hits(edited.incident_index(), box), sorted_hits(rebuilt.incident_index(), box));
    }
}

/// Random writes from a small city; `rebuild_after` as in model::Snapshot::build.
/// With `settle`, every fifth version waits for a background rebuild of its
/// indexes, so that the next version adopts it.
void check_random_writes(std::size_t rebuild_after, bool settle) {
    synth::CityParams params;
    params.grids = 24;
    params.households = 3000;
    params.incidents = 3000;
    params.visits = 100;
    params.seed = 5;
    std::shared_ptr<const model::Snapshot> snapshot =
        model::Snapshot::build(synth::generate_city(params), 1, rebuild_after);
    auto index = std::make_shared<const TileIndex>(*snapshot);
    Writes writes(11);
    std::mt19937_64 sampling(3);
    const geo::Box extent = snapshot->extent();
    for (int step = 1; step <= 60; ++step) {
        model::SnapshotEditor editor(*snapshot);
        if (step % 30 == 0) {
            writes.publish(*snapshot, editor, step);
        } else {
            writes.batch(*snapshot, editor);
        }
        std::shared_ptr<const model::Snapshot> next = editor.finish(snapshot->version() + 1);
        auto next_index = std::make_shared<const TileIndex>(*next, *index);
        ASSERT_FALSE(next->changes().rebuilt);

        // Where this step wrote: the hot spots for the sampled tiles.
        std::vector<geo::Point> hot;
        for (const std::size_t p : next->changes().incidents) hot.push_back(next->data().incidents[p].location);
        for (const std::size_t p : next->changes().households) {
            hot.push_back(next->data().households[p].location);
            if (p < snapshot->data().households.size()) hot.push_back(snapshot->data().households[p].location);
        }
        const TileChanges changed = changed_areas(*index, *next_index);
        const std::vector<TileId> tiles = sample_tiles(extent, hot, sampling);
        const bool full_check = step % 6 == 0;
        std::shared_ptr<const model::Snapshot> rebuilt;
        std::unique_ptr<TileIndex> rebuilt_index;
        if (full_check) {
            rebuilt = model::Snapshot::build(model::to_dataset(next->data()), next->version());
            rebuilt_index = std::make_unique<TileIndex>(*rebuilt);
            expect_same_model(*next, *rebuilt);
        }
        for (const TileId& tile : tiles) {
            for (const TileQuery& query : queries(tile)) {
                const std::string bytes = next_index->render(query);
                if (rebuilt_index) {
                    ASSERT_EQ(bytes, rebuilt_index->render(query))
                        << "step " << step << ' ' << to_string(query.layer) << ' ' << tile.z << '/' << tile.x << '/'
                        << tile.y;
                }
                if (bytes != index->render(query)) {
                    const auto boxes = changed.of(query.layer);
                    EXPECT_TRUE(std::any_of(boxes.begin(), boxes.end(),
                                            [&](const geo::Box& box) { return touches(query.layer, tile, box); }))
                        << "step " << step << ": " << to_string(query.layer) << " tile " << tile.z << '/' << tile.x
                        << '/' << tile.y << " changed but the feed did not touch it";
                }
            }
        }
        if (settle && step % 5 == 0) {
            next->wait_for_rebuild();
            next_index->wait_for_rebuild();
        }
        snapshot = next;
        index = next_index;
    }
}

TEST(Incremental, RandomWritesMatchAFullRebuild) { check_random_writes(model::default_rebuild_after, false); }

// Indexes rebuilt in the background and adopted by a later version, with the
// writes made meanwhile, answer as a full rebuild does.
TEST(Incremental, BackgroundRebuildsMatchAFullRebuild) { check_random_writes(8, true); }

TEST(Incremental, BackgroundRebuildsAdoptedWheneverTheyFinish) { check_random_writes(8, false); }

TEST(Incremental, UnchangedLayersAreShared) {
    synth::CityParams params;
    params.grids = 4;
    params.households = 200;
    params.incidents = 200;
    const auto first = model::Snapshot::build(synth::generate_city(params), 1);
    model::SnapshotEditor editor(*first);
    model::Incident incident = first->data().incidents[0];
    incident.id = 999'999;
    editor.append_incident(incident);
    const auto second = editor.finish(2);
    EXPECT_TRUE(second->data().households.shares_all(first->data().households));
    EXPECT_TRUE(second->data().grids.shares_all(first->data().grids));
    EXPECT_FALSE(second->data().incidents.shares_all(first->data().incidents));
    EXPECT_EQ(&second->current_grids()[0], &first->current_grids()[0]);  // the grid lookups are shared
    EXPECT_EQ(second->incident(999'999), &second->data().incidents[first->data().incidents.size()]);
    EXPECT_EQ(first->incident(999'999), nullptr);
    model::Incident unknown;
    unknown.id = 123'456'789;
    EXPECT_THROW(model::SnapshotEditor(*second).replace_incident(unknown), std::out_of_range);
}

}  // namespace
