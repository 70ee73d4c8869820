#include "wangge/auth/service.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <gdal_priv.h>

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "wangge/auth/token.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::auth {
namespace {

constexpr model::Timestamp t0 = 1'800'000'000;
constexpr const char* password = "网格员的好密码123";

const Actor admin_actor{1, "admin", "10.0.0.1"};

/// Runs SQL on the file through a connection of its own.
void execute_sql(const std::filesystem::path& gpkg, const std::string& sql) {
    const GDALDatasetUniquePtr dataset(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
    ASSERT_TRUE(dataset);
    dataset->ExecuteSQL(sql.c_str(), nullptr, nullptr);
}

class AuthServiceTest : public ::testing::Test {
protected:
    AuthServiceTest() {
        (void)store::GeoPackageStore::create(path_);
        service_.emplace(std::make_unique<GeoPackageAuthStore>(path_), AuthConfig{.session_seconds = 3600, .throttle = {}});
        service_->add_user({.name = "wang", .role = Role::grid_worker, .grid_codes = {"110105001001001"}, .staff_id = 7},
                           password, admin_actor, t0);
    }

    support::TempDir dir_;
    std::filesystem::path path_ = dir_ / "city.gpkg";
    std::optional<AuthService> service_;
};

TEST_F(AuthServiceTest, LoginOpensASessionThatExpires) {
    const Session session = service_->login("wang", password, "10.0.0.7", t0);
    EXPECT_TRUE(looks_like_token(session.token));
    EXPECT_EQ(session.expires_at, t0 + 3600);
    EXPECT_EQ(session.user.role, Role::grid_worker);

    const Principal who = service_->authenticate(session.token, t0 + 3599);
    ASSERT_FALSE(who.anonymous());
    EXPECT_EQ(who.user->name, "wang");
    EXPECT_EQ(who.user->grid_codes, std::vector<std::string>{"110105001001001"});
    EXPECT_EQ(who.user->staff_id, 7);
    EXPECT_TRUE(service_->authenticate(session.token, t0 + 3600).anonymous());
}

TEST_F(AuthServiceTest, SessionsSurviveARestart) {
    const Session session = service_->login("wang", password, "10.0.0.7", t0);
    service_.reset();
    const AuthService restarted(std::make_unique<GeoPackageAuthStore>(path_));
    EXPECT_EQ(restarted.authenticate(session.token, t0 + 1).user->name, "wang");
}

TEST_F(AuthServiceTest, JunkTokensAreAnonymous) {
    EXPECT_TRUE(service_->authenticate("", t0).anonymous());
    EXPECT_TRUE(service_->authenticate("' OR 1=1 --", t0).anonymous());
    EXPECT_TRUE(service_->authenticate(issue_token().token, t0).anonymous());
}

TEST_F(AuthServiceTest, WrongPasswordAndUnknownUserFailAlike) {
    try {
        (void)service_->login("wang", "wrong password", "10.0.0.7", t0);
        FAIL() << "accepted a wrong password";
    } catch (const AuthenticationError& e) {
        EXPECT_STREQ(e.what(), "wrong user name or password");
    }
    try {
        (void)service_->login("nobody", password, "10.0.0.7", t0);
        FAIL() << "accepted an unknown user";
    } catch (const AuthenticationError& e) {
        EXPECT_STREQ(e.what(), "wrong user name or password");
    }
    EXPECT_THROW((void)service_->login("bad name", password, "10.0.0.7", t0), AuthenticationError);
}

TEST_F(AuthServiceTest, LogoutRevokes) {
    const Session session = service_->login("wang", password, "10.0.0.7", t0);
    service_->logout(session.token, "10.0.0.7", t0 + 5);
    EXPECT_TRUE(service_->authenticate(session.token, t0 + 6).anonymous());
    EXPECT_NO_THROW(service_->logout(session.token, "10.0.0.7", t0 + 7));
    EXPECT_NO_THROW(service_->logout("junk", "10.0.0.7", t0 + 7));
}

TEST_F(AuthServiceTest, DisablingEndsSessionsAndLogins) {
    const Session first = service_->login("wang", password, "10.0.0.7", t0);
    const Session second = service_->login("wang", password, "10.0.0.8", t0);
    service_->set_disabled("wang", true, admin_actor, t0 + 10);
    EXPECT_TRUE(service_->authenticate(first.token, t0 + 11).anonymous());
    EXPECT_TRUE(service_->authenticate(second.token, t0 + 11).anonymous());
    EXPECT_THROW((void)service_->login("wang", password, "10.0.0.7", t0 + 12), AuthenticationError);
    service_->set_disabled("wang", false, admin_actor, t0 + 13);
    EXPECT_NO_THROW((void)service_->login("wang", password, "10.0.0.7", t0 + 14));
    EXPECT_THROW(service_->set_disabled("nobody", true, admin_actor, t0), InputError);
}

TEST_F(AuthServiceTest, NewPasswordEndsSessions) {
    const Session session = service_->login("wang", password, "10.0.0.7", t0);
    EXPECT_THROW(service_->change_password("wang", "short", admin_actor, t0 + 1), InputError);
    service_->change_password("wang", "another password", admin_actor, t0 + 1);
    EXPECT_TRUE(service_->authenticate(session.token, t0 + 2).anonymous());
    EXPECT_THROW((void)service_->login("wang", password, "10.0.0.7", t0 + 3), AuthenticationError);
    EXPECT_NO_THROW((void)service_->login("wang", "another password", "10.0.0.7", t0 + 4));
}

TEST_F(AuthServiceTest, ASeenSessionIsAnsweredFromMemory) {
    const Session session = service_->login("wang", password, "10.0.0.7", t0);
    ASSERT_FALSE(service_->authenticate(session.token, t0 + 1).anonymous());
    // Deleted behind the service's back (no revocation generation moved): the
    // service never looks, which shows it does not read the store per request.
    execute_sql(path_, "DELETE FROM sessions");
    EXPECT_FALSE(service_->authenticate(session.token, t0 + 2).anonymous());
    // Expiry still holds for cached sessions.
    EXPECT_TRUE(service_->authenticate(session.token, t0 + 3600).anonymous());
}

TEST_F(AuthServiceTest, RevocationsCallTheListenersAtOnce) {
    std::atomic<int> calls = 0;
    service_->on_revocation([&calls] { ++calls; });
    const Session session = service_->login("wang", password, "10.0.0.7", t0);
    EXPECT_EQ(calls, 0);
    service_->logout(session.token, "10.0.0.7", t0 + 1);
    EXPECT_EQ(calls, 1);
    service_->change_password("wang", "another password", admin_actor, t0 + 2);
    EXPECT_EQ(calls, 2);
    service_->set_disabled("wang", true, admin_actor, t0 + 3);
    EXPECT_EQ(calls, 3);
}

TEST_F(AuthServiceTest, AnotherProcesssRevocationIsSeenWithinThePollInterval) {
    // `other` stands for `wangge user` in another process: a second connection to the file.
    const AuthConfig config{.session_seconds = 3600, .throttle = {}, .revocation_poll = std::chrono::milliseconds(300)};
    AuthService server(std::make_unique<GeoPackageAuthStore>(path_), config);
    std::atomic<int> calls = 0;
    server.on_revocation([&calls] { ++calls; });
    const Session logout_me = server.login("wang", password, "10.0.0.7", t0);
    const Session disable_me = server.login("wang", password, "10.0.0.7", t0);
    ASSERT_FALSE(server.authenticate(logout_me.token, t0 + 1).anonymous());
    ASSERT_FALSE(server.authenticate(disable_me.token, t0 + 1).anonymous());

    const auto wait_until_anonymous = [&server](const std::string& token) {
        const auto start = std::chrono::steady_clock::now();
        while (!server.authenticate(token, t0 + 2).anonymous()) {
            if (std::chrono::steady_clock::now() - start > std::chrono::seconds(3)) return std::chrono::milliseconds::max();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    };
    AuthService other(std::make_unique<GeoPackageAuthStore>(path_));
    other.logout(logout_me.token, "local", t0 + 2);
    EXPECT_LE(wait_until_anonymous(logout_me.token), std::chrono::milliseconds(300 + 700));
    EXPECT_FALSE(server.authenticate(disable_me.token, t0 + 2).anonymous());

    // With no request at all, the watcher thread notices and tells the listeners.
    const int before = calls;
    other.set_disabled("wang", true, admin_actor, t0 + 3);
    const auto start = std::chrono::steady_clock::now();
    while (calls == before && std::chrono::steady_clock::now() - start < std::chrono::seconds(3)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GT(calls, before);
    EXPECT_LE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300 + 700));
    EXPECT_TRUE(server.authenticate(disable_me.token, t0 + 4).anonymous());
}

TEST_F(AuthServiceTest, AddUserChecksItsInput) {
    EXPECT_THROW(service_->add_user({.name = "wang", .role = Role::admin}, password, admin_actor, t0), InputError);
    EXPECT_THROW(service_->add_user({.name = "li", .role = Role::admin}, "1234567", admin_actor, t0), InputError);
    EXPECT_THROW(service_->add_user({.name = "li", .role = Role::grid_worker}, password, admin_actor, t0), InputError);
    EXPECT_THROW(service_->add_user({.name = "li li", .role = Role::admin}, password, admin_actor, t0), InputError);
    EXPECT_THROW(service_->add_user({.name = "li", .role = Role::admin, .staff_id = -1}, password, admin_actor, t0),
                 InputError);
    EXPECT_EQ(service_->users().size(), 1u);
}

TEST_F(AuthServiceTest, GuessingFromOneAddressBacksOffWithoutLockingTheAccount) {
    for (int i = 0; i < 4; ++i) {
        EXPECT_THROW((void)service_->login("wang", "guess " + std::to_string(i), "10.0.0.66", t0), AuthenticationError);
    }
    // The guessing address waits, even with the right password, and the refusal is audited.
    try {
        (void)service_->login("wang", password, "10.0.0.66", t0 + 1);
        FAIL() << "not throttled";
    } catch (const ThrottledError& e) {
        EXPECT_EQ(e.retry_after_seconds(), 1);
    }
    const AuditPage page = service_->audit_log({.action = "auth.login", .limit = 1});
    ASSERT_EQ(page.entries.size(), 1u);
    EXPECT_EQ(page.entries[0].outcome, Outcome::throttled);
    EXPECT_EQ(page.entries[0].client, "10.0.0.66");
    // The owner, from their own address, signs in at once: five wrong passwords lock nobody out.
    EXPECT_NO_THROW((void)service_->login("wang", password, "10.0.0.7", t0 + 1));
    // The guesser's waits double.
    EXPECT_THROW((void)service_->login("wang", "guess", "10.0.0.66", t0 + 2), AuthenticationError);
    EXPECT_THROW((void)service_->login("wang", "guess", "10.0.0.66", t0 + 3), ThrottledError);
}

TEST_F(AuthServiceTest, EverythingIsAuditLogged) {
    const Session session = service_->login("wang", password, "10.0.0.7", t0 + 1);
    EXPECT_THROW((void)service_->login("wang", "wrong password", "10.0.0.9", t0 + 2), AuthenticationError);
    service_->logout(session.token, "10.0.0.7", t0 + 3);
    AuditEntry read;
    read.at = t0 + 4;
    read.user_name = "wang";
    read.action = "households.reveal";
    read.collection = "households";
    read.record_ids = {"17"};
    service_->record(read);

    const AuditPage page = service_->audit_log({});
    ASSERT_EQ(page.total, 5u);
    const auto& e = page.entries;
    EXPECT_EQ(e[0].action, "households.reveal");
    EXPECT_EQ(e[1].action, "auth.logout");
    EXPECT_EQ(e[1].client, "10.0.0.7");
    EXPECT_EQ(e[2].action, "auth.login");
    EXPECT_EQ(e[2].outcome, Outcome::denied);
    EXPECT_EQ(e[2].client, "10.0.0.9");
    EXPECT_EQ(e[3].action, "auth.login");
    EXPECT_EQ(e[3].outcome, Outcome::ok);
    EXPECT_EQ(e[3].user_id, session.user.id);
    EXPECT_EQ(e[4].action, "user.add");
    EXPECT_EQ(e[4].user_name, "admin");
    EXPECT_EQ(e[4].record_ids, std::vector<std::string>{std::to_string(session.user.id)});
}

TEST_F(AuthServiceTest, OneServiceServesManyThreads) {
    const Session session = service_->login("wang", password, "10.0.0.7", t0);
    std::atomic<int> recognised = 0;
    std::vector<std::thread> readers;
    for (int i = 0; i < 4; ++i) {
        readers.emplace_back([&] {
            for (int k = 0; k < 100; ++k) {
                if (!service_->authenticate(session.token, t0 + 1).anonymous()) ++recognised;
                // Each audit entry is a commit with fsync: only a few keep the test fast.
                if (k % 20 != 0) continue;
                AuditEntry read;
                read.at = t0 + 1;
                read.action = "households.read";
                service_->record(read);
            }
        });
    }
    const Session other = service_->login("wang", password, "10.0.0.8", t0 + 1);
    for (std::thread& reader : readers) reader.join();
    EXPECT_EQ(recognised, 400);
    EXPECT_EQ(service_->audit_log({.action = "households.read"}).total, 20u);
    EXPECT_FALSE(service_->authenticate(other.token, t0 + 2).anonymous());
}

}  // namespace
}  // namespace wangge::auth
