#include "wangge/auth/service.hpp"

#include <algorithm>
#include <utility>

#include "wangge/auth/password.hpp"
#include "wangge/auth/token.hpp"

namespace wangge::auth {

namespace {

constexpr const char* wrong_credentials = "wrong user name or password";

// Throttle keys stay short, so the throttle's memory is bounded in bytes too:
// names are checked to be at most 64 characters, addresses are cut at 64 bytes
// (an IPv6 address has at most 45).
constexpr std::size_t max_client_length = 64;

AuditEntry audit_entry(model::Timestamp now, std::string action, std::string collection, std::string_view client) {
    AuditEntry entry;
    entry.at = now;
    entry.action = std::move(action);
    entry.collection = std::move(collection);
    entry.client = client;
    return entry;
}

bool valid_user_name(std::string_view name) {
    try {
        check_user_name(name);
        return true;
    } catch (const InputError&) {
        return false;
    }
}

}  // namespace

ThrottledError::ThrottledError(std::int64_t retry_after_seconds)
    : Error("too many failed logins; try again in " + std::to_string(retry_after_seconds) + " s"),
      retry_after_seconds_(retry_after_seconds) {}

AuthService::AuthService(std::unique_ptr<AuthStore> store, AuthConfig config)
    : config_(config),
      store_(std::move(store)),
      audit_batcher_(config_.audit_commit
                         ? config_.audit_commit
                         : AuditBatcher::Commit([this](std::span<AuditEntry> entries) { store_->append_audit(entries); })),
      throttle_(config.throttle),
      cache_(config.session_cache_capacity) {
    if (config_.session_seconds < 1) throw Error("session lifetime must be positive");
    if (config_.revocation_poll.count() < 0) throw Error("revocation poll interval must not be negative");
    known_generation_ = store_->revocation_generation();
}

Session AuthService::login(std::string_view name, std::string_view password, std::string_view client,
                           model::Timestamp now) {
    client = client.substr(0, max_client_length);
    // Junk names are not copied into the log.
    const bool plausible_name = valid_user_name(name);
    AuditEntry audit = audit_entry(now, "auth.login", "sessions", client);
    audit.user_name = plausible_name ? std::string(name) : "(invalid name)";
    // Implausible names cannot succeed: they share one back-off entry per address.
    const std::string_view account = plausible_name ? name : std::string_view{};
    if (const std::int64_t wait = throttle_.retry_after(account, client, now); wait > 0) {
        // Logged like every refused attempt; the server's request rate limit bounds how fast they come.
        audit.outcome = Outcome::throttled;
        audit.detail = "retry in " + std::to_string(wait) + " s";
        record(std::move(audit));
        throw ThrottledError(wait);
    }

    const std::optional<Credentials> credentials =
        plausible_name && password.size() <= max_password_length ? store_->find_credentials(name) : std::nullopt;
    bool accepted = false;
    if (credentials) {
        accepted = verify_password(credentials->password_hash, password);
    } else {
        verify_against_dummy(password);
    }
    if (!accepted) {
        throttle_.record_failure(account, client, now);
        audit.outcome = Outcome::denied;
        audit.detail = wrong_credentials;
        record(std::move(audit));
        throw AuthenticationError(wrong_credentials);
    }
    const User& user = credentials->user;
    audit.user_id = user.id;
    if (user.disabled) {
        audit.outcome = Outcome::denied;
        audit.detail = "account disabled";
        record(std::move(audit));
        throw AuthenticationError("account '" + user.name + "' is disabled");
    }
    throttle_.record_success(account, client);

    IssuedToken token = issue_token();
    const SessionRecord session{.token_hash = token.hash,
                                .user_id = user.id,
                                .created_at = now,
                                .expires_at = now + config_.session_seconds,
                                .client = std::string(client)};
    store_->insert_session(session, now);
    record(std::move(audit));
    return Session{std::move(token.token), user, session.expires_at};
}

void AuthService::logout(std::string_view token, std::string_view client, model::Timestamp now) {
    if (!looks_like_token(token)) return;
    client = client.substr(0, max_client_length);
    const std::string hash = token_hash(token);
    const std::optional<EndedSession> ended = store_->delete_session(hash);
    if (!ended) return;
    cache_.erase_token(hash);
    revoked(ended->generation);
    AuditEntry audit = audit_entry(now, "auth.logout", "sessions", client);
    audit.user_id = ended->owner.id;
    audit.user_name = ended->owner.name;
    record(std::move(audit));
    notify_revocation();
}

Principal AuthService::authenticate(std::string_view token, model::Timestamp now) const {
    if (!looks_like_token(token)) return {};
    poll_revocations(false);
    const std::string hash = token_hash(token);
    if (std::optional<User> cached = cache_.find(hash, now)) return Principal{std::move(cached)};
    // Taken before the read, so a revocation racing with it keeps the result out of the cache.
    const std::uint64_t epoch = cache_.epoch();
    std::optional<ActiveSession> session = store_->session_user(hash, now);
    if (!session) return {};
    cache_.insert(hash, *session, epoch, now);
    return Principal{std::move(session->user)};
}

void AuthService::on_revocation(std::function<void()> listener) {
    const std::lock_guard lock(listeners_mutex_);
    listeners_.push_back(std::move(listener));
    if (!watcher_.joinable() && config_.revocation_poll.count() > 0) {
        watcher_ = std::jthread([this](const std::stop_token& stop) { watch(stop); });
        watching_ = true;
    }
}

void AuthService::poll_revocations(bool force) const {
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    const auto next = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(config_.revocation_poll).count();
    if (force) {
        next_poll_.store(next);
    } else if (watching_) {
        return;  // the watcher thread polls: requests never wait for the store
    } else {
        auto due = next_poll_.load();
        // One thread polls; the others go on with what the cache has.
        if (now < due || !next_poll_.compare_exchange_strong(due, next)) return;
    }
    const std::int64_t generation = store_->revocation_generation();
    {
        const std::lock_guard lock(generation_mutex_);
        // Generations only grow; an older read raced with a newer one.
        if (generation <= known_generation_) return;
        known_generation_ = generation;
        // Which sessions ended is not recorded, so all are read again.
        cache_.clear();
    }
    notify_revocation();
}

void AuthService::revoked(std::int64_t moved_to) const {
    const std::lock_guard lock(generation_mutex_);
    // Only when nobody else moved it in between: the poll must see those.
    if (moved_to == known_generation_ + 1) known_generation_ = moved_to;
}

void AuthService::notify_revocation() const {
    std::vector<std::function<void()>> listeners;
    {
        const std::lock_guard lock(listeners_mutex_);
        listeners = listeners_;
    }
    for (const auto& listener : listeners) listener();
}

void AuthService::watch(const std::stop_token& stop) {
    std::unique_lock lock(watch_mutex_);
    while (!watch_wakeup_.wait_for(lock, stop, config_.revocation_poll, [] { return false; }) &&
           !stop.stop_requested()) {
        try {
            poll_revocations(true);
        } catch (const std::exception&) {
            // The store was busy or unreadable: the next tick tries again, and
            // requests polling the store report the error themselves.
        }
    }
}

User AuthService::add_user(const NewUser& spec, std::string_view password, const Actor& actor,
                           model::Timestamp now) {
    check_user_name(spec.name);
    check_scope(spec.role, spec.grid_codes);
    if (spec.staff_id && *spec.staff_id <= 0) throw InputError("staff id must be positive");
    check_password_rules(password);
    User user{.name = spec.name,
              .role = spec.role,
              .grid_codes = spec.grid_codes,
              .staff_id = spec.staff_id,
              .created_at = now,
              .updated_at = now};
    user = store_->insert_user(std::move(user), hash_password(password));
    record_account_change(actor, "user.add", user, now);
    return user;
}

void AuthService::change_password(std::string_view name, std::string_view password, const Actor& actor,
                                  model::Timestamp now) {
    check_password_rules(password);
    const Credentials existing = existing_user(name);
    revoked(store_->set_password_hash(existing.user.id, hash_password(password), now));
    cache_.erase_user(existing.user.id);
    record_account_change(actor, "user.passwd", existing.user, now);
    notify_revocation();
}

void AuthService::set_disabled(std::string_view name, bool disabled, const Actor& actor, model::Timestamp now) {
    const Credentials existing = existing_user(name);
    revoked(store_->set_disabled(existing.user.id, disabled, now));
    cache_.erase_user(existing.user.id);
    record_account_change(actor, disabled ? "user.disable" : "user.enable", existing.user, now);
    if (disabled) notify_revocation();
}

std::vector<User> AuthService::users() const { return store_->users(); }

void AuthService::record(AuditEntry entry) { audit_batcher_.append(entry); }

AuditPage AuthService::audit_log(const AuditQuery& query) const { return store_->query_audit(query); }

Credentials AuthService::existing_user(std::string_view name) const {
    check_user_name(name);
    std::optional<Credentials> found = store_->find_credentials(name);
    if (!found) throw InputError("no user '" + std::string(name) + "'");
    return std::move(*found);
}

void AuthService::record_account_change(const Actor& actor, std::string action, const User& user,
                                        model::Timestamp now) {
    AuditEntry audit = audit_entry(now, std::move(action), "users", actor.client);
    audit.user_id = actor.user_id;
    audit.user_name = actor.name;
    audit.record_ids = {std::to_string(user.id)};
    audit.detail = user.name;
    record(std::move(audit));
}

void AuthService::verify_against_dummy(std::string_view password) {
    std::call_once(dummy_once_, [this] { dummy_hash_ = hash_password("not a password of anybody"); });
    [[maybe_unused]] const bool ignored = verify_password(dummy_hash_, password);
}

}  // namespace wangge::auth
