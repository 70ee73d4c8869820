#include "wangge/auth/session_cache.hpp"

#include <mutex>
#include <stdexcept>

namespace wangge::auth {

SessionCache::SessionCache(std::size_t capacity) : capacity_(capacity) {
    if (capacity_ == 0) throw std::invalid_argument("session cache capacity must be positive");
}

std::optional<User> SessionCache::find(std::string_view token_hash, model::Timestamp now) const {
    const std::shared_lock lock(mutex_);
    const auto found = sessions_.find(token_hash);
    if (found == sessions_.end() || found->second.expires_at <= now) return std::nullopt;
    return found->second.user;
}

std::uint64_t SessionCache::epoch() const {
    const std::shared_lock lock(mutex_);
    return epoch_;
}

void SessionCache::insert(const std::string& token_hash, const ActiveSession& session, std::uint64_t epoch,
                          model::Timestamp now) {
    const std::unique_lock lock(mutex_);
    if (epoch != epoch_) return;
    if (sessions_.size() >= capacity_ && !sessions_.contains(token_hash)) {
        std::erase_if(sessions_, [now](const auto& entry) { return entry.second.expires_at <= now; });
        if (sessions_.size() >= capacity_) sessions_.clear();
    }
    sessions_.insert_or_assign(token_hash, session);
}

void SessionCache::erase_token(std::string_view token_hash) {
    const std::unique_lock lock(mutex_);
    ++epoch_;
    if (const auto found = sessions_.find(token_hash); found != sessions_.end()) sessions_.erase(found);
}

void SessionCache::erase_user(std::int64_t user_id) {
    const std::unique_lock lock(mutex_);
    ++epoch_;
    std::erase_if(sessions_, [user_id](const auto& entry) { return entry.second.user.id == user_id; });
}

void SessionCache::clear() {
    const std::unique_lock lock(mutex_);
    ++epoch_;
    sessions_.clear();
}

std::size_t SessionCache::size() const {
    const std::shared_lock lock(mutex_);
    return sessions_.size();
}

}  // namespace wangge::auth
