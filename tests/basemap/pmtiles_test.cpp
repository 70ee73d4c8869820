// PMTiles v3: tile ids against the spec's table, a real producer's file
// (tippecanoe, tests/basemap/data/README.md) read and its tile decoded with
// GDAL, our writer read back (runs, deduplication, leaf directories), the
// header fields checked from the raw bytes, corrupt and truncated files
// refused without reading out of bounds (run under ASan), format dispatch by
// magic, and conversion between MBTiles and PMTiles.

#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gdal_mvt.hpp"
#include "support/temp_dir.hpp"
#include "wangge/basemap/mbtiles.hpp"
#include "wangge/basemap/pmtiles.hpp"
#include "wangge/http/compression.hpp"

using namespace wangge;
using namespace wangge::basemap;

namespace {

using support::TempDir;

const std::filesystem::path fixture = std::filesystem::path(WANGGE_SOURCE_DIR) / "tests/basemap/data/test_fixture_1.pmtiles";

std::string file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::uint64_t u64_at(std::string_view bytes, std::size_t offset) {
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = value << 8 | static_cast<unsigned char>(bytes[offset + static_cast<std::size_t>(i)]);
    return value;
}

MbtilesMetadata vector_metadata() {
    MbtilesMetadata metadata;
    metadata.values = {{"name", "测试底图"},
                       {"format", "pbf"},
                       {"minzoom", "1"},
                       {"maxzoom", "14"},
                       {"bounds", "116.4,39.9,116.5,40"},
                       {"center", "116.45,39.95,13"},
                       {"attribution", "© 测试"},
                       {"json", R"({"vector_layers":[{"id":"streets","fields":{"name":"String"}}]})"}};
    return metadata;
}

std::string gzip_tile(std::string_view text) { return http::gzip(text); }

/// Every tile of the archive, by tile.
std::map<std::tuple<int, std::uint32_t, std::uint32_t>, std::string> all_tiles(const TileArchive& archive) {
    std::map<std::tuple<int, std::uint32_t, std::uint32_t>, std::string> out;
    archive.for_each_tile([&](const tiles::TileId& tile, std::string_view bytes) {
        EXPECT_TRUE(out.emplace(std::tuple{tile.z, tile.x, tile.y}, bytes).second) << "visited twice";
    });
    return out;
}

/// Opens the file and reads the probes as a server would; whether it was
/// refused. MbtilesError naming the file is the only way out allowed.
bool refused(const std::filesystem::path& path, const std::vector<tiles::TileId>& probes) {
    try {
        const PmtilesReader reader(path);
        for (const tiles::TileId& tile : probes) (void)reader.tile(tile);
        return false;
    } catch (const MbtilesError& error) {
        EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
        return true;
    }
}

}  // namespace

TEST(PmtilesIds, FollowTheSpecsHilbertCurves) {
    const std::vector<std::pair<tiles::TileId, std::uint64_t>> table{
        {{0, 0, 0}, 0}, {{1, 0, 0}, 1}, {{1, 0, 1}, 2}, {{1, 1, 1}, 3}, {{1, 1, 0}, 4}, {{2, 0, 0}, 5},
        {{12, 3423, 1763}, 19078479}};
    for (const auto& [tile, id] : table) {
        EXPECT_EQ(tile_id(tile), id) << tile.z << "/" << tile.x << "/" << tile.y;
        EXPECT_EQ(tile_of_id(id), tile);
    }
    // Every tile of the low zooms once, in a row; deep ones round-trip.
    std::uint64_t next = 0;
    for (int z = 0; z <= 5; ++z) {
        std::vector<std::uint64_t> ids;
        for (std::uint32_t x = 0; x < (1u << z); ++x) {
            for (std::uint32_t y = 0; y < (1u << z); ++y) ids.push_back(tile_id({z, x, y}));
        }
        std::sort(ids.begin(), ids.end());
        for (const std::uint64_t id : ids) EXPECT_EQ(id, next++);
    }
    std::mt19937 random(7);
    for (int i = 0; i < 1000; ++i) {
        const int z = static_cast<int>(random() % (tiles::max_zoom + 1));
        const tiles::TileId tile{z, static_cast<std::uint32_t>(random() & ((1u << z) - 1)),
                                 static_cast<std::uint32_t>(random() & ((1u << z) - 1))};
        EXPECT_EQ(tile_of_id(tile_id(tile)), tile);
    }
    EXPECT_EQ(tile_of_id(tile_id({tiles::max_zoom + 1, 0, 0})), std::nullopt);
}

TEST(PmtilesReader, ReadsTippecanoesFile) {
    const auto archive = open_tile_archive(fixture);
    ASSERT_NE(dynamic_cast<const PmtilesReader*>(archive.get()), nullptr);
    const MbtilesMetadata& metadata = archive->metadata();
    EXPECT_EQ(metadata.format(), "pbf");
    EXPECT_EQ(metadata.get("name"), "test_fixture_1.pmtiles");
    EXPECT_EQ(metadata.get("type"), "overlay");
    EXPECT_EQ(metadata.get("version"), "2");
    EXPECT_EQ(metadata.numbers("bounds", 4), (std::vector<double>{0, 0, 0.9999999, 1}));
    EXPECT_EQ(metadata.numbers("center", 3), (std::vector<double>{0, 0, 0}));
    EXPECT_EQ(archive->min_zoom(), 0);
    EXPECT_EQ(archive->max_zoom(), 0);
    const auto json = nlohmann::json::parse(metadata.get("json"));
    EXPECT_EQ(json["vector_layers"][0]["id"], "test_fixture_1pmtiles");
    EXPECT_EQ(json["generator"], "tippecanoe v2.5.0");
    EXPECT_FALSE(json.contains("name"));  // a row of its own

    const std::optional<std::string> tile = archive->tile({0, 0, 0});
    ASSERT_TRUE(tile);
    EXPECT_EQ(tile->size(), 69U);
    ASSERT_TRUE(is_gzip(*tile));
    const auto features = tiles::test::decode_with_gdal(gunzip(*tile, fixture), {0, 0, 0});
    ASSERT_EQ(features.size(), 1U);
    EXPECT_EQ(features[0].layer, "test_fixture_1pmtiles");
    EXPECT_EQ(archive->tile({1, 0, 0}), std::nullopt);
    EXPECT_EQ(all_tiles(*archive).size(), 1U);
}

TEST(PmtilesWriter, RoundTripWithRunsAndRepeats) {
    const TempDir dir;
    const auto path = dir.path() / "a.pmtiles";
    const std::string sea = gzip_tile("sea");
    const std::string land = gzip_tile("land");
    std::map<std::tuple<int, std::uint32_t, std::uint32_t>, std::string> expected;
    {
        PmtilesWriter writer(path, vector_metadata());
        // Written out of order: the writer sorts. Every zoom-3 tile is sea
        // (one entry with a run of 64), bar two land tiles; zoom 2 repeats land.
        for (std::uint32_t x = 0; x < 8; ++x) {
            for (std::uint32_t y = 0; y < 8; ++y) expected[{3, x, y}] = sea;
        }
        expected[{3, 5, 2}] = land;
        expected[{3, 6, 6}] = land;
        expected[{2, 1, 1}] = land;
        expected[{1, 0, 1}] = gzip_tile("one");
        for (auto it = expected.rbegin(); it != expected.rend(); ++it) {
            writer.put({std::get<0>(it->first), std::get<1>(it->first), std::get<2>(it->first)}, it->second);
        }
        writer.finish();
    }
    const std::string bytes = file_bytes(path);
    ASSERT_EQ(bytes.substr(0, 8), std::string("PMTiles\x03", 8));
    EXPECT_EQ(u64_at(bytes, 72), expected.size());  // addressed tiles
    EXPECT_EQ(u64_at(bytes, 88), 3U);               // distinct contents: sea, land, one
    EXPECT_LT(u64_at(bytes, 80), 10U);              // entries: the sea runs merged
    EXPECT_EQ(u64_at(bytes, 48), 0U);               // no leaves needed
    EXPECT_EQ(bytes[96], 1);                        // clustered
    EXPECT_EQ(bytes[97], 2);                        // gzip directories
    EXPECT_EQ(bytes[98], 2);                        // gzip tiles
    EXPECT_EQ(bytes[99], 1);                        // mvt

    const PmtilesReader reader(path);
    EXPECT_EQ(all_tiles(reader), expected);
    EXPECT_EQ(reader.tile({3, 5, 2}), land);
    EXPECT_EQ(reader.tile({3, 5, 3}), sea);
    EXPECT_EQ(reader.tile({2, 0, 0}), std::nullopt);
    EXPECT_EQ(reader.tile({4, 0, 0}), std::nullopt);
    EXPECT_EQ(reader.min_zoom(), 1);
    EXPECT_EQ(reader.max_zoom(), 14);
    EXPECT_EQ(reader.metadata().get("name"), "测试底图");
    EXPECT_EQ(reader.metadata().get("attribution"), "© 测试");
    EXPECT_EQ(reader.metadata().numbers("bounds", 4), (std::vector<double>{116.4, 39.9, 116.5, 40}));
    EXPECT_EQ(reader.metadata().numbers("center", 3), (std::vector<double>{116.45, 39.95, 13}));
    EXPECT_EQ(nlohmann::json::parse(reader.metadata().get("json"))["vector_layers"][0]["id"], "streets");
}

TEST(PmtilesWriter, RefusesClashesAndLeavesNothingUnfinished) {
    const TempDir dir;
    const auto path = dir.path() / "a.pmtiles";
    {
        PmtilesWriter writer(path, vector_metadata());
        writer.put({0, 0, 0}, gzip_tile("x"));
        EXPECT_TRUE(std::filesystem::exists(path));  // claimed at once
    }
    EXPECT_FALSE(std::filesystem::exists(path));
    {
        PmtilesWriter writer(path, vector_metadata());
        writer.put({0, 0, 0}, gzip_tile("x"));
        EXPECT_THROW(writer.put({1, 0, 0}, "plain"), MbtilesError);  // one tile compression per file
        writer.put({0, 0, 0}, gzip_tile("y"));
        EXPECT_THROW(writer.finish(), MbtilesError);  // the same tile twice
    }
    EXPECT_FALSE(std::filesystem::exists(path));
    PmtilesWriter(path, vector_metadata()).finish();
    EXPECT_THROW(PmtilesWriter(path, vector_metadata()), MbtilesError);  // never overwrites
    MbtilesMetadata tiff;
    tiff.values = {{"format", "tiff"}};
    EXPECT_THROW(PmtilesWriter(dir.path() / "b.pmtiles", tiff), MbtilesError);
    const PmtilesReader empty(path);
    EXPECT_TRUE(all_tiles(empty).empty());
}

namespace {

/// An archive whose root directory would not fit 16 KiB: scattered tiles of
/// irregular sizes (so gzip cannot squeeze the directory).
class PmtilesLeaves : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir;
        tiles_ = new std::map<std::tuple<int, std::uint32_t, std::uint32_t>, std::string>;
        std::mt19937 random(16);
        while (tiles_->size() < 30000) {
            const std::uint32_t x = random() % (1u << 14);
            const std::uint32_t y = random() % (1u << 14);
            (*tiles_)[{14, x, y}] = std::string(1 + random() % 24, static_cast<char>('a' + random() % 26));
        }
        MbtilesMetadata metadata;
        metadata.values = {{"format", "png"}, {"name", "影像"}};
        PmtilesWriter writer(path(), metadata);
        for (const auto& [key, bytes] : *tiles_) writer.put({std::get<0>(key), std::get<1>(key), std::get<2>(key)}, bytes);
        writer.finish();
    }
    static void TearDownTestSuite() {
        delete tiles_;
        delete dir_;
    }
    static std::filesystem::path path() { return dir_->path() / "leaves.pmtiles"; }
    /// Some stored tiles and some missing ones.
    static std::vector<tiles::TileId> probes() {
        std::vector<tiles::TileId> out;
        for (auto it = tiles_->begin(); it != tiles_->end(); std::advance(it, 2000)) {
            out.push_back({std::get<0>(it->first), std::get<1>(it->first), std::get<2>(it->first)});
            out.push_back({14, std::get<1>(it->first), std::get<2>(it->first) ^ 1});
            if (std::distance(it, tiles_->end()) <= 2000) break;
        }
        return out;
    }

    static inline TempDir* dir_ = nullptr;
    static inline std::map<std::tuple<int, std::uint32_t, std::uint32_t>, std::string>* tiles_ = nullptr;
};

}  // namespace

TEST_F(PmtilesLeaves, RootFitsTheFirst16KiBAndLeavesHoldTheRest) {
    const std::string bytes = file_bytes(path());
    EXPECT_GT(u64_at(bytes, 48), 0U) << "leaf directories";
    EXPECT_LE(u64_at(bytes, 8) + u64_at(bytes, 16), 16384U);
    EXPECT_EQ(bytes[98], 1);  // png tiles are not gzip'd
    EXPECT_EQ(bytes[99], 2);  // png
    const PmtilesReader reader(path());
    EXPECT_EQ(reader.metadata().format(), "png");
    EXPECT_EQ(reader.min_zoom(), 14);  // from the tiles: the metadata had none
    EXPECT_EQ(all_tiles(reader), *tiles_);
    for (const tiles::TileId& probe : probes()) {
        const auto found = tiles_->find({probe.z, probe.x, probe.y});
        EXPECT_EQ(reader.tile(probe), found == tiles_->end() ? std::nullopt : std::optional(found->second));
    }
}

TEST_F(PmtilesLeaves, CorruptFilesGiveErrorsNamingThem) {
    const TempDir dir;
    const std::string good = file_bytes(path());
    const auto broken = dir.path() / "broken.pmtiles";
    // Truncated anywhere (the header, the root, the metadata, the leaves, the
    // tiles): the sections the header names no longer fit the file.
    for (std::size_t length = 0; length < good.size(); length += 1 + length / 3) {
        write_bytes(broken, std::string_view(good).substr(0, length));
        EXPECT_TRUE(refused(broken, probes())) << length;
    }
    // Garbled bytes in the header and directories (the tiles themselves are
    // opaque): refused or read, never a crash or a read out of bounds.
    const std::size_t data_offset = u64_at(good, 56);
    std::mt19937 random(3);
    int refusals = 0;
    for (int i = 0; i < 250; ++i) {
        std::string bad = good;
        const std::size_t at = i < 127 ? static_cast<std::size_t>(i) : random() % data_offset;
        bad[at] = static_cast<char>(bad[at] ^ (1 + random() % 255));
        write_bytes(broken, bad);
        refusals += refused(broken, probes()) ? 1 : 0;
    }
    EXPECT_GT(refusals, 80);
}

TEST(PmtilesReader, RefusesWhatItCannotServeWithTheReason) {
    const TempDir dir;
    const std::string good = file_bytes(fixture);
    const auto refused = [&](std::size_t at, char value, const std::string& reason) {
        std::string bad = good;
        bad[at] = value;
        const auto path = dir.path() / "bad.pmtiles";
        write_bytes(path, bad);
        try {
            const auto archive = open_tile_archive(path);
            ADD_FAILURE() << "opened with byte " << at << " = " << int(value);
        } catch (const MbtilesError& error) {
            EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
            EXPECT_NE(std::string(error.what()).find(reason), std::string::npos) << error.what();
        }
    };
    refused(7, 2, "version 2");
    refused(97, 3, "internal compression 3");
    refused(98, 4, "tile compression 4");
    refused(99, 5, "tile type 5");
    refused(23, 1, "truncated");    // a root directory past the end
    refused(153, 0, "metadata");    // a broken gzip header
    write_bytes(dir.path() / "short.pmtiles", "PMTiles\x03");
    EXPECT_THROW((void)open_tile_archive(dir.path() / "short.pmtiles"), MbtilesError);
    EXPECT_THROW((void)open_tile_archive(dir.path() / "missing.pmtiles"), MbtilesError);
}

TEST(TileArchives, TheFirstBytesDecideTheFormat) {
    const TempDir dir;
    // A PMTiles file named .mbtiles is read as PMTiles, and the other way round.
    std::filesystem::copy_file(fixture, dir.path() / "renamed.mbtiles");
    EXPECT_NE(dynamic_cast<const PmtilesReader*>(open_tile_archive(dir.path() / "renamed.mbtiles").get()), nullptr);
    {
        MbtilesWriter writer(dir.path() / "renamed.pmtiles", vector_metadata());
        writer.put({0, 0, 0}, gzip_tile("x"));
        writer.finish();
    }
    EXPECT_NE(dynamic_cast<const MbtilesReader*>(open_tile_archive(dir.path() / "renamed.pmtiles").get()), nullptr);
    // Writing goes by the name.
    create_tile_archive(dir.path() / "new.pmtiles", vector_metadata())->finish();
    create_tile_archive(dir.path() / "new.mbtiles", vector_metadata())->finish();
    EXPECT_NE(dynamic_cast<const PmtilesReader*>(open_tile_archive(dir.path() / "new.pmtiles").get()), nullptr);
    EXPECT_NE(dynamic_cast<const MbtilesReader*>(open_tile_archive(dir.path() / "new.mbtiles").get()), nullptr);
    // Neither: said so, naming the file.
    write_bytes(dir.path() / "notes.pmtiles", "not tiles at all");
    write_bytes(dir.path() / "empty.mbtiles", "");
    for (const char* name : {"notes.pmtiles", "empty.mbtiles", "missing.mbtiles"}) {
        try {
            (void)open_tile_archive(dir.path() / name);
            ADD_FAILURE() << name;
        } catch (const MbtilesError& error) {
            EXPECT_NE(std::string(error.what()).find((dir.path() / name).string()), std::string::npos) << error.what();
        }
    }
}

TEST(TileArchives, ConvertBetweenMbtilesAndPmtiles) {
    const TempDir dir;
    const auto mbtiles = dir.path() / "a.mbtiles";
    {
        MbtilesWriter writer(mbtiles, vector_metadata());
        writer.put({2, 1, 0}, gzip_tile("north"));
        writer.put({2, 1, 3}, gzip_tile("south"));
        writer.put({14, 13493, 6209}, gzip_tile("city"));
        writer.finish();
    }
    const auto original = open_tile_archive(mbtiles);
    EXPECT_EQ(copy_tile_archive(*original, dir.path() / "b.pmtiles"), 3U);
    const auto pmtiles = open_tile_archive(dir.path() / "b.pmtiles");
    EXPECT_EQ(copy_tile_archive(*pmtiles, dir.path() / "c.mbtiles"), 3U);
    const auto back = open_tile_archive(dir.path() / "c.mbtiles");
    EXPECT_EQ(all_tiles(*pmtiles), all_tiles(*original));
    EXPECT_EQ(all_tiles(*back), all_tiles(*original));
    EXPECT_EQ(back->tile({2, 1, 0}), gzip_tile("north"));
    for (const char* key : {"name", "format", "attribution", "minzoom", "maxzoom"}) {
        EXPECT_EQ(back->metadata().get(key), original->metadata().get(key)) << key;
    }
    EXPECT_EQ(back->metadata().numbers("bounds", 4), original->metadata().numbers("bounds", 4));
    EXPECT_EQ(back->metadata().numbers("center", 3), original->metadata().numbers("center", 3));
    EXPECT_EQ(nlohmann::json::parse(back->metadata().get("json")), nlohmann::json::parse(original->metadata().get("json")));
    EXPECT_THROW(copy_tile_archive(*original, dir.path() / "b.pmtiles"), MbtilesError);  // never overwrites
}
