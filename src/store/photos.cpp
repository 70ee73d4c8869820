// Case photos in the store (store/photos.hpp).

#include "wangge/store/photos.hpp"

#include <memory>
#include <string_view>

#include "gdal.hpp"
#include "sqlite.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

namespace {

constexpr std::string_view photo_columns =
    "id, incident_id, stage, at, uploader, content_type, width, height, size, lon, lat";

using detail::Statement;

PhotoInfo info_of(const Statement& row) {
    PhotoInfo info;
    info.id = row.int64(0);
    info.incident_id = row.int64(1);
    info.stage = std::string(row.text(2));
    info.at = row.int64(3);
    info.uploader = std::string(row.text(4));
    info.content_type = std::string(row.text(5));
    info.width = static_cast<std::uint32_t>(row.int64(6));
    info.height = static_cast<std::uint32_t>(row.int64(7));
    info.size = static_cast<std::size_t>(row.int64(8));
    if (!row.is_null(9) && !row.is_null(10)) {
        info.location = geo::Point{row.real(9), row.real(10)};
    }
    return info;
}

/// True when the file has the photo table (a store no photo was ever added to has not).
bool has_photo_table(const detail::ReadConnection& db) {
    Statement found = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'incident_photos'");
    return found.step();
}

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw StoreError(what + ": " + sqlite3_errmsg(db));
}

}  // namespace

void GeoPackageStore::Batch::append_photo(Photo& photo) {
    // SQLite itself on GDAL's connection (so inside the batch's transaction),
    // with the bytes bound, as the audit rows are written.
    auto* db = static_cast<sqlite3*>(dataset().GetInternalHandle("SQLITE_HANDLE"));
    if (db == nullptr) throw StoreError("the store has no SQLite connection for photos");
    static constexpr const char* schema =
        "CREATE TABLE IF NOT EXISTS incident_photos (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "incident_id INTEGER NOT NULL, stage TEXT NOT NULL, at INTEGER NOT NULL, uploader TEXT NOT NULL, "
        "content_type TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, size INTEGER NOT NULL, "
        "lon REAL, lat REAL, bytes BLOB NOT NULL);"
        "CREATE INDEX IF NOT EXISTS incident_photos_incident ON incident_photos (incident_id)";
    if (sqlite3_exec(db, schema, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db, "cannot create the photo table");
    static constexpr std::string_view sql =
        "INSERT INTO incident_photos (incident_id, stage, at, uploader, content_type, width, height, size, lon, lat, "
        "bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
        fail(db, "cannot prepare the photo insert");
    }
    const std::unique_ptr<sqlite3_stmt, detail::StatementFinalizer> statement(raw);
    PhotoInfo& info = photo.info;
    info.size = photo.bytes.size();
    const auto text = [&](int column, const std::string& value) {
        sqlite3_bind_text(raw, column, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    };
    sqlite3_bind_int64(raw, 1, info.incident_id);
    text(2, info.stage);
    sqlite3_bind_int64(raw, 3, info.at);
    text(4, info.uploader);
    text(5, info.content_type);
    sqlite3_bind_int64(raw, 6, info.width);
    sqlite3_bind_int64(raw, 7, info.height);
    sqlite3_bind_int64(raw, 8, static_cast<sqlite3_int64>(info.size));
    if (info.location) {
        sqlite3_bind_double(raw, 9, info.location->x);
        sqlite3_bind_double(raw, 10, info.location->y);
    }
    // Bound without a copy: the bytes outlive the statement.
    sqlite3_bind_blob64(raw, 11, photo.bytes.data(), photo.bytes.size(), SQLITE_STATIC);
    if (sqlite3_step(raw) != SQLITE_DONE) fail(db, "cannot store the photo");
    info.id = sqlite3_last_insert_rowid(db);
}

std::vector<PhotoInfo> list_photos(const std::filesystem::path& store, std::int64_t incident_id) {
    const detail::ReadConnection db(store);
    std::vector<PhotoInfo> photos;
    if (!has_photo_table(db)) return photos;
    Statement rows = db.prepare("SELECT " + std::string(photo_columns) +
                                " FROM incident_photos WHERE incident_id = " + std::to_string(incident_id) +
                                " ORDER BY at, id");
    while (rows.step()) photos.push_back(info_of(rows));
    return photos;
}

std::optional<Photo> read_photo(const std::filesystem::path& store, std::int64_t incident_id, std::int64_t photo_id) {
    const detail::ReadConnection db(store);
    if (!has_photo_table(db)) return std::nullopt;
    Statement row = db.prepare("SELECT " + std::string(photo_columns) + ", bytes FROM incident_photos WHERE id = " +
                               std::to_string(photo_id) + " AND incident_id = " + std::to_string(incident_id));
    if (!row.step()) return std::nullopt;
    const auto bytes = row.blob(11);
    return Photo{info_of(row), std::string(bytes.begin(), bytes.end())};
}

}  // namespace wangge::store
