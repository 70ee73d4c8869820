#include "wangge/auth/digest.hpp"

#include <array>

#include <sodium.h>

#include "sodium.hpp"

namespace wangge::auth {

std::string sha256_base64(std::string_view bytes) {
    detail::ensure_sodium();
    std::array<unsigned char, crypto_hash_sha256_BYTES> hash{};
    crypto_hash_sha256(hash.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    std::array<char, sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)> text{};
    sodium_bin2base64(text.data(), text.size(), hash.data(), hash.size(), sodium_base64_VARIANT_ORIGINAL);
    return std::string(text.data());
}

}  // namespace wangge::auth
