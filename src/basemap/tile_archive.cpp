#include "wangge/basemap/tile_archive.hpp"

#include <charconv>
#include <fstream>
#include <memory>
#include <sstream>

#include <zlib.h>

#include "wangge/basemap/mbtiles.hpp"
#include "wangge/basemap/pmtiles.hpp"

namespace wangge::basemap {

std::string_view MbtilesMetadata::get(std::string_view name) const {
    const auto found = values.find(std::string(name));
    return found == values.end() ? std::string_view{} : std::string_view(found->second);
}

std::vector<double> MbtilesMetadata::numbers(std::string_view name, std::size_t count) const {
    std::vector<double> out;
    std::istringstream in{std::string(get(name))};
    std::string item;
    while (std::getline(in, item, ',')) {
        try {
            std::size_t used = 0;
            const double value = std::stod(item, &used);
            if (used != item.size()) return {};
            out.push_back(value);
        } catch (const std::exception&) {
            return {};
        }
    }
    return out.size() == count ? out : std::vector<double>{};
}

std::optional<int> MbtilesMetadata::zoom(std::string_view name) const {
    const std::string_view text = get(name);
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < 0 || value > tiles::max_zoom) {
        return std::nullopt;
    }
    return value;
}

std::shared_ptr<const TileArchive> open_tile_archive(const std::filesystem::path& path) {
    // The magic decides, not the name: operators rename files. A PMTiles
    // file of another version starts "PM" too and gets the PMTiles reader's
    // message on its version.
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) throw MbtilesError(path.string() + ": no such file");
    std::ifstream in(path, std::ios::binary);
    std::string magic(16, '\0');
    in.read(magic.data(), static_cast<std::streamsize>(magic.size()));
    magic.resize(static_cast<std::size_t>(in.gcount()));
    if (magic.starts_with("PM")) return std::make_shared<const PmtilesReader>(path);
    if (magic == std::string_view("SQLite format 3\0", 16)) return std::make_shared<const MbtilesReader>(path);
    throw MbtilesError(path.string() + ": neither a PMTiles nor an MBTiles (SQLite) file");
}

bool is_pmtiles_name(const std::filesystem::path& path) { return path.extension() == ".pmtiles"; }

std::unique_ptr<TileArchiveWriter> create_tile_archive(const std::filesystem::path& path, const MbtilesMetadata& metadata) {
    if (is_pmtiles_name(path)) return std::make_unique<PmtilesWriter>(path, metadata);
    return std::make_unique<MbtilesWriter>(path, metadata);
}

std::size_t copy_tile_archive(const TileArchive& from, const std::filesystem::path& to) {
    const std::unique_ptr<TileArchiveWriter> writer = create_tile_archive(to, from.metadata());
    std::size_t count = 0;
    from.for_each_tile([&](const tiles::TileId& tile, std::string_view bytes) {
        writer->put(tile, bytes);
        ++count;
    });
    writer->finish();
    return count;
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
