// `wangge validate` as a user runs it: the built binary, real files, exit codes.

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "planted_layout.hpp"
#include "wangge/geo/geojson.hpp"

namespace wangge::rules {
namespace {

namespace fs = std::filesystem;

struct CommandRun {
    int exit_code = -1;
    std::string out;
};

CommandRun run(const std::string& arguments) {
    const std::string command = std::string(WANGGE_BINARY_DIR) + "/src/cli/wangge validate " + arguments + " 2>/dev/null";
    CommandRun result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

class ValidateCommand : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("wangge_validate_" + std::to_string(::getpid()));
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }

    fs::path write_layout(const std::string& name, const std::vector<model::Grid>& grids) const {
        nlohmann::json features = nlohmann::json::array();
        for (const model::Grid& g : grids) {
            nlohmann::json properties{{"code", g.code}, {"name", g.name}, {"level", model::to_string(g.level)}};
            if (!g.parent_code.empty()) properties["parent_code"] = g.parent_code;
            features.push_back({{"type", "Feature"}, {"properties", properties}, {"geometry", geo::to_geojson(g.geometry)}});
        }
        const fs::path path = dir / name;
        std::ofstream(path) << nlohmann::json{{"type", "FeatureCollection"}, {"features", features}}.dump();
        return path;
    }

    fs::path dir;
    testing::PlantedLayout layout;
};

TEST_F(ValidateCommand, SampleCommunityIsValid) {
    const CommandRun result = run(std::string(WANGGE_SOURCE_DIR) + "/data/grids.geojson");
    EXPECT_EQ(result.exit_code, 0) << result.out;
    const nlohmann::json report = nlohmann::json::parse(result.out);
    EXPECT_EQ(report["valid"], true);
    EXPECT_EQ(report["grids"], 16);
}

TEST_F(ValidateCommand, ViolationsExitOneWithJsonReport) {
    const fs::path file = write_layout("overlap.geojson", layout.with(testing::grid2, layout.rectangle(90, 200)));
    const CommandRun result = run(file.string());
    EXPECT_EQ(result.exit_code, 1);
    const nlohmann::json report = nlohmann::json::parse(result.out);
    EXPECT_EQ(report["valid"], false);
    EXPECT_EQ(report["summary"], (nlohmann::json{{"overlap", 1}}));
    EXPECT_NEAR(report["violations"][0]["area_m2"].get<double>(), 2000.0, 1.0);
}

TEST_F(ValidateCommand, TextFormatAndNoiseThresholds) {
    const fs::path file = write_layout("sliver.geojson", layout.with(testing::grid2, layout.rectangle(101, 200)));
    const CommandRun text = run(file.string() + " --format text");
    EXPECT_EQ(text.exit_code, 1);
    EXPECT_NE(text.out.find("error\tgap\t"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("INVALID: 5 grids"), std::string::npos) << text.out;
    // A 1 m sliver is noise when the minimum width is 2 m.
    EXPECT_EQ(run(file.string() + " --min-width-m 2").exit_code, 0);
}

TEST_F(ValidateCommand, SeparateParentFile) {
    std::vector<model::Grid> grids = layout.with(testing::grid3, layout.rectangle(200, 400));
    const fs::path parents = write_layout("parents.geojson", {grids.begin(), grids.begin() + 2});
    const fs::path children = write_layout("children.geojson", {grids.begin() + 2, grids.end()});
    const CommandRun result = run(children.string() + " --parent " + parents.string());
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(nlohmann::json::parse(result.out)["summary"], (nlohmann::json{{"outside_parent", 1}}));
}

TEST_F(ValidateCommand, ReadsGeoPackageLayers) {
    if (std::system("command -v ogr2ogr > /dev/null") != 0) GTEST_SKIP() << "ogr2ogr (gdal-bin) not installed";
    const fs::path source = write_layout("clean.geojson", layout.clean());
    const fs::path gpkg = dir / "layout.gpkg";
    ASSERT_EQ(std::system(("ogr2ogr -f GPKG " + gpkg.string() + " " + source.string() + " -nln grids").c_str()), 0);
    EXPECT_EQ(run(gpkg.string()).exit_code, 0);
    EXPECT_EQ(run(gpkg.string() + " --layer grids").exit_code, 0);
    EXPECT_EQ(run(gpkg.string() + " --layer nope").exit_code, 2);
}

TEST_F(ValidateCommand, UnreadableInputExitsTwo) {
    const fs::path junk = dir / "junk.geojson";
    std::ofstream(junk) << "{ not json";
    EXPECT_EQ(run(junk.string()).exit_code, 2);
    EXPECT_EQ(run((dir / "missing.geojson").string()).exit_code, 2);
    EXPECT_EQ(run("").exit_code, 2);
    EXPECT_EQ(run(junk.string() + " --format xml").exit_code, 2);
}

}  // namespace
}  // namespace wangge::rules
