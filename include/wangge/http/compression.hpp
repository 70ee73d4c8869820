#pragma once
// gzip Content-Encoding. The server applies compress_if_accepted() to every
// handler response, so handlers return plain bodies; a handler that caches
// its own gzipped bytes (gzip_for_cache) answers with use_precompressed()
// and is left alone.

#include <cstddef>
#include <string>
#include <string_view>

#include "wangge/http/router.hpp"

namespace wangge::http {

/// Shorter bodies are sent as they are: the saving would not pay for the work.
inline constexpr std::size_t min_gzip_size = 1024;

/// zlib levels: a body compressed for one response gets the fastest level
/// (about twice as fast as 6 for a few percent more bytes, as nginx's
/// default); a body a cache sends many times is compressed once, harder.
inline constexpr int per_response_gzip_level = 1;
inline constexpr int cached_gzip_level = 6;

/// gzip (RFC 1952) of `data`; zlib level 1–9.
[[nodiscard]] std::string gzip(std::string_view data, int level = cached_gzip_level);

/// What a cache keeps next to a body it sends many times: its gzip, or
/// nothing when the body is shorter than min_gzip_size.
[[nodiscard]] std::string gzip_for_cache(std::string_view body, int level = cached_gzip_level);

/// Sends `gzipped` (from gzip_for_cache) instead of the body when it is not
/// empty and the client accepts gzip. Call after the handler set its Vary.
void use_precompressed(const Request& request, Response& response, std::string_view gzipped);

/// Gzips the body when the client accepts gzip, the content type is text,
/// JSON, JavaScript or MVT, the body has at least `min_size` bytes and no
/// Content-Encoding is set yet; never files or streams. Adds Accept-Encoding
/// to the Vary header of such responses.
void compress_if_accepted(const Request& request, Response& response, std::size_t min_size = min_gzip_size);

}  // namespace wangge::http
