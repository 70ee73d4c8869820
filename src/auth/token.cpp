#include "wangge/auth/token.hpp"

#include <algorithm>
#include <array>

#include <sodium.h>

#include "sodium.hpp"

namespace wangge::auth {

namespace {

constexpr std::size_t hash_bytes = crypto_generichash_BYTES;  // 32
constexpr std::size_t token_length = 43;                      // base64 of 32 bytes, unpadded

bool is_base64url(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_';
}

}  // namespace

IssuedToken issue_token() {
    detail::ensure_sodium();
    std::array<unsigned char, token_bytes> random{};
    randombytes_buf(random.data(), random.size());
    std::array<char, sodium_base64_ENCODED_LEN(token_bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)> text{};
    sodium_bin2base64(text.data(), text.size(), random.data(), random.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(random.data(), random.size());
    IssuedToken issued;
    issued.token = text.data();
    issued.hash = token_hash(issued.token);
    return issued;
}

std::string token_hash(std::string_view token) {
    detail::ensure_sodium();
    std::array<unsigned char, hash_bytes> hash{};
    crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                       nullptr, 0);
    std::array<char, hash_bytes * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), hash.data(), hash.size());
    return hex.data();
}

bool looks_like_token(std::string_view text) noexcept {
    return text.size() == token_length && std::all_of(text.begin(), text.end(), is_base64url);
}

}  // namespace wangge::auth
