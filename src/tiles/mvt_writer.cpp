#include "wangge/tiles/mvt_writer.hpp"

#include <algorithm>
#include <functional>

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

/// Appends the deltas from `cursor` to `point` and moves the cursor.
void push_delta(std::vector<std::uint32_t>& geometry, PixelPoint& cursor, const PixelPoint& point) {
    geometry.push_back(zigzag(std::int64_t{point.x} - cursor.x));
    geometry.push_back(zigzag(std::int64_t{point.y} - cursor.y));
    cursor = point;
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

std::size_t varints_size(std::span<const std::uint32_t> values) noexcept {
    std::size_t size = 0;
    for (const std::uint32_t value : values) size += varint_size(value);
    return size;
}

/// The size of a length-delimited field of `payload` bytes (field numbers below 16 take one key byte).
std::size_t delimited_size(std::size_t payload) noexcept { return 1 + varint_size(payload) + payload; }

/// Writes a packed repeated uint32 field whose payload, `payload` bytes, was measured by varints_size.
char* write_packed(char* out, FeatureField field, std::span<const std::uint32_t> values, std::size_t payload) noexcept {
    out = write_key(out, field, protozero::pbf_wire_type::length_delimited);
    out = write_varint(out, payload);
    for (const std::uint32_t value : values) out = write_varint(out, value);
    return out;
}

/// Grows `buffer` by `size` bytes for the writers; returns where they start.
char* extend(std::string& buffer, std::size_t size) {
    const std::size_t start = buffer.size();
    buffer.resize(start + size);
    return buffer.data() + start;
}

}  // namespace

LayerBuilder::LayerBuilder(std::string_view name, std::span<const FieldSpec> fields) : name_(name) {
    for (const FieldSpec& field : fields) keys_.push_back(field.name);
}

void LayerBuilder::add_point(const PixelPoint& point, std::span<const Property> properties,
                             std::optional<std::uint64_t> id) {
    scratch_geometry_.clear();
    scratch_geometry_.push_back(command(move_to, 1));
    PixelPoint cursor;
    push_delta(scratch_geometry_, cursor, point);
    add_feature(geometry_point, scratch_geometry_, properties, id);
}

void LayerBuilder::add_polygon(std::span<const PixelRing> rings, std::span<const Property> properties,
                               std::optional<std::uint64_t> id) {
    scratch_geometry_.clear();
    PixelPoint cursor;
    for (const PixelRing& ring : rings) {
        if (ring.size() < 3) continue;
        scratch_geometry_.push_back(command(move_to, 1));
        push_delta(scratch_geometry_, cursor, ring.front());
        scratch_geometry_.push_back(command(line_to, ring.size() - 1));
        for (std::size_t i = 1; i < ring.size(); ++i) push_delta(scratch_geometry_, cursor, ring[i]);
        scratch_geometry_.push_back(command(close_path, 1));
    }
    if (scratch_geometry_.empty()) return;
    add_feature(geometry_polygon, scratch_geometry_, properties, id);
}

void LayerBuilder::add_feature(int geometry_type, std::span<const std::uint32_t> geometry,
                               std::span<const Property> properties, std::optional<std::uint64_t> id) {
    scratch_tags_.clear();
    for (const Property& property : properties) {
        scratch_tags_.push_back(property.key);
        scratch_tags_.push_back(value_index(property.value));
    }
    // Sizes first, so that the feature is written in one pass without moving bytes.
    const std::size_t tags_payload = varints_size(scratch_tags_);
    const std::size_t geometry_payload = varints_size(geometry);
    std::size_t feature_size = 2 + delimited_size(geometry_payload);  // type, geometry
    if (id) feature_size += 1 + varint_size(*id);
    if (!scratch_tags_.empty()) feature_size += delimited_size(tags_payload);

    char* out = extend(features_, delimited_size(feature_size));
    out = write_key(out, LayerField::features, protozero::pbf_wire_type::length_delimited);
    out = write_varint(out, feature_size);
    if (id) {
        out = write_key(out, FeatureField::id, protozero::pbf_wire_type::varint);
        out = write_varint(out, *id);
    }
    if (!scratch_tags_.empty()) out = write_packed(out, FeatureField::tags, scratch_tags_, tags_payload);
    out = write_key(out, FeatureField::type, protozero::pbf_wire_type::varint);
    out = write_varint(out, static_cast<std::uint64_t>(geometry_type));
    write_packed(out, FeatureField::geometry, geometry, geometry_payload);
    ++feature_count_;
}

std::uint32_t LayerBuilder::value_index(const PropertyValue& value) {
    scratch_value_.clear();
    protozero::pbf_builder<ValueField> encoder(scratch_value_);
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
                encoder.add_string(ValueField::string_value, v.data(), v.size());
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                encoder.add_sint64(ValueField::sint_value, v);
            } else if constexpr (std::is_same_v<T, double>) {
                encoder.add_double(ValueField::double_value, v);
            } else {
                encoder.add_bool(ValueField::bool_value, v);
            }
        },
        value);
    const std::string_view encoded = scratch_value_;
    const std::size_t hash = std::hash<std::string_view>{}(encoded);
    if (2 * (std::size_t{value_count_} + 1) > value_slots_.size()) grow_value_slots();
    const std::size_t mask = value_slots_.size() - 1;
    for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
        ValueSlot& slot = value_slots_[at];
        if (slot.size == 0) {
            char* out = extend(values_, 1 + varint_size(encoded.size()));
            write_varint(write_key(out, LayerField::values, protozero::pbf_wire_type::length_delimited), encoded.size());
            slot = {hash, values_.size(), static_cast<std::uint32_t>(encoded.size()), value_count_};
            values_ += encoded;
            return value_count_++;
        }
        if (slot.hash == hash && std::string_view(values_).substr(slot.offset, slot.size) == encoded) return slot.index;
    }
}

void LayerBuilder::grow_value_slots() {
    std::vector<ValueSlot> old(std::max<std::size_t>(256, 2 * value_slots_.size()));
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
