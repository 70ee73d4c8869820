#pragma once
// MBTiles 1.3 files (SQLite): the `metadata` name/value table and the
// `tiles` table keyed by zoom_level, tile_column, tile_row. MBTiles rows are
// TMS: row 0 is the southernmost, so row = 2^z - 1 - y of an XYZ tile.
//
// The reader serves a basemap (`wangge serve --basemap FILE`); the writer
// makes one (`wangge generate`, `wangge basemap`).
//
// Thread safety: MbtilesReader is safe from any thread: each read leases one
// of a small pool of read-only connections (SQLite connections must not be
// shared between threads at once), opening another when all are busy.
// MbtilesWriter belongs to one thread at a time.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/basemap/tile_archive.hpp"
#include "wangge/error.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::basemap {

namespace detail {
struct Connection;
struct ConnectionDeleter {
    void operator()(Connection* connection) const noexcept;
};
using ConnectionPtr = std::unique_ptr<Connection, ConnectionDeleter>;
}  // namespace detail

class MbtilesReader final : public TileArchive {
public:
    /// Opens read-only and reads the metadata. Throws MbtilesError when the
    /// file is missing, not SQLite, lacks the tables, or has no known format.
    explicit MbtilesReader(std::filesystem::path path);
    ~MbtilesReader() override;
    MbtilesReader(const MbtilesReader&) = delete;
    MbtilesReader& operator=(const MbtilesReader&) = delete;

    [[nodiscard]] const MbtilesMetadata& metadata() const noexcept override { return metadata_; }
    [[nodiscard]] const std::filesystem::path& path() const noexcept override { return path_; }
    /// minzoom/maxzoom of the metadata, else 0 and 22.
    [[nodiscard]] int min_zoom() const noexcept override { return min_zoom_; }
    [[nodiscard]] int max_zoom() const noexcept override { return max_zoom_; }

    /// Throws MbtilesError on a read error.
    [[nodiscard]] std::optional<std::string> tile(const tiles::TileId& tile) const override;
    void for_each_tile(const TileVisitor& visit) const override;

private:
    [[nodiscard]] detail::ConnectionPtr lease() const;
    void give_back(detail::ConnectionPtr connection) const;

    std::filesystem::path path_;
    MbtilesMetadata metadata_;
    int min_zoom_ = 0;
    int max_zoom_ = tiles::max_zoom;
    mutable std::mutex mutex_;
    mutable std::vector<detail::ConnectionPtr> idle_;
};

/// Writes a new MBTiles file in one transaction: nothing is visible (and the
/// file is removed) unless finish() is called.
class MbtilesWriter final : public TileArchiveWriter {
public:
    /// Creates `path` (which must not exist) with the schema and `metadata`.
    MbtilesWriter(std::filesystem::path path, const MbtilesMetadata& metadata);
    ~MbtilesWriter() override;
    MbtilesWriter(const MbtilesWriter&) = delete;
    MbtilesWriter& operator=(const MbtilesWriter&) = delete;

    /// Stores the bytes of an XYZ tile (flipped to the TMS row).
    void put(const tiles::TileId& tile, std::string_view bytes) override;
    /// Commits; throws MbtilesError when SQLite cannot.
    void finish() override;

private:
    void create_schema(const MbtilesMetadata& metadata);

    std::filesystem::path path_;
    detail::ConnectionPtr connection_;
    bool finished_ = false;
};

}  // namespace wangge::basemap
