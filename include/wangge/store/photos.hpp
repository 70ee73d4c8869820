#pragma once
// Case photos in the store (issue #15): the table `incident_photos` of the
// GeoPackage file, beside the entity layers but not one of them (like the
// audit log): photos are never tiled, exported or loaded into a Snapshot, so
// a server start does not read megabytes of images.
//
//   incident_photos(id INTEGER PRIMARY KEY, incident_id, stage 'report'|'result',
//                   at (seconds UTC), uploader, content_type, width, height,
//                   size, lon, lat (EXIF GPS, NULL without), bytes BLOB)
//
// Writes go through a store::Batch (append_photo), so a photo is
// committed with its audit row, durable when the write returns, and the
// table is created by the first one. Reads open a read-only SQLite
// connection of their own (WAL: they never wait for a writer, and see only
// committed photos); a file without the table has no photos.
//
// Thread safety: the functions are reentrant (a connection per call).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "wangge/geo/types.hpp"
#include "wangge/model/entities.hpp"

namespace wangge::store {

/// A stored photo without its bytes.
struct PhotoInfo {
    std::int64_t id = 0;
    std::int64_t incident_id = 0;
    std::string stage{};  ///< workflow::PhotoStage's name
    model::Timestamp at = 0;
    std::string uploader{};  ///< the user name
    std::string content_type{};
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::size_t size = 0;
    std::optional<geo::Point> location{};
};

struct Photo {
    PhotoInfo info;
    std::string bytes;
};

/// The photos of an incident, oldest first.
[[nodiscard]] std::vector<PhotoInfo> list_photos(const std::filesystem::path& store, std::int64_t incident_id);
/// One photo of an incident with its bytes; nullopt when that incident has no such photo.
[[nodiscard]] std::optional<Photo> read_photo(const std::filesystem::path& store, std::int64_t incident_id,
                                              std::int64_t photo_id);

}  // namespace wangge::store
