#include "sodium.hpp"

#include <sodium.h>

#include "wangge/error.hpp"

namespace wangge::auth::detail {

void ensure_sodium() {
    static const int status = sodium_init();  // 0 first time, 1 when already done, -1 on failure
    if (status < 0) throw Error("libsodium cannot be initialised");
}

}  // namespace wangge::auth::detail
