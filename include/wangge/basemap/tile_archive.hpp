#pragma once
// A read-only file of map tiles that `serve --basemap FILE` serves and the
// printed maps draw on: MBTiles (mbtiles.hpp) or PMTiles v3 (pmtiles.hpp).
// The routes and the print library see only this interface;
// open_tile_archive() tells the two apart by the file's first bytes.
// TileArchiveWriter is the writing side (`wangge basemap`, `generate`,
// `basemap --convert`); create_tile_archive() picks it by the file name.
//
// Thread safety: archives are safe to read from any thread; a writer
// belongs to one thread at a time.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/error.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::basemap {

/// A file that is not a readable MBTiles or PMTiles archive, or a failed
/// write; names the file.
class MbtilesError : public InputError {
public:
    using InputError::InputError;
};

/// The metadata table, as text (MBTiles 1.3 names: name, format, bounds,
/// center, minzoom, maxzoom, attribution, description, type, version, json).
struct MbtilesMetadata {
    std::map<std::string, std::string> values;

    [[nodiscard]] std::string_view get(std::string_view name) const;
    /// The comma-separated numbers of `name` (bounds: 4, center: 3); empty
    /// unless it holds exactly `count` numbers.
    [[nodiscard]] std::vector<double> numbers(std::string_view name, std::size_t count) const;
    /// A zoom 0..tiles::max_zoom (minzoom, maxzoom); nullopt when absent or not one.
    [[nodiscard]] std::optional<int> zoom(std::string_view name) const;
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

    using TileVisitor = std::function<void(const tiles::TileId& tile, std::string_view bytes)>;
    /// Calls `visit` with every stored tile, in no promised order (for
    /// converting between formats). Throws on a read error.
    virtual void for_each_tile(const TileVisitor& visit) const = 0;
};

class TileArchiveWriter {
public:
    virtual ~TileArchiveWriter() = default;
    /// Stores the bytes of an XYZ tile, as they are to be served.
    virtual void put(const tiles::TileId& tile, std::string_view bytes) = 0;
    /// Makes the file; until then (and when it throws) nothing is left at its path.
    virtual void finish() = 0;
};

/// Opens the tile archive at `path`: PMTiles or MBTiles by the file's first
/// bytes (the PMTiles magic or SQLite's header), whatever its name says.
/// Throws MbtilesError naming the file when it is missing, neither, or not
/// a readable archive.
[[nodiscard]] std::shared_ptr<const TileArchive> open_tile_archive(const std::filesystem::path& path);

/// Whether `path` names a PMTiles file to write (it ends in ".pmtiles").
[[nodiscard]] bool is_pmtiles_name(const std::filesystem::path& path);

/// A writer of a new archive at `path` (which must not exist): PMTiles when
/// is_pmtiles_name(path), MBTiles otherwise. Throws MbtilesError.
[[nodiscard]] std::unique_ptr<TileArchiveWriter> create_tile_archive(const std::filesystem::path& path,
                                                                     const MbtilesMetadata& metadata);

/// Copies every tile and the metadata of `from` into a new archive at `to`
/// (format by create_tile_archive): MBTiles to PMTiles or back. Returns
/// the number of tiles copied. Throws MbtilesError.
std::size_t copy_tile_archive(const TileArchive& from, const std::filesystem::path& to);

/// Whether tile bytes are gzip'd (vector MBTiles usually store them so).
[[nodiscard]] bool is_gzip(std::string_view bytes);

/// The bytes of a gzip member read from the file at `path`. Throws
/// MbtilesError for a corrupt one (the file is at fault, not the request: a
/// 500 in the log names the file).
[[nodiscard]] std::string gunzip(std::string_view gzipped, const std::filesystem::path& path);

}  // namespace wangge::basemap
