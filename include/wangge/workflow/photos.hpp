#pragma once
// Case photos (issue #15): the before-photo of a report (处置前) and the
// after-photo of a result (处置后), checked by their content before anything
// is stored.
//
// Checks: JPEG or PNG by magic bytes, whatever the client called the file;
// then the header is decoded: a JPEG's marker chain up to its frame header
// (SOF, the dimensions) and scan, ending in EOI; a PNG's chunks with the
// IHDR's CRC, at least one IDAT and IEND. A file cut short by a dropped
// upload or with a forged signature fails here. The size limit is the
// caller's (configurable, 5 MiB by default). A JPEG's EXIF GPS position
// (the GPS IFD's latitude and longitude with their N/S, E/W references) is
// kept as lon/lat, so the case shows where the photo was taken.
//
// Refusals are ClientError with a Chinese message: empty → 400
// "photo_missing", over the limit → 413 "photo_too_large", neither JPEG nor
// PNG → 415 "photo_type", undecodable → 422 "photo_unreadable".
//
// Thread safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wangge/geo/types.hpp"
#include "wangge/workflow/states.hpp"

namespace wangge::workflow {

struct PhotoLimits {
    std::size_t max_bytes = 5 * 1024 * 1024;
    /// Width × height; a tiny file may declare a huge image that would exhaust a phone decoding it.
    std::uint64_t max_pixels = 100'000'000;
};

/// What the content check learnt of an image.
struct ImageInfo {
    std::string content_type;  ///< "image/jpeg" or "image/png"
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::optional<geo::Point> location{};  ///< EXIF GPS, lon/lat
};

/// Checks `bytes` as described above; throws ClientError when they are refused.
[[nodiscard]] ImageInfo inspect_photo(std::span<const unsigned char> bytes, const PhotoLimits& limits = {});

/// When a photo was taken in the case's life.
enum class PhotoStage { report, result };

[[nodiscard]] std::string_view to_string(PhotoStage stage) noexcept;
/// "处置前" / "处置后".
[[nodiscard]] std::string_view label_zh(PhotoStage stage) noexcept;
[[nodiscard]] std::optional<PhotoStage> parse_photo_stage(std::string_view text) noexcept;

/// Whether a photo of `stage` may be added to a case in `state`: before-photos
/// until the result is reported (reported … in_progress), after-photos while
/// it is handled or its result awaits verification (in_progress, resolved).
/// Throws WorkflowError "illegal_transition" (409) otherwise.
void check_photo_stage(PhotoStage stage, State state);

}  // namespace wangge::workflow
