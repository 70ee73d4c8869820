#pragma once
// RAII over libpq for the PostGIS store: a connection, its results, values
// passed as parameters (never spliced into SQL text), COPY FROM STDIN for
// bulk rows, and binary results read without a text round trip.
//
// A connection that was lost (the server restarted, the network dropped) is
// made again at the start of the next operation (ensure_connected(), which
// PgTransaction calls), never in the middle of one: a transaction whose
// connection died fails, and nothing of it was committed. Attempts are spaced
// out (ReconnectBackoff) so a database that is down is not hammered; until
// one succeeds, operations fail at once with StoreUnavailableError.
//
// Private to the store module. Thread safety: a connection and its results
// belong to one thread at a time; libpq itself is thread-safe across
// connections.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

namespace wangge::store::detail {

/// `uri` with any password removed (from the user-info part and from a
/// `password=` query parameter), for messages and Store::location().
[[nodiscard]] std::string redacted_location(std::string_view uri);

/// One query parameter: text (nullopt is SQL NULL) or, when `binary`, raw bytes.
struct PgParam {
    std::optional<std::string> value;
    bool binary = false;
};

/// A binary integer of 2, 4 or 8 bytes in network byte order (smallint,
/// integer, bigint); 0 for any other length (NULL).
[[nodiscard]] std::int64_t binary_int(std::string_view value) noexcept;

/// One row of a COPY … TO STDOUT (FORMAT binary) stream: its fields' bytes
/// in binary form, views into the connection's buffer until the next row.
class PgCopyRow {
public:
    [[nodiscard]] std::size_t size() const noexcept { return fields_.size(); }
    [[nodiscard]] bool is_null(std::size_t i) const noexcept { return !fields_[i]; }
    /// The field's bytes; empty for NULL.
    [[nodiscard]] std::string_view bytes(std::size_t i) const noexcept { return fields_[i].value_or(std::string_view{}); }

private:
    friend class PgConnection;
    std::vector<std::optional<std::string_view>> fields_;
};

struct PgFreer {
    void operator()(char* buffer) const noexcept { PQfreemem(buffer); }
};

struct PgResultClearer {
    void operator()(PGresult* result) const noexcept { PQclear(result); }
};

/// A result of a command that succeeded.
class PgResult {
public:
    explicit PgResult(PGresult* result) : result_(result) {}

    [[nodiscard]] int rows() const noexcept { return PQntuples(result_.get()); }
    [[nodiscard]] bool is_null(int row, int column) const noexcept {
        return PQgetisnull(result_.get(), row, column) != 0;
    }
    /// The value's bytes (text, or the binary form when asked for).
    [[nodiscard]] std::string_view bytes(int row, int column) const noexcept {
        return {PQgetvalue(result_.get(), row, column),
                static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
    }
    /// A binary integer column of 2, 4 or 8 bytes (smallint, integer, bigint); 0 for NULL.
    [[nodiscard]] std::int64_t binary_int(int row, int column) const noexcept;
    /// A text-format integer (e.g. what RETURNING id gives); 0 for NULL.
    [[nodiscard]] std::int64_t text_int(int row, int column) const;
    /// A text-format double precision (float8 prints its shortest exact form); 0 for NULL.
    [[nodiscard]] double text_double(int row, int column) const;
    /// Rows an INSERT, UPDATE or DELETE touched.
    [[nodiscard]] std::int64_t affected() const;
    /// The command tag, e.g. "COMMIT", or "ROLLBACK" for a COMMIT of a failed transaction.
    [[nodiscard]] std::string_view command_tag() const noexcept { return PQcmdStatus(result_.get()); }

private:
    std::unique_ptr<PGresult, PgResultClearer> result_;
};

/// When to try connecting again after failures: 0.1 s after the first,
/// doubling up to 5 s. Not thread-safe (its owner's lock guards it).
class ReconnectBackoff {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds first_delay{100};
    static constexpr std::chrono::milliseconds max_delay{5000};

    /// Whether an attempt may be made at `now`.
    [[nodiscard]] bool due(Clock::time_point now) const noexcept { return now >= retry_at_; }
    /// An attempt at `now` failed: the next waits longer.
    void failed(Clock::time_point now) noexcept;
    /// An attempt succeeded: the next failure starts from the first delay again.
    void succeeded() noexcept;
    /// The time left until the next attempt, for messages.
    [[nodiscard]] std::chrono::milliseconds wait_left(Clock::time_point now) const noexcept;

private:
    Clock::time_point retry_at_{};
    std::chrono::milliseconds delay_ = first_delay;
};

struct PgConnCloser {
    void operator()(PGconn* connection) const noexcept { PQfinish(connection); }
};

class PgConnection {
public:
    /// Connects to `uri`. Throws StoreError naming the location without its password.
    explicit PgConnection(const std::string& uri);
    /// Connects naming itself `application_name` in pg_stat_activity.
    PgConnection(const std::string& uri, const std::string& application_name);

    /// The address without its password.
    [[nodiscard]] const std::string& location() const noexcept { return location_; }

    /// Runs `sql` (session settings, e.g. SET …) now and again on every
    /// connection made after a loss. Throws StoreError.
    void on_connect(std::string sql);
    /// Whether the connection is known to be lost: libpq says so, or the
    /// server's goodbye (a shutdown closes idle connections) is waiting on the
    /// socket. Reads only what is already there; never blocks.
    [[nodiscard]] bool broken() noexcept;
    /// Makes a lost connection again (PQreset, then the on_connect settings)
    /// when the backoff allows; call only between operations. Throws
    /// StoreUnavailableError when the server cannot be reached or the next
    /// attempt is not yet due.
    void ensure_connected();

    /// Runs `sql` (one or more statements, no parameters). Throws StoreError.
    PgResult execute(const std::string& sql);
    /// Runs one statement with $1… bound to `params`; results in binary when
    /// `binary_result`. Throws StoreError, or InputError for text with a NUL
    /// character (which PostgreSQL text cannot hold).
    PgResult execute(const std::string& sql, std::span<const PgParam> params, bool binary_result = false);
    /// Starts `copy_sql` (a COPY … FROM STDIN); then copy_data(), copy_end().
    void copy_begin(const std::string& copy_sql);
    /// Sends rows in COPY text format (whole lines or not: the server joins them).
    void copy_data(std::string_view data);
    /// Ends the COPY; throws StoreError when the server refused a row.
    void copy_end();
    /// Abandons the COPY (the transaction fails), so the connection takes commands again.
    void copy_abort() noexcept;

    /// Starts `copy_sql` (a COPY … TO STDOUT (FORMAT binary)); then copy_row()
    /// until it returns false. Throws StoreError.
    void copy_out_begin(const std::string& copy_sql);
    /// The next row into `row` (valid until the next call); false at the end,
    /// once the server has confirmed the COPY. Throws StoreError for a stream
    /// that is not binary COPY or a failure of the server.
    bool copy_row(PgCopyRow& row);

    /// Whether a transaction block is open (and whether a statement failed in it).
    [[nodiscard]] bool in_transaction() const noexcept;

    /// The libpq handle, for what this class does not wrap (LISTEN's socket and notifications).
    [[nodiscard]] PGconn* handle() const noexcept { return connection_.get(); }

private:
    /// Throws StoreError unless the connection just made is up.
    void check_connected();
    PgResult check(PGresult* result, std::string_view sql);
    /// Throws StoreUnavailableError when the connection is lost, else StoreError.
    [[noreturn]] void fail(const std::string& message) const;
    std::unique_ptr<PGconn, PgConnCloser> connection_;
    std::string location_;
    std::vector<std::string> on_connect_;
    ReconnectBackoff backoff_;
    std::string copy_sql_;  ///< the COPY under way, for messages
    std::unique_ptr<char, PgFreer> copy_buffer_;  ///< the COPY OUT row last read
    bool copy_header_read_ = false;
};

/// A transaction block: BEGIN when made (on a connection made again first if
/// it was lost), ROLLBACK when destroyed uncommitted.
class PgTransaction {
public:
    explicit PgTransaction(PgConnection& connection);
    ~PgTransaction();
    PgTransaction(const PgTransaction&) = delete;
    PgTransaction& operator=(const PgTransaction&) = delete;
    /// Throws StoreError when the server rolled back instead (a statement of
    /// the transaction had failed); the transaction is over either way.
    void commit();

private:
    PgConnection& connection_;
    bool open_ = true;
};

/// Throws InputError when `text` contains a NUL character.
void reject_nul(std::string_view text);

/// Appends `text` to a COPY text-format line, escaped.
void append_copy_field(std::string& line, std::string_view text);

/// A double-quoted SQL identifier.
[[nodiscard]] std::string quote_identifier(std::string_view name);

}  // namespace wangge::store::detail
