#pragma once
// Mapbox Vector Tile 2.1 encoding with protozero.
//
// One LayerBuilder per layer, its keys registered up front (as osrm's tile
// plugin does); values are deduplicated per layer. Geometry arrives already
// snapped to integer tile pixels and oriented (clip.hpp).
//
// Tiles are rendered per request, so the builder avoids allocating per
// feature or value: features and values are encoded straight into two
// growing buffers, and the value dictionary is an open-addressing table over
// the encoded values.
//
// Thread safety: a builder is used by one thread at a time.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wangge/tiles/clip.hpp"

namespace wangge::tiles {

using PropertyValue = std::variant<std::string_view, std::int64_t, double, bool>;

/// A layer attribute: its key and its type as TileJSON names it ("String", "Number", "Boolean").
struct FieldSpec {
    std::string_view name;
    std::string_view type;
};

struct Property {
    std::uint32_t key = 0;  ///< position in the layer's key list
    PropertyValue value;
};

class LayerBuilder {
public:
    LayerBuilder(std::string_view name, std::span<const FieldSpec> fields);

    /// One point feature.
    void add_point(const PixelPoint& point, std::span<const Property> properties,
                   std::optional<std::uint64_t> id = std::nullopt);
    /// One (multi)line string feature: each line of two or more vertices.
    void add_lines(std::span<const PixelLine> lines, std::span<const Property> properties,
                   std::optional<std::uint64_t> id = std::nullopt);
    /// One (multi)polygon feature: exterior rings with positive twice_signed_area,
    /// each followed by its holes (negative); rings are open.
    void add_polygon(std::span<const PixelRing> rings, std::span<const Property> properties,
                     std::optional<std::uint64_t> id = std::nullopt);

    /// Makes room for up to `count` distinct values, so that the value
    /// dictionary need not grow (and rehash) on the way there.
    void reserve_values(std::size_t count);

    [[nodiscard]] bool empty() const noexcept { return feature_count_ == 0; }
    [[nodiscard]] std::size_t feature_count() const noexcept { return feature_count_; }

    /// Appends the finished layer to an encoded tile (nothing when empty).
    void append_to(std::string& tile);

private:
    /// `geometry` is the encoded payload of the geometry field.
    void add_feature(int geometry_type, std::string_view geometry, std::span<const Property> properties,
                     std::optional<std::uint64_t> id);
    /// Encodes rings (closed) or lines into the scratch geometry, skipping
    /// those with fewer than `min_vertices`; empty when none is left.
    std::string_view encode_paths(std::span<const PixelRing> paths, std::size_t min_vertices, bool close);
    std::uint32_t value_index(const PropertyValue& value);
    /// Rehashes the dictionary into `slots` slots (a power of two, more than twice the values).
    void resize_value_slots(std::size_t slots);

    /// A value dictionary entry: where the value's values field sits in
    /// values_. 16 bytes, so that the table stays small (a layer's values stay
    /// far below 4 GiB: protobuf messages end at 2 GiB).
    struct ValueSlot {
        std::uint32_t hash = 0;
        std::uint32_t offset = 0;
        std::uint32_t size = 0;  ///< 0 marks a free slot (no encoding is empty)
        std::uint32_t index = 0;
    };

    std::string name_;
    std::vector<std::string_view> keys_;
    std::string features_;  // the layer's features fields, encoded
    std::size_t feature_count_ = 0;
    // The layer's values fields, encoded. A Value message is unique per type
    // and value (doubles by bit pattern), so the dictionary is keyed by it.
    std::string values_;
    std::uint32_t value_count_ = 0;
    std::vector<ValueSlot> value_slots_;  // linear probing, power-of-two size, at most half full
    std::string scratch_tags_;      // the feature's tags, encoded
    std::string scratch_geometry_;  // the feature's geometry, encoded
};

}  // namespace wangge::tiles
