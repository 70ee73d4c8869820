#include "wangge/auth/auth_store.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>

#include "../support/temp_dir.hpp"
#include "wangge/auth/audit_batcher.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/store/store.hpp"
#include "postgis_schema.hpp"
#include "store_backends.hpp"

namespace wangge::auth {
namespace {

constexpr model::Timestamp t0 = 1'800'000'000;

class AuthStoreTest : public ::testing::Test {
protected:
    AuthStoreTest() { (void)store::GeoPackageStore::create(path_); }

    support::TempDir dir_;
    std::filesystem::path path_ = dir_ / "city.gpkg";
};

User worker(std::string name) {
    return User{.name = std::move(name),
                .role = Role::grid_worker,
                .grid_codes = {"110105001001001", "110105001001002"},
                .staff_id = 42,
                .created_at = t0,
                .updated_at = t0};
}

/// Rows of a SQL query, through a connection of its own.
std::vector<std::vector<std::string>> query(const std::filesystem::path& path, const std::string& sql,
                                            bool update = false) {
    GDALDatasetUniquePtr dataset(GDALDataset::FromHandle(
        GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | (update ? GDAL_OF_UPDATE : 0), nullptr, nullptr, nullptr)));
    if (!dataset) throw std::runtime_error("cannot open " + path.string());
    std::vector<std::vector<std::string>> rows;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    if (OGRLayer* result = dataset->ExecuteSQL(sql.c_str(), nullptr, nullptr)) {
        while (OGRFeatureUniquePtr row{result->GetNextFeature()}) {
            auto& out = rows.emplace_back();
            for (int i = 0; i < row->GetFieldCount(); ++i) out.emplace_back(row->GetFieldAsString(i));
        }
        dataset->ReleaseResultSet(result);
    }
    const bool failed = CPLGetLastErrorType() >= CE_Failure;
    CPLPopErrorHandler();
    if (failed) throw std::runtime_error(CPLGetLastErrorMsg());
    return rows;
}

TEST_F(AuthStoreTest, TablesAreAttributeTablesOfAnOrdinaryGeoPackage) {
    { const GeoPackageAuthStore auth(path_); }
    { const GeoPackageAuthStore again(path_); }  // opening twice changes nothing
    const auto contents = query(path_, "SELECT table_name, data_type FROM gpkg_contents "
                                       "WHERE table_name IN ('users', 'sessions', 'audit_log') ORDER BY table_name");
    ASSERT_EQ(contents.size(), 3u);
    EXPECT_EQ(contents[0], (std::vector<std::string>{"audit_log", "attributes"}));
    EXPECT_EQ(contents[1], (std::vector<std::string>{"sessions", "attributes"}));
    EXPECT_EQ(contents[2], (std::vector<std::string>{"users", "attributes"}));
    EXPECT_EQ(query(path_, "PRAGMA integrity_check")[0][0], "ok");
    // The entity store still opens it.
    EXPECT_EQ(store::GeoPackageStore::open(path_).schema_version(), store::schema_version);
}

TEST_F(AuthStoreTest, RefusesMissingAndForeignFiles) {
    EXPECT_THROW(GeoPackageAuthStore(dir_ / "missing.gpkg"), AuthStoreError);
    const std::filesystem::path text = dir_ / "notes.gpkg";
    std::ofstream(text) << "not a database";
    EXPECT_THROW(GeoPackageAuthStore{text}, AuthStoreError);
}

/// The auth store of a fresh store of the parameter's kind (store_backends.hpp):
/// the same tests on the GeoPackage file and on the PostgreSQL database.
class AuthStoreContract : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (GetParam() == "postgis") {
            if (!store::testing::test_pg()) {
                GTEST_SKIP() << "WANGGE_TEST_PG is not set: the PostGIS store's tests need a PostgreSQL/PostGIS "
                                "address (scripts/pg-test start DIR prints one)";
            }
            backend_ = std::make_unique<store::testing::PostgisBackend>();
        } else {
            backend_ = std::make_unique<store::testing::GeoPackageBackend>();
        }
        (void)store::create_store(backend_->location());
    }

    [[nodiscard]] std::unique_ptr<AuthStore> open() const { return store::open_auth_store(backend_->location()); }

    std::unique_ptr<store::testing::Backend> backend_;
};

TEST_P(AuthStoreContract, UsersSurviveReopening) {
    User stored;
    {
        const std::unique_ptr<AuthStore> opened = open();
        AuthStore& auth = *opened;
        stored = auth.insert_user(worker("o'neil"), "$argon2id$hash");
        EXPECT_GT(stored.id, 0);
        EXPECT_THROW(auth.insert_user(worker("o'neil"), "x"), InputError);
        auth.insert_user(User{.name = "管理员", .role = Role::admin, .created_at = t0, .updated_at = t0}, "h2");
    }
    const std::unique_ptr<AuthStore> opened_again = open();
    const AuthStore& reopened = *opened_again;
    const auto credentials = reopened.find_credentials("o'neil");
    ASSERT_TRUE(credentials);
    EXPECT_EQ(credentials->password_hash, "$argon2id$hash");
    const User& user = credentials->user;
    EXPECT_EQ(user.id, stored.id);
    EXPECT_EQ(user.role, Role::grid_worker);
    EXPECT_EQ(user.grid_codes, stored.grid_codes);
    EXPECT_EQ(user.staff_id, 42);
    EXPECT_FALSE(user.disabled);
    EXPECT_EQ(user.created_at, t0);
    EXPECT_FALSE(reopened.find_credentials("o'neil' OR '1'='1"));
    EXPECT_FALSE(reopened.find_credentials("nobody"));

    const std::vector<User> users = reopened.users();
    ASSERT_EQ(users.size(), 2u);
    EXPECT_EQ(users[0].name, "o'neil");
    EXPECT_EQ(users[1].name, "管理员");
    EXPECT_FALSE(users[1].staff_id);
    EXPECT_TRUE(users[1].grid_codes.empty());
}

TEST_P(AuthStoreContract, SessionsExpireAndAreRevoked) {
    const std::unique_ptr<AuthStore> opened = open();
    AuthStore& auth = *opened;
    const User user = auth.insert_user(worker("wang"), "h");
    auth.insert_session({.token_hash = "a", .user_id = user.id, .created_at = t0, .expires_at = t0 + 100, .client = "c"},
                        t0);
    EXPECT_EQ(auth.session_user("a", t0 + 99)->user.name, "wang");
    EXPECT_EQ(auth.session_user("a", t0 + 99)->expires_at, t0 + 100);
    EXPECT_FALSE(auth.session_user("a", t0 + 100));
    EXPECT_FALSE(auth.session_user("b", t0));

    // Logging out deletes the session, names its user and moves the revocation generation.
    const std::int64_t before = auth.revocation_generation();
    const auto ended = auth.delete_session("a");
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->owner.name, "wang");
    EXPECT_EQ(ended->generation, before + 1);
    EXPECT_EQ(auth.revocation_generation(), before + 1);
    EXPECT_FALSE(auth.session_user("a", t0));
    EXPECT_FALSE(auth.delete_session("a"));
    EXPECT_EQ(auth.revocation_generation(), before + 1);

    // Disabling and a new password end every session of the user.
    auth.insert_session({.token_hash = "d", .user_id = user.id, .created_at = t0, .expires_at = t0 + 100, .client = ""},
                        t0);
    EXPECT_EQ(auth.set_disabled(user.id, true, t0 + 1), before + 2);
    EXPECT_FALSE(auth.session_user("d", t0 + 2));
    EXPECT_TRUE(auth.find_credentials("wang")->user.disabled);
    EXPECT_EQ(auth.find_credentials("wang")->user.updated_at, t0 + 1);
    auth.set_disabled(user.id, false, t0 + 3);
    auth.insert_session({.token_hash = "e", .user_id = user.id, .created_at = t0, .expires_at = t0 + 100, .client = ""},
                        t0);
    EXPECT_EQ(auth.set_password_hash(user.id, "new", t0 + 4), before + 4);
    // Another connection to the store (as the CLI or another server has) reads the same generation.
    EXPECT_EQ(open()->revocation_generation(), before + 4);
    EXPECT_FALSE(auth.session_user("e", t0 + 5));
    EXPECT_EQ(auth.find_credentials("wang")->password_hash, "new");
    EXPECT_THROW(auth.set_disabled(9999, true, t0), InputError);

    // A new session clears out the expired ones.
    auth.insert_session({.token_hash = "f", .user_id = user.id, .created_at = t0, .expires_at = t0 + 10, .client = ""},
                        t0);
    auth.insert_session({.token_hash = "g", .user_id = user.id, .created_at = t0, .expires_at = t0 + 100, .client = ""},
                        t0 + 50);
    EXPECT_EQ(backend_->count("sessions"), 1);
    EXPECT_TRUE(auth.session_user("g", t0 + 50));
}

AuditEntry entry(model::Timestamp at, std::string user, std::string action) {
    AuditEntry e;
    e.at = at;
    e.user_name = std::move(user);
    e.action = std::move(action);
    e.collection = "households";
    e.record_ids = {"1", "2,3"};
    e.client = "10.0.0.1";
    return e;
}

TEST_P(AuthStoreContract, AuditQueriesFilterAndPage) {
    const std::unique_ptr<AuthStore> opened = open();
    AuthStore& auth = *opened;
    for (int i = 0; i < 30; ++i) {
        AuditEntry e = entry(t0 + i, i % 3 == 0 ? "wang" : "li", i % 2 == 0 ? "households.read" : "auth.login");
        if (i == 29) e.outcome = Outcome::denied;
        e.user_id = i;
        auth.append_audit(e);
        EXPECT_EQ(e.id, i + 1);
    }
    const AuditPage all = auth.query_audit({});
    EXPECT_EQ(all.total, 30u);
    ASSERT_EQ(all.entries.size(), 30u);
    EXPECT_EQ(all.entries.front().at, t0 + 29);  // newest first
    EXPECT_EQ(all.entries.front().outcome, Outcome::denied);
    EXPECT_EQ(all.entries.front().record_ids, (std::vector<std::string>{"1", "2,3"}));
    EXPECT_EQ(all.entries.front().client, "10.0.0.1");
    EXPECT_EQ(all.entries.front().user_id, 29);

    const AuditPage wang = auth.query_audit({.user_name = "wang"});
    EXPECT_EQ(wang.total, 10u);
    const AuditPage reads = auth.query_audit({.user_name = "wang", .action = "households.read"});
    EXPECT_EQ(reads.total, 5u);  // i = 0, 6, 12, 18, 24
    const AuditPage window = auth.query_audit({.from = t0 + 10, .to = t0 + 20});
    EXPECT_EQ(window.total, 10u);
    EXPECT_EQ(window.entries.back().at, t0 + 10);

    const AuditPage page = auth.query_audit({.limit = 7, .offset = 21});
    EXPECT_EQ(page.total, 30u);
    ASSERT_EQ(page.entries.size(), 7u);
    EXPECT_EQ(page.entries.front().at, t0 + 8);
    EXPECT_TRUE(auth.query_audit({.limit = 5, .offset = 30}).entries.empty());
    EXPECT_EQ(auth.query_audit({.user_name = "x' OR 1=1 --"}).total, 0u);

    EXPECT_THROW((void)auth.query_audit({.limit = 0}), InputError);
    EXPECT_THROW((void)auth.query_audit({.limit = max_audit_page + 1}), InputError);
    EXPECT_THROW((void)auth.query_audit({.from = t0, .to = t0}), InputError);
}

TEST_P(AuthStoreContract, AuditLogIsAppendOnlyEvenForOtherClients) {
    AuditEntry e = entry(t0, "wang", "households.reveal");
    open()->append_audit(e);
    EXPECT_FALSE(backend_->try_sql("UPDATE audit_log SET user_name = 'nobody'"));
    EXPECT_FALSE(backend_->try_sql("DELETE FROM audit_log"));
    const AuditPage page = open()->query_audit({});
    ASSERT_EQ(page.total, 1U);
    EXPECT_EQ(page.entries.front().user_name, "wang");
}

/// Runs `count` appends on a thread each, all at once, and returns once all are back;
/// `started` counts the threads that are about to append.
void append_together(AuditBatcher& batcher, std::vector<AuditEntry>& entries, std::vector<std::string>& errors,
                     std::atomic<int>& started) {
    std::mutex errors_mutex;
    std::vector<std::thread> threads;
    for (AuditEntry& entry : entries) {
        threads.emplace_back([&] {
            ++started;
            try {
                batcher.append(entry);
            } catch (const std::exception& error) {
                const std::lock_guard lock(errors_mutex);
                errors.emplace_back(error.what());
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
}

TEST_P(AuthStoreContract, AuditBatcherCommitsConcurrentEntriesTogether) {
    const std::unique_ptr<AuthStore> opened = open();
    AuthStore& auth = *opened;
    constexpr int count = 12;
    std::atomic<int> commits = 0;
    std::atomic<bool> first = true;
    std::atomic<int> started = 0;
    AuditBatcher batcher([&](std::span<AuditEntry> batch) {
        // The first commit is slow, so every other caller queues behind it: it waits until every
        // thread is about to append (threads start late on a loaded machine), then lets them queue.
        if (first.exchange(false)) {
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
            while (started < count && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        }
        ++commits;
        auth.append_audit(batch);
    });
    std::vector<AuditEntry> entries;
    for (int i = 0; i < count; ++i) entries.push_back(entry(t0 + i, "wang", "households.tags"));
    std::vector<std::string> errors;
    append_together(batcher, entries, errors, started);

    EXPECT_TRUE(errors.empty());
    EXPECT_LE(commits.load(), 3);  // the slow first one, then the rest in one or two
    std::set<std::int64_t> ids;
    for (const AuditEntry& e : entries) ids.insert(e.id);
    EXPECT_EQ(ids.size(), std::size_t{count});
    EXPECT_FALSE(ids.contains(0));
    EXPECT_EQ(auth.query_audit({.action = "households.tags"}).total, std::size_t{count});
}

TEST_P(AuthStoreContract, AuditBatcherFailsTheBatchItCouldNotCommitAndGoesOn) {
    const std::unique_ptr<AuthStore> opened = open();
    AuthStore& auth = *opened;
    std::atomic<bool> fail = true;
    AuditBatcher batcher([&](std::span<AuditEntry> batch) {
        if (fail.exchange(false)) throw AuthStoreError("disk full");
        auth.append_audit(batch);
    });
    AuditEntry lost = entry(t0, "wang", "households.read");
    EXPECT_THROW(batcher.append(lost), AuthStoreError);
    EXPECT_EQ(lost.id, 0);
    AuditEntry kept = entry(t0 + 1, "wang", "households.read");
    batcher.append(kept);
    EXPECT_GT(kept.id, 0);
    const AuditPage page = auth.query_audit({});
    ASSERT_EQ(page.total, 1U);
    EXPECT_EQ(page.entries.front().at, t0 + 1);
}


TEST_P(AuthStoreContract, ASessionStartedThroughOneConnectionIsValidThroughEveryOther) {
    const std::unique_ptr<AuthStore> first = open();
    const std::unique_ptr<AuthStore> second = open();  // as another server on the same store
    const User user = first->insert_user(worker("zhao"), "h");
    EXPECT_THROW(second->insert_user(worker("zhao"), "h"), InputError);
    first->insert_session({.token_hash = "t", .user_id = user.id, .created_at = t0, .expires_at = t0 + 100}, t0);
    EXPECT_EQ(second->session_user("t", t0 + 1)->user.id, user.id);
    const auto ended = second->delete_session("t");
    ASSERT_TRUE(ended);
    EXPECT_EQ(first->revocation_generation(), ended->generation);
    EXPECT_FALSE(first->session_user("t", t0 + 1));
}

TEST_P(AuthStoreContract, ConcurrentCallsOfOneStoreAllSucceed) {
    const std::unique_ptr<AuthStore> auth = open();
    const User user = auth->insert_user(worker("sun"), "h");
    auth->insert_session({.token_hash = "s", .user_id = user.id, .created_at = t0, .expires_at = t0 + 100}, t0);
    std::atomic<int> found = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                if (auth->session_user("s", t0 + 1)) ++found;
                AuditEntry e = entry(t0 + i, "sun", "households.read");
                e.record_ids = {std::to_string(t)};
                auth->append_audit(e);
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(found.load(), 80);
    EXPECT_EQ(auth->query_audit({.user_name = "sun"}).total, 80U);
}

INSTANTIATE_TEST_SUITE_P(Stores, AuthStoreContract, ::testing::Values("geopackage", "postgis"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

TEST(PostgisAuthStore, OpensADatabaseOfTheFirstSchemaByMigratingItForward) {
    if (!store::testing::test_pg()) GTEST_SKIP() << "WANGGE_TEST_PG is not set";
    const store::testing::PgDatabase database;
    (void)store::create_store(database.uri());
    {
        // What the first PostGIS build left: version 1, none of the server's tables.
        store::detail::PgConnection connection(database.uri());
        (void)connection.execute("DROP TABLE users, sessions, auth_revocations, departments, changes");
        (void)connection.execute("UPDATE wangge_schema SET version = 1");
    }
    const std::unique_ptr<AuthStore> auth = store::open_auth_store(database.uri());
    EXPECT_EQ(auth->insert_user(worker("qian"), "h").id, 1);
    EXPECT_EQ(auth->revocation_generation(), 0);
    EXPECT_EQ(store::open_store(database.uri())->schema_version(), store::detail::postgis_schema_version());
}

}  // namespace
}  // namespace wangge::auth
