#include "wangge/basemap/tile_archive.hpp"

#include <memory>

#include <zlib.h>

#include "wangge/basemap/mbtiles.hpp"

namespace wangge::basemap {

std::shared_ptr<const TileArchive> open_tile_archive(const std::filesystem::path& path) {
    return std::make_shared<const MbtilesReader>(path);
}

bool is_gzip(std::string_view bytes) {
    return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string gunzip(std::string_view gzipped, const std::filesystem::path& path) {
    z_stream stream{};
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) throw MbtilesError("zlib cannot start inflating");
    const std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&stream, &inflateEnd);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzipped.data()));
    stream.avail_in = static_cast<uInt>(gzipped.size());
    std::string out;
    char buffer[16384];
    int status = Z_OK;
    while (status != Z_STREAM_END) {
        stream.next_out = reinterpret_cast<Bytef*>(buffer);
        stream.avail_out = sizeof buffer;
        status = inflate(&stream, Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END) throw MbtilesError(path.string() + ": a corrupt gzip tile");
        out.append(buffer, sizeof buffer - stream.avail_out);
    }
    return out;
}

}  // namespace wangge::basemap
