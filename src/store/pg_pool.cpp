#include "pg_pool.hpp"

#include <stdexcept>
#include <utility>

#include "wangge/store/store.hpp"

namespace wangge::store::detail {

PgPool::PgPool(std::string uri, std::size_t limit, Prepare prepare)
    : uri_(std::move(uri)), limit_(limit), prepare_(std::move(prepare)) {
    if (limit_ == 0) throw std::invalid_argument("a connection pool needs a limit of at least 1");
    idle_.push_back(connect());
    open_ = 1;
}

std::unique_ptr<PgConnection> PgPool::connect() const {
    auto connection = std::make_unique<PgConnection>(uri_);
    if (prepare_) prepare_(*connection);
    return connection;
}

PgPool::Lease PgPool::checkout() {
    std::unique_lock lock(mutex_);
    for (;;) {
        while (!idle_.empty()) {
            std::unique_ptr<PgConnection> connection = std::move(idle_.back());
            idle_.pop_back();
            if (!connection->broken()) return Lease(*this, std::move(connection));
            --open_;  // dropped by the server while idle: closed here, made again below
        }
        if (open_ < limit_) break;
        returned_.wait(lock);
    }
    const auto now = ReconnectBackoff::Clock::now();
    if (!backoff_.due(now)) {
        throw StoreUnavailableError(redacted_location(uri_) + ": cannot connect; the next attempt is in " +
                                    std::to_string(backoff_.wait_left(now).count()) + " ms");
    }
    ++open_;  // the slot is taken while connecting, outside the lock
    lock.unlock();
    try {
        std::unique_ptr<PgConnection> connection = connect();
        lock.lock();
        backoff_.succeeded();
        return Lease(*this, std::move(connection));
    } catch (...) {
        if (!lock.owns_lock()) lock.lock();
        backoff_.failed(now);
        --open_;
        returned_.notify_one();
        throw;
    }
}

std::size_t PgPool::size() const {
    const std::lock_guard lock(mutex_);
    return open_;
}

void PgPool::give_back(std::unique_ptr<PgConnection> connection) noexcept {
    // A connection left in a transaction (a failed COMMIT, a lost server) is not reused.
    const bool reusable = !connection->in_transaction() && !connection->broken();
    if (!reusable) connection.reset();
    const std::lock_guard lock(mutex_);
    if (reusable) {
        idle_.push_back(std::move(connection));
    } else {
        --open_;
    }
    returned_.notify_one();
}

PgPool::Lease::~Lease() {
    if (connection_) pool_->give_back(std::move(connection_));
}

}  // namespace wangge::store::detail
