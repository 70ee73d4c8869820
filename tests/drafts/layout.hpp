#pragma once
// A small layout shared by the drafts tests: street 110105001 = community
// 110105001001, split at longitude 116.41 into grids 001 (west, A) and 002
// (east, B). Every ring carries the vertices its neighbours use, so the
// layout validates clean.

#include <string>
#include <vector>

#include "wangge/model/entities.hpp"

namespace wangge::drafts::test {

inline constexpr double west = 116.40;
inline constexpr double middle = 116.41;
inline constexpr double east = 116.42;
inline constexpr double south = 39.90;
inline constexpr double north = 39.91;
inline const std::string street = "110105001";
inline const std::string community = "110105001001";
inline const std::string grid_a = "110105001001001";
inline const std::string grid_b = "110105001001002";

/// A closed ring through `points` (counter-clockwise).
inline geo::MultiPolygon ring(std::vector<geo::Point> points) {
    points.push_back(points.front());
    return geo::MultiPolygon{{geo::Polygon{{std::move(points)}}}};
}

inline geo::MultiPolygon rectangle(double x0, double y0, double x1, double y1) {
    return ring({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}});
}

inline model::Grid grid(std::string code, std::string parent, model::GridLevel level, geo::MultiPolygon geometry) {
    model::Grid g;
    g.code = std::move(code);
    g.name = "网格" + g.code.substr(g.code.size() - 3);
    g.parent_code = std::move(parent);
    g.level = level;
    g.geometry = std::move(geometry);
    g.valid_from = 1'700'000'000;  // 2023-11-14
    g.version = 1;
    return g;
}

inline std::vector<model::Grid> layout() {
    const geo::MultiPolygon whole =
        ring({{west, south}, {middle, south}, {east, south}, {east, north}, {middle, north}, {west, north}});
    return {grid(street, "", model::GridLevel::street, whole),
            grid(community, street, model::GridLevel::community, whole),
            grid(grid_a, community, model::GridLevel::grid, rectangle(west, south, middle, north)),
            grid(grid_b, community, model::GridLevel::grid, rectangle(middle, south, east, north))};
}

/// Metres east of `x` at this latitude, in degrees.
inline double metres_east(double metres) { return metres / 85'400.0; }

/// The layout with households, a facility and incidents near the border.
inline model::Dataset dataset() {
    model::Dataset data;
    data.grids = layout();
    const auto household = [&](std::int64_t id, double x, const std::string& code) {
        model::Household h;
        h.id = id;
        // 1 and 2 share 幸福里 (in grid_a); 3–5 are one compound each, so no
        // compound spans two grids until a test draws a border through 幸福里.
        h.compound = id <= 2 ? "幸福里" : "和平里" + std::to_string(id) + "号院";
        h.location = {x, 39.905};
        h.grid_code = code;
        h.members = 2;
        data.households.push_back(h);
    };
    household(1, 116.4050, grid_a);
    household(2, 116.4095, grid_a);
    household(3, 116.4105, grid_b);
    household(4, 116.4110, grid_b);
    household(5, 116.4150, grid_b);
    model::Facility facility;
    facility.id = 1;
    facility.kind = "消防栓";
    facility.name = "1号消防栓";
    facility.location = {116.4108, 39.906};
    facility.grid_code = grid_b;
    data.facilities.push_back(facility);
    const auto incident = [&](std::int64_t id, double x, const char* state) {
        model::Incident i;
        i.id = id;
        i.category = "公共设施损坏";
        i.source = "网格员巡查";
        i.triage = "general";
        i.state = state;
        i.location = {x, 39.907};
        i.grid_code = grid_b;
        i.reported_at = 1'750'000'000;
        data.incidents.push_back(i);
    };
    incident(1, 116.4112, "dispatched");
    incident(2, 116.4113, "closed");
    return data;
}

}  // namespace wangge::drafts::test
