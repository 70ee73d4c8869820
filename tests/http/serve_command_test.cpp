// `wangge serve` end to end: a GeoPackage store written by the store module,
// the real executable on an ephemeral port, and SIGTERM for a graceful stop.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <regex>

#include <gtest/gtest.h>

#include "test_server.hpp"
#include "wangge/store/geopackage.hpp"

extern char** environ;

namespace wangge::http::test {
namespace {

const std::string wangge_binary = WANGGE_BINARY_DIR "/src/cli/wangge";

/// A child process with its stdout on a pipe.
class Child {
public:
    explicit Child(std::vector<std::string> args) {
        int fds[2];
        if (pipe(fds) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        std::vector<char*> argv;
        for (std::string& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        const int error = posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        if (error != 0) {
            close(fds[0]);
            throw std::system_error(error, std::generic_category(), "posix_spawn " + args[0]);
        }
        out_ = fdopen(fds[0], "r");
    }
    ~Child() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            wait();
        }
        if (out_ != nullptr) std::fclose(out_);
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    /// The next line of stdout; empty at end of file.
    std::string read_line() {
        std::array<char, 512> buffer{};
        return std::fgets(buffer.data(), buffer.size(), out_) != nullptr ? std::string(buffer.data()) : std::string();
    }
    void signal(int number) const { kill(pid_, number); }
    /// The exit status, or -1 when killed by a signal.
    int wait() {
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    pid_t pid_ = -1;
    FILE* out_ = nullptr;
};

TEST(ServeCommand, ServesAStoreOnAnEphemeralPortAndStopsOnSigterm) {
    TempDir dir;
    const std::filesystem::path path = dir.path() / "community.gpkg";
    {
        auto store = store::GeoPackageStore::create(path);
        model::Dataset data = sample_dataset();
        store.append(data);
    }
    Child server({wangge_binary, "serve", "--store", path.string(), "--port", "0", "--threads", "2", "--quiet",
                  "--web", (dir.path() / "web").string()});
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

TEST(ServeCommand, BadArgumentsExitWith2) {
    TempDir dir;
    for (std::vector<std::string> args : {
             std::vector<std::string>{wangge_binary, "serve"},
             std::vector<std::string>{wangge_binary, "serve", "--store", (dir.path() / "missing.gpkg").string()},
             std::vector<std::string>{wangge_binary, "serve", "--store", "x.gpkg", "--port", "99999"},
             std::vector<std::string>{wangge_binary, "serve", "--store", "x.gpkg", "--colour", "red"},
         }) {
        Child child(args);
        EXPECT_EQ(child.wait(), 2) << args.back();
    }
}

}  // namespace
}  // namespace wangge::http::test
