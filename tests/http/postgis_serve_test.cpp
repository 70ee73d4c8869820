// The server on a PostgreSQL store (issue #14, docs/postgis-store.md): the
// app as `wangge serve --store postgresql://…` builds it, served on
// 127.0.0.1, over a fresh database per test at WANGGE_TEST_PG. Sign-in,
// reports, audited reads and department changes land in the database; two
// servers on one database accept each other's sessions, and the database
// refuses the later of two writes they made from the same state; the `wangge serve`
// command serves the database; `wangge user add`
// into the database makes an account that signs in over HTTP.

#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pg.hpp"
#include "child_process.hpp"
#include "layout.hpp"
#include "store_backends.hpp"
#include "support/test_app.hpp"
#include "wangge/store/photos.hpp"
#include "wangge/workflow/household_changes.hpp"

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

TEST_F(PostgisServeTest, TheDatabaseRefereesWritesTwoServersMakeFromTheSameState) {
    // The sample's layout is drawn loosely (the rules refuse to publish it): a database of this test's own.
    const store::testing::PgDatabase shared;
    support::TestAppOptions options{.store = shared.uri()};
    options.data.grids = drafts::test::layout();  // street 110105001 > community 110105001001 > grids 001001, 001002
    support::TestServer first(support::TestApp::quiet_options(), {}, options);
    support::TestServer second(support::TestApp::quiet_options(), {}, options);
    // The accounts are the first server's (added to the database once); their sessions are good on both.
    const auto as = [&](support::TestServer& server, const support::Account& who, const std::string& target,
                        const std::string& body) {
        return server.call(std::nullopt, Method::post, target, body, first.accounts().bearer(who));
    };
    store::detail::PgConnection database(shared.uri());
    const auto counted = [&](const std::string& sql) { return database.execute(sql).text_int(0, 0); };

    // Both file the same case, each from its own snapshot; the first to commit wins.
    const Reply filed = as(first, users::supervisor, "/incidents/1/transitions", R"({"action":"file"})");
    ASSERT_EQ(filed.status, 200U) << filed.body;
    const Reply late = as(second, users::supervisor, "/incidents/1/transitions", R"({"action":"file"})");
    ASSERT_EQ(late.status, 409U) << late.body;
    EXPECT_FALSE(late.json().at("error").at("message_zh").get<std::string>().empty());
    const std::string late_code = late.json().at("error").at("code");
    // incident_changed: the database refused it; illegal_transition: the server had already followed the write.
    EXPECT_TRUE(late_code == "incident_changed" || late_code == "illegal_transition") << late.body;
    EXPECT_EQ(counted("SELECT count(*) FROM incident_events WHERE incident_id = 1"), 1);
    if (late_code == "incident_changed") {
        EXPECT_EQ(counted("SELECT count(*) FROM audit_log WHERE action = 'incidents.transition' AND outcome = 'error'"),
                  1);
    }

    // Both publish a draft made from layout version 1.
    const std::string made_first = as(first, users::planner, "/drafts", "").json().at("id");
    const std::string made_second = as(second, users::planner, "/drafts", "").json().at("id");
    const Reply published = as(first, users::planner, "/drafts/" + made_first + "/publish", R"({"confirm":true})");
    ASSERT_EQ(published.status, 200U) << published.body;
    EXPECT_EQ(published.json().at("version"), 2);
    const Reply outdated = as(second, users::planner, "/drafts/" + made_second + "/publish", R"({"confirm":true})");
    ASSERT_EQ(outdated.status, 409U) << outdated.body;
    EXPECT_EQ(outdated.json().at("error").at("code"), "draft_outdated");
    EXPECT_FALSE(outdated.json().at("error").at("message_zh").get<std::string>().empty());
    EXPECT_EQ(counted("SELECT count(*) FROM grids WHERE version = 2"), 4);  // one new layout, not two
    EXPECT_EQ(counted("SELECT count(*) FROM grids WHERE valid_to IS NULL AND version <> 2"), 0);
    EXPECT_EQ(counted("SELECT count(*) FROM audit_log WHERE action = 'layouts.publish' AND outcome = 'error'"), 1);
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

TEST_F(PostgisServeTest, MigrateMovesAFileDeploymentIntoAnEmptyDatabaseOnce) {
    // A deployment on a file: the sample layers, an account with a session and
    // the audit rows of its sign-in and read, a case photo and a household version.
    support::TestServer file_server;
    ASSERT_EQ(file_server.get_as(users::worker, "/collections/households/items/1").status, 200U);
    const std::filesystem::path file = file_server.store_path();
    model::Dataset in_file = file_server.stored_data();  // closes the app
    {
        const std::unique_ptr<store::Store> writable = store::open_store(file.string(), true);
        const std::unique_ptr<store::Batch> batch = writable->begin_batch();
        store::Photo photo{{.incident_id = 1, .stage = "report", .at = 1'780'000'000, .uploader = "worker",
                            .content_type = "image/jpeg", .width = 1, .height = 1, .location = geo::Point{116.4, 39.9}},
                           std::string("\xff\xd8\0\t\\\n", 6)};
        batch->append_photo(photo);
        workflow::HouseholdChange change{.at = 1'780'000'000, .user = "worker", .source = "map"};
        change.before = in_file.households[0];
        change.after = in_file.households[0];
        change.after.members += 1;
        batch->write_household(change);
        batch->commit();
    }
    in_file = store::open_store(file.string())->load();
    {
        // Revocations made on the file: the database's counter continues from them.
        const GDALDatasetUniquePtr gpkg(GDALDataset::Open(file.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
        ASSERT_TRUE(gpkg);
        gpkg->ExecuteSQL("UPDATE auth_revocations SET generation = 7", nullptr, nullptr);
    }

    const store::testing::PgDatabase target;
    const std::string output = (file_server.dir() / "migrate.txt").string();
    const std::string command = std::string(WANGGE_BINARY_DIR) + "/src/cli/wangge migrate --from '" + file.string() +
                                "' --to '" + target.uri() + "' > '" + output + "' 2>&1";
    int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << std::ifstream(output).rdbuf();
    std::stringstream printed;
    printed << std::ifstream(output).rdbuf();
    EXPECT_NE(printed.str().find("incident_photos"), std::string::npos) << printed.str();
    store::detail::PgConnection moved_rows(target.uri());
    const auto counted = [&](const std::string& sql) { return moved_rows.execute(sql).text_int(0, 0); };
    EXPECT_EQ(counted("SELECT count(*) FROM incident_photos WHERE length(bytes) = 6 AND lon = 116.4"), 1);
    EXPECT_EQ(counted("SELECT count(*) FROM household_versions WHERE household_id = 1"), 1);
    EXPECT_GE(counted("SELECT count(*) FROM sessions"), 1);
    EXPECT_GE(counted("SELECT count(*) FROM audit_log WHERE action = 'households.read'"), 1);
    EXPECT_EQ(counted("SELECT count(*) FROM auth_revocations"), 1);
    EXPECT_EQ(counted("SELECT generation FROM auth_revocations"), 7);
    EXPECT_NE(printed.str().find("auth_revocations"), std::string::npos) << printed.str();

    // A second migrate into the same database is refused and writes nothing.
    status = std::system(command.c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    std::stringstream refused;
    refused << std::ifstream(output).rdbuf();
    EXPECT_NE(refused.str().find("already holds a wangge store"), std::string::npos) << refused.str();
    EXPECT_EQ(counted("SELECT count(*) FROM household_versions"), 1);

    // A server on the database signs the file's account in; new ids follow the moved ones.
    support::TestServer moved(support::TestApp::quiet_options(), {}, support::TestAppOptions{.store = target.uri()});
    const Reply login = moved.call(std::nullopt, Method::post, "/auth/login",
                                   json{{"username", "worker"}, {"password", support::test_password}}.dump());
    ASSERT_EQ(login.status, 200U) << login.body;
    const support::Headers bearer{{"Authorization", "Bearer " + login.json().at("token").get<std::string>()}};
    const Reply reported = moved.call(std::nullopt, Method::post, "/incidents", new_case_in_west_grid, bearer);
    ASSERT_EQ(reported.status, 201U) << reported.body;
    EXPECT_GT(reported.json().at("id").get<std::int64_t>(), in_file.incidents.back().id);
    const model::Dataset in_database = moved.stored_data();
    EXPECT_EQ(in_database.households, in_file.households);
    EXPECT_EQ(in_database.visits, in_file.visits);
    EXPECT_EQ(in_database.grids.size(), in_file.grids.size());
    EXPECT_EQ(in_database.incidents.size(), in_file.incidents.size() + 1);
}

}  // namespace
}  // namespace wangge
