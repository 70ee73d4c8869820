// The path of `wangge generate`: a synthetic city written through the store
// and read back unchanged.

#include <gtest/gtest.h>

#include <algorithm>

#include "../support/temp_dir.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/synth/city.hpp"

namespace wangge::synth {
namespace {

TEST(GenerateStoreTest, CityRoundTripsThroughTheGeoPackageStore) {
    CityParams params;
    params.grids = 30;
    params.households = 2000;
    params.incidents = 1000;
    params.visits = 200;
    model::Dataset city = generate_city(params);
    const support::TempDir dir;
    const auto path = dir / "city.gpkg";
    {
        store::GeoPackageStore store = store::GeoPackageStore::create(path);
        store.append(city);
    }
    const model::Dataset loaded = store::GeoPackageStore::open(path).load();
    ASSERT_EQ(loaded.grids.size(), city.grids.size());
    EXPECT_EQ(loaded.staff.size(), city.staff.size());
    EXPECT_EQ(loaded.staff_grids.size(), city.staff_grids.size());
    ASSERT_EQ(loaded.households.size(), city.households.size());
    EXPECT_EQ(loaded.facilities.size(), city.facilities.size());
    ASSERT_EQ(loaded.incidents.size(), city.incidents.size());
    EXPECT_EQ(loaded.incident_events.size(), city.incident_events.size());
    EXPECT_EQ(loaded.visits.size(), city.visits.size());
    // Shared borders survive storage bit for bit.
    for (const model::Grid& grid : city.grids) {
        const auto it = std::find_if(loaded.grids.begin(), loaded.grids.end(),
                                     [&](const model::Grid& g) { return g.code == grid.code; });
        ASSERT_NE(it, loaded.grids.end()) << grid.code;
        EXPECT_EQ(it->geometry, grid.geometry) << grid.code;
        EXPECT_EQ(it->parent_code, grid.parent_code);
    }
    for (std::size_t i = 0; i < city.households.size(); i += 97) {
        const auto it = std::find_if(loaded.households.begin(), loaded.households.end(),
                                     [&](const model::Household& h) { return h.id == city.households[i].id; });
        ASSERT_NE(it, loaded.households.end());
        EXPECT_EQ(it->grid_code, city.households[i].grid_code);
        EXPECT_EQ(it->location, city.households[i].location);
        EXPECT_EQ(it->id_number, city.households[i].id_number);
        EXPECT_EQ(it->tags, city.households[i].tags);
    }
}

}  // namespace
}  // namespace wangge::synth
