// Case photo checks (workflow/photos.hpp) on real JPEG and PNG files written
// by GDAL, and on files broken the ways uploads break.

#include "wangge/workflow/photos.hpp"

#include <string>

#include <gtest/gtest.h>

#include "support/images.hpp"
#include "wangge/client_error.hpp"

namespace wangge::workflow {
namespace {

using support::as_bytes;

/// The refusal's code and kind, or "accepted".
std::string refusal(const std::string& bytes, const PhotoLimits& limits = {}) {
    try {
        (void)inspect_photo(as_bytes(bytes), limits);
        return "accepted";
    } catch (const ClientError& error) {
        EXPECT_FALSE(error.message_zh().empty());
        return error.code() + " " + std::to_string(static_cast<int>(error.kind()));
    }
}

const std::string unreadable = "photo_unreadable " + std::to_string(static_cast<int>(ErrorKind::unprocessable));
const std::string wrong_type = "photo_type " + std::to_string(static_cast<int>(ErrorKind::unsupported_media));
const std::string too_large = "photo_too_large " + std::to_string(static_cast<int>(ErrorKind::too_large));

TEST(Photos, JpegDimensionsAndExifLocation) {
    const std::string jpeg = support::jpeg_bytes(64, 48, geo::Point{116.390139, 39.91});
    const ImageInfo info = inspect_photo(as_bytes(jpeg));
    EXPECT_EQ(info.content_type, "image/jpeg");
    EXPECT_EQ(info.width, 64u);
    EXPECT_EQ(info.height, 48u);
    ASSERT_TRUE(info.location.has_value());
    EXPECT_NEAR(info.location->x, 116.390139, 1e-5);
    EXPECT_NEAR(info.location->y, 39.91, 1e-5);
}

TEST(Photos, SouthAndWestReferencesAreNegative) {
    const ImageInfo info = inspect_photo(as_bytes(support::jpeg_bytes(8, 8, geo::Point{-70.5, -33.25})));
    ASSERT_TRUE(info.location.has_value());
    EXPECT_NEAR(info.location->x, -70.5, 1e-5);
    EXPECT_NEAR(info.location->y, -33.25, 1e-5);
}

TEST(Photos, JpegWithoutExifHasNoLocation) {
    const ImageInfo info = inspect_photo(as_bytes(support::jpeg_bytes(10, 20)));
    EXPECT_EQ(info.width, 10u);
    EXPECT_EQ(info.height, 20u);
    EXPECT_FALSE(info.location.has_value());
}

TEST(Photos, PngDimensions) {
    const ImageInfo info = inspect_photo(as_bytes(support::png_bytes(33, 17)));
    EXPECT_EQ(info.content_type, "image/png");
    EXPECT_EQ(info.width, 33u);
    EXPECT_EQ(info.height, 17u);
    EXPECT_FALSE(info.location.has_value());
}

TEST(Photos, OversizedIsRefused) {
    const std::string jpeg = support::jpeg_bytes(64, 48);
    EXPECT_EQ(refusal(jpeg, {.max_bytes = jpeg.size() - 1}), too_large);
    EXPECT_EQ(refusal(jpeg, {.max_bytes = jpeg.size()}), "accepted");
    EXPECT_EQ(refusal(jpeg, {.max_pixels = 64 * 48 - 1}), too_large);
}

TEST(Photos, OtherTypesAreRefusedByContent) {
    EXPECT_EQ(refusal("GIF89a\x01\x00\x01\x00"), wrong_type);
    EXPECT_EQ(refusal("%PDF-1.4 not a photo"), wrong_type);
    EXPECT_EQ(refusal("<svg xmlns='http://www.w3.org/2000/svg'/>"), wrong_type);
    EXPECT_EQ(refusal(""), "photo_missing " + std::to_string(static_cast<int>(ErrorKind::bad_request)));
}

TEST(Photos, BrokenJpegsAreRefused) {
    const std::string jpeg = support::jpeg_bytes(64, 48);
    EXPECT_EQ(refusal(jpeg.substr(0, jpeg.size() / 2)), unreadable);  // cut short: no EOI
    EXPECT_EQ(refusal(jpeg.substr(0, 40)), unreadable);                // before the frame header
    EXPECT_EQ(refusal(std::string("\xFF\xD8\xFF\xE0") + std::string(200, '\0')), unreadable);
    std::string garbage = "\xFF\xD8\xFF";
    garbage += std::string(500, 'x');
    EXPECT_EQ(refusal(garbage), unreadable);
}

TEST(Photos, BrokenPngsAreRefused) {
    const std::string png = support::png_bytes(16, 16);
    EXPECT_EQ(refusal(png.substr(0, png.size() - 12)), unreadable);  // no IEND
    std::string bad_crc = png;
    bad_crc[16] = static_cast<char>(bad_crc[16] ^ 0x01);  // the width's top byte: the IHDR CRC no longer matches
    EXPECT_EQ(refusal(bad_crc), unreadable);
    EXPECT_EQ(refusal(png.substr(0, 8)), unreadable);
}

TEST(Photos, StagesFollowTheCase) {
    EXPECT_NO_THROW(check_photo_stage(PhotoStage::report, State::reported));
    EXPECT_NO_THROW(check_photo_stage(PhotoStage::report, State::in_progress));
    EXPECT_THROW(check_photo_stage(PhotoStage::report, State::resolved), WorkflowError);
    EXPECT_THROW(check_photo_stage(PhotoStage::result, State::dispatched), WorkflowError);
    EXPECT_NO_THROW(check_photo_stage(PhotoStage::result, State::in_progress));
    EXPECT_NO_THROW(check_photo_stage(PhotoStage::result, State::resolved));
    EXPECT_THROW(check_photo_stage(PhotoStage::result, State::closed), WorkflowError);
    EXPECT_EQ(label_zh(PhotoStage::report), "处置前");
    EXPECT_EQ(label_zh(PhotoStage::result), "处置后");
    EXPECT_EQ(parse_photo_stage("result"), PhotoStage::result);
    EXPECT_FALSE(parse_photo_stage("after").has_value());
}

}  // namespace
}  // namespace wangge::workflow
