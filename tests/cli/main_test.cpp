// The `wangge` dispatcher: usage, --help of every command, unknown commands;
// `wangge import` end to end (exit codes, summary, report).

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
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
    for (const char* command : {"serve", "import", "export", "generate", "validate", "report", "user", "basemap", "print", "migrate"}) {
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
    for (const char* command : {"serve", "import", "export", "generate", "validate", "report", "user", "basemap", "print", "migrate"}) {
        const RunResult run = wangge(std::string(command) + " --help");
        EXPECT_EQ(run.exit_code, 0) << command << ": " << run.output;
        EXPECT_NE(run.output.find("--"), std::string::npos) << command;
    }
}

TEST(Cli, MigrateUsageErrorsExitTwo) {
    EXPECT_EQ(wangge("migrate").exit_code, 2);
    EXPECT_EQ(wangge("migrate --from a.gpkg").exit_code, 2);
    const RunResult from_database = wangge("migrate --from postgresql://h/a --to postgresql://h/b");
    EXPECT_EQ(from_database.exit_code, 2);
    EXPECT_NE(from_database.output.find("expected a GeoPackage file"), std::string::npos) << from_database.output;
    const RunResult to_file = wangge("migrate --from a.gpkg --to b.gpkg");
    EXPECT_EQ(to_file.exit_code, 2);
    EXPECT_NE(to_file.output.find("expected a postgresql:// address"), std::string::npos) << to_file.output;
    EXPECT_EQ(wangge("migrate --from a.gpkg --to postgresql://h/b --frob").exit_code, 2);
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

/// Issue #16: generate writes its city's basemap next to the store, `basemap`
/// derives one from a store, and serve refuses a file that is not MBTiles.
TEST(Cli, BasemapsAreWrittenAndBadOnesRefused) {
    std::string pattern = (std::filesystem::temp_directory_path() / "wangge-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    const std::filesystem::path dir = pattern;
    const std::string store = (dir / "city.gpkg").string();
    const RunResult generated = wangge("generate --grids 6 --households 300 --incidents 0 --out " + store);
    ASSERT_EQ(generated.exit_code, 0) << generated.output;
    EXPECT_NE(generated.output.find("city.basemap.mbtiles"), std::string::npos) << generated.output;
    const auto layers_of = [](const std::filesystem::path& file) {
        const std::string command = "/usr/bin/ogrinfo -ro -q " + file.string() + " 2>&1";
        std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
        std::string out;
        std::array<char, 4096> buffer{};
        while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) out.append(buffer.data(), n);
        return out;
    };
    for (const char* layer : {"streets", "compounds", "buildings"}) {
        EXPECT_NE(layers_of(dir / "city.basemap.mbtiles").find(layer), std::string::npos) << layer;
    }
    const RunResult derived = wangge("basemap --store " + store + " --out " + (dir / "derived.mbtiles").string());
    EXPECT_EQ(derived.exit_code, 0) << derived.output;
    EXPECT_NE(layers_of(dir / "derived.mbtiles").find("buildings"), std::string::npos);
    EXPECT_EQ(wangge("basemap --store " + store + " --out " + (dir / "derived.mbtiles").string()).exit_code, 2)
        << "never overwrites";
    // PMTiles by the name; converted back to MBTiles, GDAL reads its tiles.
    const RunResult pmtiles = wangge("basemap --store " + store + " --out " + (dir / "derived.pmtiles").string());
    EXPECT_EQ(pmtiles.exit_code, 0) << pmtiles.output;
    char magic[7] = {};
    std::ifstream(dir / "derived.pmtiles", std::ios::binary).read(magic, sizeof magic);
    EXPECT_EQ(std::string(magic, sizeof magic), "PMTiles");
    const RunResult converted = wangge("basemap --convert " + (dir / "derived.pmtiles").string() + " --out " +
                                       (dir / "converted.mbtiles").string());
    EXPECT_EQ(converted.exit_code, 0) << converted.output;
    EXPECT_NE(layers_of(dir / "converted.mbtiles").find("buildings"), std::string::npos);
    EXPECT_EQ(wangge("basemap --store " + store + " --convert a.mbtiles --out b.pmtiles").exit_code, 2);

    std::ofstream(dir / "bad.mbtiles") << "not a database";
    const RunResult refused = wangge("serve --store " + store + " --port 0 --basemap " + (dir / "bad.mbtiles").string());
    EXPECT_EQ(refused.exit_code, 2) << refused.output;
    EXPECT_NE(refused.output.find("bad.mbtiles"), std::string::npos) << refused.output;
    const RunResult both = wangge("serve --store " + store + " --basemap a.mbtiles --basemap-url https://a/{z}/{x}/{y}.png "
                                  "--basemap-attribution x");
    EXPECT_EQ(both.exit_code, 2) << both.output;
    std::filesystem::remove_all(dir);
}

/// `wangge print` on a generated city with its own basemap (named streets):
/// a community's batch PDF has its overview and a page per grid; bad
/// arguments and unknown codes exit 2.
TEST(Cli, PrintsACommunityOfAGeneratedCity) {
    std::string pattern = (std::filesystem::temp_directory_path() / "wangge-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    const std::filesystem::path dir = pattern;
    const std::string store = (dir / "city.gpkg").string();
    const std::string basemap = (dir / "city.basemap.mbtiles").string();
    ASSERT_EQ(wangge("generate --grids 12 --households 1200 --incidents 0 --seed 3 --out " + store).exit_code, 0);
    const std::string community = "110105001001";  // the generator numbers from 001 at each level
    const std::string pdf = (dir / "community.pdf").string();
    const RunResult printed = wangge("print --store " + store + " --basemap " + basemap + " --community " + community +
                                     " --out " + pdf + " --size A3");
    ASSERT_EQ(printed.exit_code, 0) << printed.output;
    std::cout << "[ print    ] " << printed.output;
    const std::string command = "pdfinfo " + pdf + " 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    std::string info;
    std::array<char, 4096> buffer{};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) info.append(buffer.data(), n);
    EXPECT_NE(info.find("(A3)"), std::string::npos) << info;
    const auto pages = info.find("Pages:");
    ASSERT_NE(pages, std::string::npos) << info;
    EXPECT_GE(std::stoi(info.substr(pages + 6)), 3) << "the community and its grids";
    EXPECT_EQ(wangge("print --store " + store + " --grid 110105999999999 --out " + (dir / "x.pdf").string()).exit_code, 2);
    EXPECT_EQ(wangge("print --store " + store + " --community " + community + " --out " + (dir / "x.svg").string()).exit_code, 2);
    EXPECT_EQ(wangge("print --store " + store + " --community " + community + " --size B5 --out " + pdf).exit_code, 2);
    std::filesystem::remove_all(dir);
}

namespace {

void write(const std::filesystem::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

/// One grid, 第一网格, as GeoJSON.
constexpr const char* one_grid = R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"110105001001001","name":"第一网格","level":"grid"},
 "geometry":{"type":"Polygon","coordinates":[[[116.40,39.90],[116.41,39.90],[116.41,39.91],[116.40,39.91],[116.40,39.90]]]}}]})";

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

// `wangge import` end to end: a roster with Chinese headers and one bad row is
// refused (exit 1), checked by a dry run, imported with --skip-bad and reported.
TEST(CliImport, RefusesBadRowsDryRunsSkipsAndReports) {
    std::string pattern = (std::filesystem::temp_directory_path() / "wangge-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    const std::filesystem::path dir = pattern;
    write(dir / "grids.geojson", one_grid);
    write(dir / "roster.csv",
          "编号,户主姓名,人数,小区,经度,纬度\n1,张三,3,幸福小区,116.405,39.905\n2,李四,三口,幸福小区,116.405,39.905\n");
    const std::string store = (dir / "s.gpkg").string();
    const std::string roster = (dir / "roster.csv").string();
    ASSERT_EQ(wangge("import --create --store " + store + " --layer grids " + (dir / "grids.geojson").string()).exit_code,
              0);

    const RunResult refused = wangge("import --store " + store + " --layer households " + roster);
    EXPECT_EQ(refused.exit_code, 1) << refused.output;
    EXPECT_NE(refused.output.find("1 new, 0 updated, 0 unchanged, 1 refused (nothing written)"), std::string::npos)
        << refused.output;
    EXPECT_NE(refused.output.find("row 2, 人数 '三口': 不是整数"), std::string::npos) << refused.output;

    const RunResult dry = wangge("import --dry-run --skip-bad --store " + store + " --layer households " + roster);
    EXPECT_EQ(dry.exit_code, 0) << dry.output;
    EXPECT_NE(dry.output.find("(dry run: nothing written)"), std::string::npos) << dry.output;

    const std::string report = (dir / "report.csv").string();
    const RunResult skipped =
        wangge("import --skip-bad --report " + report + " --store " + store + " --layer households " + roster);
    EXPECT_EQ(skipped.exit_code, 0) << skipped.output;
    EXPECT_NE(skipped.output.find("1 new, 0 updated, 0 unchanged, 1 refused\n"), std::string::npos) << skipped.output;
    EXPECT_NE(read(report).find("2,人数,三口,不是整数"), std::string::npos) << read(report);

    // Stored once: the same roster again with --update finds it unchanged.
    const RunResult again =
        wangge("import --update --skip-bad --store " + store + " --layer households " + roster);
    EXPECT_NE(again.output.find("0 new, 0 updated, 1 unchanged, 1 refused"), std::string::npos) << again.output;

    // A roster with only addresses: the stored household places 幸福小区, 无名小区 matches nothing.
    write(dir / "addresses.csv", "户主姓名,小区\n王五,幸福小区\n赵六,无名小区\n");
    const std::string addresses = (dir / "addresses.csv").string();
    const RunResult unmatched = wangge("import --store " + store + " --layer households " + addresses);
    EXPECT_EQ(unmatched.exit_code, 1) << unmatched.output;
    EXPECT_NE(unmatched.output.find("row 2, 小区 '无名小区': 地址无法匹配到库中的小区或楼栋"), std::string::npos)
        << unmatched.output;
    const RunResult placed = wangge("import --skip-bad --store " + store + " --layer households " + addresses);
    EXPECT_EQ(placed.exit_code, 0) << placed.output;
    EXPECT_NE(placed.output.find("1 new, 0 updated, 0 unchanged, 1 refused; 1 placed by address\n"), std::string::npos)
        << placed.output;

    EXPECT_EQ(wangge("import --store " + store + " --layer households " + (dir / "missing.csv").string()).exit_code,
              2);
    std::filesystem::remove_all(dir);
}

// `wangge report` writes the 15分钟生活圈 sheet (every grid × every service
// kind), with the kinds of --rules-config; a bad service kind there is exit 2.
TEST(Cli, ReportHasTheServiceCircleSheet) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("wangge-cli-report-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const std::string store = (dir / "city.gpkg").string();
    ASSERT_EQ(wangge("generate --grids 6 --households 300 --incidents 20 --no-basemap --out " + store).exit_code, 0);
    const std::string config = (dir / "rules.json").string();
    std::ofstream(config) << R"({"service_circles": {"health": {"distance_m": 1500}}})";
    const std::string out = (dir / "month.xlsx").string();
    const RunResult run = wangge("report --store " + store + " --month 2026-05 --out " + out + " --rules-config " + config);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    const std::string command = "ogrinfo -ro -al -q " + out + " 15分钟生活圈 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    std::string sheet;
    std::array<char, 4096> buffer{};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) sheet.append(buffer.data(), n);
    for (const char* kind : {"卫生服务站", "养老服务", "党群服务中心", "菜市场/商业", "学校", "文体", "避难场所"}) {
        EXPECT_NE(sheet.find(std::string("服务类型 (String) = ") + kind), std::string::npos) << kind << '\n' << sheet;
    }
    EXPECT_NE(sheet.find("覆盖率(%) (Real) ="), std::string::npos) << sheet;

    std::ofstream(config) << R"({"service_circles": {"zoo": {"distance_m": 10}}})";
    const RunResult bad = wangge("report --store " + store + " --month 2026-05 --out " + out + " --rules-config " + config);
    EXPECT_EQ(bad.exit_code, 2) << bad.output;
    EXPECT_NE(bad.output.find("zoo"), std::string::npos) << bad.output;
    std::filesystem::remove_all(dir);
}

namespace {

/// Runs SQL on the PostgreSQL server at WANGGE_TEST_PG with psql; its output.
std::string psql(const std::string& uri, const std::string& sql) {
    const std::string command = "psql -X -q -t -A '" + uri + "' -c \"" + sql + "\" 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    std::string output;
    std::array<char, 4096> buffer{};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) output.append(buffer.data(), n);
    return output;
}

std::string with_database(const std::string& uri, const std::string& name) {
    return uri.substr(0, uri.rfind('/') + 1) + name;
}

}  // namespace

// Issue #14: the commands that read and write entity layers work on a
// PostGIS store given as a postgresql:// address (import creates it).
TEST(CliPostgis, ImportsIntoExportsFromAndReportsOnADatabase) {
    const char* server = std::getenv("WANGGE_TEST_PG");
    if (server == nullptr || *server == '\0') GTEST_SKIP() << "WANGGE_TEST_PG is not set (scripts/pg-test start DIR)";
    const std::string name = "wangge_cli_" + std::to_string(getpid());
    const std::string generated_name = name + "_generated";
    for (const std::string& db : {name, generated_name}) {
        (void)psql(server, "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
        ASSERT_EQ(psql(server, "CREATE DATABASE " + db), "") << db;
    }
    const std::string store = with_database(server, name);
    std::string pattern = (std::filesystem::temp_directory_path() / "wangge-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    const std::filesystem::path dir = pattern;
    write(dir / "grids.geojson", one_grid);
    write(dir / "roster.csv", "户主姓名,身份证号,人数,小区,经度,纬度\n张三,110105195001011234,3,幸福小区,116.405,39.905\n"
                              "李四,,1,幸福小区,116.406,39.906\n");

    const RunResult missing = wangge("import --store " + store + " --layer grids " + (dir / "grids.geojson").string());
    EXPECT_EQ(missing.exit_code, 2) << missing.output;
    EXPECT_NE(missing.output.find("--create"), std::string::npos) << missing.output;
    const RunResult grids =
        wangge("import --create --store " + store + " --layer grids " + (dir / "grids.geojson").string());
    ASSERT_EQ(grids.exit_code, 0) << grids.output;
    const RunResult households =
        wangge("import --store " + store + " --layer households " + (dir / "roster.csv").string());
    EXPECT_EQ(households.exit_code, 0) << households.output;
    EXPECT_NE(households.output.find("2 new"), std::string::npos) << households.output;
    EXPECT_EQ(psql(store, "SELECT count(*) FROM households WHERE grid_code = '110105001001001'"), "2\n");

    const RunResult exported = wangge("export --store " + store + " --layer households --include-personal " +
                                      (dir / "households.csv").string());
    EXPECT_EQ(exported.exit_code, 0) << exported.output;
    EXPECT_NE(read(dir / "households.csv").find("110105195001011234"), std::string::npos) << read(dir / "households.csv");
    EXPECT_EQ(psql(store, "SELECT count(*) FROM audit_log WHERE action = 'households.export'"), "1\n");
    const RunResult geojson =
        wangge("export --store " + store + " --layer grids " + (dir / "grids-out.geojson").string());
    EXPECT_EQ(geojson.exit_code, 0) << geojson.output;
    EXPECT_NE(read(dir / "grids-out.geojson").find("第一网格"), std::string::npos);

    // A first import into a database that fails leaves no empty store behind.
    const std::string city = with_database(server, generated_name);
    const RunResult failed =
        wangge("import --create --store " + city + " --layer grids " + (dir / "missing.geojson").string());
    EXPECT_NE(failed.exit_code, 0) << failed.output;
    EXPECT_EQ(psql(city, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'"),
              "0\n");

    // generate into an empty database, then a monthly report from it.
    const RunResult generated =
        wangge("generate --grids 4 --households 40 --incidents 20 --visits 10 --no-basemap --out " + city);
    ASSERT_EQ(generated.exit_code, 0) << generated.output;
    EXPECT_NE(wangge("generate --grids 4 --households 40 --no-basemap --out " + city).output.find("already exists"),
              std::string::npos);
    const RunResult report =
        wangge("report --store " + city + " --month 2026-10 --out " + (dir / "report.xlsx").string());
    EXPECT_EQ(report.exit_code, 0) << report.output;
    EXPECT_TRUE(std::filesystem::exists(dir / "report.xlsx"));

    // Messages name the address without its password.
    std::string with_password = with_database(server, "no_such_database");
    with_password.insert(with_password.find('@'), ":s3cret");
    const RunResult refused = wangge("export --store " + with_password + " --layer grids " + (dir / "x.csv").string());
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.output.find("no_such_database"), std::string::npos) << refused.output;
    EXPECT_EQ(refused.output.find("s3cret"), std::string::npos) << refused.output;

    for (const std::string& db : {name, generated_name}) (void)psql(server, "DROP DATABASE " + db + " WITH (FORCE)");
    std::filesystem::remove_all(dir);
}
