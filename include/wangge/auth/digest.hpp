#pragma once
// SHA-256 for content that must be named by its hash outside the auth module:
// the inline scripts a Content-Security-Policy allows ('sha256-…').
//
// Thread safety: may be called from any thread.

#include <string>
#include <string_view>

namespace wangge::auth {

/// SHA-256 of `bytes`, base64 with padding (the form CSP hash sources use).
[[nodiscard]] std::string sha256_base64(std::string_view bytes);

}  // namespace wangge::auth
