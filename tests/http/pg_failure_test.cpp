// Failures of a deployment on PostgreSQL, with real `wangge serve` processes
// (issue #14; docs/postgis-store.md, "Connections"):
// - PostgreSQL restarts under load: while it is down, two replicas keep
//   answering reads of their snapshot and answer writes and sign-ins with 503
//   and a Chinese message; once it is back, both take writes again without
//   being restarted, and every write answered 2xx is in the database.
// - One of three replicas is killed (SIGKILL) mid-write: every write it
//   acknowledged is in the database (read by SQL: B's snapshot learns of A's
//   writes only once replicas follow each other's changes), and the other two
//   keep serving reads and writes throughout.
// The restart test runs a PostgreSQL of its own (scripts/pg-test), never the
// shared WANGGE_TEST_PG one, which other tests use at the same time.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "pg.hpp"
#include "store_backends.hpp"
#include "support/client.hpp"
#include "support/datasets.hpp"
#include "support/temp_dir.hpp"
#include "wangge/store/postgis.hpp"

namespace wangge::http::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using support::Client;
using support::Headers;
using support::Reply;

constexpr const char* password = "replica password";
constexpr const char* west_grid = "110105001001001";  // staff 1 (张伟) is its A岗 worker
constexpr const char* lookup = "/lookup?lon=116.405&lat=39.91";  // answered from the snapshot
constexpr const char* unavailable_zh = "数据库暂时无法连接，请稍后重试";

/// `command`'s standard output (its first line); throws when it fails.
std::string run(const std::string& command) {
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
    std::string output;
    std::array<char, 512> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
    if (pclose(pipe) != 0) throw std::runtime_error(command + " failed: " + output);
    while (!output.empty() && output.back() == '\n') output.pop_back();
    return output;
}

/// A PostgreSQL server of the test's own (scripts/pg-test), removed with the object.
class OwnPostgres {
public:
    OwnPostgres() {
        // The server runs as `postgres`, which must reach the directory (mkdtemp's is the owner's only).
        std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                                      std::filesystem::perms::others_exec);
        uri_ = script("start");
    }
    ~OwnPostgres() {
        try {
            (void)script("stop");
        } catch (const std::exception&) {  // nothing left to stop
        }
    }
    OwnPostgres(const OwnPostgres&) = delete;
    OwnPostgres& operator=(const OwnPostgres&) = delete;

    [[nodiscard]] const std::string& uri() const noexcept { return uri_; }
    /// A fast shutdown, as an operator's restart begins: every client is disconnected.
    void pause() { (void)script("pause"); }
    /// Up again on the same port with the same data.
    void resume() { (void)script("resume"); }

private:
    std::string script(const std::string& action) {
        return run(std::string(WANGGE_SOURCE_DIR) + "/scripts/pg-test " + action + " " + (dir_.path() / "pg").string());
    }
    support::TempDir dir_;
    std::string uri_;
};

/// Writes answered 2xx (incident id → description) and answers that were not.
struct Acknowledged {
    std::mutex mutex;
    std::map<std::int64_t, std::string> incidents;
    std::map<unsigned, int> statuses;
    std::vector<std::string> unexpected;  ///< answers that are neither 201 nor a 503 with the message
};

class PgFailureTest : public ::testing::Test {
protected:
    /// Makes the store at `uri` with the sample dataset and a grid worker.
    static void prepare_store(const std::string& uri) {
        {
            const std::unique_ptr<store::PostgisStore> made = store::PostgisStore::create(uri);
            model::Dataset data = support::sample_dataset();
            made->append(data);
        }
        Child add({wangge_binary, "user", "add", "--store", uri, "--name", "li", "--role", "grid_worker", "--grids",
                   west_grid, "--staff-id", "1", "--password-stdin"},
                  std::string(password) + "\n");
        ASSERT_EQ(add.wait(), 0);
    }

    [[nodiscard]] ServeProcess serve(const std::string& uri) const {
        return ServeProcess({"--store", uri, "--port", "0", "--threads", "2", "--quiet", "--web",
                             (dir_.path() / "web").string(), "--categories",
                             std::string(WANGGE_SOURCE_DIR) + "/data/categories.json"});
    }

    /// `count` replicas on `uri`, started at once (each loads the snapshot on its own).
    [[nodiscard]] std::vector<ServeProcess> serve_replicas(const std::string& uri, std::size_t count) const {
        std::vector<std::future<ServeProcess>> starting;
        for (std::size_t i = 0; i < count; ++i) {
            starting.push_back(std::async(std::launch::async, [this, &uri] { return serve(uri); }));
        }
        std::vector<ServeProcess> replicas;
        for (std::future<ServeProcess>& replica : starting) replicas.push_back(replica.get());
        return replicas;
    }

    static Reply sign_in(unsigned short port) {
        return Client(port).request(Method::post, "/auth/login", {{"Content-Type", "application/json"}},
                                    json{{"username", "li"}, {"password", password}}.dump());
    }

    static Headers signed_in(unsigned short port) {
        const Reply reply = sign_in(port);
        EXPECT_EQ(reply.status, 200U) << reply.body;
        return {{"Content-Type", "application/json"},
                {"Authorization", "Bearer " + reply.json().at("token").get<std::string>()}};
    }

    /// Reports one incident; records the answer. Throws when the server is gone.
    static Reply report(unsigned short port, const Headers& headers, const std::string& text, Acknowledged& acknowledged) {
        const json body{{"category", "违法建设"}, {"triage", "general"}, {"source", "网格员巡查"},
                        {"description", text},   {"lon", 116.403},       {"lat", 39.905}};
        const Reply reply = Client(port).request(Method::post, "/incidents", headers, body.dump());
        const std::lock_guard lock(acknowledged.mutex);
        ++acknowledged.statuses[reply.status];
        if (reply.status == 201U) {
            acknowledged.incidents[reply.json().at("id").get<std::int64_t>()] = text;
        } else if (!is_unavailable(reply)) {
            acknowledged.unexpected.push_back(std::to_string(reply.status) + " " + reply.body);
        }
        return reply;
    }

    static bool is_unavailable(const Reply& reply) {
        if (reply.status != 503U) return false;
        const json body = json::parse(reply.body, nullptr, false);
        return body.is_object() && body.contains("error") && body["error"].value("message_zh", "") == unavailable_zh;
    }

    /// Polls `ask` every 50 ms until it is true or `timeout` has passed.
    static bool eventually(const std::function<bool()>& ask, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!ask()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(50ms);
        }
        return true;
    }

    /// Every acknowledged incident is in the database at `uri`, with its description.
    static void expect_stored(const std::string& uri, const Acknowledged& acknowledged) {
        store::detail::PgConnection connection(uri);
        std::map<std::int64_t, std::string> stored;
        const store::detail::PgResult rows = connection.execute("SELECT id, description FROM incidents");
        for (int r = 0; r < rows.rows(); ++r) stored[rows.text_int(r, 0)] = std::string(rows.bytes(r, 1));
        for (const auto& [id, text] : acknowledged.incidents) {
            EXPECT_EQ(stored[id], text) << "acknowledged incident " << id << " is not in the database";
        }
    }

    support::TempDir dir_;
};

TEST_F(PgFailureTest, ReplicasRideOutAPostgresqlRestartWithoutBeingRestarted) {
    OwnPostgres postgres;
    prepare_store(postgres.uri());
    const std::vector<ServeProcess> replicas = serve_replicas(postgres.uri(), 2);
    std::array<Headers, 2> sessions;
    for (std::size_t i = 0; i < replicas.size(); ++i) sessions[i] = signed_in(replicas[i].port());

    // The load: a client reporting incidents through both replicas in turn, and reading.
    Acknowledged acknowledged;
    std::atomic<bool> stop{false};
    std::atomic<int> failed_reads{0};
    std::thread client([&] {
        for (int n = 0; !stop; ++n) {
            const std::size_t i = static_cast<std::size_t>(n) % replicas.size();
            (void)report(replicas[i].port(), sessions[i], "restart " + std::to_string(n), acknowledged);
            if (Client(replicas[i].port()).get(lookup).status != 200U) ++failed_reads;
            std::this_thread::sleep_for(20ms);
        }
    });
    const auto count_of = [&acknowledged](unsigned status) {
        const std::lock_guard lock(acknowledged.mutex);
        return acknowledged.statuses[status];
    };
    EXPECT_TRUE(eventually([&] { return count_of(201U) >= 6; }, 30s)) << "no writes before the restart";

    postgres.pause();
    const int refused_before = count_of(503U);
    EXPECT_TRUE(eventually([&] { return count_of(503U) >= refused_before + 4; }, 10s))
        << "writes were not refused with 503 while the database was down";
    for (std::size_t i = 0; i < replicas.size(); ++i) {
        SCOPED_TRACE("replica " + std::to_string(i));
        // Reads of the snapshot are answered; a write and a sign-in fail fast with 503 and the message.
        EXPECT_EQ(Client(replicas[i].port()).get(lookup).json().at("grid").at("code"), west_grid);
        const auto asked = std::chrono::steady_clock::now();
        const Reply write = report(replicas[i].port(), sessions[i], "while down", acknowledged);
        EXPECT_TRUE(is_unavailable(write)) << write.status << " " << write.body;
        EXPECT_EQ(write.header("Retry-After"), "1");
        EXPECT_TRUE(is_unavailable(sign_in(replicas[i].port())));
        EXPECT_LT(std::chrono::steady_clock::now() - asked, 2s) << "a refusal waited for the database";
    }

    postgres.resume();
    const auto resumed = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < replicas.size(); ++i) {
        SCOPED_TRACE("replica " + std::to_string(i));
        EXPECT_TRUE(eventually(
            [&] { return report(replicas[i].port(), sessions[i], "after " + std::to_string(i), acknowledged).status == 201U; },
            10s))
            << "the replica does not take writes again";
        EXPECT_EQ(sign_in(replicas[i].port()).status, 200U);
    }
    RecordProperty("recovery_ms",
                   static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - resumed)
                                        .count()));
    stop = true;
    client.join();

    EXPECT_EQ(failed_reads, 0) << "reads of the snapshot failed while the database was down";
    EXPECT_TRUE(acknowledged.unexpected.empty()) << acknowledged.unexpected.front();
    expect_stored(postgres.uri(), acknowledged);
}

TEST_F(PgFailureTest, AReplicaKilledMidWriteLosesNothingAcknowledgedAndTheOthersKeepServing) {
    if (!store::testing::test_pg()) GTEST_SKIP() << "WANGGE_TEST_PG is not set (scripts/pg-test start DIR prints one)";
    const store::testing::PgDatabase database;
    prepare_store(database.uri());
    std::vector<ServeProcess> started = serve_replicas(database.uri(), 3);
    std::optional<ServeProcess> a(std::move(started[0]));
    const ServeProcess& b = started[1];
    const ServeProcess& c = started[2];
    const Headers through_a = signed_in(a->port());

    Acknowledged by_a;
    std::atomic<bool> killed{false};
    std::thread writer([&] {
        try {
            for (int n = 0;; ++n) (void)report(a->port(), through_a, "kill " + std::to_string(n), by_a);
        } catch (const std::exception&) {  // A died mid-request: that write is unacknowledged
        }
    });
    // The others serve throughout: reads and writes while A writes, dies and is gone.
    Acknowledged by_others;
    std::atomic<int> failed_reads{0};
    std::thread others([&, sessions = std::array<Headers, 2>{signed_in(b.port()), signed_in(c.port())}] {
        const std::array<unsigned short, 2> ports{b.port(), c.port()};
        for (int n = 0; !killed || n % 2 != 0 || n < 20; ++n) {
            const std::size_t i = static_cast<std::size_t>(n) % 2;
            (void)report(ports[i], sessions[i], "other " + std::to_string(n), by_others);
            if (Client(ports[i]).get(lookup).status != 200U) ++failed_reads;
        }
    });
    EXPECT_TRUE(eventually(
        [&] {
            const std::lock_guard lock(by_a.mutex);
            return by_a.incidents.size() >= 8;
        },
        30s));
    a.reset();  // SIGKILL mid-stream, then reaped
    killed = true;
    writer.join();
    others.join();

    EXPECT_TRUE(by_a.unexpected.empty()) << by_a.unexpected.front();
    EXPECT_TRUE(by_others.unexpected.empty()) << by_others.unexpected.front();
    EXPECT_EQ(by_others.statuses[503U], 0);
    EXPECT_GE(by_others.incidents.size(), 10U);
    EXPECT_EQ(failed_reads, 0);
    expect_stored(database.uri(), by_a);
    expect_stored(database.uri(), by_others);
}

}  // namespace
}  // namespace wangge::http::test
