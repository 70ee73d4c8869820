#pragma once
// Mapbox Vector Tile 2.1 encoding with protozero.
//
// One LayerBuilder per layer, its keys registered up front (as osrm's tile
// plugin does); values are deduplicated per layer. Geometry arrives already
// snapped to integer tile pixels and oriented (clip.hpp).
//
// Thread safety: a builder is used by one thread at a time.

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
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
    /// One (multi)polygon feature: exterior rings with positive twice_signed_area,
    /// each followed by its holes (negative); rings are open.
    void add_polygon(std::span<const PixelRing> rings, std::span<const Property> properties,
                     std::optional<std::uint64_t> id = std::nullopt);

    [[nodiscard]] bool empty() const noexcept { return feature_count_ == 0; }
    [[nodiscard]] std::size_t feature_count() const noexcept { return feature_count_; }

    /// Appends the finished layer to an encoded tile (nothing when empty).
    void append_to(std::string& tile);

private:
    void add_feature(int geometry_type, std::span<const std::uint32_t> geometry, std::span<const Property> properties,
                     std::optional<std::uint64_t> id);
    std::uint32_t value_index(const PropertyValue& value);

    std::string name_;
    std::vector<std::string_view> keys_;
    std::string features_;
    std::size_t feature_count_ = 0;
    // Encoded Value messages; a deque so that the string_view keys of
    // string_values_, which point into these encodings, stay valid.
    std::deque<std::string> values_;
    std::unordered_map<std::string_view, std::uint32_t> string_values_;
    std::unordered_map<std::int64_t, std::uint32_t> int_values_;
    std::unordered_map<std::uint64_t, std::uint32_t> double_values_;  // by bit pattern
    std::optional<std::uint32_t> bool_values_[2];
    std::vector<std::uint32_t> scratch_tags_;
    std::vector<std::uint32_t> scratch_geometry_;
};

}  // namespace wangge::tiles
