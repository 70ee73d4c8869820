#pragma once
// RAII over libpq for the PostGIS store: a connection, its results, values
// passed as parameters (never spliced into SQL text), COPY FROM STDIN for
// bulk rows, and binary results read without a text round trip.
//
// Private to the store module. Thread safety: a connection and its results
// belong to one thread at a time; libpq itself is thread-safe across
// connections.

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
    /// Rows an INSERT, UPDATE or DELETE touched.
    [[nodiscard]] std::int64_t affected() const;
    /// The command tag, e.g. "COMMIT", or "ROLLBACK" for a COMMIT of a failed transaction.
    [[nodiscard]] std::string_view command_tag() const noexcept { return PQcmdStatus(result_.get()); }

private:
    std::unique_ptr<PGresult, PgResultClearer> result_;
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

    /// Whether a transaction block is open (and whether a statement failed in it).
    [[nodiscard]] bool in_transaction() const noexcept;

    /// The libpq handle, for what this class does not wrap (LISTEN's socket and notifications).
    [[nodiscard]] PGconn* handle() const noexcept { return connection_.get(); }

private:
    /// Throws StoreError unless the connection just made is up.
    void check_connected();
    PgResult check(PGresult* result, std::string_view sql);
    std::unique_ptr<PGconn, PgConnCloser> connection_;
    std::string location_;
    std::string copy_sql_;  ///< the COPY under way, for messages
};

/// A transaction block: BEGIN when made, ROLLBACK when destroyed uncommitted.
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
