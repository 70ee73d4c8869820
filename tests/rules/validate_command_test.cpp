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

TEST_F(ValidateCommand, PlanningRulesOnAStoreWithTheRulesConfig) {
    if (std::system("command -v ogr2ogr > /dev/null") != 0) GTEST_SKIP() << "ogr2ogr (gdal-bin) not installed";
    // A store: the clean layout and a households layer. 1号楼 of 阳光小区 has households in grid1 and grid2.
    const fs::path grids = write_layout("clean.geojson", layout.clean());
    nlohmann::json households = nlohmann::json::array();
    const auto add = [&](const char* grid, int members, const char* building, const char* moved_out = nullptr) {
        households.push_back({{"type", "Feature"},
                              {"properties", {{"grid_code", grid}, {"members", members}, {"compound", "阳光小区"},
                                              {"building", building},
                                              {"moved_out", moved_out ? nlohmann::json(moved_out) : nlohmann::json()}}},
                              {"geometry", {{"type", "Point"}, {"coordinates", {116.4, 39.9}}}}});
    };
    add(testing::grid1, 3, "1号楼");
    add(testing::grid1, 3, "2号楼");
    add(testing::grid2, 2, "1号楼");
    add(testing::grid3, 50, "1号楼", "2026-01-01");  // moved out: counted nowhere
    const fs::path points = dir / "households.geojson";
    std::ofstream(points) << nlohmann::json{{"type", "FeatureCollection"}, {"features", households}}.dump();
    const fs::path store = dir / "store.gpkg";
    ASSERT_EQ(std::system(("ogr2ogr -f GPKG " + store.string() + " " + grids.string() + " -nln grids").c_str()), 0);
    ASSERT_EQ(std::system(("ogr2ogr -f GPKG -update " + store.string() + " " + points.string() + " -nln households")
                              .c_str()),
              0);
    const fs::path config = dir / "rules.json";
    std::ofstream(config) << R"({"households_min": 0, "residents_min": 0, "residents_max": 4,
                                 "community_households_max": 2})";

    CommandRun result = run(store.string() + " --rules-config " + config.string());
    ASSERT_EQ(result.exit_code, 0) << result.out;  // warnings only
    nlohmann::json report = nlohmann::json::parse(result.out);
    EXPECT_EQ(report["summary"],
              (nlohmann::json{{"residents_count", 1}, {"compound_split", 1}, {"community_households", 1}}));
    for (const nlohmann::json& v : report["violations"]) {
        if (v["rule"] == "compound_split") {
            EXPECT_EQ(v["message"], "小区 阳光小区 1号楼 的住户分属 2 个网格：" + std::string(testing::grid1) + "、" +
                                        testing::grid2);
        }
    }
    // An option on the command line wins over the file.
    result = run(store.string() + " --rules-config " + config.string() + " --residents-max 10");
    EXPECT_EQ(nlohmann::json::parse(result.out)["summary"],
              (nlohmann::json{{"compound_split", 1}, {"community_households", 1}}));

    // A config that cannot be used is a usage error.
    std::ofstream(dir / "unknown.json") << R"({"households_maximum": 5})";
    std::ofstream(dir / "text.json") << R"({"households_max": "many"})";
    std::ofstream(dir / "empty_range.json") << R"({"residents_min": 500})";
    for (const char* bad : {"unknown.json", "text.json", "empty_range.json", "missing.json"}) {
        EXPECT_EQ(run(store.string() + " --rules-config " + (dir / bad).string()).exit_code, 2) << bad;
    }
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
