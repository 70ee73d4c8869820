#pragma once
// Photo rows (store/photos.hpp) as both stores read them.
//
// Private to the store module. Thread safety: a pure function.

#include <cstddef>
#include <cstdint>
#include <string>

#include "wangge/store/photos.hpp"

namespace wangge::store::detail {

/// A photo's description from a row of (id, incident_id, stage, at seconds,
/// uploader, content_type, width, height, size, lon, lat): row.int64(i),
/// row.text(i), row.real(i), row.is_null(i).
template <class Row>
PhotoInfo photo_info_of(const Row& row) {
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
    if (!row.is_null(9) && !row.is_null(10)) info.location = geo::Point{row.real(9), row.real(10)};
    return info;
}

}  // namespace wangge::store::detail
