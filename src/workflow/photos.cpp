#include "wangge/workflow/photos.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "wangge/client_error.hpp"

namespace wangge::workflow {

namespace {

using Bytes = std::span<const unsigned char>;

[[noreturn]] void unreadable(const std::string& why) {
    throw ClientError(ErrorKind::unprocessable, "photo_unreadable", "the photo cannot be decoded: " + why,
                      "照片无法识别（文件可能不完整或已损坏），请重新拍摄或选择照片");
}

std::uint32_t big16(Bytes b, std::size_t at) { return (std::uint32_t{b[at]} << 8) | b[at + 1]; }
std::uint32_t big32(Bytes b, std::size_t at) { return (big16(b, at) << 16) | big16(b, at + 2); }

/// Integers of a TIFF (EXIF) block in its own byte order, every read bounds-checked.
class Tiff {
public:
    explicit Tiff(Bytes block) : block_(block) {
        if (block.size() < 8) throw Bad{};
        if (block[0] == 'I' && block[1] == 'I') {
            little_ = true;
        } else if (!(block[0] == 'M' && block[1] == 'M')) {
            throw Bad{};
        }
        if (u16(2) != 42) throw Bad{};
    }
    struct Bad {};

    [[nodiscard]] std::uint32_t u16(std::size_t at) const {
        need(at, 2);
        return little_ ? (std::uint32_t{block_[at + 1]} << 8) | block_[at] : big16(block_, at);
    }
    [[nodiscard]] std::uint32_t u32(std::size_t at) const {
        need(at, 4);
        return little_ ? (u16(at + 2) << 16) | u16(at) : big32(block_, at);
    }
    [[nodiscard]] std::uint8_t u8(std::size_t at) const {
        need(at, 1);
        return block_[at];
    }

    /// The entry with `tag` of the IFD at `ifd`: the offset of its 12 bytes, or 0.
    [[nodiscard]] std::size_t entry(std::size_t ifd, std::uint32_t tag) const {
        const std::uint32_t count = u16(ifd);
        for (std::uint32_t i = 0; i < count; ++i) {
            const std::size_t at = ifd + 2 + std::size_t{i} * 12;
            if (u16(at) == tag) return at;
        }
        return 0;
    }

    /// Degrees from an entry of three RATIONALs (degrees, minutes, seconds).
    [[nodiscard]] std::optional<double> degrees(std::size_t entry_at) const {
        if (u16(entry_at + 2) != 5 || u32(entry_at + 4) != 3) return std::nullopt;  // RATIONAL ×3
        const std::size_t values = u32(entry_at + 8);
        double total = 0;
        double unit = 1;
        for (std::size_t i = 0; i < 3; ++i) {
            const std::uint32_t numerator = u32(values + i * 8);
            const std::uint32_t denominator = u32(values + i * 8 + 4);
            if (denominator == 0) return std::nullopt;
            total += static_cast<double>(numerator) / denominator / unit;
            unit *= 60;
        }
        return total;
    }

    /// The first character of an ASCII entry whose value fits in the entry ('N', 'E'…).
    [[nodiscard]] char reference(std::size_t entry_at) const {
        if (u16(entry_at + 2) != 2) return 0;
        return static_cast<char>(u8(entry_at + 8));
    }

private:
    void need(std::size_t at, std::size_t size) const {
        if (at > block_.size() || block_.size() - at < size) throw Bad{};
    }
    Bytes block_;
    bool little_ = false;
};

/// The GPS position of an EXIF block ("Exif\0\0" stripped), if it has a usable one.
std::optional<geo::Point> exif_location(Bytes tiff_block) {
    try {
        const Tiff tiff(tiff_block);
        const std::size_t ifd0 = tiff.u32(4);
        const std::size_t gps_pointer = tiff.entry(ifd0, 0x8825);
        if (gps_pointer == 0) return std::nullopt;
        const std::size_t gps = tiff.u32(gps_pointer + 8);
        const std::size_t lat_ref = tiff.entry(gps, 1);
        const std::size_t lat = tiff.entry(gps, 2);
        const std::size_t lon_ref = tiff.entry(gps, 3);
        const std::size_t lon = tiff.entry(gps, 4);
        if (lat == 0 || lon == 0) return std::nullopt;
        std::optional<double> y = tiff.degrees(lat);
        std::optional<double> x = tiff.degrees(lon);
        if (!x || !y) return std::nullopt;
        if (lat_ref != 0 && tiff.reference(lat_ref) == 'S') *y = -*y;
        if (lon_ref != 0 && tiff.reference(lon_ref) == 'W') *x = -*x;
        if (!std::isfinite(*x) || !std::isfinite(*y) || std::abs(*x) > 180 || std::abs(*y) > 90) return std::nullopt;
        return geo::Point{*x, *y};
    } catch (const Tiff::Bad&) {
        return std::nullopt;  // a broken EXIF block does not make the image unreadable: the position is a bonus
    }
}

ImageInfo inspect_jpeg(Bytes b) {
    ImageInfo info{.content_type = "image/jpeg"};
    std::size_t at = 2;  // after SOI
    bool frame = false;
    while (true) {
        if (at + 4 > b.size()) unreadable("the JPEG ends before its image data");
        if (b[at] != 0xFF) unreadable("no JPEG marker at byte " + std::to_string(at));
        while (at < b.size() && b[at] == 0xFF) ++at;  // fill bytes
        if (at + 3 > b.size()) unreadable("the JPEG ends before its image data");
        const unsigned marker = b[at++];
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
        if (marker == 0xD8 || marker == 0xD9) unreadable("a JPEG marker out of place");
        const std::size_t length = big16(b, at);
        if (length < 2 || at + length > b.size()) unreadable("a JPEG segment runs past the end");
        const Bytes segment = b.subspan(at + 2, length - 2);
        const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (sof) {
            if (segment.size() < 6) unreadable("a short JPEG frame header");
            info.height = big16(segment, 1);
            info.width = big16(segment, 3);
            if (info.width == 0 || info.height == 0) unreadable("the JPEG frame has no size");
            frame = true;
        } else if (marker == 0xE1 && segment.size() > 6 && std::equal(segment.begin(), segment.begin() + 6,
                                                                       std::begin("Exif\0\0"))) {
            info.location = exif_location(segment.subspan(6));
        } else if (marker == 0xDA) {
            if (!frame) unreadable("the JPEG scan comes before its frame header");
            break;
        }
        at += length;
    }
    // The entropy-coded data cannot contain FF D9 (a data FF is followed by 00): the image ends at EOI.
    const auto tail = b.subspan(at);
    const std::array<unsigned char, 2> eoi{0xFF, 0xD9};
    if (std::search(tail.begin(), tail.end(), eoi.begin(), eoi.end()) == tail.end()) {
        unreadable("the JPEG has no end marker (cut short?)");
    }
    return info;
}

std::uint32_t crc32(Bytes data) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (const unsigned char byte : data) {
        crc ^= byte;
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

ImageInfo inspect_png(Bytes b) {
    ImageInfo info{.content_type = "image/png"};
    std::size_t at = 8;
    bool header = false;
    bool data = false;
    while (true) {
        if (at + 12 > b.size()) unreadable("the PNG ends before its IEND chunk (cut short?)");
        const std::size_t length = big32(b, at);
        if (length > b.size() - at - 12) unreadable("a PNG chunk runs past the end");
        const Bytes type = b.subspan(at + 4, 4);
        const Bytes body = b.subspan(at + 8, length);
        const auto is = [&](const char* name) { return std::equal(type.begin(), type.end(), name); };
        if (!header) {
            if (!is("IHDR") || length != 13) unreadable("the PNG does not begin with its IHDR header");
            if (crc32(b.subspan(at + 4, length + 4)) != big32(b, at + 8 + length)) {
                unreadable("the PNG header's checksum is wrong");
            }
            info.width = big32(body, 0);
            info.height = big32(body, 4);
            const unsigned depth = body[8];
            const unsigned color = body[9];
            const bool valid_color = color == 0 || color == 2 || color == 3 || color == 4 || color == 6;
            const bool valid_depth = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
            if (info.width == 0 || info.height == 0 || !valid_color || !valid_depth) {
                unreadable("the PNG header has no valid size, depth or colour type");
            }
            header = true;
        } else if (is("IDAT")) {
            data = true;
        } else if (is("IEND")) {
            if (!data) unreadable("the PNG has no image data");
            return info;
        }
        at += 12 + length;
    }
}

}  // namespace

ImageInfo inspect_photo(std::span<const unsigned char> bytes, const PhotoLimits& limits) {
    if (bytes.empty()) {
        throw ClientError(ErrorKind::bad_request, "photo_missing", "the request carries no photo", "没有收到照片");
    }
    if (bytes.size() > limits.max_bytes) {
        const std::string mb = std::to_string((limits.max_bytes + 1024 * 1024 - 1) / (1024 * 1024));
        throw ClientError(ErrorKind::too_large, "photo_too_large",
                          "the photo has " + std::to_string(bytes.size()) + " bytes, more than the limit of " +
                              std::to_string(limits.max_bytes),
                          "照片过大（上限 " + mb + " MB），请压缩后再上传");
    }
    static constexpr std::array<unsigned char, 8> png_signature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    ImageInfo info;
    if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) {
        info = inspect_jpeg(bytes);
    } else if (bytes.size() >= png_signature.size() &&
               std::equal(png_signature.begin(), png_signature.end(), bytes.begin())) {
        info = inspect_png(bytes);
    } else {
        throw ClientError(ErrorKind::unsupported_media, "photo_type", "a photo must be a JPEG or PNG image",
                          "照片只能是 JPEG 或 PNG 格式");
    }
    if (std::uint64_t{info.width} * info.height > limits.max_pixels) {
        throw ClientError(ErrorKind::too_large, "photo_too_large",
                          "the photo has " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                              " pixels, more than " + std::to_string(limits.max_pixels),
                          "照片像素过多，请缩小后再上传");
    }
    return info;
}

std::string_view to_string(PhotoStage stage) noexcept { return stage == PhotoStage::report ? "report" : "result"; }

std::string_view label_zh(PhotoStage stage) noexcept { return stage == PhotoStage::report ? "处置前" : "处置后"; }

std::optional<PhotoStage> parse_photo_stage(std::string_view text) noexcept {
    if (text == "report") return PhotoStage::report;
    if (text == "result") return PhotoStage::result;
    return std::nullopt;
}

void check_photo_stage(PhotoStage stage, State state) {
    const bool open_before_result = state == State::reported || state == State::filed ||
                                    state == State::dispatched || state == State::returned ||
                                    state == State::in_progress;
    const bool handling = state == State::in_progress || state == State::resolved;
    if (stage == PhotoStage::report ? open_before_result : handling) return;
    throw WorkflowError("illegal_transition",
                        "a " + std::string(to_string(stage)) + " photo cannot be added to a case in state " +
                            std::string(to_string(state)),
                        std::string("案卷当前状态为“") + std::string(label_zh(state)) + "”，不能添加" +
                            std::string(label_zh(stage)) + "照片");
}

}  // namespace wangge::workflow
