#pragma once
// GeoJSON (RFC 7946) geometry to and from the plain types.

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wangge/error.hpp"
#include "wangge/geo/types.hpp"

namespace wangge::geo {

/// A GeoJSON geometry that cannot be read; what() names the problem.
class GeoJsonError : public InputError {
public:
    using InputError::InputError;
};

struct GeoJsonLimits {
    std::size_t max_vertices = 1'000'000;  ///< per geometry
};

[[nodiscard]] nlohmann::json to_geojson(const Point& point);
[[nodiscard]] nlohmann::json to_geojson(const Polygon& polygon);
/// Written as a Polygon when it has exactly one part.
[[nodiscard]] nlohmann::json to_geojson(const MultiPolygon& multi);

/// Is `value` a JSON object whose "type" member is the string `type`? Safe on
/// any JSON, so hostile input never reaches a typed accessor.
[[nodiscard]] bool has_type(const nlohmann::json& value, std::string_view type);

/// Reads a Point geometry object.
[[nodiscard]] Point point_from_geojson(const nlohmann::json& geometry);
/// Reads a Polygon or MultiPolygon geometry object. Checks structure only
/// (finite numbers, closed rings of at least four positions); topology is the
/// rules engine's job.
[[nodiscard]] MultiPolygon polygons_from_geojson(const nlohmann::json& geometry, const GeoJsonLimits& limits = {});

}  // namespace wangge::geo
