// The `wangge` dispatcher: usage, --help of every command, unknown commands.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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

/// Issue #17: households' personal fields leave the store only with
/// --include-personal, and that export is in the audit log (read with GDAL).
TEST(Cli, ExportWritesPersonalFieldsOnlyWhenAskedAndAuditsIt) {
    std::string pattern = (std::filesystem::temp_directory_path() / "wangge-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    const std::filesystem::path dir = pattern;
    const std::string store = (dir / "city.gpkg").string();
    ASSERT_EQ(wangge("generate --grids 4 --households 20 --incidents 0 --visits 0 --out " + store).exit_code, 0);

    const RunResult plain = wangge("export --store " + store + " --layer households " + (dir / "plain.csv").string());
    EXPECT_EQ(plain.exit_code, 0) << plain.output;
    const RunResult full = wangge("export --store " + store + " --layer households --include-personal --headers zh " +
                                  (dir / "full.csv").string());
    EXPECT_EQ(full.exit_code, 0) << full.output;
    EXPECT_NE(full.output.find("audited"), std::string::npos) << full.output;
    const auto first_line = [](const std::filesystem::path& path) {
        std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "r"), std::fclose);
        std::array<char, 4096> line{};
        return file && std::fgets(line.data(), line.size(), file.get()) ? std::string(line.data()) : std::string();
    };
    EXPECT_EQ(first_line(dir / "plain.csv").find("id_number"), std::string::npos);
    EXPECT_NE(first_line(dir / "full.csv").find("身份证号"), std::string::npos) << first_line(dir / "full.csv");

    const std::string query = "/usr/bin/ogrinfo -ro -q " + store +
                              " -sql \"SELECT action, detail FROM audit_log WHERE action = 'households.export'\" 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(query.c_str(), "r"), pclose);
    std::string audit;
    std::array<char, 4096> buffer{};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) audit.append(buffer.data(), n);
    EXPECT_NE(audit.find("full.csv"), std::string::npos) << audit;
    EXPECT_EQ(audit.find("plain.csv"), std::string::npos) << audit;

    EXPECT_NE(wangge("export --store " + store + " --layer households --headers fr " + (dir / "x.csv").string())
                  .exit_code,
              0);
    std::filesystem::remove_all(dir);
}
