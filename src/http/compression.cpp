#include "wangge/http/compression.hpp"

#include <array>
#include <limits>
#include <memory>
#include <stdexcept>

#include <zlib.h>

namespace wangge::http {

namespace {

struct DeflateEnd {
    void operator()(z_stream* stream) const noexcept { deflateEnd(stream); }
};

constexpr std::array<std::string_view, 6> compressible_prefixes{
    "text/", "application/json", "application/geo+json", "application/javascript", "image/svg+xml",
    "application/vnd.mapbox-vector-tile"};

void add_vary_accept_encoding(Response& response) {
    // Keep what the handler varies on (e.g. the session of a per-user response).
    const std::string_view vary = response.header("Vary");
    response.set_header("Vary", vary.empty() ? std::string("Accept-Encoding") : std::string(vary) + ", Accept-Encoding");
}

}  // namespace

std::string gzip(std::string_view data, int level) {
    if (data.size() > std::numeric_limits<uInt>::max()) throw std::length_error("gzip: input too large");
    // As nginx does, a body shorter than the 32 KiB window gets a smaller
    // window and hash table: deflateInit2 allocates and clears 256 KiB at
    // full size, more than compressing a few KiB costs; a window longer than
    // the body finds no more matches.
    int window_bits = 15;
    int memory_level = 8;
    while (window_bits > 9 && data.size() < (std::size_t{1} << (window_bits - 1)) - 262) {
        --window_bits;
        --memory_level;
    }
    z_stream stream{};
    // windowBits + 16 selects the gzip wrapper instead of zlib's.
    if (deflateInit2(&stream, level, Z_DEFLATED, window_bits + 16, memory_level, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("gzip: deflateInit2 failed");
    }
    const std::unique_ptr<z_stream, DeflateEnd> guard(&stream);
    std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
    // zlib's API is not const-correct; it never writes through next_in.
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("gzip: deflate did not finish");
    out.resize(stream.total_out);
    return out;
}

std::string gzip_for_cache(std::string_view body, int level) {
    return body.size() < min_gzip_size ? std::string() : gzip(body, level);
}

void use_precompressed(const Request& request, Response& response, std::string_view gzipped) {
    if (gzipped.empty()) return;  // compress_if_accepted() will not compress it either
    add_vary_accept_encoding(response);
    if (!accepts_encoding(request, "gzip")) return;
    response.body() = std::string(gzipped);
    response.set_header("Content-Encoding", "gzip");
}

void compress_if_accepted(const Request& request, Response& response, std::size_t min_size) {
    // A stream's bytes do not exist yet, and gzip would hold them back until a block fills.
    if (response.file_path() || response.streamed() || response.body().size() < min_size || !response.header("Content-Encoding").empty()) {
        return;
    }
    const std::string_view type = response.header("Content-Type");
    const bool compressible = std::ranges::any_of(compressible_prefixes,
                                                  [type](std::string_view prefix) { return type.starts_with(prefix); });
    if (!compressible) return;
    add_vary_accept_encoding(response);
    if (!accepts_encoding(request, "gzip")) return;
    response.body() = gzip(response.body(), per_response_gzip_level);
    response.set_header("Content-Encoding", "gzip");
}

}  // namespace wangge::http
