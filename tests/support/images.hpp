#pragma once
// Real JPEG and PNG files for the photo tests, written by GDAL's JPEG and PNG
// drivers (an encoder independent of wangge's header checks), a JPEG with
// an EXIF GPS block when given a position.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "wangge/geo/types.hpp"

namespace wangge::support {

/// A `width`×`height` grey JPEG; with `gps`, its EXIF holds it (lon/lat, degrees).
[[nodiscard]] std::string jpeg_bytes(int width, int height, std::optional<geo::Point> gps = std::nullopt);
/// A `width`×`height` grey PNG.
[[nodiscard]] std::string png_bytes(int width, int height);

/// The bytes as the span inspect_photo() takes.
[[nodiscard]] inline std::span<const unsigned char> as_bytes(const std::string& bytes) {
    return {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()};
}

}  // namespace wangge::support
