#include "pg.hpp"

#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "wangge/error.hpp"
#include "wangge/store/store.hpp"

namespace wangge::store::detail {

namespace {

/// libpq's messages end in a newline and may span lines, the later ones
/// indented by a tab: one line for ours, each run of white space one space.
std::string tidy(const char* message) {
    std::string text;
    for (const char* c = message != nullptr ? message : ""; *c != '\0'; ++c) {
        const bool space = *c == ' ' || *c == '\n' || *c == '\r' || *c == '\t';
        if (!space) {
            text += *c;
        } else if (!text.empty() && text.back() != ' ') {
            text += ' ';
        }
    }
    if (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

std::string first_line(std::string_view sql) {
    const std::string_view line = sql.substr(0, std::min(sql.find('\n'), std::size_t{80}));
    return std::string(line) + (line.size() < sql.size() ? "…" : "");
}

/// Runs `copy_sql`: null when the server is now in the `expected` COPY mode,
/// else its result (an error, or not a COPY) for the caller to report.
PGresult* start_copy(PGconn* connection, const std::string& copy_sql, ExecStatusType expected) {
    PGresult* started = PQexec(connection, copy_sql.c_str());
    if (PQresultStatus(started) != expected) return started;
    PQclear(started);
    return nullptr;
}

/// The result a finished COPY ends with; any later ones dropped.
PGresult* copy_result(PGconn* connection) {
    PGresult* result = PQgetResult(connection);
    while (PGresult* rest = PQgetResult(connection)) PQclear(rest);
    return result;
}

}  // namespace

std::string redacted_location(std::string_view uri) {
    std::string text(uri);
    // postgresql://user:password@host… → postgresql://user@host…
    if (const std::size_t scheme = text.find("://"); scheme != std::string::npos) {
        const std::size_t start = scheme + 3;
        const std::size_t end = text.find_first_of("/?", start);
        const std::size_t at = text.rfind('@', end == std::string::npos ? text.size() : end);
        if (at != std::string::npos && at >= start) {
            const std::size_t colon = text.find(':', start);
            if (colon != std::string::npos && colon < at) text.erase(colon, at - colon);
        }
    }
    // …?password=secret&… → …?…
    for (std::size_t found = text.find("password="); found != std::string::npos; found = text.find("password=")) {
        if (found == 0 || (text[found - 1] != '?' && text[found - 1] != '&')) break;
        std::size_t end = text.find('&', found);
        end = end == std::string::npos ? text.size() : end + 1;
        text.erase(found, end - found);
        if (!text.empty() && (text.back() == '&' || text.back() == '?')) text.pop_back();
    }
    return text;
}

std::int64_t PgResult::binary_int(int row, int column) const noexcept {
    return detail::binary_int(bytes(row, column));
}

std::int64_t binary_int(std::string_view value) noexcept {
    std::uint64_t bits = 0;
    for (const char byte : value) bits = (bits << 8) | static_cast<unsigned char>(byte);  // network byte order
    switch (value.size()) {
        case 2: return static_cast<std::int16_t>(bits);
        case 4: return static_cast<std::int32_t>(bits);
        case 8: return static_cast<std::int64_t>(bits);
        default: return 0;
    }
}

std::int64_t PgResult::text_int(int row, int column) const {
    const std::string_view value = bytes(row, column);
    std::int64_t number = 0;
    std::from_chars(value.data(), value.data() + value.size(), number);
    return number;
}

double PgResult::text_double(int row, int column) const {
    const std::string_view value = bytes(row, column);
    double number = 0;
    std::from_chars(value.data(), value.data() + value.size(), number);
    return number;
}

std::int64_t PgResult::affected() const {
    const char* tuples = PQcmdTuples(result_.get());
    std::int64_t number = 0;
    std::from_chars(tuples, tuples + std::strlen(tuples), number);
    return number;
}

void ReconnectBackoff::failed(Clock::time_point now) noexcept {
    retry_at_ = now + delay_;
    delay_ = std::min(delay_ * 2, max_delay);
}

void ReconnectBackoff::succeeded() noexcept {
    retry_at_ = {};
    delay_ = first_delay;
}

std::chrono::milliseconds ReconnectBackoff::wait_left(Clock::time_point now) const noexcept {
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now),
                    std::chrono::milliseconds{0});
}

PgConnection::PgConnection(const std::string& uri) : location_(redacted_location(uri)) {
    connection_.reset(PQconnectdb(uri.c_str()));
    check_connected();
}

PgConnection::PgConnection(const std::string& uri, const std::string& application_name)
    : location_(redacted_location(uri)) {
    // expand_dbname: `uri` is read as a connection string, its own parameters kept.
    const char* keywords[] = {"dbname", "application_name", nullptr};
    const char* values[] = {uri.c_str(), application_name.c_str(), nullptr};
    connection_.reset(PQconnectdbParams(keywords, values, 1));
    check_connected();
}

void PgConnection::check_connected() {
    if (!connection_) throw StoreError("cannot connect to " + location_ + ": out of memory");
    if (PQstatus(connection_.get()) != CONNECTION_OK) {
        // Refused or timed out alike: a server that is down now may be up later.
        throw StoreUnavailableError("cannot connect to " + location_ + ": " + tidy(PQerrorMessage(connection_.get())));
    }
    // Notices (e.g. "relation exists, skipping") are for a terminal, not a server's log.
    PQsetNoticeProcessor(connection_.get(), [](void*, const char*) {}, nullptr);
}

void PgConnection::on_connect(std::string sql) {
    (void)execute(sql);
    on_connect_.push_back(std::move(sql));
}

bool PgConnection::broken() noexcept {
    PGconn* connection = connection_.get();
    if (PQstatus(connection) != CONNECTION_OK) return true;
    // An idle connection has nothing to read unless the server said goodbye
    // (a FATAL message, then end of file). Reading it all lets libpq see the end.
    pollfd socket{PQsocket(connection), POLLIN, 0};
    for (int reads = 0; reads < 4 && ::poll(&socket, 1, 0) > 0; ++reads) {
        if (PQconsumeInput(connection) == 0) break;
    }
    return PQstatus(connection) != CONNECTION_OK;
}

void PgConnection::ensure_connected() {
    if (!broken()) return;
    const auto now = ReconnectBackoff::Clock::now();
    if (!backoff_.due(now)) {
        throw StoreUnavailableError(location_ + ": the connection was lost; the next attempt is in " +
                                    std::to_string(backoff_.wait_left(now).count()) + " ms");
    }
    PQreset(connection_.get());
    if (PQstatus(connection_.get()) != CONNECTION_OK) {
        backoff_.failed(now);
        throw StoreUnavailableError("cannot connect to " + location_ + ": " + tidy(PQerrorMessage(connection_.get())));
    }
    try {
        for (const std::string& sql : on_connect_) (void)execute(sql);
    } catch (const StoreError&) {
        backoff_.failed(now);
        throw;
    }
    backoff_.succeeded();
    std::fprintf(stderr, "wangge: connected to %s again\n", location_.c_str());
}

void PgConnection::fail(const std::string& message) const {
    if (PQstatus(connection_.get()) != CONNECTION_OK) throw StoreUnavailableError(location_ + ": " + message);
    throw StoreError(location_ + ": " + message);
}

PgResult PgConnection::check(PGresult* raw, std::string_view sql) {
    PgResult result(raw);
    const ExecStatusType status = PQresultStatus(raw);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
    const char* message = raw != nullptr ? PQresultErrorMessage(raw) : PQerrorMessage(connection_.get());
    fail(tidy(message) + " (in: " + first_line(sql) + ")");
}

PgResult PgConnection::execute(const std::string& sql) { return check(PQexec(connection_.get(), sql.c_str()), sql); }

PgResult PgConnection::execute(const std::string& sql, std::span<const PgParam> params, bool binary_result) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (const PgParam& param : params) {
        if (param.value && !param.binary) reject_nul(*param.value);
        values.push_back(param.value ? param.value->data() : nullptr);
        lengths.push_back(param.value ? static_cast<int>(param.value->size()) : 0);
        formats.push_back(param.binary ? 1 : 0);
    }
    return check(PQexecParams(connection_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                              lengths.data(), formats.data(), binary_result ? 1 : 0),
                 sql);
}

void PgConnection::copy_begin(const std::string& copy_sql) {
    if (PGresult* refused = start_copy(connection_.get(), copy_sql, PGRES_COPY_IN)) {
        (void)check(refused, copy_sql);  // owns the result; throws for an error
        fail("not a COPY FROM STDIN: " + first_line(copy_sql));
    }
    copy_sql_ = copy_sql;
}

void PgConnection::copy_data(std::string_view data) {
    if (data.empty()) return;
    if (PQputCopyData(connection_.get(), data.data(), static_cast<int>(data.size())) != 1) {
        fail(tidy(PQerrorMessage(connection_.get())) + " (in: " + first_line(copy_sql_) + ")");
    }
}

void PgConnection::copy_end() {
    PGconn* connection = connection_.get();
    if (PQputCopyEnd(connection, nullptr) != 1) {
        fail(tidy(PQerrorMessage(connection)) + " (in: " + first_line(copy_sql_) + ")");
    }
    (void)check(copy_result(connection), copy_sql_);
}

void PgConnection::copy_abort() noexcept {
    PGconn* connection = connection_.get();
    (void)PQputCopyEnd(connection, "abandoned by wangge");
    while (PGresult* rest = PQgetResult(connection)) PQclear(rest);
}

void PgConnection::copy_out_begin(const std::string& copy_sql) {
    if (PGresult* refused = start_copy(connection_.get(), copy_sql, PGRES_COPY_OUT)) {
        (void)check(refused, copy_sql);
        fail("not a COPY TO STDOUT: " + first_line(copy_sql));
    }
    copy_sql_ = copy_sql;
    copy_header_read_ = false;
}

bool PgConnection::copy_row(PgCopyRow& row) {
    char* raw = nullptr;
    const int size = PQgetCopyData(connection_.get(), &raw, 0);
    copy_buffer_.reset(raw);
    if (size == -1) {  // the end: the COPY's own result tells whether it succeeded
        (void)check(copy_result(connection_.get()), copy_sql_);
        return false;
    }
    if (size < 0) fail(tidy(PQerrorMessage(connection_.get())) + " (in: " + first_line(copy_sql_) + ")");
    // The binary COPY format (PostgreSQL's COPY reference): a header before the
    // first row; each row a 16-bit field count (-1 ends the data), then per
    // field a 32-bit length (-1 for NULL) and its bytes, all in network order.
    std::string_view data(raw, static_cast<std::size_t>(size));
    const auto malformed = [this]() { fail("a malformed binary COPY row (in: " + first_line(copy_sql_) + ")"); };
    const auto take = [&](std::size_t bytes) {
        if (data.size() < bytes) malformed();
        const std::string_view taken = data.substr(0, bytes);
        data.remove_prefix(bytes);
        return taken;
    };
    if (!copy_header_read_) {
        static constexpr std::string_view signature("PGCOPY\n\377\r\n\0", 11);
        if (take(signature.size()) != signature) malformed();
        (void)take(4);  // flags: no bit this reader needs
        (void)take(static_cast<std::size_t>(binary_int(take(4))));  // the header extension
        copy_header_read_ = true;
        if (data.empty()) return copy_row(row);  // the header in a message of its own
    }
    const std::int64_t fields = binary_int(take(2));
    if (fields == -1) return copy_row(row);  // the trailer; the end comes next
    row.fields_.clear();
    for (std::int64_t i = 0; i < fields; ++i) {
        const std::int64_t length = binary_int(take(4));
        if (length == -1) {
            row.fields_.emplace_back(std::nullopt);
        } else {
            row.fields_.emplace_back(take(static_cast<std::size_t>(length)));
        }
    }
    return true;
}

bool PgConnection::in_transaction() const noexcept {
    return PQtransactionStatus(connection_.get()) != PQTRANS_IDLE;
}

PgTransaction::PgTransaction(PgConnection& connection) : connection_(connection) {
    connection_.ensure_connected();
    (void)connection_.execute("BEGIN");
}

PgTransaction::~PgTransaction() {
    if (!open_) return;
    try {
        (void)connection_.execute("ROLLBACK");
    } catch (...) {  // the connection is gone, and with it the transaction
    }
}

void PgTransaction::commit() {
    open_ = false;
    // COMMIT of a transaction in which a statement failed succeeds as a ROLLBACK.
    if (connection_.execute("COMMIT").command_tag() != "COMMIT") {
        throw StoreError(connection_.location() + ": the transaction failed and was rolled back");
    }
}

void reject_nul(std::string_view text) {
    if (text.find('\0') != std::string_view::npos) throw InputError("text contains a NUL character");
}

void append_copy_field(std::string& line, std::string_view text) {
    reject_nul(text);
    for (const char c : text) {
        switch (c) {
            case '\\': line += "\\\\"; break;
            case '\t': line += "\\t"; break;
            case '\n': line += "\\n"; break;
            case '\r': line += "\\r"; break;
            default: line += c;
        }
    }
}

std::string quote_identifier(std::string_view name) {
    std::string quoted = "\"";
    for (const char c : name) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + '"';
}

}  // namespace wangge::store::detail
