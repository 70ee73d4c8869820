// The 15-minute living circles on a hand-made data set: three 1 km grids in
// a row, schools at the centres of the outer two, households at known
// distances (shares and areas worked out by hand below), and edits that must
// give the same result incrementally as computed afresh.
#include "wangge/service/circles.hpp"

#include <geodesic.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <numbers>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "wangge/error.hpp"
#include "wangge/service/config.hpp"
#include "wangge/synth/city.hpp"

using namespace wangge;
using namespace wangge::service;

namespace {

const geo::Point origin{116.40, 39.90};

/// The point `east` and `north` metres from the origin.
geo::Point at(double east, double north) { return offset(origin, east, north); }

/// The rectangle [west, east] × [south, north] in metres from the origin.
geo::MultiPolygon rectangle(double west, double south, double east, double north) {
    return {{geo::Polygon{{geo::Ring{at(west, south), at(east, south), at(east, north), at(west, north), at(west, south)}}}}};
}

model::Household household(std::int64_t id, double east, double north, const std::string& grid) {
    model::Household h;
    h.id = id;
    h.location = at(east, north);
    h.grid_code = grid;
    h.members = 2;
    return h;
}

model::Facility facility(std::int64_t id, const std::string& kind, double east, double north) {
    return {id, kind, kind + std::to_string(id), at(east, north), ""};
}

const std::string street = "110105001", community = "110105001001";
const std::string g1 = "110105001001001", g2 = "110105001001002", g3 = "110105001001003";

/// Grids G1, G2, G3: [0,1000], [1000,2000], [2000,3000] m east by [0,1000] m north.
model::Dataset dataset() {
    model::Dataset data;
    data.grids.push_back({street, "示例街道", model::GridLevel::street, "", rectangle(0, 0, 3000, 1000), 0, {}, 1});
    data.grids.push_back({community, "示例社区", model::GridLevel::community, street, rectangle(0, 0, 3000, 1000), 0, {}, 1});
    data.grids.push_back({g1, "第一网格", model::GridLevel::grid, community, rectangle(0, 0, 1000, 1000), 0, {}, 1});
    data.grids.push_back({g2, "第二网格", model::GridLevel::grid, community, rectangle(1000, 0, 2000, 1000), 0, {}, 1});
    data.grids.push_back({g3, "第三网格", model::GridLevel::grid, community, rectangle(2000, 0, 3000, 1000), 0, {}, 1});
    // Schools at the centres of G1 and G3; a health station (another kind) at G2's.
    data.facilities = {facility(1, "学校", 500, 500), facility(2, "学校", 2500, 500), facility(3, "卫生服务站", 1500, 500)};
    data.households = {
        household(1, 500, 500, g1),     //    0 m from school 1: covered
        household(2, 900, 500, g1),     //  400 m: covered
        household(3, 1000, 500, g1),    //  500 m exactly: covered
        household(4, 100, 100, g1),     //  565.7 m (400√2): not covered
        household(5, 1001, 500, g2),    //  501 m: not covered
        household(6, 1500, 500, g2),    // 1000 m from both: not covered
        household(7, 2000, 500, g2),    //  500 m exactly from school 2: covered
        household(8, 2500, 900, g3),    //  400 m: covered
        household(9, 2900, 900, g3),    //  565.7 m: not covered
        household(10, 2500, 100, g3),   //  400 m: covered
        household(11, 2800, 500, g3),   //  300 m, but moved out: not counted
        household(12, 2600, 500, "110105001001999"),  // a grid not in force: not counted
    };
    data.households[10].moved_out = 1000;
    return data;
}

const ServiceKind schools{"school", "学校", {"学校"}, 500.0};

void expect_tally(const Coverage& coverage, const std::string& code, std::int64_t households, std::int64_t covered) {
    const Tally* tally = coverage.unit(code);
    ASSERT_NE(tally, nullptr) << code;
    EXPECT_EQ(tally->households, households) << code;
    EXPECT_EQ(tally->covered, covered) << code;
}

std::size_t position_of(const model::Snapshot& snapshot, const std::string& code) {
    const auto grids = snapshot.current_grids();
    for (std::size_t i = 0; i < grids.size(); ++i) {
        if (grids[i]->code == code) return i;
    }
    throw std::out_of_range(code);
}

/// Everything an incremental result must share with one computed afresh.
void expect_same(const Coverage& incremental, const Coverage& fresh, const model::Snapshot& snapshot) {
    EXPECT_EQ(incremental.total(), fresh.total());
    EXPECT_EQ(incremental.facilities(), fresh.facilities());
    for (const model::Grid* grid : snapshot.current_grids()) {
        ASSERT_NE(incremental.unit(grid->code), nullptr);
        EXPECT_EQ(*incremental.unit(grid->code), *fresh.unit(grid->code)) << grid->code;
    }
    for (std::size_t i = 0; i < snapshot.data().households.size(); ++i) {
        EXPECT_EQ(incremental.covered(i), fresh.covered(i)) << "household at " << i;
        EXPECT_EQ(incremental.counted(i), fresh.counted(i)) << "household at " << i;
    }
    for (std::size_t g = 0; g < snapshot.current_grids().size(); ++g) {
        const GridArea* a = incremental.area(g);
        const GridArea* b = fresh.area(g);
        ASSERT_EQ(a == nullptr, b == nullptr);
        if (a == nullptr) continue;
        EXPECT_EQ(a->reach, b->reach) << g;
        EXPECT_DOUBLE_EQ(a->uncovered_m2, b->uncovered_m2) << g;
        EXPECT_EQ(incremental.uncovered(snapshot, g)->geometry, fresh.uncovered(snapshot, g)->geometry) << g;
    }
}

}  // namespace

TEST(Distance, AgreesWithTheGeodesicOnTheEllipsoid) {
    // PROJ's geodesic (Karney) on the same ellipsoid as the independent oracle.
    geod_geodesic ellipsoid{};
    geod_init(&ellipsoid, 6378137.0, 1.0 / 298.257222101);
    for (const auto& [east, north] : {std::pair{1000.0, 0.0}, {0.0, 1000.0}, {700.0, -700.0}, {-3000.0, 2500.0}}) {
        const geo::Point p = at(east, north);
        double geodesic = 0;
        geod_inverse(&ellipsoid, origin.y, origin.x, p.y, p.x, &geodesic, nullptr, nullptr);
        EXPECT_NEAR(distance_m(origin, p), geodesic, 0.005) << east << ", " << north;
        EXPECT_NEAR(distance_m(origin, p), std::hypot(east, north), 0.005) << east << ", " << north;
    }
}

TEST(Coverage, SharesPerGridCommunityAndStreet) {
    const auto snapshot = model::Snapshot::build(dataset(), 1);
    const Coverage coverage = Coverage::compute(*snapshot, schools);
    expect_tally(coverage, g1, 4, 3);
    expect_tally(coverage, g2, 3, 1);
    expect_tally(coverage, g3, 3, 2);
    expect_tally(coverage, community, 10, 6);
    expect_tally(coverage, street, 10, 6);
    EXPECT_EQ(coverage.total(), (Tally{10, 6}));
    EXPECT_DOUBLE_EQ(*coverage.unit(g1)->share(), 0.75);
    EXPECT_EQ(coverage.unit("110105001001999"), nullptr);
    EXPECT_FALSE(coverage.counted(10));  // moved out
    EXPECT_FALSE(coverage.counted(11));  // no grid in force
    EXPECT_TRUE(coverage.covered(2));    // exactly at the distance
    EXPECT_FALSE(coverage.covered(4));   // one metre beyond it
    EXPECT_FALSE(Tally{}.share().has_value());
}

TEST(Coverage, UncoveredAreaIsTheGridMinusTheCircles) {
    const auto snapshot = model::Snapshot::build(dataset(), 1);
    const Coverage coverage = Coverage::compute(*snapshot, schools);
    // G1 and G3: a 1 km square around a 500 m circle touching its sides: 1e6 − π·500² = 214 602 m²
    // in its four corners.
    const double ring = 1e6 - std::numbers::pi * 500.0 * 500.0;
    for (const std::string& code : {g1, g3}) {
        const GridArea* area = coverage.area(position_of(*snapshot, code));
        ASSERT_NE(area, nullptr);
        EXPECT_EQ(area->reach, Reach::partial);
        EXPECT_NEAR(area->area_m2, 1e6, 1e6 * 1e-4);
        EXPECT_NEAR(area->uncovered_m2, ring, ring * 0.01);  // the 64-gon misses 0.16 % of the circle
        EXPECT_FALSE(coverage.uncovered(*snapshot, position_of(*snapshot, code))->geometry.empty());
    }
    // G2: both circles only touch its sides.
    const GridArea* middle = coverage.area(position_of(*snapshot, g2));
    ASSERT_NE(middle, nullptr);
    EXPECT_NEAR(middle->uncovered_m2, 1e6, 1e6 * 1e-3);
    // Levels above the grids have no area of their own.
    EXPECT_EQ(coverage.area(position_of(*snapshot, community)), nullptr);

    // With 1 km circles G1 lies inside school 1's (its corners are 707 m away) and G2 is half covered.
    const ServiceKind wide{"school", "学校", {"学校"}, 1000.0};
    const Coverage far = Coverage::compute(*snapshot, wide);
    EXPECT_EQ(far.area(position_of(*snapshot, g1))->reach, Reach::full);
    EXPECT_EQ(far.area(position_of(*snapshot, g1))->uncovered_m2, 0.0);
    EXPECT_TRUE(far.uncovered(*snapshot, position_of(*snapshot, g1))->geometry.empty());
    EXPECT_EQ(far.area(position_of(*snapshot, g2))->reach, Reach::partial);
    expect_tally(far, street, 10, 10);
}

TEST(Coverage, TwoFacilitiesAtOnePlaceCoverWhatOneDoes) {
    // Their circles are the same polygon, every edge along the other's: the
    // area counts it once, as GEOS's polygon does.
    model::Dataset data = dataset();
    data.facilities.push_back(facility(4, "学校", 500, 500));
    const auto twins = model::Snapshot::build(std::move(data), 1);
    const auto single = model::Snapshot::build(dataset(), 1);
    const Coverage two = Coverage::compute(*twins, schools);
    const Coverage one = Coverage::compute(*single, schools);
    const std::size_t g = position_of(*twins, g1);
    ASSERT_EQ(two.area(g)->reach, Reach::partial);
    EXPECT_NEAR(two.area(g)->uncovered_m2, one.area(position_of(*single, g1))->uncovered_m2, 1e-6);
    EXPECT_NEAR(two.area(g)->uncovered_m2, two.uncovered(*twins, g)->area_m2, 1e-6);
}

TEST(Coverage, AKindWithoutFacilitiesLeavesEverythingUncovered) {
    const auto snapshot = model::Snapshot::build(dataset(), 1);
    const Coverage coverage = Coverage::compute(*snapshot, {"shelter", "避难场所", {"避难场所"}, 500.0});
    EXPECT_EQ(coverage.total(), (Tally{10, 0}));
    const GridArea* area = coverage.area(position_of(*snapshot, g1));
    ASSERT_NE(area, nullptr);
    EXPECT_EQ(area->reach, Reach::none);
    EXPECT_EQ(coverage.uncovered(*snapshot, position_of(*snapshot, g1))->geometry, snapshot->current_grid(g1)->geometry);
}

TEST(Coverage, FacilityEditsAreIncrementalAndMatchAFreshComputation) {
    std::shared_ptr<const model::Snapshot> snapshot = model::Snapshot::build(dataset(), 1);
    Coverage coverage = Coverage::compute(*snapshot, schools);
    // Writes `row` over the current snapshot, computes the next coverage from
    // the current one and checks it against one computed afresh.
    const auto write = [&](const model::Facility& row, bool append) {
        model::SnapshotEditor editor(*snapshot);
        if (append) {
            editor.append_facility(row);
        } else {
            editor.replace_facility(row);
        }
        snapshot = editor.finish(snapshot->version() + 1);
        coverage = Coverage::compute(*snapshot, schools, &coverage);
        EXPECT_TRUE(coverage.work().incremental_households);
        EXPECT_TRUE(coverage.work().incremental_areas);
        expect_same(coverage, Coverage::compute(*snapshot, schools), *snapshot);
    };

    write(facility(4, "学校", 1500, 500), true);  // added at G2's centre
    expect_tally(coverage, g2, 3, 3);
    write(facility(1, "学校", 1000, 1000), false);  // school 1 moved to G1's north-east corner
    write(facility(2, "商铺", 2500, 500), false);   // school 2 removed (it became a shop)
    expect_tally(coverage, g3, 3, 0);
    // A change elsewhere (another kind) redoes nothing, and keeps the polygons drawn.
    const auto drawn = coverage.uncovered(*snapshot, position_of(*snapshot, g1));
    write(facility(3, "卫生服务站", 1600, 600), false);
    EXPECT_EQ(coverage.work().households_checked, 0U);
    EXPECT_EQ(coverage.work().grids_computed, 0U);
    EXPECT_EQ(coverage.uncovered(*snapshot, position_of(*snapshot, g1)), drawn);
}

TEST(Coverage, AHouseholdEditRecountsHouseholdsButKeepsTheAreas) {
    const auto first = model::Snapshot::build(dataset(), 1);
    const Coverage base = Coverage::compute(*first, schools);
    model::SnapshotEditor editor(*first);
    model::Household gone = first->data().households[3];
    gone.moved_out = 2000;
    editor.replace_household(gone);
    const auto second = editor.finish(2);
    const Coverage next = Coverage::compute(*second, schools, &base);
    EXPECT_FALSE(next.work().incremental_households);
    EXPECT_TRUE(next.work().incremental_areas);
    EXPECT_EQ(next.work().grids_computed, 0U);
    expect_tally(next, g1, 3, 3);
    expect_same(next, Coverage::compute(*second, schools), *second);
}

TEST(Config, DefaultsOverridesAndRefusals) {
    CirclesConfig config;
    ASSERT_EQ(config.kinds.size(), 7U);
    ASSERT_NE(config.find("养老服务"), nullptr);
    EXPECT_EQ(config.find("养老服务")->distance_m, 500.0);
    EXPECT_EQ(config.find("health")->distance_m, 1000.0);
    EXPECT_EQ(config.find("nothing"), nullptr);

    apply_config(nlohmann::json::parse(R"({"health": {"distance_m": 800, "facility_kinds": ["诊所"]}})"), config);
    EXPECT_EQ(config.find("health")->distance_m, 800.0);
    EXPECT_TRUE(config.find("health")->provided_by("诊所"));
    EXPECT_THROW(apply_config(nlohmann::json::parse(R"({"zoo": {}})"), config), InputError);
    EXPECT_THROW(apply_config(nlohmann::json::parse(R"({"health": {"distance_m": -1}})"), config), InputError);
    EXPECT_THROW(apply_config(nlohmann::json::parse(R"({"health": {"radius": 1}})"), config), InputError);
    EXPECT_THROW(apply_config(nlohmann::json::parse(R"({"health": {"facility_kinds": []}})"), config), InputError);

    const support::TempDir dir;
    const auto path = dir.path() / "rules.json";
    std::ofstream(path) << R"({"households_max": 250, "service_circles": {"shelter": {"distance_m": 300}}})";
    EXPECT_EQ(load_config_file(path).find("shelter")->distance_m, 300.0);
    EXPECT_EQ(to_json(load_config_file(path))["kinds"].size(), 7U);
}

// Along the streets (network.hpp), on a hand-made network in metres from the origin:
//   B     y = 100 from x = −1000 to 1000
//   A     y = 0   from x = −1000 to 1000
//   west  x = −1000 and east x = 1000 from y = 0 to 100: the only ways between A and B
//   C     x = 0 from y = 0 south to y = −400: a dead end, meeting A inside A's line
// Clinic 1 stands 10 m south of A at x = −200; clinic 2 at (600, 560), 460 m
// from every street, beyond the 300 m snap distance: it keeps its circle.

namespace {

std::vector<std::vector<geo::Point>> block_streets() {
    return {{at(-1000, 100), at(1000, 100)},
            {at(-1000, 0), at(1000, 0)},
            {at(-1000, 0), at(-1000, 100)},
            {at(1000, 0), at(1000, 100)},
            {at(0, 0), at(0, -400)}};
}

const ServiceKind clinics{"health", "卫生服务站", {"卫生服务站"}, 500.0};

model::Dataset block_dataset() {
    model::Dataset data;
    const auto whole = rectangle(-1000, -1000, 1000, 1000);
    data.grids.push_back({street, "示例街道", model::GridLevel::street, "", whole, 0, {}, 1});
    data.grids.push_back({community, "示例社区", model::GridLevel::community, street, whole, 0, {}, 1});
    data.grids.push_back({g1, "第一网格", model::GridLevel::grid, community, whole, 0, {}, 1});
    data.facilities = {facility(1, "卫生服务站", -200, -10), facility(2, "卫生服务站", 600, 560)};
    data.households = {
        household(1, -100, 5, g1),    // on clinic 1's segment of A: 10 + 100 + 5 = 115 m: covered
        household(2, 0, 110, g1),     // across the block: 233 m straight, 1920 m walked: not covered
        household(3, 10, -350, g1),   // down the dead end: 400 m straight, 10 + 200 + 350 + 10 = 570 m: not covered
        household(4, -200, 420, g1),  // 320 m from B, off the streets: 430 m straight: covered
        household(5, -200, 800, g1),  // off the streets, 810 m straight: not covered
        household(6, 500, 110, g1),   // on B, 461 m from clinic 2 (off the streets, straight): covered
    };
    return data;
}

double walk_to(const StreetNetwork& network, const Walk& walk, double east, double north) {
    const auto joined = network.attach(at(east, north));
    EXPECT_TRUE(joined.has_value()) << east << ", " << north;
    return joined ? walk.to(*joined).first : -1.0;
}

}  // namespace

TEST(StreetNetwork, NodesCrossingsAndTJunctions) {
    const StreetNetwork block(block_streets(), 300.0);
    // C's end splits A: six nodes, A in two.
    EXPECT_EQ(block.nodes().size(), 6U);
    EXPECT_EQ(block.segments().size(), 6U);
    EXPECT_NEAR(block.length_m(), 4600.0, 0.05);

    const std::vector<std::vector<geo::Point>> cross{{at(-100, 0), at(100, 0)}, {at(0, -100), at(0, 100)}};
    const StreetNetwork crossing(cross, 300.0);
    EXPECT_EQ(crossing.nodes().size(), 5U);
    ASSERT_EQ(crossing.segments().size(), 4U);
    for (const auto& segment : crossing.segments()) EXPECT_NEAR(segment.length_m, 100.0, 0.01);

    // Ends a few centimetres apart (a street read back from tiles) are one node.
    const std::vector<std::vector<geo::Point>> pieces{{at(0, 0), at(100, 0)}, {at(100.04, 0.03), at(200, 0)}};
    EXPECT_EQ(StreetNetwork(pieces, 300.0).nodes().size(), 3U);
    EXPECT_THROW(StreetNetwork(pieces, 0.0), InputError);
}

TEST(StreetNetwork, WalksHandComputedDistances) {
    const StreetNetwork network(block_streets(), 300.0);
    const auto clinic = network.attach(at(-200, -10));
    ASSERT_TRUE(clinic.has_value());
    EXPECT_NEAR(clinic->access_m, 10.0, 0.01);
    const std::vector<std::pair<std::uint32_t, Attachment>> sources{{0, *clinic}};

    const Walk walk(network, sources, 500.0);
    EXPECT_NEAR(walk_to(network, walk, -100, 5), 115.0, 0.05);  // same segment: not by its ends
    EXPECT_EQ(walk_to(network, walk, 10, -350), Walk::unreached);
    EXPECT_EQ(walk_to(network, walk, 0, 110), Walk::unreached);
    const Walk far(network, sources, 3000.0);
    EXPECT_NEAR(walk_to(network, far, 10, -350), 570.0, 0.05);   // the dead end
    EXPECT_NEAR(walk_to(network, far, 0, 110), 1920.0, 0.05);    // round the block by the west street
    EXPECT_NEAR(walk_to(network, far, 990, 50), 1270.0, 0.05);   // up the east street: 10 + 1200 + 50 + 10
    EXPECT_EQ(far.to(*network.attach(at(990, 50))).second, 0U);

    // Snap distance: 290 m from B joins it, 320 m does not.
    ASSERT_TRUE(network.attach(at(-200, 390)).has_value());
    EXPECT_NEAR(network.attach(at(-200, 390))->access_m, 290.0, 0.05);
    EXPECT_FALSE(network.attach(at(-200, 420)).has_value());
    EXPECT_FALSE(network.attach(at(5000, 5000)).has_value());
}

TEST(Coverage, AlongTheStreetsNeverCoversMoreThanStraightLines) {
    const auto snapshot = model::Snapshot::build(block_dataset(), 1);
    const auto network = std::make_shared<const StreetNetwork>(block_streets(), 300.0);
    const Coverage straight = Coverage::compute(*snapshot, clinics);
    const Coverage along = Coverage::compute(*snapshot, clinics, nullptr, 0, network);
    EXPECT_EQ(straight.method(), Method::straight);
    EXPECT_EQ(along.method(), Method::network);
    EXPECT_EQ(straight.total(), (Tally{6, 5}));
    EXPECT_EQ(along.total(), (Tally{6, 3}));
    for (const auto& [position, covered] : {std::pair{0U, true}, {1U, false}, {2U, false}, {3U, true}, {4U, false}, {5U, true}}) {
        EXPECT_EQ(along.covered(position), covered) << "household " << position + 1;
        if (covered) {
            EXPECT_TRUE(straight.covered(position));
        }
    }
    // A longer reach walks down the dead end (570 m) but still not round the block (1920 m).
    const ServiceKind wide{"health", "卫生服务站", {"卫生服务站"}, 600.0};
    const Coverage longer = Coverage::compute(*snapshot, wide, nullptr, 0, network);
    EXPECT_TRUE(longer.covered(2));
    EXPECT_FALSE(longer.covered(1));
}

TEST(Coverage, UncoveredAreaAlongOneStreet) {
    // One street along y = 0, a clinic on it at x = 0, 500 m, snap 300 m: the
    // walk leaves x in [−500, 500], each point grown by what is left of the
    // walk up to 300 m: a 400 m × 600 m rectangle with half discs of 300 m at
    // its ends, 240 000 + π·300² = 522 743 m² (the 32-gons' hulls: 520 930).
    model::Dataset data;
    const std::string g4 = "110105001001004";
    data.grids.push_back({street, "示例街道", model::GridLevel::street, "", rectangle(-1000, -1000, 2000, 1000), 0, {}, 1});
    data.grids.push_back({community, "示例社区", model::GridLevel::community, street, rectangle(-1000, -1000, 2000, 1000), 0, {}, 1});
    data.grids.push_back({g1, "第一网格", model::GridLevel::grid, community, rectangle(-1000, -1000, 0, 1000), 0, {}, 1});
    data.grids.push_back({g2, "第二网格", model::GridLevel::grid, community, rectangle(0, -1000, 1000, 1000), 0, {}, 1});
    data.grids.push_back({g3, "第三网格", model::GridLevel::grid, community, rectangle(1000, -1000, 2000, 1000), 0, {}, 1});
    data.grids.push_back({g4, "中心网格", model::GridLevel::grid, community, rectangle(-100, -100, 100, 100), 0, {}, 1});
    data.facilities = {facility(1, "卫生服务站", 0, 0)};
    const auto snapshot = model::Snapshot::build(std::move(data), 1);
    const std::vector<std::vector<geo::Point>> line{{at(-1000, 0), at(1000, 0)}};
    const Coverage coverage = Coverage::compute(*snapshot, clinics, nullptr, 0, std::make_shared<const StreetNetwork>(line, 300.0));
    for (const std::string& code : {g1, g2}) {
        const GridArea* area = coverage.area(position_of(*snapshot, code));
        ASSERT_NE(area, nullptr);
        EXPECT_EQ(area->reach, Reach::partial) << code;
        EXPECT_NEAR(area->uncovered_m2, 2e6 - 520930.0 / 2, 500.0) << code;
    }
    EXPECT_EQ(coverage.area(position_of(*snapshot, g3))->reach, Reach::none);  // the walk ends 500 m short of it
    EXPECT_EQ(coverage.area(position_of(*snapshot, g4))->reach, Reach::full);  // inside the stretch around the clinic
}

TEST(Coverage, GridCoveredTogetherByStretchesThatEachReachPartOfIt) {
    // Two streets along y = 0 and y = 200 joined at x = ±1000, a clinic on the
    // first at x = 0 and a 3000 m walk: every point of them has more than the
    // 300 m snap distance left, so the reach is the band y in [−300, 500]
    // with flat edges (the 32-gons have vertices straight north and south of
    // their centres). Grid G1, y in [−250, 450], needs both streets (neither
    // band alone holds it) and the stretches on each side of the clinic:
    // fully covered. G2, y in [−250, 700], leaves exactly 600 m × 200 m.
    model::Dataset data;
    data.grids.push_back({street, "示例街道", model::GridLevel::street, "", rectangle(-300, -250, 900, 700), 0, {}, 1});
    data.grids.push_back({community, "示例社区", model::GridLevel::community, street, rectangle(-300, -250, 900, 700), 0, {}, 1});
    data.grids.push_back({g1, "第一网格", model::GridLevel::grid, community, rectangle(-300, -250, 300, 450), 0, {}, 1});
    data.grids.push_back({g2, "第二网格", model::GridLevel::grid, community, rectangle(300, -250, 900, 700), 0, {}, 1});
    data.facilities = {facility(1, "卫生服务站", 0, 0)};
    const auto snapshot = model::Snapshot::build(std::move(data), 1);
    const std::vector<std::vector<geo::Point>> ladder{{at(-1000, 0), at(1000, 0)},
                                                      {at(-1000, 200), at(1000, 200)},
                                                      {at(-1000, 0), at(-1000, 200)},
                                                      {at(1000, 0), at(1000, 200)}};
    const ServiceKind far{"health", "卫生服务站", {"卫生服务站"}, 3000.0};
    const Coverage coverage = Coverage::compute(*snapshot, far, nullptr, 0, std::make_shared<const StreetNetwork>(ladder, 300.0));
    const GridArea* full = coverage.area(position_of(*snapshot, g1));
    ASSERT_NE(full, nullptr);
    EXPECT_EQ(full->reach, Reach::full);
    EXPECT_EQ(full->uncovered_m2, 0.0);
    const GridArea* part = coverage.area(position_of(*snapshot, g2));
    ASSERT_NE(part, nullptr);
    EXPECT_EQ(part->reach, Reach::partial);
    // The local plane's distortion over 1 km is below 0.02 %.
    EXPECT_NEAR(part->uncovered_m2, 120000.0, 30.0);
    const auto drawn = coverage.uncovered(*snapshot, position_of(*snapshot, g2));
    EXPECT_NEAR(geo::bounds(drawn->geometry).min_y, at(0, 500).y, 1e-7);
    EXPECT_NEAR(drawn->area_m2, part->uncovered_m2, 1e-3);
}

TEST(Coverage, FacilityEditsAlongTheStreetsAreIncremental) {
    std::shared_ptr<const model::Snapshot> snapshot = model::Snapshot::build(block_dataset(), 1);
    const auto network = std::make_shared<const StreetNetwork>(block_streets(), 300.0);
    Coverage coverage = Coverage::compute(*snapshot, clinics, nullptr, 0, network);
    for (const model::Facility& row : {facility(1, "卫生服务站", 0, 90), facility(2, "卫生服务站", 990, 50)}) {
        model::SnapshotEditor editor(*snapshot);
        editor.replace_facility(row);
        snapshot = editor.finish(snapshot->version() + 1);
        coverage = Coverage::compute(*snapshot, clinics, &coverage, 0, network);
        EXPECT_TRUE(coverage.work().incremental_households);
        EXPECT_TRUE(coverage.work().incremental_areas);
        expect_same(coverage, Coverage::compute(*snapshot, clinics, nullptr, 0, network), *snapshot);
    }
    // Clinic 1 on B now reaches across the block; clinic 2 on the east street.
    EXPECT_TRUE(coverage.covered(1));
    // Another network is another coverage: nothing reused.
    const Coverage other = Coverage::compute(*snapshot, clinics, &coverage);
    EXPECT_FALSE(other.work().incremental_areas);
}

TEST(Config, MethodAndSnapDistance) {
    CirclesConfig config;
    EXPECT_FALSE(config.method.has_value());
    apply_config(nlohmann::json::parse(R"({"method": "network", "snap_distance_m": 150})"), config);
    EXPECT_EQ(config.method, Method::network);
    EXPECT_EQ(config.snap_distance_m, 150.0);
    EXPECT_THROW(apply_config(nlohmann::json::parse(R"({"method": "flying"})"), config), InputError);
    EXPECT_THROW(apply_config(nlohmann::json::parse(R"({"snap_distance_m": 0})"), config), InputError);
    EXPECT_STREQ(method_name(Method::network), "沿街道步行");
    EXPECT_STREQ(method_id(Method::straight), "straight");

    // No streets: "network" is refused, no method means straight lines.
    EXPECT_THROW((void)walking_network(config, {}), InputError);
    EXPECT_THROW((void)walking_network(config, [] { return std::vector<std::vector<geo::Point>>{}; }), InputError);
    int reads = 0;
    const StreetReader streets = [&] {
        ++reads;
        return block_streets();
    };
    EXPECT_EQ(walking_network(config, streets)->snap_m(), 150.0);
    config.method.reset();
    EXPECT_EQ(walking_network(config, {}), nullptr);
    EXPECT_NE(walking_network(config, streets), nullptr);
    EXPECT_EQ(reads, 2);
    // Straight lines never read the basemap's streets.
    config.method = Method::straight;
    EXPECT_EQ(walking_network(config, streets), nullptr);
    EXPECT_EQ(reads, 2);
}

namespace {

/// A small generated city and the network of its streets.
struct SmallCity {
    std::shared_ptr<const model::Snapshot> snapshot;
    std::shared_ptr<const StreetNetwork> network;
};

SmallCity small_city() {
    synth::CityParams params;
    params.grids = 40;
    params.households = 4000;
    params.incidents = 0;
    params.incident_history = false;
    std::vector<std::vector<geo::Point>> lines;
    for (synth::Street& city_street : synth::city_streets(params)) {
        for (auto& line : city_street.lines) lines.push_back(std::move(line));
    }
    return {model::Snapshot::build(synth::generate_city(params), 1), std::make_shared<const StreetNetwork>(lines, 300.0)};
}

}  // namespace

TEST(Coverage, UncoveredAreaIsThatOfThePolygonDrawn) {
    // The area number comes from the shapes' edges (Green's theorem), the
    // polygon from GEOS cutting the same shapes: on a generated city, every
    // grid and kind, both methods, they agree to rounding.
    const auto [snapshot, network] = small_city();
    std::size_t partial = 0;
    for (const auto& walking : {std::shared_ptr<const StreetNetwork>{}, network}) {
        for (const Coverage& coverage : Coverage::compute_all(*snapshot, CirclesConfig::default_kinds(), 0, walking)) {
            for (std::size_t g = 0; g < snapshot->current_grids().size(); ++g) {
                const GridArea* area = coverage.area(g);
                if (area == nullptr) continue;
                const auto drawn = coverage.uncovered(*snapshot, g);
                ASSERT_NE(drawn, nullptr);
                EXPECT_NEAR(area->uncovered_m2, drawn->area_m2, 1e-8 * area->area_m2)
                    << coverage.kind().id << " " << snapshot->current_grids()[g]->code;
                EXPECT_EQ(drawn->geometry.polygons.empty(), area->reach == Reach::full);
                partial += area->reach == Reach::partial;
            }
        }
    }
    EXPECT_GT(partial, 50U);  // most grids are partly reached: not a comparison of trivial cases
}

TEST(Coverage, KindsInParallelGiveTheSerialResults) {
    // A small generated city with its streets: every default kind computed
    // afresh on one thread, one kind after another, and all kinds at once.
    const auto [snapshot, network] = small_city();
    const std::vector<ServiceKind> kinds = CirclesConfig::default_kinds();
    for (const auto& walking : {std::shared_ptr<const StreetNetwork>{}, network}) {
        const std::vector<Coverage> together = Coverage::compute_all(*snapshot, kinds, 3, walking);
        ASSERT_EQ(together.size(), kinds.size());
        std::int64_t covered = 0;
        for (std::size_t k = 0; k < kinds.size(); ++k) {
            const Coverage alone = Coverage::compute(*snapshot, kinds[k], nullptr, 1, walking);
            EXPECT_EQ(together[k].kind(), kinds[k]);
            EXPECT_EQ(together[k].method(), alone.method());
            expect_same(together[k], alone, *snapshot);
            covered += alone.total().covered;
        }
        EXPECT_GT(covered, 0);  // the city has facilities of the kinds: not a comparison of empty results
    }
}
