#include "wangge/auth/password.hpp"

#include <sodium.h>

#include "sodium.hpp"
#include "utf8.hpp"
#include "wangge/error.hpp"

namespace wangge::auth {

void check_password_rules(std::string_view password) {
    if (password.size() > max_password_length) {
        throw InputError("password is longer than " + std::to_string(max_password_length) + " bytes");
    }
    const auto characters = detail::split_utf8(password);
    if (!characters) throw InputError("password is not valid UTF-8");
    if (characters->size() < min_password_length) {
        throw InputError("password must have at least " + std::to_string(min_password_length) + " characters");
    }
}

std::string hash_password(std::string_view password) {
    detail::ensure_sodium();
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        throw Error("out of memory while hashing a password");
    }
    return hash;
}

bool verify_password(std::string_view hash, std::string_view password) {
    detail::ensure_sodium();
    // libsodium wants a NUL-terminated hash string of bounded length.
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
    const std::string terminated(hash);
    return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

}  // namespace wangge::auth
