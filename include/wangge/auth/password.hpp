#pragma once
// Password rules and Argon2id hashing (libsodium crypto_pwhash, interactive
// limits: about 64 MiB and a tenth of a second per hash).
//
// Thread safety: the functions may be called from any thread.

#include <cstddef>
#include <string>
#include <string_view>

namespace wangge::auth {

inline constexpr std::size_t min_password_length = 8;     ///< characters
inline constexpr std::size_t max_password_length = 1024;  ///< bytes; bounds the work a request can cause

/// Throws InputError when the password is shorter than 8 characters, longer
/// than 1024 bytes or not valid UTF-8.
void check_password_rules(std::string_view password);

/// The self-describing Argon2id string ("$argon2id$v=19$m=…"), salted at random.
[[nodiscard]] std::string hash_password(std::string_view password);

/// True when `password` matches `hash` (constant time in the password); false
/// for a wrong password or a malformed hash.
[[nodiscard]] bool verify_password(std::string_view hash, std::string_view password);

}  // namespace wangge::auth
