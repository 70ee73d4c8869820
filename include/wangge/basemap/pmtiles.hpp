#pragma once
// PMTiles v3 archives (github.com/protomaps/PMTiles, spec/v3/spec.md): one
// file of a 127-byte header, a root directory, JSON metadata, optional leaf
// directories and the tile data. Tiles are addressed by their position on
// the Hilbert curves of zoom 0, 1, 2… (tile_id()); directory entries map a
// run of tile ids to one blob (run_length > 0) or a leaf directory (0).
//
// The reader maps the header and the JSON metadata onto MbtilesMetadata, so
// the /basemap routes, TileJSON and printing see a PMTiles file as they see
// an MBTiles one. It reads internal compression none or gzip and tiles of
// type mvt, png, jpg or webp stored uncompressed or gzip'd; anything else
// (brotli, zstd, avif, MapLibre tiles) is refused at open with its name.
// Every offset and length read from the file is checked against the file
// and its section: a corrupt or truncated file gives MbtilesError naming
// the file, never a read out of bounds.
//
// The writer makes clustered archives: tiles sorted by tile id, identical
// tiles stored once (consecutive ones as one entry with a run length), gzip
// internal compression, leaf directories when the root would not fit the
// first 16 KiB.
//
// Thread safety: PmtilesReader is safe from any thread (pread on one file
// descriptor; decoded leaf directories are cached under a mutex, a bounded
// number of them). PmtilesWriter belongs to one thread at a time.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wangge/basemap/tile_archive.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::basemap {

/// The tile's id on the Hilbert curves of PMTiles v3: 0 for 0/0/0, then
/// 1…4 for zoom 1 and so on.
[[nodiscard]] std::uint64_t tile_id(const tiles::TileId& tile) noexcept;
/// The inverse of tile_id(); nullopt beyond tiles::max_zoom.
[[nodiscard]] std::optional<tiles::TileId> tile_of_id(std::uint64_t id) noexcept;

namespace detail {
/// One directory entry: a run of tiles sharing a blob, or a leaf directory (run_length 0).
struct PmtilesEntry {
    std::uint64_t tile_id = 0;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::uint64_t run_length = 0;
};
using PmtilesDirectory = std::vector<PmtilesEntry>;

/// A directory in its stored form (before internal compression).
[[nodiscard]] std::string encode_directory(const PmtilesDirectory& entries);
/// Throws MbtilesError naming `path` when the bytes are no directory.
[[nodiscard]] PmtilesDirectory decode_directory(std::string_view bytes, const std::filesystem::path& path);

/// An open file descriptor, closed on destruction.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
    ~FileDescriptor();
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    [[nodiscard]] int get() const noexcept { return fd_; }

private:
    int fd_;
};
}  // namespace detail

class PmtilesReader final : public TileArchive {
public:
    /// Opens the file and reads its header, root directory and metadata.
    /// Throws MbtilesError naming the file when it is missing, not PMTiles
    /// v3, truncated, corrupt, or compressed or typed in a way we cannot serve.
    explicit PmtilesReader(std::filesystem::path path);
    ~PmtilesReader() override;
    PmtilesReader(const PmtilesReader&) = delete;
    PmtilesReader& operator=(const PmtilesReader&) = delete;

    [[nodiscard]] const MbtilesMetadata& metadata() const noexcept override { return metadata_; }
    [[nodiscard]] const std::filesystem::path& path() const noexcept override { return path_; }
    [[nodiscard]] int min_zoom() const noexcept override { return min_zoom_; }
    [[nodiscard]] int max_zoom() const noexcept override { return max_zoom_; }
    /// Throws MbtilesError on a read error or a corrupt leaf directory.
    [[nodiscard]] std::optional<std::string> tile(const tiles::TileId& tile) const override;
    void for_each_tile(const TileVisitor& visit) const override;

private:
    /// `length` bytes at `offset` of the section [section_offset, +section_length).
    [[nodiscard]] std::string read(std::uint64_t section_offset, std::uint64_t section_length, std::uint64_t offset,
                                   std::uint64_t length, std::string_view what) const;
    [[nodiscard]] std::string decompress(std::string bytes, std::string_view what) const;
    [[nodiscard]] std::shared_ptr<const detail::PmtilesDirectory> leaf(const detail::PmtilesEntry& entry) const;
    void visit_directory(const detail::PmtilesDirectory& directory, int depth, const TileVisitor& visit) const;

    struct Sections {
        std::uint64_t root_offset = 0, root_length = 0;
        std::uint64_t metadata_offset = 0, metadata_length = 0;
        std::uint64_t leaves_offset = 0, leaves_length = 0;
        std::uint64_t data_offset = 0, data_length = 0;
    };

    std::filesystem::path path_;
    std::optional<detail::FileDescriptor> file_;
    std::uint64_t file_size_ = 0;
    Sections sections_;
    std::uint64_t addressed_tiles_ = 0;  ///< the header's count; 0: unknown
    bool gzip_directories_ = false;
    detail::PmtilesDirectory root_;
    MbtilesMetadata metadata_;
    int min_zoom_ = 0;
    int max_zoom_ = tiles::max_zoom;
    mutable std::mutex mutex_;
    /// Decoded leaf directories by their offset, the oldest evicted first.
    mutable std::map<std::uint64_t, std::shared_ptr<const detail::PmtilesDirectory>> leaves_;
    mutable std::deque<std::uint64_t> leaf_order_;
};

/// Writes a new PMTiles file when finish() is called; nothing is left at
/// `path` otherwise. Holds the distinct tiles in memory until then (the
/// data section must be sorted by tile id, and tiles may come in any order).
class PmtilesWriter final : public TileArchiveWriter {
public:
    /// Claims `path` (which must not exist). `metadata` as MBTiles names it:
    /// format (pbf, png, jpg, webp), bounds, center, minzoom, maxzoom go into
    /// the header; name, attribution, description, type, version and the
    /// keys of `json` (vector_layers) into the JSON metadata.
    PmtilesWriter(std::filesystem::path path, MbtilesMetadata metadata);
    ~PmtilesWriter() override;
    PmtilesWriter(const PmtilesWriter&) = delete;
    PmtilesWriter& operator=(const PmtilesWriter&) = delete;

    /// Throws MbtilesError when a tile comes twice, or gzip'd and plain tiles
    /// are mixed (the header has one tile compression).
    void put(const tiles::TileId& tile, std::string_view bytes) override;
    /// Writes the file; throws MbtilesError when it cannot.
    void finish() override;

private:
    std::filesystem::path path_;
    MbtilesMetadata metadata_;
    bool finished_ = false;
    std::optional<bool> gzipped_;
    /// Distinct tile contents (a deque: the index below views into them).
    std::deque<std::string> contents_;
    std::unordered_map<std::string_view, std::uint32_t> content_index_;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> tiles_;  ///< tile id, content
};

}  // namespace wangge::basemap
