#include "wangge/basemap/mbtiles.hpp"

#include <memory>
#include <utility>

#include <sqlite3.h>

namespace wangge::basemap {

namespace detail {

struct DatabaseCloser {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
    void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};

/// One SQLite connection and the one statement it runs (select or insert a tile).
struct Connection {
    std::unique_ptr<sqlite3, DatabaseCloser> db;
    std::unique_ptr<sqlite3_stmt, StatementFinalizer> tile_statement;
};

void ConnectionDeleter::operator()(Connection* connection) const noexcept { delete connection; }

}  // namespace detail

namespace {

using detail::Connection;
using detail::ConnectionPtr;

/// Idle connections kept for reuse; more may be open while every one is busy.
constexpr std::size_t max_idle_connections = 8;

[[noreturn]] void fail(const std::filesystem::path& path, std::string_view what, sqlite3* db) {
    std::string message = "MBTiles " + path.string() + ": " + std::string(what);
    if (db != nullptr) message += ": " + std::string(sqlite3_errmsg(db));
    throw MbtilesError(message);
}

ConnectionPtr open_connection(const std::filesystem::path& path, int flags) {
    ConnectionPtr connection(new Connection);
    sqlite3* db = nullptr;
    const int status = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    connection->db.reset(db);  // sqlite3_open_v2 hands out a handle to close even when it fails
    if (status != SQLITE_OK) fail(path, "cannot open", db);
    return connection;
}

std::unique_ptr<sqlite3_stmt, detail::StatementFinalizer> prepare(const std::filesystem::path& path, sqlite3* db,
                                                                  std::string_view sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &statement, nullptr) != SQLITE_OK) {
        fail(path, "not an MBTiles file (" + std::string(sql) + ")", db);
    }
    return std::unique_ptr<sqlite3_stmt, detail::StatementFinalizer>(statement);
}

void execute(const std::filesystem::path& path, sqlite3* db, const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(path, sql, db);
}

std::string_view column_text(sqlite3_stmt* statement, int column) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
    return text ? std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(statement, column))) : "";
}

/// The TMS row of an XYZ row (and back: the flip is its own inverse).
std::int64_t flip_row(const tiles::TileId& tile) {
    return (std::int64_t{1} << tile.z) - 1 - static_cast<std::int64_t>(tile.y);
}

void prepare_tile_read(const std::filesystem::path& path, Connection& connection) {
    connection.tile_statement = prepare(
        path, connection.db.get(),
        "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3");
}

}  // namespace

MbtilesReader::MbtilesReader(std::filesystem::path path) : path_(std::move(path)) {
    // Checked first: a clearer message than SQLite's "unable to open database file".
    std::error_code error;
    if (!std::filesystem::is_regular_file(path_, error)) throw MbtilesError("MBTiles " + path_.string() + ": no such file");
    ConnectionPtr connection = open_connection(path_, SQLITE_OPEN_READONLY);
    const auto statement = prepare(path_, connection->db.get(), "SELECT name, value FROM metadata");
    for (int status = sqlite3_step(statement.get());; status = sqlite3_step(statement.get())) {
        if (status == SQLITE_DONE) break;
        if (status != SQLITE_ROW) fail(path_, "cannot read the metadata", connection->db.get());
        metadata_.values.emplace(column_text(statement.get(), 0), column_text(statement.get(), 1));
    }
    const std::string_view format = metadata_.format();
    if (format != "pbf" && format != "png" && format != "jpg" && format != "jpeg" && format != "webp") {
        throw MbtilesError("MBTiles " + path_.string() + ": metadata format '" + std::string(format) +
                           "' is none of pbf, png, jpg, webp");
    }
    if (const auto zoom = metadata_.zoom("minzoom")) min_zoom_ = *zoom;
    if (const auto zoom = metadata_.zoom("maxzoom")) max_zoom_ = *zoom;
    prepare_tile_read(path_, *connection);  // checks the tiles table now, not at the first request
    idle_.push_back(std::move(connection));
}

MbtilesReader::~MbtilesReader() = default;

ConnectionPtr MbtilesReader::lease() const {
    {
        const std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            ConnectionPtr connection = std::move(idle_.back());
            idle_.pop_back();
            return connection;
        }
    }
    ConnectionPtr connection = open_connection(path_, SQLITE_OPEN_READONLY);
    prepare_tile_read(path_, *connection);
    return connection;
}

void MbtilesReader::give_back(ConnectionPtr connection) const {
    const std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_connections) idle_.push_back(std::move(connection));
}

std::optional<std::string> MbtilesReader::tile(const tiles::TileId& tile) const {
    ConnectionPtr connection = lease();
    sqlite3_stmt* statement = connection->tile_statement.get();
    sqlite3_bind_int(statement, 1, tile.z);
    sqlite3_bind_int64(statement, 2, tile.x);
    sqlite3_bind_int64(statement, 3, flip_row(tile));
    std::optional<std::string> bytes;
    const int status = sqlite3_step(statement);
    if (status == SQLITE_ROW) {
        const auto* data = static_cast<const char*>(sqlite3_column_blob(statement, 0));
        bytes.emplace(data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(statement, 0)));
    } else if (status != SQLITE_DONE) {
        sqlite3_reset(statement);
        fail(path_, "cannot read a tile", connection->db.get());
    }
    sqlite3_reset(statement);
    give_back(std::move(connection));
    return bytes;
}

void MbtilesReader::for_each_tile(const TileVisitor& visit) const {
    // A connection of its own: the pooled ones hold the single-tile statement.
    const ConnectionPtr connection = open_connection(path_, SQLITE_OPEN_READONLY);
    const auto statement =
        prepare(path_, connection->db.get(), "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles");
    for (int status = sqlite3_step(statement.get());; status = sqlite3_step(statement.get())) {
        if (status == SQLITE_DONE) break;
        if (status != SQLITE_ROW) fail(path_, "cannot read the tiles", connection->db.get());
        const std::int64_t z = sqlite3_column_int64(statement.get(), 0);
        const std::int64_t tms_row = sqlite3_column_int64(statement.get(), 2);
        const auto tile = z < 0 || z > tiles::max_zoom
                              ? std::nullopt
                              : tiles::make_tile(z, sqlite3_column_int64(statement.get(), 1),
                                                 (std::int64_t{1} << z) - 1 - tms_row);
        if (!tile) throw MbtilesError("MBTiles " + path_.string() + ": a tile outside the zoom levels 0-22 or its zoom's range");
        const auto* data = static_cast<const char*>(sqlite3_column_blob(statement.get(), 3));
        visit(*tile, data ? std::string_view(data, static_cast<std::size_t>(sqlite3_column_bytes(statement.get(), 3)))
                          : std::string_view{});
    }
}

MbtilesWriter::MbtilesWriter(std::filesystem::path path, const MbtilesMetadata& metadata) : path_(std::move(path)) {
    if (std::filesystem::exists(path_)) throw MbtilesError("MBTiles " + path_.string() + ": already exists");
    connection_ = open_connection(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    try {
        create_schema(metadata);
    } catch (...) {
        // No destructor runs for a constructor that throws: leave no half-made file either.
        connection_.reset();
        std::error_code ignored;
        std::filesystem::remove(path_, ignored);
        throw;
    }
}

void MbtilesWriter::create_schema(const MbtilesMetadata& metadata) {
    sqlite3* db = connection_->db.get();
    // One transaction for the whole file; no journal to keep (a failed write removes the file).
    execute(path_, db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN");
    execute(path_, db,
            "CREATE TABLE metadata (name TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);"
            "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)");
    const auto insert = prepare(path_, db, "INSERT INTO metadata (name, value) VALUES (?1, ?2)");
    for (const auto& [name, value] : metadata.values) {
        sqlite3_bind_text(insert.get(), 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(insert.get(), 2, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
        if (sqlite3_step(insert.get()) != SQLITE_DONE) fail(path_, "cannot write the metadata", db);
        sqlite3_reset(insert.get());
    }
    connection_->tile_statement =
        prepare(path_, db, "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?1, ?2, ?3, ?4)");
}

MbtilesWriter::~MbtilesWriter() {
    if (finished_) return;
    connection_.reset();
    std::error_code ignored;  // a destructor must not throw; the file is incomplete either way
    std::filesystem::remove(path_, ignored);
}

void MbtilesWriter::put(const tiles::TileId& tile, std::string_view bytes) {
    sqlite3_stmt* statement = connection_->tile_statement.get();
    sqlite3_bind_int(statement, 1, tile.z);
    sqlite3_bind_int64(statement, 2, tile.x);
    sqlite3_bind_int64(statement, 3, flip_row(tile));
    sqlite3_bind_blob(statement, 4, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
    const int status = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (status != SQLITE_DONE) fail(path_, "cannot write a tile", connection_->db.get());
}

void MbtilesWriter::finish() {
    connection_->tile_statement.reset();
    execute(path_, connection_->db.get(), "COMMIT");
    connection_.reset();
    finished_ = true;
}

}  // namespace wangge::basemap
