#include "wangge/tiles/mvt_writer.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <protozero/pbf_builder.hpp>

#include "wangge/tiles/tile_math.hpp"

namespace wangge::tiles {
namespace {

// Field numbers of vector_tile.proto (MVT 2.1).
enum class TileField : protozero::pbf_tag_type { layers = 3 };
enum class LayerField : protozero::pbf_tag_type { name = 1, features = 2, keys = 3, values = 4, extent = 5, version = 15 };
enum class FeatureField : protozero::pbf_tag_type { id = 1, tags = 2, type = 3, geometry = 4 };
enum class ValueField : protozero::pbf_tag_type { string_value = 1, double_value = 3, sint_value = 6, bool_value = 7 };

constexpr int geometry_point = 1;
constexpr int geometry_line = 2;
constexpr int geometry_polygon = 3;

constexpr std::uint32_t move_to = 1;
constexpr std::uint32_t line_to = 2;
constexpr std::uint32_t close_path = 7;

std::uint32_t command(std::uint32_t id, std::size_t count) noexcept {
    return (id & 0x7u) | (static_cast<std::uint32_t>(count) << 3u);
}

std::uint32_t zigzag(std::int64_t delta) noexcept {
    return static_cast<std::uint32_t>(protozero::encode_zigzag32(static_cast<std::int32_t>(delta)));
}

// The writers below fill space reserved with resize(): appending a varint
// byte by byte to a std::string costs more than encoding it.

char* write_varint(char* out, std::uint64_t value) noexcept { return out + protozero::add_varint_to_buffer(out, value); }

/// Writes a protobuf field key (field number and wire type).
template <class Field>
char* write_key(char* out, Field field, protozero::pbf_wire_type wire) noexcept {
    return write_varint(out, (static_cast<std::uint32_t>(field) << 3u) | static_cast<std::uint32_t>(wire));
}

std::size_t varint_size(std::uint64_t value) noexcept { return static_cast<std::size_t>(protozero::length_of_varint(value)); }

/// The most bytes a uint32 varint takes.
constexpr std::size_t max_varint32_size = 5;

/// Writes the zigzag deltas from `cursor` to `point` and moves the cursor.
char* write_delta(char* out, PixelPoint& cursor, const PixelPoint& point) noexcept {
    out = write_varint(out, zigzag(std::int64_t{point.x} - cursor.x));
    out = write_varint(out, zigzag(std::int64_t{point.y} - cursor.y));
    cursor = point;
    return out;
}

/// The size of a length-delimited field of `payload` bytes (field numbers below 16 take one key byte).
std::size_t delimited_size(std::size_t payload) noexcept { return 1 + varint_size(payload) + payload; }

/// Writes a length-delimited feature field: packed varints encoded already, or bytes.
char* write_bytes(char* out, FeatureField field, std::string_view bytes) noexcept {
    out = write_key(out, field, protozero::pbf_wire_type::length_delimited);
    out = write_varint(out, bytes.size());
    std::memcpy(out, bytes.data(), bytes.size());
    return out + bytes.size();
}

/// Grows `buffer` by `size` bytes for the writers; returns where they start.
char* extend(std::string& buffer, std::size_t size) {
    const std::size_t start = buffer.size();
    buffer.resize(start + size);
    return buffer.data() + start;
}

std::uint64_t load_word(const char* at) noexcept {
    std::uint64_t word = 0;
    std::memcpy(&word, at, sizeof word);
    return word;
}

/// splitmix64's finaliser: spreads every input bit over the low bits the slot mask keeps.
std::uint64_t mix(std::uint64_t v) noexcept {
    v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9ull;
    v = (v ^ (v >> 27)) * 0x94D049BB133111EBull;
    return v ^ (v >> 31);
}

/// Hashes bytes word by word, starting from `seed`. Property values are short
/// (names, codes), where std::hash's byte-wise tail costs more than the rest
/// of the dictionary lookup.
std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed) noexcept {
    std::uint64_t hash = seed ^ bytes.size();
    const char* at = bytes.data();
    std::size_t left = bytes.size();
    for (; left >= 8; left -= 8, at += 8) hash = mix(hash ^ load_word(at));
    if (left > 0) {
        std::uint64_t tail = 0;
        for (std::size_t i = 0; i < left; ++i) tail |= std::uint64_t{static_cast<unsigned char>(at[i])} << (8 * i);
        hash = mix(hash ^ tail);
    }
    return hash;
}

/// The dictionary hash of a value, from the value itself rather than from its
/// fresh encoding (reading bytes just written stalls on store forwarding).
std::uint32_t value_hash(const PropertyValue& value) noexcept {
    const std::uint64_t seed = mix(value.index() + 1);
    const std::uint64_t hash = std::visit(
        [&](const auto& v) -> std::uint64_t {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
                return hash_bytes(v, seed);
            } else if constexpr (std::is_same_v<T, bool>) {
                return mix(seed ^ static_cast<std::uint64_t>(v));
            } else {
                return mix(seed ^ std::bit_cast<std::uint64_t>(v));
            }
        },
        value);
    return static_cast<std::uint32_t>(hash);
}

/// A layer's values field for one value: the bytes up to the string's bytes
/// (all of it for other types), and the string's bytes, not copied.
struct EncodedValue {
    std::array<char, 24> head{};  // two keys and two 64-bit varints at most
    std::size_t head_size = 0;
    std::string_view tail;

    [[nodiscard]] std::size_t size() const noexcept { return head_size + tail.size(); }

    /// True when `stored` holds the same bytes. The head is compared byte by
    /// byte: it was just written byte by byte, and a wider load would stall.
    [[nodiscard]] bool matches(std::string_view stored) const noexcept {
        if (stored.size() != size()) return false;
        for (std::size_t i = 0; i < head_size; ++i) {
            if (stored[i] != head[i]) return false;
        }
        return stored.substr(head_size) == tail;
    }
};

EncodedValue encode(const PropertyValue& value) noexcept {
    EncodedValue encoded;
    char* out = encoded.head.data();
    const auto field = [&](std::size_t payload) {
        out = write_varint(write_key(out, LayerField::values, protozero::pbf_wire_type::length_delimited), payload);
    };
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
                field(delimited_size(v.size()));
                out = write_varint(write_key(out, ValueField::string_value, protozero::pbf_wire_type::length_delimited),
                                   v.size());
                encoded.tail = v;
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                const std::uint64_t zigzagged = protozero::encode_zigzag64(v);
                field(1 + varint_size(zigzagged));
                out = write_varint(write_key(out, ValueField::sint_value, protozero::pbf_wire_type::varint), zigzagged);
            } else if constexpr (std::is_same_v<T, double>) {
                field(1 + sizeof(double));
                out = write_key(out, ValueField::double_value, protozero::pbf_wire_type::fixed64);
                const auto bits = std::bit_cast<std::uint64_t>(v);
                for (std::size_t i = 0; i < sizeof bits; ++i) *out++ = static_cast<char>(bits >> (8 * i));  // little-endian
            } else {
                field(2);
                out = write_varint(write_key(out, ValueField::bool_value, protozero::pbf_wire_type::varint), v ? 1 : 0);
            }
        },
        value);
    encoded.head_size = static_cast<std::size_t>(out - encoded.head.data());
    return encoded;
}

}  // namespace

LayerBuilder::LayerBuilder(std::string_view name, std::span<const FieldSpec> fields) : name_(name) {
    for (const FieldSpec& field : fields) keys_.push_back(field.name);
}

void LayerBuilder::add_point(const PixelPoint& point, std::span<const Property> properties,
                             std::optional<std::uint64_t> id) {
    scratch_geometry_.resize(std::max(scratch_geometry_.size(), 3 * max_varint32_size));
    char* out = write_varint(scratch_geometry_.data(), command(move_to, 1));
    PixelPoint cursor;
    out = write_delta(out, cursor, point);
    add_feature(geometry_point, {scratch_geometry_.data(), static_cast<std::size_t>(out - scratch_geometry_.data())},
                properties, id);
}

void LayerBuilder::add_polygon(std::span<const PixelRing> rings, std::span<const Property> properties,
                               std::optional<std::uint64_t> id) {
    const std::string_view geometry = encode_paths(rings, 3, true);
    if (!geometry.empty()) add_feature(geometry_polygon, geometry, properties, id);
}

std::string_view LayerBuilder::encode_paths(std::span<const PixelRing> paths, std::size_t min_vertices, bool close) {
    // The geometry is encoded straight to varints into room for the longest
    // encoding: a path of n vertices takes 2n + 3 integers.
    std::size_t most = 0;
    for (const PixelRing& path : paths) most += (2 * path.size() + 3) * max_varint32_size;
    scratch_geometry_.resize(std::max(scratch_geometry_.size(), most));
    char* const begin = scratch_geometry_.data();
    char* out = begin;
    PixelPoint cursor;
    for (const PixelRing& path : paths) {
        if (path.size() < min_vertices) continue;
        out = write_varint(out, command(move_to, 1));
        out = write_delta(out, cursor, path.front());
        out = write_varint(out, command(line_to, path.size() - 1));
        for (std::size_t i = 1; i < path.size(); ++i) out = write_delta(out, cursor, path[i]);
        if (close) out = write_varint(out, command(close_path, 1));
    }
    return {begin, static_cast<std::size_t>(out - begin)};
}

void LayerBuilder::add_lines(std::span<const PixelLine> lines, std::span<const Property> properties,
                             std::optional<std::uint64_t> id) {
    const std::string_view geometry = encode_paths(lines, 2, false);
    if (!geometry.empty()) add_feature(geometry_line, geometry, properties, id);
}

void LayerBuilder::add_feature(int geometry_type, std::string_view geometry, std::span<const Property> properties,
                               std::optional<std::uint64_t> id) {
    // The tags are encoded to varints first (two per property), so that their size is known.
    scratch_tags_.resize(std::max(scratch_tags_.size(), 2 * properties.size() * max_varint32_size));
    char* tags_end = scratch_tags_.data();
    for (const Property& property : properties) {
        tags_end = write_varint(tags_end, property.key);
        tags_end = write_varint(tags_end, value_index(property.value));
    }
    const std::string_view tags(scratch_tags_.data(), static_cast<std::size_t>(tags_end - scratch_tags_.data()));
    // Sizes first, so that the feature is written in one pass without moving bytes.
    std::size_t feature_size = 2 + delimited_size(geometry.size());  // type, geometry
    if (id) feature_size += 1 + varint_size(*id);
    if (!tags.empty()) feature_size += delimited_size(tags.size());

    char* out = extend(features_, delimited_size(feature_size));
    out = write_key(out, LayerField::features, protozero::pbf_wire_type::length_delimited);
    out = write_varint(out, feature_size);
    if (id) {
        out = write_key(out, FeatureField::id, protozero::pbf_wire_type::varint);
        out = write_varint(out, *id);
    }
    if (!tags.empty()) out = write_bytes(out, FeatureField::tags, tags);
    out = write_key(out, FeatureField::type, protozero::pbf_wire_type::varint);
    out = write_varint(out, static_cast<std::uint64_t>(geometry_type));
    write_bytes(out, FeatureField::geometry, geometry);
    ++feature_count_;
}

std::uint32_t LayerBuilder::value_index(const PropertyValue& value) {
    const EncodedValue encoded = encode(value);
    const std::uint32_t hash = value_hash(value);
    if (2 * (std::size_t{value_count_} + 1) > value_slots_.size()) {
        resize_value_slots(std::max<std::size_t>(256, 2 * value_slots_.size()));
    }
    const std::size_t mask = value_slots_.size() - 1;
    for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
        ValueSlot& slot = value_slots_[at];
        if (slot.size == 0) {
            const std::size_t offset = values_.size();
            if (offset > std::numeric_limits<std::uint32_t>::max()) {
                throw std::length_error("vector tile layer values too large");
            }
            char* out = extend(values_, encoded.size());
            std::memcpy(out, encoded.head.data(), encoded.head_size);
            if (!encoded.tail.empty()) std::memcpy(out + encoded.head_size, encoded.tail.data(), encoded.tail.size());
            slot = {hash, static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(encoded.size()), value_count_};
            return value_count_++;
        }
        if (slot.hash == hash && encoded.matches(std::string_view(values_).substr(slot.offset, slot.size))) {
            return slot.index;
        }
    }
}

void LayerBuilder::reserve_values(std::size_t count) {
    const std::size_t slots = std::max<std::size_t>(256, std::bit_ceil(2 * count));
    if (slots > value_slots_.size()) resize_value_slots(slots);
}

void LayerBuilder::resize_value_slots(std::size_t slots) {
    std::vector<ValueSlot> old(slots);
    old.swap(value_slots_);
    const std::size_t mask = value_slots_.size() - 1;
    for (const ValueSlot& slot : old) {
        if (slot.size == 0) continue;
        std::size_t at = slot.hash & mask;
        while (value_slots_[at].size != 0) at = (at + 1) & mask;
        value_slots_[at] = slot;
    }
}

void LayerBuilder::append_to(std::string& tile) {
    if (empty()) return;
    std::string head;
    {
        protozero::pbf_builder<LayerField> layer(head);
        layer.add_uint32(LayerField::version, 2);
        layer.add_string(LayerField::name, name_);
    }
    std::string keys;
    {
        protozero::pbf_builder<LayerField> layer(keys);
        for (std::string_view key : keys_) layer.add_string(LayerField::keys, key.data(), key.size());
    }
    std::string extent;
    protozero::pbf_builder<LayerField>(extent).add_uint32(LayerField::extent, tile_extent);
    // The features and values go into the tile as they are, without an intermediate copy.
    protozero::pbf_builder<TileField> writer(tile);
    writer.add_bytes_vectored(TileField::layers, head, features_, keys, values_, extent);
}

}  // namespace wangge::tiles
