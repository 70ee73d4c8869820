// Bounded random-input tests of every parser of outside input (issue #8):
// the seed corpus in tests/fuzz/corpus/ and deterministic mutants of it
// (mutator.hpp), plus the nasty cases that are too big to keep as files
// (a 1e6-vertex polygon, 100k levels of nesting), built here. Each test
// stops after a fixed number of inputs or a few seconds, whichever is first.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mutator.hpp"
#include "targets.hpp"
#include "wangge/geo/geojson.hpp"

namespace wangge::fuzz {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Per corpus run; the write routes have five runs in one test.
constexpr auto time_budget = std::chrono::seconds(3);

/// The input as a C string literal, cut short, for failure messages.
std::string printable(std::string_view input) {
    std::string out;
    for (const char c : input.substr(0, 300)) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += c;
        } else {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
            out += escaped;
        }
    }
    return input.size() > 300 ? out + "… (" + std::to_string(input.size()) + " bytes)" : out;
}

/// Runs `one` on every corpus entry, then on mutants until `count` or the time budget.
void run_corpus_and_mutants(const std::vector<std::string>& corpus, std::uint32_t seed, int count,
                            const std::function<void(const std::string&)>& one,
                            Clock::duration budget = time_budget) {
    ASSERT_FALSE(corpus.empty());
    const auto check = [&](const std::string& input) {
        try {
            one(input);
        } catch (const std::exception& e) {
            ADD_FAILURE() << e.what() << "\n  input: \"" << printable(input) << '"';
        }
    };
    for (const std::string& input : corpus) check(input);
    Mutator mutator(seed);
    const auto start = Clock::now();
    for (int i = 0; i < count && Clock::now() - start < budget; ++i) check(mutator.mutate(corpus));
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string nested_objects(std::size_t depth) {
    std::string text;
    for (std::size_t i = 0; i < depth; ++i) text += "{\"a\":";
    return text + "1" + std::string(depth, '}');
}

TEST(GeoJsonRobustness, CorpusAndMutants) {
    run_corpus_and_mutants(load_corpus("geojson"), 1, 20'000, geojson_input);
}

TEST(GeoJsonRobustness, DeepNestingIsRefusedWithoutCrashing) {
    for (const std::string& text : {nested_arrays(100'000), nested_objects(100'000)}) {
        EXPECT_NO_THROW(geojson_input(text));
        const json document = json::parse(text, nullptr, false);
        EXPECT_THROW((void)geo::polygons_from_geojson(document), geo::GeoJsonError);
        // The same depth as a geometry's coordinates.
        json deep = json::parse(nested_arrays(100'000));
        EXPECT_THROW((void)geo::polygons_from_geojson({{"type", "Polygon"}, {"coordinates", std::move(deep)}}),
                     geo::GeoJsonError);
    }
}

TEST(GeoJsonRobustness, MillionVertexPolygonIsReadAndOneMoreIsRefused) {
    const auto ring = [](std::size_t vertices) {
        json positions = json::array();
        for (std::size_t i = 0; i + 1 < vertices; ++i) positions.push_back({static_cast<double>(i), 0.5 * static_cast<double>(i % 2)});
        positions.push_back({0.0, 0.0});
        return json{{"type", "Polygon"}, {"coordinates", json::array({std::move(positions)})}};
    };
    const geo::MultiPolygon read = geo::polygons_from_geojson(ring(1'000'000));
    ASSERT_EQ(read.polygons.size(), 1U);
    EXPECT_EQ(read.polygons[0].rings[0].size(), 1'000'000U);
    try {
        (void)geo::polygons_from_geojson(ring(1'000'001));
        ADD_FAILURE() << "a 1'000'001-vertex polygon was accepted";
    } catch (const geo::GeoJsonError& e) {
        EXPECT_NE(std::string(e.what()).find("too many vertices"), std::string::npos) << e.what();
    }
    // Many small rings count against the same budget as one long one.
    json rings = json::array();
    for (int i = 0; i < 250'001; ++i) rings.push_back(json::array({{0, 0}, {1, 0}, {1, 1}, {0, 0}}));
    EXPECT_THROW((void)geo::polygons_from_geojson({{"type", "Polygon"}, {"coordinates", std::move(rings)}}),
                 geo::GeoJsonError);
}

TEST(PhotoRobustness, CorpusAndMutants) { run_corpus_and_mutants(load_corpus("photo"), 19, 20'000, photo_input); }

TEST(QueryRobustness, CorpusAndMutants) { run_corpus_and_mutants(load_corpus("query"), 2, 20'000, query_input); }

TEST(PmtilesRobustness, CorpusAndMutants) {
    // Ours (a run of 64 tiles, gzip'd) and tippecanoe's (not clustered, tests/basemap/data/README.md).
    std::vector<std::string> corpus = load_corpus("pmtiles");
    std::ifstream fixture(std::filesystem::path(WANGGE_SOURCE_DIR) / "tests/basemap/data/test_fixture_1.pmtiles",
                          std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(fixture), std::istreambuf_iterator<char>());
    const PmtilesTarget target;
    run_corpus_and_mutants(corpus, 23, 5'000, [&](const std::string& input) { target.run(input); });
}

TEST(PathRobustness, CorpusAndMutantsNeverLeaveWebMap) {
    const PathTarget target;
    run_corpus_and_mutants(load_corpus("path"), 3, 10'000, [&](const std::string& path) { target.run(path); });
}

/// The write routes, each with the corpus of its body kind.
class WriteRobustness : public ::testing::Test {
protected:
    void fuzz(WriteTarget::Route route, std::string_view corpus_name, std::uint32_t seed, int count) {
        std::vector<std::string> corpus = load_corpus(corpus_name);
        corpus.push_back(nested_arrays(100'000));
        corpus.push_back(nested_objects(100'000));
        run_corpus_and_mutants(corpus, seed, count, [&](const std::string& body) { (void)target_.run(route, body); },
                               std::chrono::seconds(2));
        EXPECT_NO_THROW(target_.check_store());
    }
    WriteTarget target_;
};

TEST_F(WriteRobustness, IncidentBodies) {
    fuzz(WriteTarget::Route::incident, "incident", 10, 300);
    fuzz(WriteTarget::Route::transition, "incident", 11, 200);
}

TEST_F(WriteRobustness, VisitBodies) { fuzz(WriteTarget::Route::visit, "visit", 12, 300); }

TEST_F(WriteRobustness, DraftEditBodies) {
    fuzz(WriteTarget::Route::draft_add, "draft", 13, 200);
    fuzz(WriteTarget::Route::draft_update, "draft", 14, 200);
    fuzz(WriteTarget::Route::draft_split, "draft", 15, 200);
    fuzz(WriteTarget::Route::draft_move_border, "draft", 16, 200);
    fuzz(WriteTarget::Route::draft_snap, "draft", 17, 200);
    fuzz(WriteTarget::Route::draft_move_vertex, "draft", 19, 200);
    fuzz(WriteTarget::Route::draft_check, "draft", 20, 200);
}

TEST_F(WriteRobustness, ValidateBodies) { fuzz(WriteTarget::Route::validate, "validate", 18, 300); }

}  // namespace
}  // namespace wangge::fuzz
