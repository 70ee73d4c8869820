#include "wangge/tiles/mvt_writer.hpp"

#include <bit>

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

template <class Write>
std::string encode_value(Write write) {
    std::string encoded;
    protozero::pbf_builder<ValueField> value(encoded);
    write(value);
    return encoded;
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
    protozero::pbf_builder<LayerField> layer(features_);
    protozero::pbf_builder<FeatureField> feature(layer, LayerField::features);
    if (id) feature.add_uint64(FeatureField::id, *id);
    if (!scratch_tags_.empty()) feature.add_packed_uint32(FeatureField::tags, scratch_tags_.begin(), scratch_tags_.end());
    feature.add_enum(FeatureField::type, geometry_type);
    feature.add_packed_uint32(FeatureField::geometry, geometry.begin(), geometry.end());
    ++feature_count_;
}

std::uint32_t LayerBuilder::value_index(const PropertyValue& value) {
    const auto next = static_cast<std::uint32_t>(values_.size());
    return std::visit(
        [&](const auto& v) -> std::uint32_t {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
                if (const auto found = string_values_.find(v); found != string_values_.end()) return found->second;
                const std::string& encoded = values_.emplace_back(
                    encode_value([&](auto& pbf) { pbf.add_string(ValueField::string_value, v.data(), v.size()); }));
                // The text is the tail of its encoding (after the tag and the length).
                string_values_.emplace(std::string_view(encoded).substr(encoded.size() - v.size()), next);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                if (const auto [found, added] = int_values_.emplace(v, next); !added) return found->second;
                values_.push_back(encode_value([&](auto& pbf) { pbf.add_sint64(ValueField::sint_value, v); }));
            } else if constexpr (std::is_same_v<T, double>) {
                if (const auto [found, added] = double_values_.emplace(std::bit_cast<std::uint64_t>(v), next); !added) {
                    return found->second;
                }
                values_.push_back(encode_value([&](auto& pbf) { pbf.add_double(ValueField::double_value, v); }));
            } else {
                std::optional<std::uint32_t>& slot = bool_values_[v ? 1 : 0];
                if (slot) return *slot;
                slot = next;
                values_.push_back(encode_value([&](auto& pbf) { pbf.add_bool(ValueField::bool_value, v); }));
            }
            return next;
        },
        value);
}

void LayerBuilder::append_to(std::string& tile) {
    if (empty()) return;
    std::string encoded;
    encoded.reserve(features_.size() + 64 * values_.size());
    {
        protozero::pbf_builder<LayerField> layer(encoded);
        layer.add_uint32(LayerField::version, 2);
        layer.add_string(LayerField::name, name_);
    }
    encoded += features_;
    {
        protozero::pbf_builder<LayerField> layer(encoded);
        for (std::string_view key : keys_) layer.add_string(LayerField::keys, key.data(), key.size());
        for (const std::string& value : values_) layer.add_message(LayerField::values, value);
        layer.add_uint32(LayerField::extent, tile_extent);
    }
    protozero::pbf_builder<TileField> writer(tile);
    writer.add_message(TileField::layers, encoded);
}

}  // namespace wangge::tiles
