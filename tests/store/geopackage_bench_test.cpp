// The store at a tenth of the DESIGN §7 workload: every row appended comes
// back. The rates are printed and recorded as test properties for people
// reading the log; speed is judged by scripts/bench, not here (a shared CI
// machine under the sanitizers would make any bound flaky).

#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {
namespace {

constexpr std::size_t rows = 100'000;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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
    {
        GeoPackageStore store = GeoPackageStore::create(dir / "bench.gpkg");
        store.append(data);
    }
    const double write_s = seconds_since(write_start);

    const auto load_start = std::chrono::steady_clock::now();
    const GeoPackageStore store = GeoPackageStore::open(dir / "bench.gpkg");
    const std::array households{Layer::households};
    const model::Dataset loaded = store.load(households);
    const double load_s = seconds_since(load_start);

    ASSERT_EQ(loaded.households.size(), rows);
    EXPECT_EQ(loaded.households.back().id, static_cast<std::int64_t>(rows));
    RecordProperty("append_rows_per_s", static_cast<int>(2 * rows / write_s));
    RecordProperty("load_households_per_s", static_cast<int>(rows / load_s));
    std::printf("append %zu households + %zu incidents: %.2f s; load %zu households: %.2f s\n", rows, rows, write_s,
                rows, load_s);
}

}  // namespace
}  // namespace wangge::store
