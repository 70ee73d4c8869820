#include "wangge/http/compression.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include "support/test_app.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

std::string gunzip(const std::string& data) {
    z_stream stream{};
    EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
    std::string out(1 << 20, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
    out.resize(stream.total_out);
    inflateEnd(&stream);
    return out;
}

Request with_encoding(std::string_view accept) {
    return Request(Method::get, "/", {{"Accept-Encoding", std::string(accept)}}, {});
}

TEST(Gzip, RoundTrips) {
    const std::string text(5000, 'x');
    const std::string packed = gzip(text);
    EXPECT_LT(packed.size(), 100u);
    EXPECT_EQ(static_cast<unsigned char>(packed[0]), 0x1f);  // gzip magic
    EXPECT_EQ(gunzip(packed), text);
    EXPECT_EQ(gunzip(gzip("")), "");
}

TEST(Gzip, BodiesOfEverySizeAndLevelRoundTrip) {
    // Bodies around each window size (smaller bodies get smaller windows) and
    // text that repeats from far back, at both levels the server uses.
    std::string text;
    for (int i = 0; text.size() < 200'000; ++i) text += "网格" + std::to_string(i * 7919 % 1000) + ",";
    for (const std::size_t size : {1u, 200u, 250u, 251u, 500u, 511u, 1024u, 4000u, 8192u, 16000u, 32767u, 32768u,
                                   70'000u, 200'000u}) {
        const std::string body = text.substr(0, size);
        for (const int level : {per_response_gzip_level, cached_gzip_level}) {
            EXPECT_EQ(gunzip(gzip(body, level)), body) << size << " bytes at level " << level;
        }
    }
}

TEST(Gzip, PrecompressedBodiesGoToWillingClientsOnly) {
    const std::string tile(3000, 't');
    const std::string cached = gzip_for_cache(tile);
    EXPECT_EQ(gunzip(cached), tile);
    EXPECT_EQ(gzip_for_cache(std::string(min_gzip_size - 1, 't')), "");

    Response willing = Response::bytes(tile, "application/vnd.mapbox-vector-tile");
    willing.set_header("Vary", "Authorization, Cookie");
    use_precompressed(with_encoding("gzip"), willing, cached);
    EXPECT_EQ(willing.body(), cached);
    EXPECT_EQ(willing.header("Content-Encoding"), "gzip");
    EXPECT_EQ(willing.header("Vary"), "Authorization, Cookie, Accept-Encoding");
    // The server's own pass leaves it alone.
    compress_if_accepted(with_encoding("gzip"), willing);
    EXPECT_EQ(willing.body(), cached);

    Response unwilling = Response::bytes(tile, "application/vnd.mapbox-vector-tile");
    use_precompressed(with_encoding("identity"), unwilling, cached);
    EXPECT_EQ(unwilling.body(), tile);
    EXPECT_EQ(unwilling.header("Content-Encoding"), "");
    EXPECT_EQ(unwilling.header("Vary"), "Accept-Encoding");

    Response small = Response::bytes("tiny", "application/vnd.mapbox-vector-tile");
    use_precompressed(with_encoding("gzip"), small, gzip_for_cache("tiny"));
    EXPECT_EQ(small.body(), "tiny");
    EXPECT_EQ(small.header("Content-Encoding"), "");
}

TEST(Gzip, OnlyCompressibleLargeBodiesForWillingClients) {
    const nlohmann::json big(std::vector<int>(2000, 7));
    Response json = Response::json(big);
    compress_if_accepted(with_encoding("gzip, deflate"), json);
    EXPECT_EQ(json.header("Content-Encoding"), "gzip");
    EXPECT_EQ(json.header("Vary"), "Accept-Encoding");
    EXPECT_EQ(nlohmann::json::parse(gunzip(json.body())), big);

    Response refused = Response::json(big);
    compress_if_accepted(with_encoding("identity"), refused);
    EXPECT_EQ(refused.header("Content-Encoding"), "");
    EXPECT_EQ(refused.header("Vary"), "Accept-Encoding");

    Response small = Response::json({{"a", 1}});
    compress_if_accepted(with_encoding("gzip"), small);
    EXPECT_EQ(small.header("Content-Encoding"), "");

    Response png = Response::bytes(std::string(5000, 'p'), "image/png");
    compress_if_accepted(with_encoding("gzip"), png);
    EXPECT_EQ(png.header("Content-Encoding"), "");

    Response cached = Response::bytes(gzip(std::string(5000, 't')), "application/vnd.mapbox-vector-tile");
    cached.set_header("Content-Encoding", "gzip");
    const std::string before = cached.body();
    compress_if_accepted(with_encoding("gzip"), cached);
    EXPECT_EQ(cached.body(), before);
}

TEST(Gzip, StreamsAreNeverCompressed) {
    Response stream = Response::stream("text/event-stream", [](std::shared_ptr<StreamSink>) { return nullptr; });
    compress_if_accepted(with_encoding("gzip"), stream, 0);
    EXPECT_EQ(stream.header("Content-Encoding"), "");
    EXPECT_EQ(stream.header("Vary"), "");
}

TEST(Gzip, ServerCompressesWhenAsked) {
    TestServer server;
    const Reply plain = server.get("/collections/grids/items");
    EXPECT_EQ(plain.header("Content-Encoding"), "");
    const Reply packed = server.get("/collections/grids/items", {{"Accept-Encoding", "gzip"}});
    EXPECT_EQ(packed.header("Content-Encoding"), "gzip");
    EXPECT_LT(packed.body.size(), plain.body.size());
    const nlohmann::json unpacked = nlohmann::json::parse(gunzip(packed.body));
    EXPECT_EQ(unpacked["features"], plain.json()["features"]);
}

}  // namespace
}  // namespace wangge::http::test
