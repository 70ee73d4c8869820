#include "wangge/basemap/pmtiles.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "wangge/http/compression.hpp"

namespace wangge::basemap {

namespace {

using detail::PmtilesDirectory;
using detail::PmtilesEntry;

constexpr std::size_t header_size = 127;
constexpr std::string_view magic = "PMTiles";
/// Header plus root directory must fit the first 16 KiB (spec §4), so a
/// client can fetch both with one request.
constexpr std::size_t root_limit = 16384;
/// The root plus one level of leaves is what writers make; readers of the
/// reference implementations follow three levels at most.
constexpr int max_directory_depth = 3;
constexpr std::size_t max_cached_leaves = 64;

enum class Compression : std::uint8_t { unknown = 0, none = 1, gzip = 2, brotli = 3, zstd = 4 };
enum class TileType : std::uint8_t { unknown = 0, mvt = 1, png = 2, jpeg = 3, webp = 4, avif = 5, mlt = 6 };

/// The MBTiles format name of a tile type; empty for the ones we cannot serve.
std::string_view format_of(TileType type) {
    switch (type) {
        case TileType::mvt: return "pbf";
        case TileType::png: return "png";
        case TileType::jpeg: return "jpg";
        case TileType::webp: return "webp";
        default: return {};
    }
}

std::optional<TileType> type_of(std::string_view format) {
    if (format == "pbf") return TileType::mvt;
    if (format == "png") return TileType::png;
    if (format == "jpg" || format == "jpeg") return TileType::jpeg;
    if (format == "webp") return TileType::webp;
    return std::nullopt;
}

/// The number of tiles of zooms below z: (4^z - 1) / 3.
constexpr std::uint64_t first_id_of_zoom(int z) { return ((std::uint64_t{1} << (2 * z)) - 1) / 3; }

/// One step of the Hilbert curve's rotation (spec reference code). x and y
/// may carry higher bits than s: only their low bits matter afterwards, and
/// unsigned wrap-around keeps those right.
void rotate(std::uint64_t s, std::uint64_t& x, std::uint64_t& y, std::uint64_t rx, std::uint64_t ry) {
    if (ry != 0) return;
    if (rx != 0) {
        x = s - 1 - x;
        y = s - 1 - y;
    }
    std::swap(x, y);
}

/// The MBTiles names that have header fields or rows of their own; the other
/// JSON metadata keys live in the "json" row.
constexpr std::array<std::string_view, 5> text_keys{"name", "attribution", "description", "type", "version"};
constexpr std::array<std::string_view, 5> header_keys{"format", "bounds", "center", "minzoom", "maxzoom"};

// Little-endian fields of the header.
std::uint64_t read_u64(const unsigned char* p) {
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = value << 8 | p[i];
    return value;
}

double read_position(const unsigned char* p) {
    const auto bits = static_cast<std::uint32_t>(p[0] | p[1] << 8 | p[2] << 16 | static_cast<std::uint32_t>(p[3]) << 24);
    return static_cast<std::int32_t>(bits) / 1e7;
}

void write_u64(std::string& out, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(value >> (8 * i) & 0xff));
}

void write_position(std::string& out, double degrees) {
    const auto bits = static_cast<std::uint32_t>(static_cast<std::int32_t>(std::lround(degrees * 1e7)));
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(bits >> (8 * i) & 0xff));
}

void write_varint(std::string& out, std::uint64_t value) {
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

/// Reads varints from a directory, refusing to run past its end.
class VarintReader {
public:
    VarintReader(std::string_view bytes, const std::filesystem::path& path) : bytes_(bytes), path_(path) {}

    std::uint64_t next() {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position_ == bytes_.size()) corrupt("ends inside a number");
            const auto byte = static_cast<unsigned char>(bytes_[position_++]);
            if (shift == 63 && byte > 1) corrupt("has a number beyond 64 bits");
            value |= std::uint64_t{byte & 0x7fu} << shift;
            if ((byte & 0x80) == 0) return value;
        }
        corrupt("has a number beyond 64 bits");
    }
    [[nodiscard]] std::size_t remaining() const { return bytes_.size() - position_; }
    [[noreturn]] void corrupt(std::string_view what) const {
        throw MbtilesError("PMTiles " + path_.string() + ": a directory " + std::string(what));
    }

private:
    std::string_view bytes_;
    const std::filesystem::path& path_;
    std::size_t position_ = 0;
};

/// The entry whose tile or leaf holds `id`, if any (entries sorted by tile id).
const PmtilesEntry* find_entry(const PmtilesDirectory& directory, std::uint64_t id) {
    const auto after = std::upper_bound(directory.begin(), directory.end(), id,
                                        [](std::uint64_t value, const PmtilesEntry& entry) { return value < entry.tile_id; });
    if (after == directory.begin()) return nullptr;
    const PmtilesEntry& entry = *std::prev(after);
    // A leaf covers every id up to the next entry's; a run only its own length.
    if (entry.run_length == 0 || id - entry.tile_id < entry.run_length) return &entry;
    return nullptr;
}

bool inside(std::uint64_t offset, std::uint64_t length, std::uint64_t size) {
    return length <= size && offset <= size - length;
}

}  // namespace

std::uint64_t tile_id(const tiles::TileId& tile) noexcept {
    std::uint64_t x = tile.x;
    std::uint64_t y = tile.y;
    std::uint64_t id = first_id_of_zoom(tile.z);
    for (int a = tile.z - 1; a >= 0; --a) {
        const std::uint64_t s = std::uint64_t{1} << a;
        const std::uint64_t rx = (x & s) != 0 ? 1 : 0;
        const std::uint64_t ry = (y & s) != 0 ? 1 : 0;
        id += s * s * ((3 * rx) ^ ry);
        rotate(s, x, y, rx, ry);
    }
    return id;
}

std::optional<tiles::TileId> tile_of_id(std::uint64_t id) noexcept {
    int z = 0;
    while (z <= tiles::max_zoom && id >= first_id_of_zoom(z + 1)) ++z;
    if (z > tiles::max_zoom) return std::nullopt;
    std::uint64_t position = id - first_id_of_zoom(z);
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    for (std::uint64_t s = 1; s < (std::uint64_t{1} << z); s <<= 1) {
        const std::uint64_t rx = 1 & (position / 2);
        const std::uint64_t ry = 1 & (position ^ rx);
        rotate(s, x, y, rx, ry);
        x += s * rx;
        y += s * ry;
        position /= 4;
    }
    return tiles::TileId{z, static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y)};
}

namespace detail {

std::string encode_directory(const PmtilesDirectory& entries) {
    std::string out;
    write_varint(out, entries.size());
    std::uint64_t last_id = 0;
    for (const PmtilesEntry& entry : entries) {
        write_varint(out, entry.tile_id - last_id);
        last_id = entry.tile_id;
    }
    for (const PmtilesEntry& entry : entries) write_varint(out, entry.run_length);
    for (const PmtilesEntry& entry : entries) write_varint(out, entry.length);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        // 0: right after the previous entry's bytes (the common case, one byte).
        const bool follows = i > 0 && entries[i].offset == entries[i - 1].offset + entries[i - 1].length;
        write_varint(out, follows ? 0 : entries[i].offset + 1);
    }
    return out;
}

PmtilesDirectory decode_directory(std::string_view bytes, const std::filesystem::path& path) {
    VarintReader in(bytes, path);
    const std::uint64_t count = in.next();
    // Each entry takes four numbers of a byte at least: a bound before allocating.
    if (count > in.remaining() / 4) in.corrupt("claims more entries than it holds");
    PmtilesDirectory entries(static_cast<std::size_t>(count));
    std::uint64_t last_id = 0;
    for (PmtilesEntry& entry : entries) {
        const std::uint64_t delta = in.next();
        if (delta > std::numeric_limits<std::uint64_t>::max() - last_id) in.corrupt("has a tile id beyond 64 bits");
        entry.tile_id = last_id += delta;
    }
    for (PmtilesEntry& entry : entries) entry.run_length = in.next();
    for (PmtilesEntry& entry : entries) {
        entry.length = in.next();
        if (entry.length == 0) in.corrupt("has an entry of length 0");
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const std::uint64_t value = in.next();
        if (value != 0) {
            entries[i].offset = value - 1;
        } else if (i > 0) {
            const PmtilesEntry& previous = entries[i - 1];
            if (previous.length > std::numeric_limits<std::uint64_t>::max() - previous.offset) {
                in.corrupt("has an offset beyond 64 bits");
            }
            entries[i].offset = previous.offset + previous.length;
        } else {
            in.corrupt("starts with a relative offset");
        }
    }
    for (std::size_t i = 1; i < entries.size(); ++i) {
        // Deltas of 0 would make tile ids repeat; lookups need them increasing.
        if (entries[i].tile_id == entries[i - 1].tile_id) in.corrupt("repeats a tile id");
    }
    return entries;
}

FileDescriptor::~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace detail

PmtilesReader::PmtilesReader(std::filesystem::path path) : path_(std::move(path)) {
    const auto fail = [&](std::string_view what) { throw MbtilesError("PMTiles " + path_.string() + ": " + std::string(what)); };
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(errno == ENOENT ? "no such file" : std::string("cannot open: ") + std::strerror(errno));
    file_.emplace(fd);
    struct stat status {};
    if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) fail("not a regular file");
    file_size_ = static_cast<std::uint64_t>(status.st_size);
    if (file_size_ < header_size) fail("shorter than the 127-byte header");

    const std::string header = read(0, file_size_, 0, header_size, "the header");
    const auto* h = reinterpret_cast<const unsigned char*>(header.data());
    if (std::string_view(header).substr(0, magic.size()) != magic) fail("not a PMTiles file (no PMTiles magic)");
    if (h[7] != 3) fail("PMTiles version " + std::to_string(h[7]) + ", only version 3 is read");
    sections_ = {read_u64(h + 8),  read_u64(h + 16), read_u64(h + 24), read_u64(h + 32),
                 read_u64(h + 40), read_u64(h + 48), read_u64(h + 56), read_u64(h + 64)};
    addressed_tiles_ = read_u64(h + 72);
    const std::pair<std::uint64_t, std::uint64_t> ranges[] = {{sections_.root_offset, sections_.root_length},
                                                              {sections_.metadata_offset, sections_.metadata_length},
                                                              {sections_.leaves_offset, sections_.leaves_length},
                                                              {sections_.data_offset, sections_.data_length}};
    for (const auto& [offset, length] : ranges) {
        if (!inside(offset, length, file_size_)) fail("truncated (a section ends beyond the file's end)");
    }
    if (sections_.root_length == 0) fail("no root directory");

    const auto internal = static_cast<Compression>(h[97]);
    if (internal != Compression::none && internal != Compression::gzip) {
        fail("internal compression " + std::to_string(h[97]) + " is neither none (1) nor gzip (2)");
    }
    gzip_directories_ = internal == Compression::gzip;
    const auto tile_compression = static_cast<Compression>(h[98]);
    if (tile_compression == Compression::brotli || tile_compression == Compression::zstd || h[98] > 4) {
        fail("tile compression " + std::to_string(h[98]) + " cannot be served (only none or gzip)");
    }
    const std::string_view format = format_of(static_cast<TileType>(h[99]));
    if (format.empty()) fail("tile type " + std::to_string(h[99]) + " is none of mvt, png, jpg, webp");
    if (h[100] > h[101]) fail("min zoom above max zoom");
    min_zoom_ = std::min<int>(h[100], tiles::max_zoom);
    max_zoom_ = std::min<int>(h[101], tiles::max_zoom);

    root_ = detail::decode_directory(
        decompress(read(sections_.root_offset, sections_.root_length, 0, sections_.root_length, "the root directory"),
                   "the root directory"),
        path_);
    const std::string json_text = decompress(
        read(sections_.metadata_offset, sections_.metadata_length, 0, sections_.metadata_length, "the metadata"),
        "the metadata");
    nlohmann::json json = nlohmann::json::parse(json_text, nullptr, false);
    if (!json.is_object()) fail("the metadata is not a JSON object");

    const auto number = [](double value) { return nlohmann::json(value).dump(); };
    metadata_.values["format"] = std::string(format);
    metadata_.values["minzoom"] = std::to_string(min_zoom_);
    metadata_.values["maxzoom"] = std::to_string(max_zoom_);
    metadata_.values["bounds"] = number(read_position(h + 102)) + "," + number(read_position(h + 106)) + "," +
                                 number(read_position(h + 110)) + "," + number(read_position(h + 114));
    metadata_.values["center"] =
        number(read_position(h + 119)) + "," + number(read_position(h + 123)) + "," + std::to_string(h[118]);
    for (const std::string_view key : text_keys) {
        const auto found = json.find(std::string(key));
        if (found != json.end() && found->is_string()) metadata_.values[std::string(key)] = found->get<std::string>();
        if (found != json.end()) json.erase(found);
    }
    if (!json.empty()) metadata_.values["json"] = json.dump();
}

PmtilesReader::~PmtilesReader() = default;

std::string PmtilesReader::read(std::uint64_t section_offset, std::uint64_t section_length, std::uint64_t offset,
                                std::uint64_t length, std::string_view what) const {
    if (!inside(offset, length, section_length)) {
        throw MbtilesError("PMTiles " + path_.string() + ": " + std::string(what) + " lies outside its section");
    }
    std::string bytes(static_cast<std::size_t>(length), '\0');
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t got = ::pread(file_->get(), bytes.data() + done, bytes.size() - done,
                                    static_cast<off_t>(section_offset + offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            throw MbtilesError("PMTiles " + path_.string() + ": cannot read " + std::string(what) +
                               (got == 0 ? " (the file is shorter than it was)" : ": " + std::string(std::strerror(errno))));
        }
        done += static_cast<std::size_t>(got);
    }
    return bytes;
}

std::string PmtilesReader::decompress(std::string bytes, std::string_view what) const {
    if (!gzip_directories_) return bytes;
    const auto corrupt = [&] { return MbtilesError("PMTiles " + path_.string() + ": " + std::string(what) + " is not valid gzip"); };
    if (!is_gzip(bytes)) throw corrupt();
    try {
        return gunzip(bytes, path_);
    } catch (const MbtilesError&) {
        throw corrupt();  // gunzip's message speaks of a tile
    }
}

std::shared_ptr<const PmtilesDirectory> PmtilesReader::leaf(const PmtilesEntry& entry) const {
    {
        const std::lock_guard lock(mutex_);
        if (const auto found = leaves_.find(entry.offset); found != leaves_.end()) return found->second;
    }
    // Decoded outside the lock: two threads may decode one leaf at once, which costs less than waiting.
    auto directory = std::make_shared<const PmtilesDirectory>(detail::decode_directory(
        decompress(read(sections_.leaves_offset, sections_.leaves_length, entry.offset, entry.length, "a leaf directory"),
                   "a leaf directory"),
        path_));
    const std::lock_guard lock(mutex_);
    if (leaves_.emplace(entry.offset, directory).second) {
        leaf_order_.push_back(entry.offset);
        if (leaf_order_.size() > max_cached_leaves) {
            leaves_.erase(leaf_order_.front());
            leaf_order_.pop_front();
        }
    }
    return directory;
}

std::optional<std::string> PmtilesReader::tile(const tiles::TileId& tile) const {
    const std::uint64_t id = tile_id(tile);
    const PmtilesDirectory* directory = &root_;
    std::shared_ptr<const PmtilesDirectory> held;  // keeps a leaf alive while it is searched
    for (int depth = 0; depth <= max_directory_depth; ++depth) {
        const PmtilesEntry* entry = find_entry(*directory, id);
        if (entry == nullptr) return std::nullopt;
        if (entry->run_length > 0) return read(sections_.data_offset, sections_.data_length, entry->offset, entry->length, "a tile");
        held = leaf(*entry);
        directory = held.get();
    }
    throw MbtilesError("PMTiles " + path_.string() + ": leaf directories nested deeper than " +
                       std::to_string(max_directory_depth));
}

void PmtilesReader::for_each_tile(const TileVisitor& visit) const { visit_directory(root_, 0, visit); }

void PmtilesReader::visit_directory(const PmtilesDirectory& directory, int depth, const TileVisitor& visit) const {
    if (depth > max_directory_depth) {
        throw MbtilesError("PMTiles " + path_.string() + ": leaf directories nested deeper than " +
                           std::to_string(max_directory_depth));
    }
    for (const PmtilesEntry& entry : directory) {
        if (entry.run_length == 0) {
            visit_directory(*leaf(entry), depth + 1, visit);
            continue;
        }
        // Checked before looping: a corrupt run length could otherwise count for ages.
        const std::uint64_t end = first_id_of_zoom(tiles::max_zoom + 1);
        if (entry.tile_id >= end || entry.run_length > end - entry.tile_id) {
            throw MbtilesError("PMTiles " + path_.string() + ": tiles beyond zoom " + std::to_string(tiles::max_zoom));
        }
        if (addressed_tiles_ != 0 && entry.run_length > addressed_tiles_) {
            throw MbtilesError("PMTiles " + path_.string() + ": a run longer than the header's tile count");
        }
        const std::string bytes = read(sections_.data_offset, sections_.data_length, entry.offset, entry.length, "a tile");
        for (std::uint64_t i = 0; i < entry.run_length; ++i) visit(*tile_of_id(entry.tile_id + i), bytes);
    }
}

PmtilesWriter::PmtilesWriter(std::filesystem::path path, MbtilesMetadata metadata)
    : path_(std::move(path)), metadata_(std::move(metadata)) {
    if (!type_of(metadata_.format())) {
        throw MbtilesError("PMTiles " + path_.string() + ": format '" + std::string(metadata_.format()) +
                           "' is none of pbf, png, jpg, webp");
    }
    // Claimed now, as MbtilesWriter does, so a clash shows before the tiles are made.
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw MbtilesError("PMTiles " + path_.string() + ": " +
                           (errno == EEXIST ? std::string("already exists") : "cannot create: " + std::string(std::strerror(errno))));
    }
    ::close(fd);
}

PmtilesWriter::~PmtilesWriter() {
    if (finished_) return;
    std::error_code ignored;  // a destructor must not throw; the file is incomplete either way
    std::filesystem::remove(path_, ignored);
}

void PmtilesWriter::put(const tiles::TileId& tile, std::string_view bytes) {
    if (bytes.empty()) return;  // PMTiles entries have a length above 0; an empty tile is a missing one
    const bool gzipped = is_gzip(bytes);
    if (gzipped_ && *gzipped_ != gzipped) {
        throw MbtilesError("PMTiles " + path_.string() + ": gzip'd and uncompressed tiles mixed (tile " +
                           std::to_string(tile.z) + "/" + std::to_string(tile.x) + "/" + std::to_string(tile.y) + ")");
    }
    gzipped_ = gzipped;
    auto found = content_index_.find(bytes);
    if (found == content_index_.end()) {
        // The key views the stored copy, not the caller's bytes.
        contents_.emplace_back(bytes);
        found = content_index_.emplace(contents_.back(), static_cast<std::uint32_t>(contents_.size() - 1)).first;
    }
    tiles_.emplace_back(tile_id(tile), found->second);
}

void PmtilesWriter::finish() {
    const auto fail = [&](std::string_view what) { throw MbtilesError("PMTiles " + path_.string() + ": " + std::string(what)); };
    std::sort(tiles_.begin(), tiles_.end());
    for (std::size_t i = 1; i < tiles_.size(); ++i) {
        if (tiles_[i].first == tiles_[i - 1].first) {
            const tiles::TileId tile = *tile_of_id(tiles_[i].first);
            fail("tile " + std::to_string(tile.z) + "/" + std::to_string(tile.x) + "/" + std::to_string(tile.y) +
                 " written twice");
        }
    }

    // Clustered: each content's bytes where its first tile (by id) is; repeats point back.
    constexpr std::uint64_t unplaced = std::numeric_limits<std::uint64_t>::max();
    std::vector<std::uint64_t> placed(contents_.size(), unplaced);
    std::vector<std::uint32_t> data_order;
    std::uint64_t data_length = 0;
    PmtilesDirectory entries;
    for (const auto& [id, content] : tiles_) {
        if (placed[content] == unplaced) {
            placed[content] = data_length;
            data_length += contents_[content].size();
            data_order.push_back(content);
        }
        if (!entries.empty() && entries.back().offset == placed[content] &&
            entries.back().tile_id + entries.back().run_length == id) {
            ++entries.back().run_length;
        } else {
            entries.push_back({id, placed[content], contents_[content].size(), 1});
        }
    }

    // The root alone when it fits the first 16 KiB, else leaves of ever more entries until the root of them fits.
    std::string root = http::gzip(detail::encode_directory(entries));
    std::string leaves;
    for (std::size_t leaf_size = 4096; header_size + root.size() > root_limit; leaf_size *= 2) {
        leaves.clear();
        PmtilesDirectory root_entries;
        for (std::size_t start = 0; start < entries.size(); start += leaf_size) {
            const PmtilesDirectory chunk(entries.begin() + static_cast<std::ptrdiff_t>(start),
                                         entries.begin() + static_cast<std::ptrdiff_t>(std::min(entries.size(), start + leaf_size)));
            const std::string leaf = http::gzip(detail::encode_directory(chunk));
            root_entries.push_back({chunk.front().tile_id, leaves.size(), leaf.size(), 0});
            leaves += leaf;
        }
        root = http::gzip(detail::encode_directory(root_entries));
    }

    nlohmann::json json = nlohmann::json::parse(metadata_.get("json"), nullptr, false);
    if (!json.is_object()) json = nlohmann::json::object();
    for (const std::string_view key : text_keys) {
        if (!metadata_.get(key).empty()) json[std::string(key)] = metadata_.get(key);
    }
    const std::string json_bytes = http::gzip(json.dump());

    int min_zoom = metadata_.zoom("minzoom").value_or(tiles_.empty() ? 0 : tile_of_id(tiles_.front().first)->z);
    int max_zoom = metadata_.zoom("maxzoom").value_or(tiles_.empty() ? 0 : tile_of_id(tiles_.back().first)->z);
    if (min_zoom > max_zoom) std::swap(min_zoom, max_zoom);
    std::vector<double> bounds = metadata_.numbers("bounds", 4);
    if (bounds.empty()) bounds = {-180, -tiles::max_latitude, 180, tiles::max_latitude};
    std::vector<double> center = metadata_.numbers("center", 3);
    if (center.empty()) center = {(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, double(min_zoom)};

    std::string header(magic);
    header.push_back(3);
    const std::uint64_t root_offset = header_size;
    const std::uint64_t metadata_offset = root_offset + root.size();
    const std::uint64_t leaves_offset = metadata_offset + json_bytes.size();
    const std::uint64_t data_offset = leaves_offset + leaves.size();
    for (const std::uint64_t field :
         {root_offset, std::uint64_t{root.size()}, metadata_offset, std::uint64_t{json_bytes.size()}, leaves_offset,
          std::uint64_t{leaves.size()}, data_offset, data_length, std::uint64_t{tiles_.size()},
          std::uint64_t{entries.size()}, std::uint64_t{data_order.size()}}) {
        write_u64(header, field);
    }
    const bool gzip_tiles = gzipped_.value_or(metadata_.is_vector());
    header.push_back(1);  // clustered
    header.push_back(static_cast<char>(Compression::gzip));
    header.push_back(static_cast<char>(gzip_tiles ? Compression::gzip : Compression::none));
    header.push_back(static_cast<char>(*type_of(metadata_.format())));
    header.push_back(static_cast<char>(min_zoom));
    header.push_back(static_cast<char>(max_zoom));
    write_position(header, bounds[0]);
    write_position(header, bounds[1]);
    write_position(header, bounds[2]);
    write_position(header, bounds[3]);
    header.push_back(static_cast<char>(std::clamp(static_cast<int>(center[2]), 0, tiles::max_zoom)));
    write_position(header, center[0]);
    write_position(header, center[1]);

    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << header << root << json_bytes << leaves;
    for (const std::uint32_t content : data_order) out << contents_[content];
    out.close();
    if (!out) fail("cannot write the file");
    finished_ = true;
}

}  // namespace wangge::basemap
