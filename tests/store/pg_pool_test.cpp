// The PostgreSQL connection pool and reconnecting connections (src/store/
// pg_pool.hpp, pg.hpp): connections made up to a limit and reused, a
// connection the server dropped replaced, a lost connection made again at
// the next transaction with its session settings, a transaction whose
// connection died failing as StoreUnavailableError, and the backoff between
// attempts. The server drops a connection here by pg_terminate_backend, as a
// shutdown does (the process tests restart PostgreSQL itself:
// tests/http/pg_failure_test.cpp).

#include <chrono>
#include <future>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "pg.hpp"
#include "pg_pool.hpp"
#include "store_backends.hpp"

namespace wangge::store {
namespace {

using detail::PgConnection;
using detail::PgPool;
using detail::PgTransaction;
using detail::ReconnectBackoff;
using namespace std::chrono_literals;

std::int64_t backend_pid(PgConnection& connection) {
    return connection.execute("SELECT pg_backend_pid()").text_int(0, 0);
}

class PgPoolTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!testing::test_pg()) GTEST_SKIP() << "WANGGE_TEST_PG is not set (scripts/pg-test start DIR prints one)";
        database_.emplace(false);
        admin_.emplace(*testing::test_pg());
    }

    /// Ends the server process behind a connection, as a fast shutdown does.
    void terminate(std::int64_t pid) {
        const std::vector<detail::PgParam> params{{std::to_string(pid)}};
        ASSERT_EQ(admin_->execute("SELECT pg_terminate_backend($1::int, 5000)", params).bytes(0, 0), "t");
    }

    std::optional<testing::PgDatabase> database_;
    std::optional<PgConnection> admin_;
};

TEST_F(PgPoolTest, MakesConnectionsUpToItsLimitReusesThemAndReplacesALostOne) {
    PgPool pool(database_->uri(), 2, [](PgConnection& connection) { connection.on_connect("SET extra_float_digits = 3"); });
    EXPECT_EQ(pool.size(), 1U);  // the first, made at once
    std::int64_t first = 0;
    {
        std::optional<PgPool::Lease> a(pool.checkout());
        const PgPool::Lease b = pool.checkout();
        EXPECT_EQ(pool.size(), 2U);
        first = backend_pid(**a);
        EXPECT_NE(first, backend_pid(*b));
        EXPECT_EQ((*a)->execute("SHOW extra_float_digits").bytes(0, 0), "3");
        // A third waits until one comes back.
        auto third = std::async(std::launch::async, [&pool] { return backend_pid(*pool.checkout()); });
        EXPECT_EQ(third.wait_for(50ms), std::future_status::timeout);
        a.reset();
        EXPECT_EQ(third.get(), first);
    }
    EXPECT_EQ(pool.size(), 2U);

    // Dropped by the server while idle: closed at checkout, a new one made in its place.
    terminate(first);
    {
        const PgPool::Lease a = pool.checkout();
        const PgPool::Lease b = pool.checkout();
        EXPECT_NE(backend_pid(*a), first);
        EXPECT_NE(backend_pid(*b), first);
        EXPECT_EQ(a->execute("SHOW extra_float_digits").bytes(0, 0), "3");
        EXPECT_EQ(b->execute("SHOW extra_float_digits").bytes(0, 0), "3");
    }
    EXPECT_EQ(pool.size(), 2U);

    // Lost in the middle of a call: the call fails as unavailable, the connection is not returned.
    {
        const PgPool::Lease a = pool.checkout();
        PgTransaction transaction(*a);
        terminate(backend_pid(*a));
        EXPECT_THROW((void)a->execute("SELECT 1"), StoreUnavailableError);
    }
    EXPECT_EQ(pool.size(), 1U);
    EXPECT_EQ(pool.checkout()->execute("SELECT 2").bytes(0, 0), "2");

    // Nothing listening: unavailable, naming the address.
    try {
        PgPool nowhere("postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2", 1);
        ADD_FAILURE() << "connected to port 1";
    } catch (const StoreUnavailableError& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
    }
}

TEST_F(PgPoolTest, ALostConnectionIsMadeAgainAtTheNextTransactionNotInTheMiddleOfOne) {
    PgConnection connection(database_->uri());
    connection.on_connect("SET extra_float_digits = 3");
    (void)connection.execute("CREATE TABLE t (n integer)");
    const std::int64_t first = backend_pid(connection);

    // Lost mid-transaction: the transaction fails, nothing of it is committed,
    // and the statement after it is not run on a new connection behind its back.
    {
        PgTransaction transaction(connection);
        (void)connection.execute("INSERT INTO t VALUES (1)");
        terminate(first);
        EXPECT_THROW((void)connection.execute("INSERT INTO t VALUES (2)"), StoreUnavailableError);
        EXPECT_THROW((void)connection.execute("INSERT INTO t VALUES (3)"), StoreUnavailableError);
    }
    EXPECT_TRUE(connection.broken());
    {
        PgTransaction transaction(connection);  // connects again first
        (void)connection.execute("INSERT INTO t VALUES (4)");
        transaction.commit();
    }
    EXPECT_NE(backend_pid(connection), first);
    EXPECT_EQ(connection.execute("SHOW extra_float_digits").bytes(0, 0), "3");
    EXPECT_EQ(connection.execute("SELECT string_agg(n::text, ',') FROM t").bytes(0, 0), "4");

    // Dropped while idle: found before the next transaction begins, so it begins at all.
    terminate(backend_pid(connection));
    PgTransaction transaction(connection);
    EXPECT_EQ(connection.execute("SELECT count(*) FROM t").bytes(0, 0), "1");
}

TEST(ReconnectBackoffTest, WaitsATenthOfASecondDoublingToFiveSecondsAndStartsOverAfterASuccess) {
    ReconnectBackoff backoff;
    const auto t0 = ReconnectBackoff::Clock::now();
    EXPECT_TRUE(backoff.due(t0));
    auto now = t0;
    std::vector<long> waits;
    for (int attempt = 0; attempt < 9; ++attempt) {
        backoff.failed(now);
        EXPECT_FALSE(backoff.due(now));
        waits.push_back(static_cast<long>(backoff.wait_left(now).count()));
        now += backoff.wait_left(now);
        EXPECT_TRUE(backoff.due(now));
    }
    EXPECT_EQ(waits, (std::vector<long>{100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000}));
    backoff.succeeded();
    EXPECT_TRUE(backoff.due(now));
    backoff.failed(now);
    EXPECT_EQ(backoff.wait_left(now).count(), 100);
}

}  // namespace
}  // namespace wangge::store
