// Runs the built `wangge user` with the password on stdin and checks exit
// codes and what ends up in the store.

#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "wangge/auth/service.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::auth {
namespace {

constexpr model::Timestamp far_future = 4'000'000'000;
/// Beyond the revocation poll, for a loaded test machine.
constexpr std::chrono::milliseconds slack{1000};

/// How long after the call `service` goes on accepting `token` (polled every 10 ms, for at most 5 s).
std::chrono::milliseconds until_anonymous(const AuthService& service, const std::string& token) {
    const auto start = std::chrono::steady_clock::now();
    while (!service.authenticate(token, 1'800'000'002).anonymous()) {
        if (std::chrono::steady_clock::now() - start > std::chrono::seconds(5)) return std::chrono::milliseconds::max();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

class UserCommandTest : public ::testing::Test {
protected:
    UserCommandTest() { (void)store::GeoPackageStore::create(store_); }

    /// Runs `wangge user ARGS` with `input` on stdin; returns the exit code.
    int run(const std::string& args, const std::string& input = "") {
        const auto stdin_file = dir_ / "stdin.txt";
        std::ofstream(stdin_file) << input;
        const std::string command = std::string(WANGGE_BINARY_DIR) + "/src/cli/wangge user " + args + " < '" +
                                    stdin_file.string() + "' > '" + (dir_ / "stdout.txt").string() + "' 2> '" +
                                    (dir_ / "stderr.txt").string() + "'";
        const int status = std::system(command.c_str());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    [[nodiscard]] std::string output(const char* name) const {
        std::ifstream in(dir_ / name);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    [[nodiscard]] std::string store_arg() const { return "--store '" + store_.string() + "'"; }

    support::TempDir dir_;
    std::filesystem::path store_ = dir_ / "city.gpkg";
};

TEST_F(UserCommandTest, AddListPasswdDisable) {
    ASSERT_EQ(run("add " + store_arg() + " --name wang --role grid_worker --grids 110105001001001,110105001001002"
                  " --staff-id 7 --password-stdin",
                  "first password\n"),
              0)
        << output("stderr.txt");
    ASSERT_EQ(run("add " + store_arg() + " --name boss --role admin --password-stdin", "admin password\r\n"), 0)
        << output("stderr.txt");

    ASSERT_EQ(run("list " + store_arg()), 0) << output("stderr.txt");
    const std::string listing = output("stdout.txt");
    EXPECT_NE(listing.find("wang"), std::string::npos) << listing;
    EXPECT_NE(listing.find("110105001001001,110105001001002"), std::string::npos) << listing;
    EXPECT_NE(listing.find("boss"), std::string::npos) << listing;
    EXPECT_EQ(listing.find("argon2"), std::string::npos) << listing;

    {
        AuthService service(std::make_unique<GeoPackageAuthStore>(store_));
        EXPECT_EQ(service.login("boss", "admin password", "t", 1'800'000'000).user.role, Role::admin);
    }
    {
        // A session open in a running server when the CLI sets a new password.
        AuthService server(std::make_unique<GeoPackageAuthStore>(store_));
        const Session open = server.login("wang", "first password", "t", 1'800'000'000);
        ASSERT_FALSE(server.authenticate(open.token, 1'800'000'001).anonymous());
        ASSERT_EQ(run("passwd " + store_arg() + " --name wang --password-stdin", "second password\n"), 0)
            << output("stderr.txt");
        EXPECT_LE(until_anonymous(server, open.token), AuthConfig{}.revocation_poll + slack);
    }
    {
        AuthService service(std::make_unique<GeoPackageAuthStore>(store_));
        EXPECT_THROW((void)service.login("wang", "first password", "t", 1'800'000'000), AuthenticationError);
        const Session session = service.login("wang", "second password", "t", 1'800'000'000);
        EXPECT_EQ(session.user.staff_id, 7);
        EXPECT_FALSE(service.authenticate(session.token, 1'800'000'001).anonymous());
        ASSERT_EQ(run("disable " + store_arg() + " --name wang"), 0) << output("stderr.txt");
        // The running service sees the CLI's change within its revocation poll.
        EXPECT_LE(until_anonymous(service, session.token), AuthConfig{}.revocation_poll + slack);
        EXPECT_THROW((void)service.login("wang", "second password", "t", 1'800'000'003), AuthenticationError);
        const AuditPage log = service.audit_log({.action = "user.disable"});
        ASSERT_EQ(log.total, 1u);
        EXPECT_TRUE(log.entries[0].user_name.starts_with("cli:"));
        EXPECT_EQ(log.entries[0].client, "local");
    }
    ASSERT_EQ(run("enable " + store_arg() + " --name wang"), 0) << output("stderr.txt");
    AuthService service(std::make_unique<GeoPackageAuthStore>(store_));
    EXPECT_NO_THROW((void)service.login("wang", "second password", "t", far_future));
}

TEST_F(UserCommandTest, BadInputExitsWithTwo) {
    const std::string add = "add " + store_arg() + " --name li --password-stdin";
    EXPECT_EQ(run(add + " --role admin", "short\n"), 2);
    EXPECT_NE(output("stderr.txt").find("at least 8 characters"), std::string::npos) << output("stderr.txt");
    EXPECT_EQ(run(add + " --role admin", ""), 2);
    EXPECT_NE(output("stderr.txt").find("no password on stdin"), std::string::npos) << output("stderr.txt");
    EXPECT_EQ(run(add + " --role admin", "\n"), 2);
    EXPECT_EQ(run(add + " --role root", "long enough\n"), 2);
    EXPECT_NE(output("stderr.txt").find("unknown role 'root'"), std::string::npos) << output("stderr.txt");
    EXPECT_EQ(run(add + " --role grid_worker", "long enough\n"), 2);  // no --grids
    EXPECT_EQ(run(add + " --role grid_worker --grids 1,,2", "long enough\n"), 2);
    EXPECT_EQ(run(add, "long enough\n"), 2);  // no --role
    EXPECT_EQ(run("add " + store_arg() + " --name li --role admin", "long enough\n"), 2);  // no --password-stdin
    EXPECT_NE(output("stderr.txt").find("--password-stdin"), std::string::npos) << output("stderr.txt");
    EXPECT_EQ(run("add " + store_arg() + " --name 'li li' --role admin --password-stdin", "long enough\n"), 2);
    EXPECT_EQ(run("add --store '" + (dir_ / "missing.gpkg").string() + "' --name li --role admin --password-stdin",
                  "long enough\n"),
              2);
    EXPECT_NE(output("stderr.txt").find("no store at"), std::string::npos) << output("stderr.txt");

    ASSERT_EQ(run(add + " --role admin", "long enough\n"), 0) << output("stderr.txt");
    EXPECT_EQ(run(add + " --role admin", "long enough\n"), 2);  // exists
    EXPECT_NE(output("stderr.txt").find("user 'li' exists"), std::string::npos) << output("stderr.txt");

    EXPECT_EQ(run("passwd " + store_arg() + " --name nobody --password-stdin", "long enough\n"), 2);
    EXPECT_EQ(run("disable " + store_arg() + " --name li --role admin"), 2);
    EXPECT_EQ(run("disable " + store_arg()), 2);  // no --name
    EXPECT_EQ(run("remove " + store_arg() + " --name li"), 2);
    EXPECT_EQ(run(""), 2);
    EXPECT_EQ(run("--help"), 0);
    EXPECT_NE(output("stdout.txt").find("--password-stdin"), std::string::npos);
}

}  // namespace
}  // namespace wangge::auth
