#pragma once
// Signed-in users by session token hash, in memory, so that a request with a
// session does no SQLite read (issue #13 item 4). The store stays the truth:
// a miss reads it and fills the cache; revocation (logout, disable, password
// change) erases here as it deletes there.
//
// A fill that raced with a revocation must not bring the revoked session back:
// a caller takes epoch() before reading the store and passes it to insert(),
// which drops the entry when any erase or clear happened in between.
//
//     const std::uint64_t epoch = cache.epoch();
//     if (auto found = store.session_user(hash, now)) cache.insert(hash, *found, epoch, now);
//
// Bounded: at `capacity` entries an insert first drops the expired ones and,
// if that frees nothing, empties the cache (a later request just reads the
// store again; no answer depends on what is cached).
//
// Thread safety: every member may be called concurrently (one shared_mutex;
// find() takes it shared).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "wangge/auth/user.hpp"

namespace wangge::auth {

/// A session as the store has it: its enabled user and when it ends.
struct ActiveSession {
    User user;
    model::Timestamp expires_at = 0;
};

class SessionCache {
public:
    explicit SessionCache(std::size_t capacity);

    /// The user of an unexpired cached session; nullopt when not cached or expired.
    [[nodiscard]] std::optional<User> find(std::string_view token_hash, model::Timestamp now) const;
    /// Changes with every erase and clear; see the header comment.
    [[nodiscard]] std::uint64_t epoch() const;
    /// Caches the session unless the epoch moved since `epoch`; `now` tells
    /// which entries have expired when room must be made.
    void insert(const std::string& token_hash, const ActiveSession& session, std::uint64_t epoch,
                model::Timestamp now);

    void erase_token(std::string_view token_hash);
    void erase_user(std::int64_t user_id);
    void clear();
    [[nodiscard]] std::size_t size() const;

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
    };

    const std::size_t capacity_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, ActiveSession, Hash, std::equal_to<>> sessions_;
    std::uint64_t epoch_ = 0;
};

}  // namespace wangge::auth
