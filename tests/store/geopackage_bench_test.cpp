// Throughput of the store at a tenth of the DESIGN §7 workload. The bounds are
// loose and on CPU time (CI machines are shared: wall time is not ours alone);
// the measured rates are recorded as test properties for scripts/bench and for
// people reading the log.

#include <chrono>
#include <cstdio>
#include <ctime>

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {
namespace {

constexpr std::size_t rows = 100'000;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// CPU time of the process (all threads) since `start`, in seconds.
double cpu_seconds_since(std::clock_t start) { return static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC; }

TEST(GeoPackageStoreBench, AppendsAndLoadsAHundredThousandHouseholdsAndIncidents) {
    support::TempDir dir;
    model::Dataset data;
    for (std::size_t i = 0; i < rows; ++i) {
        const geo::Point p{116.40 + static_cast<double>(i % 997) * 1e-5, 39.90 + static_cast<double>(i / 997) * 1e-5};
        data.households.push_back({0, "幸福小区", std::to_string(i / 100) + "号楼", "1单元", std::to_string(i % 100), p,
                                   "110105001001001", 3, {"独居老人"}, "张三", "110105195001011234", "13900000000"});
        data.incidents.push_back({0, "公共设施损坏", "居民上报", "general", "reported", "路灯不亮", p, "110105001001001",
                                  "", 1'767'225'600 + static_cast<model::Timestamp>(i), std::nullopt, std::nullopt,
                                  std::nullopt});
    }
    const auto write_start = std::chrono::steady_clock::now();
    const std::clock_t write_cpu_start = std::clock();
    {
        GeoPackageStore store = GeoPackageStore::create(dir / "bench.gpkg");
        store.append(data);
    }
    const double write_s = seconds_since(write_start);
    const double write_cpu_s = cpu_seconds_since(write_cpu_start);

    const auto load_start = std::chrono::steady_clock::now();
    const std::clock_t load_cpu_start = std::clock();
    const GeoPackageStore store = GeoPackageStore::open(dir / "bench.gpkg");
    const std::array households{Layer::households};
    const model::Dataset loaded = store.load(households);
    const double load_s = seconds_since(load_start);
    const double load_cpu_s = cpu_seconds_since(load_cpu_start);

    ASSERT_EQ(loaded.households.size(), rows);
    EXPECT_EQ(loaded.households.back().id, static_cast<std::int64_t>(rows));
    RecordProperty("append_rows_per_s", static_cast<int>(2 * rows / write_s));
    RecordProperty("load_households_per_s", static_cast<int>(rows / load_s));
    std::printf("append %zu households + %zu incidents: %.2f s (%.2f s CPU); load %zu households: %.2f s (%.2f s CPU)\n",
                rows, rows, write_s, write_cpu_s, rows, load_s, load_cpu_s);
    // DESIGN §7 asks for 1M households + 1M incidents in well under a minute
    // and a 1M-household load in under 3 s; a tenth of that, with room for a
    // sanitized build. On CPU time: under a loaded machine's other tests the
    // wall time of the same work doubles (the load took 2 s of its 3 s at a
    // load average of 8 under ASan).
    EXPECT_LT(write_cpu_s, 30.0);
    EXPECT_LT(load_cpu_s, 3.0);
}

}  // namespace
}  // namespace wangge::store
