// Case photos in the store (store/photos.hpp).

#include "wangge/store/photos.hpp"

#include <memory>
#include <string_view>

#include "gdal.hpp"
#include "photo_row.hpp"
#include "sqlite.hpp"
#include "store_impl.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

namespace {

constexpr std::string_view photo_columns =
    "id, incident_id, stage, at, uploader, content_type, width, height, size, lon, lat";

using detail::Statement;

/// True when the file has the photo table (a store no photo was ever added to has not).
bool has_photo_table(const detail::ReadConnection& db) {
    Statement found = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'incident_photos'");
    return found.step();
}


}  // namespace

void GeoPackageBatch::append_photo(Photo& photo) {
    static constexpr std::string_view schema =
        "CREATE TABLE IF NOT EXISTS incident_photos (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "incident_id INTEGER NOT NULL, stage TEXT NOT NULL, at INTEGER NOT NULL, uploader TEXT NOT NULL, "
        "content_type TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, size INTEGER NOT NULL, "
        "lon REAL, lat REAL, bytes BLOB NOT NULL);"
        "CREATE INDEX IF NOT EXISTS incident_photos_incident ON incident_photos (incident_id)";
    static constexpr std::string_view sql =
        "INSERT INTO incident_photos (incident_id, stage, at, uploader, content_type, width, height, size, lon, lat, "
        "bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    detail::WriteStatement insert(dataset(), schema, sql, "the photo");
    PhotoInfo& info = photo.info;
    info.size = photo.bytes.size();
    insert.bind(1, info.incident_id);
    insert.bind(2, info.stage);
    insert.bind(3, info.at);
    insert.bind(4, info.uploader);
    insert.bind(5, info.content_type);
    insert.bind(6, std::int64_t{info.width});
    insert.bind(7, std::int64_t{info.height});
    insert.bind(8, static_cast<std::int64_t>(info.size));
    if (info.location) {
        insert.bind(9, info.location->x);
        insert.bind(10, info.location->y);
    }
    insert.bind_blob(11, photo.bytes);  // not copied: the bytes outlive the statement
    info.id = insert.insert();
}

std::vector<PhotoInfo> list_photos(const std::filesystem::path& store, std::int64_t incident_id) {
    const detail::ReadConnection db(store);
    std::vector<PhotoInfo> photos;
    if (!has_photo_table(db)) return photos;
    Statement rows = db.prepare("SELECT " + std::string(photo_columns) +
                                " FROM incident_photos WHERE incident_id = " + std::to_string(incident_id) +
                                " ORDER BY at, id");
    while (rows.step()) photos.push_back(detail::photo_info_of(rows));
    return photos;
}

std::optional<Photo> read_photo(const std::filesystem::path& store, std::int64_t incident_id, std::int64_t photo_id) {
    const detail::ReadConnection db(store);
    if (!has_photo_table(db)) return std::nullopt;
    Statement row = db.prepare("SELECT " + std::string(photo_columns) + ", bytes FROM incident_photos WHERE id = " +
                               std::to_string(photo_id) + " AND incident_id = " + std::to_string(incident_id));
    if (!row.step()) return std::nullopt;
    const auto bytes = row.blob(11);
    return Photo{detail::photo_info_of(row), std::string(bytes.begin(), bytes.end())};
}

}  // namespace wangge::store
