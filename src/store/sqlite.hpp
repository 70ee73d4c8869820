#pragma once
// RAII around the SQLite handles the store reads a GeoPackage with at start,
// and the unwrapping of GeoPackage geometry blobs (the WKB inside is decoded
// by row_codec.hpp).
//
// The start of a server reads millions of rows; through OGR every row became
// an OGRFeature with its strings copied twice and its geometry allocated.
// Reading the tables with SQLite directly fills the model rows in place.
// Writes, imports and exports still go through GDAL (gdal.hpp).
//
// Private to the store module. Thread safety: a connection and its
// statements belong to one thread at a time.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <sqlite3.h>

#include "wangge/geo/types.hpp"

namespace wangge::store::detail {

struct SqliteCloser {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
    void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};

class Statement;

/// A read-only connection that waits for a writer's commit (as the store's own).
class ReadConnection {
public:
    /// Throws StoreError when SQLite cannot open the file.
    explicit ReadConnection(const std::filesystem::path& path);

    /// Throws StoreError naming the statement when SQLite refuses it.
    [[nodiscard]] Statement prepare(const std::string& sql) const;

private:
    std::unique_ptr<sqlite3, SqliteCloser> db_;
};

/// A prepared statement stepping through its rows.
class Statement {
public:
    /// Moves to the next row; false after the last. Throws StoreError on a read error.
    bool step();

    /// SQLITE_TEXT, SQLITE_INTEGER, SQLITE_NULL…: the type of the value, not of the column.
    [[nodiscard]] int type(int column) const noexcept { return sqlite3_column_type(statement_.get(), column); }
    [[nodiscard]] bool is_null(int column) const noexcept { return type(column) == SQLITE_NULL; }
    [[nodiscard]] std::int64_t int64(int column) const noexcept {
        return sqlite3_column_int64(statement_.get(), column);
    }
    [[nodiscard]] int int32(int column) const noexcept { return sqlite3_column_int(statement_.get(), column); }
    [[nodiscard]] double real(int column) const noexcept { return sqlite3_column_double(statement_.get(), column); }
    /// The value as text ("" for NULL), up to a NUL character as OGR reads it.
    [[nodiscard]] std::string_view text(int column) const noexcept;
    [[nodiscard]] std::span<const unsigned char> blob(int column) const noexcept;

private:
    friend class ReadConnection;
    Statement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
    sqlite3* db_;
    std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement_;
};

/// A statement on the SQLite connection under a writable GDAL dataset, so
/// inside its open transaction: the tables beside the layers (case photos,
/// household versions) are written this way, as the audit rows are.
class WriteStatement {
public:
    /// Runs `schema` (CREATE … IF NOT EXISTS, may be several statements), then
    /// prepares `sql`. Throws StoreError naming `what` when SQLite refuses.
    WriteStatement(GDALDataset& dataset, std::string_view schema, std::string_view sql, std::string what);

    void bind(int index, std::int64_t value);
    void bind(int index, double value);
    /// Copied: the text need not outlive the call.
    void bind(int index, std::string_view text);
    /// Not copied: `bytes` must outlive insert().
    void bind_blob(int index, std::span<const char> bytes);
    /// Runs the statement; returns the new row's id.
    std::int64_t insert();

private:
    [[noreturn]] void fail(const std::string& doing) const;
    sqlite3* db_ = nullptr;
    std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement_;
    std::string what_;
};

/// The WKB inside a GeoPackage geometry blob (after its header and envelope);
/// empty when the blob is not one.
[[nodiscard]] std::span<const unsigned char> gpkg_wkb(std::span<const unsigned char> blob) noexcept;

}  // namespace wangge::store::detail
