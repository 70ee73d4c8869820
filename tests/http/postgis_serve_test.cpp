// The server on a PostgreSQL store (issue #14, docs/postgis-store.md): the
// app as `wangge serve --store postgresql://…` builds it, served on
// 127.0.0.1, over a fresh database per test at WANGGE_TEST_PG. Sign-in,
// reports, audited reads and department changes land in the database; two
// servers on one database accept each other's sessions; the `wangge serve`
// command serves the database; `wangge user add`
// into the database makes an account that signs in over HTTP.

#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pg.hpp"
#include "child_process.hpp"
#include "store_backends.hpp"
#include "support/test_app.hpp"

namespace wangge {
namespace {

using http::Method;
using nlohmann::json;
using support::Reply;
namespace users = support::users;

const std::string new_case_in_west_grid =
    R"({"category":"违法建设","triage":"general","source":"网格员巡查","description":"楼顶私搭乱建","lon":116.405,"lat":39.905})";

class PostgisServeTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!store::testing::test_pg()) {
            GTEST_SKIP() << "WANGGE_TEST_PG is not set: the server-on-PostgreSQL tests need a PostgreSQL/PostGIS "
                            "address (scripts/pg-test start DIR prints one)";
        }
        database_.emplace();
        server_ = serve_another();
    }

    /// One more server on the test's database (the first stores the sample dataset there).
    [[nodiscard]] std::unique_ptr<support::TestServer> serve_another() const {
        return std::make_unique<support::TestServer>(support::TestApp::quiet_options(),
                                                     std::function<void(http::Router&)>{},
                                                     support::TestAppOptions{.store = database_->uri()});
    }

    /// A number the database answers to `sql` with $1 = `value`.
    [[nodiscard]] std::int64_t count(const std::string& sql, const std::string& value) const {
        store::detail::PgConnection connection(database_->uri());
        const std::vector<store::detail::PgParam> params{{value}};
        return connection.execute(sql, params).text_int(0, 0);
    }

    std::optional<store::testing::PgDatabase> database_;
    std::unique_ptr<support::TestServer> server_;
};

TEST_F(PostgisServeTest, ServesAndKeepsItsWritesAndAuditRowsInTheDatabase) {
    EXPECT_EQ(server_->get("/health").json().at("store"), "postgresql");

    const Reply reported = server_->call(users::worker, Method::post, "/incidents", new_case_in_west_grid);
    ASSERT_EQ(reported.status, 201U) << reported.body;
    const std::string id = std::to_string(reported.json().at("id").get<std::int64_t>());
    const Reply read = server_->get_as(users::worker, "/incidents/" + id);
    ASSERT_EQ(read.status, 200U) << read.body;
    EXPECT_EQ(read.json().at("description"), "楼顶私搭乱建");
    EXPECT_EQ(count("SELECT count(*) FROM incidents WHERE id = $1::bigint", id), 1);
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'incidents.report' AND record_ids = $1",
                    json::array({id}).dump()),
              1);

    // A household read is answered only once its audit row is in the database.
    ASSERT_EQ(server_->get_as(users::worker, "/collections/households/items/1").status, 200U);
    EXPECT_GE(count("SELECT count(*) FROM audit_log WHERE action = 'households.read' AND user_name = $1", "worker"),
              1);

    const json parks{{"code", "yuanlin"},
                     {"name", "园林绿化"},
                     {"acknowledge_hours", 2},
                     {"deadline_hours", {{"general", 72}, {"coordination", 120}, {"urgent", 24}}}};
    const Reply put = server_->call(users::admin, Method::post, "/departments", parks.dump());
    ASSERT_EQ(put.status, 201U) << put.body;
    EXPECT_EQ(count("SELECT count(*) FROM departments WHERE code = $1 AND hours_general = 72", "yuanlin"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'departments.put' AND user_name = $1", "admin"), 1);

    // The sign-ins of the test users are in the database's sessions.
    EXPECT_GE(count("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.name = $1", "worker"), 1);
    // Closed and opened again, the server finds its writes in the database.
    const model::Dataset stored = server_->stored_data();
    EXPECT_EQ(stored.incidents.size(), support::sample_dataset().incidents.size() + 1);
}

TEST_F(PostgisServeTest, ASignInOnOneServerIsAcceptedByAnotherOnTheSameDatabase) {
    const std::unique_ptr<support::TestServer> other = serve_another();
    EXPECT_EQ(other->get("/health").json().at("store"), "postgresql");
    const std::string token = server_->accounts().token(users::worker);
    const support::Headers bearer{{"Authorization", "Bearer " + token}};
    EXPECT_EQ(server_->get("/collections/households/items/1", bearer).status, 200U);  // now in its session cache
    EXPECT_EQ(other->get("/collections/households/items/1", bearer).status, 200U);
    EXPECT_EQ(other->get("/collections/households/items/1", {{"Authorization", "Bearer not-a-token"}}).status, 401U);
    // Ended on the other server, the session is refused by both: the first, which
    // cached it, learns of it from the database's revocation counter (polled each second).
    EXPECT_EQ(support::Client(other->port()).request(Method::post, "/auth/logout", bearer).status, 204U);
    EXPECT_EQ(other->get("/collections/households/items/1", bearer).status, 401U);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    unsigned status = 200U;
    while (status != 401U && std::chrono::steady_clock::now() < deadline) {
        status = server_->get("/collections/households/items/1", bearer).status;
        if (status != 401U) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(status, 401U) << "the first server still accepts a session ended on the other";
}

TEST_F(PostgisServeTest, TheCommandServesTheDatabaseAndStopsOnSigterm) {
    const support::TempDir dir;
    http::test::ServeProcess command({"--store", database_->uri(), "--port", "0", "--threads", "2", "--quiet",
                                      "--web", (dir / "web").string()});
    support::Client client(command.port());
    const json health = client.get("/health").json();
    EXPECT_EQ(health.at("store"), "postgresql");
    EXPECT_EQ(health.at("counts").at("households"), support::sample_dataset().households.size());
    EXPECT_EQ(client.get("/lookup?lon=116.405&lat=39.91").json().at("grid").at("code"), "110105001001001");
    command.child().signal(SIGTERM);
    EXPECT_EQ(command.child().wait(), 0);
}

TEST_F(PostgisServeTest, AUserAddedByTheCommandLineSignsInOverHttp) {
    const support::TempDir dir;
    std::ofstream(dir / "password.txt") << "correct horse battery\n";
    const std::string command = std::string(WANGGE_BINARY_DIR) + "/src/cli/wangge user add --store '" +
                                database_->uri() + "' --name zhou --role admin --password-stdin < '" +
                                (dir / "password.txt").string() + "' > /dev/null 2> '" + (dir / "err.txt").string() +
                                "'";
    const int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << std::ifstream(dir / "err.txt").rdbuf();

    const Reply login = server_->call(std::nullopt, Method::post, "/auth/login",
                                      R"({"username":"zhou","password":"correct horse battery"})");
    ASSERT_EQ(login.status, 200U) << login.body;
    const std::string token = login.json().at("token").get<std::string>();
    const Reply audit = server_->get("/audit?action=auth.login", {{"Authorization", "Bearer " + token}});
    ASSERT_EQ(audit.status, 200U) << audit.body;
    EXPECT_GE(audit.json().at("total").get<int>(), 1);
    // The CLI's own audit row (who added the account) is in the same log.
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'user.add' AND detail = $1", "zhou"), 1);
}

}  // namespace
}  // namespace wangge
