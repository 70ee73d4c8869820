// The `wangge` dispatcher: usage, --help of every command, unknown commands.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace {

struct RunResult {
    int exit_code;
    std::string output;
};

/// Runs the built binary with `arguments`, capturing stdout and stderr.
RunResult wangge(const std::string& arguments) {
    const std::string command = std::string(WANGGE_BINARY_DIR) + "/src/cli/wangge " + arguments + " 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    std::string output;
    std::array<char, 4096> buffer{};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) output.append(buffer.data(), n);
    const int status = pclose(pipe.release());
    return {WEXITSTATUS(status), output};
}

}  // namespace

TEST(Cli, UsageListsCommands) {
    const RunResult run = wangge("--help");
    EXPECT_EQ(run.exit_code, 0);
    for (const char* command : {"serve", "import", "export", "generate", "validate", "report", "user"}) {
        EXPECT_NE(run.output.find(command), std::string::npos) << command;
    }
}

TEST(Cli, NoArgumentsIsAUsageError) { EXPECT_EQ(wangge("").exit_code, 2); }

TEST(Cli, UnknownCommandIsAUsageError) {
    const RunResult run = wangge("frobnicate");
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_NE(run.output.find("unknown command"), std::string::npos);
}

TEST(Cli, EveryCommandPrintsHelp) {
    for (const char* command : {"serve", "import", "export", "generate", "validate", "report", "user"}) {
        const RunResult run = wangge(std::string(command) + " --help");
        EXPECT_EQ(run.exit_code, 0) << command << ": " << run.output;
        EXPECT_NE(run.output.find("--"), std::string::npos) << command;
    }
}
