// Reading the change table and waiting for its NOTIFY (store/change_feed.hpp).

#include "wangge/store/change_feed.hpp"

#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "pg.hpp"
#include "postgis_changes.hpp"

namespace wangge::store {

namespace {

/// A bigint[] in PostgreSQL's text form, "{1,2,3}".
std::vector<std::int64_t> parse_ids(std::string_view text) {
    std::vector<std::int64_t> ids;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    while (p < end) {
        if (*p == '{' || *p == '}' || *p == ',') {
            ++p;
            continue;
        }
        std::int64_t id = 0;
        const auto [next, error] = std::from_chars(p, end, id);
        if (error != std::errc{}) throw StoreError("the change table holds ids that are not numbers: " + std::string(text));
        ids.push_back(id);
        p = next;
    }
    return ids;
}

}  // namespace

struct ChangeFeed::Impl {
    detail::PgConnection connection;
};

ChangeFeed::ChangeFeed(const std::string& location)
    : impl_(std::make_unique<Impl>(Impl{detail::PgConnection(location, application_name)})) {
    (void)impl_->connection.execute(std::string("LISTEN ") + detail::change_channel);
}

ChangeFeed::~ChangeFeed() = default;

std::vector<Change> ChangeFeed::after(std::int64_t seq, std::size_t limit) {
    const detail::PgResult result = impl_->connection.execute(
        "SELECT seq, origin, layer, ids::text, bounds[1], bounds[2], bounds[3], bounds[4] FROM changes "
        "WHERE seq > $1::bigint ORDER BY seq LIMIT $2::bigint",
        std::vector<detail::PgParam>{{std::to_string(seq)}, {std::to_string(limit)}});
    std::vector<Change> changes;
    changes.reserve(static_cast<std::size_t>(result.rows()));
    for (int r = 0; r < result.rows(); ++r) {
        Change& change = changes.emplace_back();
        change.seq = result.text_int(r, 0);
        change.origin = std::string(result.bytes(r, 1));
        const std::optional<Layer> layer = parse_layer(result.bytes(r, 2));
        if (!layer) throw StoreError("the change table names no layer " + std::string(result.bytes(r, 2)));
        change.change.layer = *layer;
        if (!result.is_null(r, 3)) change.change.ids = parse_ids(result.bytes(r, 3));
        if (!result.is_null(r, 4)) change.change.bounds = detail::result_box(result, r, 4);
    }
    return changes;
}

bool ChangeFeed::reaches_back_to(std::int64_t seq) {
    // An empty table tells nothing (the identity's last value may belong to a
    // write not yet committed): pruning keeps the last row (docs/replicas.md).
    const detail::PgResult oldest = impl_->connection.execute("SELECT min(seq) FROM changes");
    return oldest.is_null(0, 0) || oldest.text_int(0, 0) <= seq + 1;
}

std::int64_t ChangeFeed::latest() {
    return impl_->connection.execute("SELECT coalesce(max(seq), 0) FROM changes").text_int(0, 0);
}

std::int64_t ChangeFeed::prune(std::chrono::seconds retention) {
    // One statement, one transaction: the try-lock is held until it commits.
    // The newest row is the newest committed when the statement starts; a
    // newer one committing meanwhile is not touched either.
    return impl_->connection
        .execute("WITH turn AS (SELECT pg_try_advisory_xact_lock($1::bigint) AS mine) "
                 "DELETE FROM changes WHERE (SELECT mine FROM turn) "
                 "AND at < now() - make_interval(secs => $2::double precision) "
                 "AND seq < (SELECT max(seq) FROM changes)",
                 std::vector<detail::PgParam>{{std::to_string(detail::prune_lock_key)},
                                              {std::to_string(retention.count())}})
        .affected();
}

std::int64_t ChangeFeed::wait(std::chrono::milliseconds timeout, int wake_fd) {
    PGconn* connection = impl_->connection.handle();
    const auto lost = [&] {
        return StoreError(impl_->connection.location() + ": the change feed's connection was lost");
    };
    std::int64_t notified = 0;
    const auto take_notifications = [&] {
        while (PGnotify* notification = PQnotifies(connection)) {
            std::int64_t seq = 0;
            const std::string_view payload = notification->extra;
            std::from_chars(payload.data(), payload.data() + payload.size(), seq);
            notified = std::max(notified, seq);
            PQfreemem(notification);
        }
    };
    take_notifications();  // those that arrived during a query
    if (notified > 0) return notified;
    pollfd waits[2] = {{PQsocket(connection), POLLIN, 0}, {wake_fd, POLLIN, 0}};
    if (waits[0].fd < 0) throw lost();
    if (::poll(waits, 2, static_cast<int>(timeout.count())) < 0) return 0;  // EINTR: the caller loops
    if (waits[0].revents != 0) {
        if (PQconsumeInput(connection) == 0 || PQstatus(connection) != CONNECTION_OK) throw lost();
        take_notifications();
    }
    return notified;
}

}  // namespace wangge::store
