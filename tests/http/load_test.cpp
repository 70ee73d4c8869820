// The short load test (issue #8): `wangge serve` over a synthetic city on
// loopback, driven by wangge_load from 32 keep-alive connections for 12 s
// with mixed traffic (tiles, /lookup, features, /health, incident reports by
// a signed-in user). Passes with zero errors and bounded server memory.
// The long form of the same run is scripts/bench's job.

#include <csignal>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "support/client.hpp"
#include "support/datasets.hpp"
#include "support/temp_dir.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

const std::string load_binary = WANGGE_BINARY_DIR "/tools/load/wangge_load";

#if defined(__SANITIZE_ADDRESS__)
// ASan doubles the heap and keeps freed memory in quarantine (256 MiB by default).
constexpr double max_hwm_mb = 1536;
constexpr double max_growth_mb = 512;
#else
constexpr double max_hwm_mb = 512;
constexpr double max_growth_mb = 128;
#endif

TEST(Load, MixedTrafficWithoutErrorsOrRunawayMemory) {
    TempDir dir;
    const std::string store = (dir.path() / "city.gpkg").string();
    Child generate({wangge_binary, "generate", "--grids", "100", "--households", "10000", "--incidents", "5000",
                    "--visits", "0", "--no-history", "--out", store});
    (void)generate.read_all();
    ASSERT_EQ(generate.wait(), 0);
    const std::string password = "load test password";
    add_user(store, "load", "admin", password);

    ServeProcess server({"--store", store, "--port", "0", "--threads", "2", "--quiet", "--rate-limit", "0", "--web",
                         (dir.path() / "web").string(), "--categories", WANGGE_SOURCE_DIR "/data/categories.json"});
    Child load({load_binary, "--port", std::to_string(server.port()), "--connections", "32", "--duration", "12",
                "--user", "load", "--password-stdin", "--writes", "5", "--server-pid",
                std::to_string(server.child().pid()), "--max-errors", "0", "--max-hwm-mb", std::to_string(max_hwm_mb)},
               password + "\n");
    const std::string output = load.read_all();
    EXPECT_EQ(load.wait(), 0) << output;
    const nlohmann::json report = nlohmann::json::parse(output, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << output;

    EXPECT_EQ(report["errors"], 0) << report["error_samples"];
    EXPECT_GT(report["requests"].get<int>(), 200) << output;  // a loaded 2-core CI machine under ASan
    for (const char* kind : {"tile", "lookup", "features", "health", "write"}) {
        EXPECT_GT(report["kinds"][kind]["requests"].get<int>(), 0) << kind;
    }
    const nlohmann::json& memory = report["server_memory_mb"];
    EXPECT_LT(memory["hwm"].get<double>(), max_hwm_mb) << memory;
    EXPECT_LT(memory["rss_end"].get<double>() - memory["rss_after_warmup"].get<double>(), max_growth_mb) << memory;

    EXPECT_EQ(Client(server.port()).get("/health").status, 200u);
    server.child().signal(SIGTERM);
    EXPECT_EQ(server.child().wait(), 0);
}

}  // namespace
}  // namespace wangge::http::test
