// The sample community of data/ (what the demo serves) gives statistics worth
// looking at: loaded through the importer like scripts/load-sample, its months
// have closures on time and late, rework, visits short of and over the quota,
// partial special-group coverage, and grids in different grades.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>
#include <string>

#include "wangge/model/snapshot.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/store/importer.hpp"
#include "wangge/workflow/statistics.hpp"

using namespace wangge;
using namespace wangge::workflow;

namespace {

class SampleStatistics : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const std::filesystem::path data = std::filesystem::path(WANGGE_SOURCE_DIR) / "data";
        const std::filesystem::path dir =
            std::filesystem::temp_directory_path() / ("wangge-sample-" + std::to_string(std::random_device()()));
        std::filesystem::create_directories(dir);
        {
            store::GeoPackageStore store = store::GeoPackageStore::create(dir / "sample.gpkg");
            // Parents first, as scripts/load-sample does: the dedicated grids right after the base ones.
            const auto load = [&](store::Layer layer, const std::string& file) {
                store::ImportOptions options;
                options.layer = layer;
                (void)store::import_file(store, data / file, options);
            };
            for (const store::Layer layer : store::all_layers) {
                const std::string name(store::to_string(layer));
                load(layer, name + (layer == store::Layer::grids ? ".geojson" : ".csv"));
                if (layer == store::Layer::grids) load(layer, "dedicated_grids.geojson");
            }
        }
        snapshot_ = model::Snapshot::build(store::GeoPackageStore::open(dir / "sample.gpkg").load(), 1);
        std::filesystem::remove_all(dir);
    }
    static void TearDownTestSuite() { snapshot_.reset(); }

    static std::shared_ptr<const model::Snapshot> snapshot_;
};

std::shared_ptr<const model::Snapshot> SampleStatistics::snapshot_;

}  // namespace

TEST_F(SampleStatistics, EveryFullMonthIsNonTrivial) {
    for (const char* month : {"2026-09", "2026-10"}) {
        SCOPED_TRACE(month);
        const MonthlyStatistics s = monthly_statistics(*snapshot_, Month::parse(month));
        ASSERT_EQ(s.communities.size(), 2U);
        ASSERT_EQ(s.grids.size(), 15U);  // the 13 base grids and the 2 dedicated ones (their cases)
        for (const UnitStatistics& community : s.communities) {
            SCOPED_TRACE(community.key);
            const Metrics& m = community.metrics;
            EXPECT_GE(m.reported, 5);
            EXPECT_GE(m.reported_by_source.size(), 2U);  // several sources
            ASSERT_TRUE(m.on_time_rate().has_value());
            EXPECT_GT(*m.on_time_rate(), 0.0);  // some on time…
            EXPECT_GT(m.visits_done, 0);
            ASSERT_TRUE(m.special_coverage().has_value());
            EXPECT_GT(*m.special_coverage(), 0.0);
            EXPECT_LT(*m.special_coverage(), 1.0);  // …and some special households still unvisited
            EXPECT_TRUE(community.score.has_value());
        }
        int late = 0;
        std::set<std::string> grades;
        for (const UnitStatistics& grid : s.grids) {
            late += grid.metrics.closed - grid.metrics.closed_on_time;
            grades.insert(grid.grade);
        }
        EXPECT_GT(late, 0);  // some closed late
        EXPECT_GE(grades.size(), 2U) << "every grid in one grade makes a dull meeting";
        EXPECT_FALSE(s.workers.empty());
    }
}

int reworked_in(const model::Snapshot& snapshot, const char* month) {
    int reworked = 0;
    for (const UnitStatistics& community : monthly_statistics(snapshot, Month::parse(month)).communities) {
        reworked += community.metrics.reworked;
    }
    return reworked;
}

TEST_F(SampleStatistics, SomeClosedCasesWereSentBackFirst) {
    // Returns happen through the sample's three months; October's returned cases closed in November.
    EXPECT_EQ(reworked_in(*snapshot_, "2026-09"), 3);
    EXPECT_EQ(reworked_in(*snapshot_, "2026-11"), 2);
}

TEST_F(SampleStatistics, TheLatestMonthHasOpenWorkAndVisits) {
    // The sample ends on 2026-11-25, the demo's "this month".
    const MonthlyStatistics s = monthly_statistics(*snapshot_, Month::parse("2026-11"));
    int reported = 0;
    int visits = 0;
    for (const UnitStatistics& community : s.communities) {
        reported += community.metrics.reported;
        visits += community.metrics.visits_done;
    }
    EXPECT_GT(reported, 10);
    EXPECT_GT(visits, 50);
}
