#pragma once
// libsodium's one-time initialisation.
//
// Private to the auth module. Thread safety: may be called from any thread.

namespace wangge::auth::detail {

/// Initialises libsodium once per process (a function-local static, so
/// concurrent first calls are safe); throws wangge::Error when it cannot.
void ensure_sodium();

}  // namespace wangge::auth::detail
