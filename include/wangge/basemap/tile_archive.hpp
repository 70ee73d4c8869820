#pragma once
// A read-only file of map tiles that `serve --basemap FILE` serves and the
// printed maps draw on. MBTiles (mbtiles.hpp) is one kind; the routes and
// the print library see only this interface, so another archive format is
// one more implementation and a case in open_tile_archive().
//
// Thread safety: implementations are safe to read from any thread.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wangge/error.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::basemap {

/// A file that is not a readable MBTiles, or a failed write; names the file.
class MbtilesError : public InputError {
public:
    using InputError::InputError;
};

/// The metadata table, as text (MBTiles 1.3 names: name, format, bounds,
/// center, minzoom, maxzoom, attribution, description, type, version, json).
struct MbtilesMetadata {
    std::map<std::string, std::string> values;

    [[nodiscard]] std::string_view get(std::string_view name) const;
    /// "pbf" for vector tiles, "png", "jpg", "webp" for raster.
    [[nodiscard]] std::string_view format() const { return get("format"); }
    [[nodiscard]] bool is_vector() const { return format() == "pbf"; }
};

class TileArchive {
public:
    virtual ~TileArchive() = default;

    /// The archive's description in MBTiles 1.3 terms (name, format, bounds,
    /// center, minzoom, maxzoom, attribution, description, json).
    [[nodiscard]] virtual const MbtilesMetadata& metadata() const noexcept = 0;
    [[nodiscard]] virtual const std::filesystem::path& path() const noexcept = 0;
    [[nodiscard]] virtual int min_zoom() const noexcept = 0;
    [[nodiscard]] virtual int max_zoom() const noexcept = 0;
    /// The stored bytes of an XYZ tile (gzip'd as stored, for vector tiles
    /// usually), nullopt when the archive has no such tile. Throws on a read error.
    [[nodiscard]] virtual std::optional<std::string> tile(const tiles::TileId& tile) const = 0;
};

/// Opens the tile archive at `path`. Throws MbtilesError naming the file
/// when it is missing or not a readable archive.
[[nodiscard]] std::shared_ptr<const TileArchive> open_tile_archive(const std::filesystem::path& path);

/// Whether tile bytes are gzip'd (vector MBTiles usually store them so).
[[nodiscard]] bool is_gzip(std::string_view bytes);

/// The bytes of a gzip member read from the file at `path`. Throws
/// MbtilesError for a corrupt one (the file is at fault, not the request: a
/// 500 in the log names the file).
[[nodiscard]] std::string gunzip(std::string_view gzipped, const std::filesystem::path& path);

}  // namespace wangge::basemap
