#pragma once
// A small pool of connections to one PostgreSQL database, for the tables a
// server reads and writes beside its snapshot (postgis_tables.cpp): sign-ins,
// sessions, audit pages, photos, household history, departments. Each call
// is one short statement or transaction; a pool lets a few of them run at
// once, and replaces a connection the database dropped.
//
// Connections are made when needed, up to `limit` (the first by the
// constructor, so a wrong address fails at start-up); a checkout beyond the
// limit waits for a connection to come back. A lost connection (or one left
// inside a transaction) is closed instead of being returned, and an idle one
// found lost is replaced at checkout. New connections while the database is
// down are spaced out (ReconnectBackoff, 0.1 s doubling to 5 s): until the
// next attempt is due, checkouts that need one fail at once with
// StoreUnavailableError.
//
// Private to the store module. Thread safety: checkout() may be called from
// any thread; a Lease and its connection belong to the thread that holds it.
// The pool must outlive its leases.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pg.hpp"

namespace wangge::store::detail {

class PgPool {
public:
    /// Session settings for every new connection (e.g. on_connect("SET …")).
    using Prepare = std::function<void(PgConnection&)>;

    /// Connects once to `uri` (throws StoreError). `limit` ≥ 1.
    PgPool(std::string uri, std::size_t limit, Prepare prepare = {});
    PgPool(const PgPool&) = delete;
    PgPool& operator=(const PgPool&) = delete;

    /// A connection checked out; goes back to the pool (or is closed, when
    /// lost or left in a transaction) when destroyed.
    class Lease {
    public:
        Lease(PgPool& pool, std::unique_ptr<PgConnection> connection) noexcept
            : pool_(&pool), connection_(std::move(connection)) {}
        ~Lease();
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

        PgConnection& operator*() const noexcept { return *connection_; }
        PgConnection* operator->() const noexcept { return connection_.get(); }

    private:
        PgPool* pool_;
        std::unique_ptr<PgConnection> connection_;
    };

    /// An idle connection that is not lost, else a new one while fewer than
    /// `limit` exist, else waits for one. Throws StoreUnavailableError.
    [[nodiscard]] Lease checkout();

    /// Connections open now, idle or leased.
    [[nodiscard]] std::size_t size() const;

private:
    void give_back(std::unique_ptr<PgConnection> connection) noexcept;
    [[nodiscard]] std::unique_ptr<PgConnection> connect() const;

    const std::string uri_;
    const std::size_t limit_;
    const Prepare prepare_;
    mutable std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<PgConnection>> idle_;
    std::size_t open_ = 0;  ///< idle and leased, and those being made
    ReconnectBackoff backoff_;
};

}  // namespace wangge::store::detail
