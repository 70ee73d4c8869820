#include "sqlite.hpp"

#include <bit>
#include <cstring>
#include <utility>

#include "wangge/store/geopackage.hpp"

namespace wangge::store::detail {

ReadConnection::ReadConnection(const std::filesystem::path& path) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    db_.reset(db);  // SQLite hands out a handle even when the open fails
    if (rc != SQLITE_OK) {
        throw StoreError("cannot open " + path.string() + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    }
    // As the store's GDAL connection (gdal.cpp): wait for a writer's commit.
    sqlite3_busy_timeout(db, 5000);
}

Statement ReadConnection::prepare(const std::string& sql) const {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), static_cast<int>(sql.size()), &statement, nullptr) != SQLITE_OK) {
        throw StoreError("cannot run '" + sql + "': " + sqlite3_errmsg(db_.get()));
    }
    return Statement(db_.get(), statement);
}

bool Statement::step() {
    const int rc = sqlite3_step(statement_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(std::string("cannot read the store: ") + sqlite3_errmsg(db_));
}

std::string_view Statement::text(int column) const noexcept {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_.get(), column));
    if (text == nullptr) return {};
    const auto bytes = static_cast<std::size_t>(sqlite3_column_bytes(statement_.get(), column));
    return {text, ::strnlen(text, bytes)};
}

std::span<const unsigned char> Statement::blob(int column) const noexcept {
    const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(statement_.get(), column));
    if (data == nullptr) return {};
    return {data, static_cast<std::size_t>(sqlite3_column_bytes(statement_.get(), column))};
}

WriteStatement::WriteStatement(GDALDataset& dataset, std::string_view schema, std::string_view sql, std::string what)
    : db_(static_cast<sqlite3*>(dataset.GetInternalHandle("SQLITE_HANDLE"))), what_(std::move(what)) {
    if (db_ == nullptr) throw StoreError("the store has no SQLite connection for " + what_);
    if (sqlite3_exec(db_, std::string(schema).c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail("create the table of");
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
        fail("prepare the insert of");
    }
    statement_.reset(raw);
}

void WriteStatement::bind(int index, std::int64_t value) { sqlite3_bind_int64(statement_.get(), index, value); }

void WriteStatement::bind(int index, double value) { sqlite3_bind_double(statement_.get(), index, value); }

void WriteStatement::bind(int index, std::string_view text) {
    sqlite3_bind_text64(statement_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void WriteStatement::bind_blob(int index, std::span<const char> bytes) {
    sqlite3_bind_blob64(statement_.get(), index, bytes.data(), bytes.size(), SQLITE_STATIC);
}

std::int64_t WriteStatement::insert() {
    if (sqlite3_step(statement_.get()) != SQLITE_DONE) fail("store");
    return sqlite3_last_insert_rowid(db_);
}

void WriteStatement::fail(const std::string& doing) const {
    throw StoreError("cannot " + doing + " " + what_ + ": " + sqlite3_errmsg(db_));
}

std::span<const unsigned char> gpkg_wkb(std::span<const unsigned char> blob) noexcept {
    // GeoPackage 1.3 §2.1.3: "GP", version, flags, srs_id (4 bytes), envelope, WKB.
    constexpr std::size_t fixed = 8;
    if (blob.size() < fixed || blob[0] != 'G' || blob[1] != 'P') return {};
    const unsigned envelope = (blob[3] >> 1) & 0x7;
    constexpr std::size_t envelope_bytes[] = {0, 32, 48, 48, 64};
    if (envelope >= std::size(envelope_bytes)) return {};
    const std::size_t header = fixed + envelope_bytes[envelope];
    if (blob.size() <= header) return {};
    return blob.subspan(header);
}

}  // namespace wangge::store::detail
