#pragma once
// Session tokens: 32 random bytes handed to the client as base64url. The
// server keeps only their BLAKE2b hash, so a leaked sessions table cannot be
// replayed.
//
// Thread safety: the functions may be called from any thread.

#include <cstddef>
#include <string>
#include <string_view>

namespace wangge::auth {

inline constexpr std::size_t token_bytes = 32;

struct IssuedToken {
    std::string token;  ///< for the client: 43 characters of base64url without padding
    std::string hash;   ///< for the store: token_hash(token)
};

/// A fresh token from the operating system's random source.
[[nodiscard]] IssuedToken issue_token();

/// BLAKE2b-256 of the token text, as 64 lowercase hex digits.
[[nodiscard]] std::string token_hash(std::string_view token);

/// True when `text` has the shape of an issued token (length and alphabet),
/// so that junk from a cookie never reaches the store.
[[nodiscard]] bool looks_like_token(std::string_view text) noexcept;

}  // namespace wangge::auth
