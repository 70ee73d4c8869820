#include "wangge/geo/geojson.hpp"

#include <cmath>
#include <string>

namespace wangge::geo {

using nlohmann::json;

namespace {

json position(const Point& p) { return json::array({p.x, p.y}); }

json rings_json(const Polygon& polygon) {
    json rings = json::array();
    for (const Ring& ring : polygon.rings) {
        json coordinates = json::array();
        for (const Point& p : ring) coordinates.push_back(position(p));
        rings.push_back(std::move(coordinates));
    }
    return rings;
}

Point read_position(const json& value) {
    if (!value.is_array() || value.size() < 2 || value.size() > 3) {
        throw GeoJsonError("a position must be an array of 2 or 3 numbers");
    }
    for (const json& n : value) {
        if (!n.is_number()) throw GeoJsonError("a position must hold numbers only");
    }
    const Point p{value[0].get<double>(), value[1].get<double>()};
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) throw GeoJsonError("a position must be finite");
    return p;
}

Ring read_ring(const json& value, std::size_t& budget) {
    if (!value.is_array()) throw GeoJsonError("a linear ring must be an array of positions");
    if (value.size() > budget) throw GeoJsonError("geometry has too many vertices");
    budget -= value.size();
    Ring ring;
    ring.reserve(value.size());
    for (const json& p : value) ring.push_back(read_position(p));
    if (ring.size() < 4) throw GeoJsonError("a linear ring needs at least 4 positions");
    if (!(ring.front() == ring.back())) throw GeoJsonError("a linear ring must be closed (first position = last)");
    return ring;
}

Polygon read_polygon(const json& value, std::size_t& budget) {
    if (!value.is_array() || value.empty()) throw GeoJsonError("polygon coordinates must be a non-empty array of rings");
    Polygon polygon;
    for (const json& ring : value) polygon.rings.push_back(read_ring(ring, budget));
    return polygon;
}

const json& coordinates_of(const json& geometry, const char* expected_type) {
    if (!geometry.is_object()) throw GeoJsonError("geometry must be a JSON object");
    const auto type = geometry.find("type");
    if (type == geometry.end() || !type->is_string()) throw GeoJsonError("geometry has no \"type\"");
    if (expected_type != nullptr && type->get<std::string>() != expected_type) {
        throw GeoJsonError(std::string("geometry must be a ") + expected_type);
    }
    const auto coordinates = geometry.find("coordinates");
    if (coordinates == geometry.end()) throw GeoJsonError("geometry has no \"coordinates\"");
    return *coordinates;
}

}  // namespace

bool has_type(const json& value, std::string_view type) {
    if (!value.is_object()) return false;
    const auto found = value.find("type");
    return found != value.end() && found->is_string() && found->get_ref<const std::string&>() == type;
}

json to_geojson(const Point& point) { return {{"type", "Point"}, {"coordinates", position(point)}}; }

json to_geojson(const Polygon& polygon) { return {{"type", "Polygon"}, {"coordinates", rings_json(polygon)}}; }

json to_geojson(const MultiPolygon& multi) {
    if (multi.polygons.size() == 1) return to_geojson(multi.polygons.front());
    json polygons = json::array();
    for (const Polygon& polygon : multi.polygons) polygons.push_back(rings_json(polygon));
    return {{"type", "MultiPolygon"}, {"coordinates", std::move(polygons)}};
}

Point point_from_geojson(const json& geometry) { return read_position(coordinates_of(geometry, "Point")); }

MultiPolygon polygons_from_geojson(const json& geometry, const GeoJsonLimits& limits) {
    const json& coordinates = coordinates_of(geometry, nullptr);
    const std::string type = geometry["type"].get<std::string>();
    std::size_t budget = limits.max_vertices;
    MultiPolygon multi;
    if (type == "Polygon") {
        multi.polygons.push_back(read_polygon(coordinates, budget));
    } else if (type == "MultiPolygon") {
        if (!coordinates.is_array() || coordinates.empty()) {
            throw GeoJsonError("multipolygon coordinates must be a non-empty array of polygons");
        }
        for (const json& polygon : coordinates) multi.polygons.push_back(read_polygon(polygon, budget));
    } else {
        throw GeoJsonError("geometry must be a Polygon or MultiPolygon, not " + type);
    }
    return multi;
}

}  // namespace wangge::geo
