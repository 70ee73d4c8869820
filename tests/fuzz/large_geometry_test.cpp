// Issue #8 item 3: the largest polygons a client can send to POST /validate
// and the draft routes get a 4xx or a correct answer, in bounded time and
// memory. In process, past the server's 8 MB body limit, which answers 413
// to a 1e6-vertex ring written at 7 decimals (25 MB; tests/http/durability_test.cpp).
// Label slow: a circle at the per-grid cap of 100k vertices takes seconds to validate.

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "targets.hpp"

namespace wangge::fuzz {
namespace {

/// A closed ring of `vertices` positions around the sample grid, as GeoJSON
/// text: a circle at 7 decimals, or (`compact`) small integers, the most
/// vertices that fit the server's 8 MB body limit, whose segments all cross.
std::string ring_polygon_text(std::size_t vertices, bool compact) {
    std::string text = R"({"type":"Polygon","coordinates":[[)";
    constexpr double pi = 3.14159265358979323846;
    for (std::size_t i = 0; i + 1 < vertices; ++i) {
        const double angle = 2 * pi * static_cast<double>(i) / static_cast<double>(vertices - 1);
        char position[64];
        if (compact) {
            std::snprintf(position, sizeof position, "[%d,%d],", static_cast<int>(i % 7), static_cast<int>(i % 5));
        } else {
            std::snprintf(position, sizeof position, "[%.7f,%.7f],", 116.405 + 0.004 * std::cos(angle),
                          39.905 + 0.004 * std::sin(angle));
        }
        text += position;
    }
    return text + (compact ? "[0,0]" : "[116.409,39.905]") + "]]}";
}

std::string collection(const std::string& geometry) {
    return R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"110105001001001"},"geometry":)" +
           geometry + "}]}";
}

long peak_rss_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

class LargeGeometry : public ::testing::Test {
protected:
    http::Status expect_bounded_answer(WriteTarget::Route route, const std::string& body) {
        const long rss_before = peak_rss_kib();
        const auto start = std::chrono::steady_clock::now();
        const http::Status status = target_.run(route, body);  // throws on a 5xx
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const long rss_growth_mib = (peak_rss_kib() - rss_before) / 1024;
        RecordProperty("answer", std::to_string(static_cast<unsigned>(status)) + " in " + std::to_string(seconds) +
                                     " s, peak RSS +" + std::to_string(rss_growth_mib) + " MiB");
        EXPECT_LT(seconds, 120.0);  // sanitizer builds are several times slower
        EXPECT_LT(rss_growth_mib, 1024);
        return status;
    }
    WriteTarget target_;
};

TEST_F(LargeGeometry, LargestCircleUnderTheBodyLimitIsRefusedAsTooLarge) {
    const std::string body = collection(ring_polygon_text(320'000, false));
    ASSERT_LT(body.size(), 8U * 1024 * 1024);
    EXPECT_EQ(expect_bounded_answer(WriteTarget::Route::validate, body), http::Status::payload_too_large);
}

TEST_F(LargeGeometry, CircleAtThePerGridCapIsValidated) {
    EXPECT_EQ(expect_bounded_answer(WriteTarget::Route::validate, collection(ring_polygon_text(100'000, false))),
              http::Status::ok);
}

// Past the per-grid cap of 100k vertices (rules::FeatureLimits): refused at
// once, before the rules buffer or repair anything.
TEST_F(LargeGeometry, MillionVertexCircleDraftEditIsRefused) {
    const http::Status status = expect_bounded_answer(
        WriteTarget::Route::draft_update, R"({"geometry":)" + ring_polygon_text(1'000'000, false) + "}");
    EXPECT_EQ(status, http::Status::bad_request);
}

TEST_F(LargeGeometry, MillionVertexSelfCrossingRingIsRefused) {
    const std::string compact = ring_polygon_text(1'000'000, true);
    ASSERT_LT(compact.size(), 8U * 1024 * 1024);
    EXPECT_EQ(expect_bounded_answer(WriteTarget::Route::validate, collection(compact)), http::Status::payload_too_large);
    EXPECT_EQ(expect_bounded_answer(WriteTarget::Route::draft_update, R"({"geometry":)" + compact + "}"),
              http::Status::bad_request);
}

// Under the cap, a ring whose segments all cross is reported invalid without
// a repair (GEOS MakeValid would need O(n²) memory; rules::Options::max_repair_vertices).
TEST_F(LargeGeometry, SelfCrossingRingUnderTheCapIsAnswered) {
    expect_bounded_answer(WriteTarget::Route::validate, collection(ring_polygon_text(100'000, true)));
    expect_bounded_answer(WriteTarget::Route::draft_update,
                          R"({"geometry":)" + ring_polygon_text(100'000, true) + "}");
}

}  // namespace
}  // namespace wangge::fuzz
