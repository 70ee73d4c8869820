#pragma once
// gzip Content-Encoding. The server applies compress_if_accepted() to every
// handler response, so handlers return plain bodies; a handler that caches
// its own gzipped bytes sets Content-Encoding itself and is left alone.

#include <cstddef>
#include <string>
#include <string_view>

#include "wangge/http/router.hpp"

namespace wangge::http {

/// gzip (RFC 1952) of `data`; zlib level 1–9.
[[nodiscard]] std::string gzip(std::string_view data, int level = 6);

/// Gzips the body when the client accepts gzip, the content type is text,
/// JSON, JavaScript or MVT, the body has at least `min_size` bytes and no
/// Content-Encoding is set yet; never files or streams. Adds Accept-Encoding
/// to the Vary header of such responses.
void compress_if_accepted(const Request& request, Response& response, std::size_t min_size = 1024);

}  // namespace wangge::http
