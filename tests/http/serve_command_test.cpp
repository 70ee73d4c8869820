// `wangge serve` end to end: a GeoPackage store written by the store module,
// the real executable on an ephemeral port, SIGTERM for a graceful stop, and
// the config file.

#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <future>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "child_process.hpp"
#include "support/client.hpp"
#include "support/datasets.hpp"
#include "support/temp_dir.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

std::string sample_store(const TempDir& dir) {
    const std::filesystem::path path = dir.path() / "community.gpkg";
    auto store = store::GeoPackageStore::create(path);
    model::Dataset data = sample_dataset();
    store.append(data);
    return path.string();
}

void write_text(const std::filesystem::path& path, std::string_view text) { std::ofstream(path) << text; }

TEST(ServeCommand, ServesAStoreOnAnEphemeralPortAndStopsOnSigterm) {
    TempDir dir;
    const std::string store = sample_store(dir);
    Child server({wangge_binary, "serve", "--store", store, "--port", "0", "--threads", "2", "--quiet", "--web",
                  (dir.path() / "web").string()});
    const std::string line = server.read_line();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(line, match, std::regex(R"(^wangge: serving 6 grids on http://127\.0\.0\.1:(\d+)\n$)")))
        << line;
    const auto port = static_cast<unsigned short>(std::stoi(match[1]));

    Client client(port);
    const nlohmann::json health = client.get("/health").json();
    EXPECT_EQ(health["store"], "geopackage");
    EXPECT_EQ(health["counts"]["households"], 8);
    const nlohmann::json grid = client.get("/collections/grids/items/110105001001001").json();
    EXPECT_EQ(grid["properties"]["household_count"], 5);
    EXPECT_EQ(client.get("/lookup?lon=116.405&lat=39.91").json()["grid"]["code"], "110105001001001");

    server.signal(SIGTERM);
    EXPECT_EQ(server.wait(), 0);
}

TEST(ServeCommand, SigtermLetsTheRequestInFlightFinish) {
    TempDir dir;
    const std::string store = sample_store(dir);
    add_user(store, "ops", "admin", "correct horse battery");
    ServeProcess server({"--store", store, "--port", "0", "--threads", "2", "--quiet", "--web",
                         (dir.path() / "web").string()});

    // A login whose body is still arriving when SIGTERM comes: in flight from its first byte.
    const std::string body = R"({"username":"ops","password":"correct horse battery"})";
    const std::size_t half = body.size() / 2;
    Client in_flight(server.port());
    (void)in_flight.raw("POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, half),
                        0);
    Client idle(server.port());
    EXPECT_EQ(idle.get("/health").status, 200u);
    // The connection is accepted and the first half read before the signal.
    ASSERT_TRUE(wait_until_server_read(server.port(), in_flight));

    server.child().signal(SIGTERM);
    // The listener closes first: wait for that, so the rest surely arrives during the shutdown.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    bool refused = false;
    while (!refused && std::chrono::steady_clock::now() < deadline) {
        try {
            Client probe(server.port());
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        } catch (const std::system_error&) {
            refused = true;
        }
    }
    EXPECT_TRUE(refused);
    EXPECT_TRUE(idle.closed_by_server());

    const Reply reply = in_flight.raw(body.substr(half), 1).at(0);
    EXPECT_EQ(reply.status, 200u) << reply.body;
    EXPECT_FALSE(reply.json().value("token", "").empty());
    EXPECT_EQ(reply.header("Connection"), "close");
    EXPECT_EQ(server.child().wait(), 0);
}

TEST(ServeCommand, ConfigFileSetsOptionsAndTheCommandLineWins) {
    TempDir dir;
    const std::string store = sample_store(dir);
    const std::filesystem::path config = dir.path() / "wangge.conf";
    write_text(config, "# a test config\n"
                       "store = " + store + "\n"
                       "host = not-an-address\n"
                       "port = 0\n"
                       "threads = 2\n"
                       "quiet = true\n"
                       "rate-limit = 0.25\n"
                       "rate-burst = 2\n"
                       "web = " + (dir.path() / "web").string() + "\n");
    ServeProcess server({"--config", config.string(), "--host", "127.0.0.1"});
    Client client(server.port());
    const auto first_sent = std::chrono::steady_clock::now();
    EXPECT_EQ(client.get("/health").status, 200u);
    EXPECT_EQ(client.get("/health").status, 200u);
    const Reply limited = client.get("/health");
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - first_sent).count();
    EXPECT_EQ(limited.status, 429u);
    // A token every 4 s: the wait is 4 s less the time since the first request (4 unless the
    // machine stalled the requests for a second or more), in whole seconds rounded up.
    const int retry_after = std::stoi(limited.header("Retry-After"));
    EXPECT_LE(retry_after, 4);
    EXPECT_GE(retry_after, static_cast<int>(std::ceil(4 - elapsed))) << elapsed << " s";
    server.child().signal(SIGTERM);
    EXPECT_EQ(server.child().wait(), 0);
}

TEST(ServeCommand, TheExampleConfigFileIsValid) {
    TempDir dir;
    const std::string store = sample_store(dir);
    // The rule options come from the file, the rules config and the command line alike (GET /rules
    // shows them); the command line wins over the rules config.
    const std::filesystem::path rules_config = dir.path() / "rules.json";
    write_text(rules_config, R"({"households_max": 999, "residents_max": 500, "community_households_max": 4000,
                                 "service_circles": {"shelter": {"distance_m": 300}}})");
    ServeProcess server({"--config", WANGGE_SOURCE_DIR "/docs/wangge.conf.example", "--store", store, "--port", "0",
                         "--quiet", "--households-max", "250", "--rules-config", rules_config.string()});
    EXPECT_EQ(Client(server.port()).get("/health").status, 200u);
    const Reply rules = Client(server.port()).get("/rules");
    ASSERT_EQ(rules.status, 200u) << rules.body;
    EXPECT_EQ(rules.json()["households_min"], 100);
    EXPECT_EQ(rules.json()["households_max"], 250);
    EXPECT_EQ(rules.json()["edge_tolerance_m"], 0.5);
    EXPECT_EQ(rules.json()["residents_min"], 200);
    EXPECT_EQ(rules.json()["residents_max"], 500);
    EXPECT_EQ(rules.json()["community_households_max"], 4000);
    // The same file sets the 15-minute circles' distances.
    const Reply kinds = Client(server.port()).get("/service-circles/kinds");
    ASSERT_EQ(kinds.status, 200u) << kinds.body;
    EXPECT_EQ(kinds.json()["kinds"][6]["id"], "shelter");
    EXPECT_EQ(kinds.json()["kinds"][6]["distance_m"], 300.0);
    server.child().signal(SIGTERM);
    EXPECT_EQ(server.child().wait(), 0);
}

TEST(ServeCommand, Open311ClientsFileLetsAnAppSubmitWithItsKey) {
    TempDir dir;
    const std::string store = sample_store(dir);
    const std::string key = "k3y-of-the-citizen-app-0123456789abcdef";
    const std::filesystem::path clients = dir.path() / "open311-clients.json";
    write_text(clients, R"({"clients":[{"name":"citizen-app","api_key":")" + key + R"("}]})");
    ServeProcess server({"--store", store, "--port", "0", "--quiet", "--categories",
                         WANGGE_SOURCE_DIR "/data/categories.json", "--open311-clients", clients.string()});
    Client client(server.port());
    const auto submit = [&client](const std::string& api_key) {
        return client.request(Method::post, "/open311/v2/requests.json",
                              {{"Content-Type", "application/x-www-form-urlencoded"}},
                              "api_key=" + api_key + "&service_code=damaged_facility&lat=39.91&long=116.405");
    };
    EXPECT_EQ(submit(key).status, 201u);
    EXPECT_EQ(submit("wrong-key-of-the-same-length-0123456789ab").status, 403u);
    server.child().signal(SIGTERM);
    EXPECT_EQ(server.child().wait(), 0);
}

TEST(ServeCommand, BadArgumentsExitWith2) {
    TempDir dir;
    const std::filesystem::path unknown_option = dir.path() / "unknown.conf";
    write_text(unknown_option, "colour = red\n");
    const std::filesystem::path bad_value = dir.path() / "bad.conf";
    write_text(bad_value, "port = many\n");
    for (std::vector<std::string> args : {
             std::vector<std::string>{wangge_binary, "serve"},
             std::vector<std::string>{wangge_binary, "serve", "--store", (dir.path() / "missing.gpkg").string()},
             std::vector<std::string>{wangge_binary, "serve", "--store", "x.gpkg", "--port", "99999"},
             std::vector<std::string>{wangge_binary, "serve", "--store", "x.gpkg", "--colour", "red"},
             std::vector<std::string>{wangge_binary, "serve", "--store", "x.gpkg", "--io-timeout", "0"},
             std::vector<std::string>{wangge_binary, "serve", "--store", "x.gpkg", "--households-min", "400"},
             std::vector<std::string>{wangge_binary, "serve", "--store", "x.gpkg", "--residents-min", "500"},
             std::vector<std::string>{wangge_binary, "serve", "--store", "x.gpkg", "--rules-config",
                                      (dir.path() / "none.json").string()},
             std::vector<std::string>{wangge_binary, "serve", "--store", "x.gpkg", "--config",
                                      (dir.path() / "none.conf").string()},
             std::vector<std::string>{wangge_binary, "serve", "--store", "x.gpkg", "--config", unknown_option.string()},
             std::vector<std::string>{wangge_binary, "serve", "--store", "x.gpkg", "--config", bad_value.string()},
         }) {
        Child child(args);
        EXPECT_EQ(child.wait(), 2) << args.back();
    }
}

}  // namespace
}  // namespace wangge::http::test
