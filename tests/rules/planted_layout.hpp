#pragma once
// A small street → community → 3 grids layout drawn in metres and converted to
// lon/lat, so tests can plant defects of known size. Test-only helper.
//
//   y=200 +---------+---------+---------+
//         |   001   |   002   |   003   |    community 110105001001 = street 110105001
//   y=0   +---------+---------+---------+    = [0,300] x [0,200] m
//        x=0      x=100     x=200     x=300
// Borders carry extra vertices at x = 100, 150, 200 and y = 50, 100, 150.

#include <string>
#include <vector>

#include "wangge/geo/projection.hpp"
#include "wangge/model/entities.hpp"

namespace wangge::rules::testing {

inline constexpr const char* street_code = "110105001";
inline constexpr const char* community_code = "110105001001";
inline constexpr const char* grid1 = "110105001001001";
inline constexpr const char* grid2 = "110105001001002";
inline constexpr const char* grid3 = "110105001001003";

class PlantedLayout {
public:
    /// Converts a ring in metres around the layout's origin to lon/lat.
    [[nodiscard]] geo::Ring lonlat(geo::Ring metres) const {
        projection_.inverse(metres);
        return metres;
    }

    /// A rectangle [x0,x1] x [y0,y1] in metres with extra vertices on its
    /// vertical sides at y = 50, 100, 150 (where they fall inside).
    /// Horizontal sides get vertices at x = 100, 200 like the grid corners,
    /// so a parent shares every vertex of its children (as real layouts do).
    [[nodiscard]] geo::Ring rectangle(double x0, double x1, double y0 = 0, double y1 = 200) const {
        geo::Ring ring{{x0, y0}};
        for (double x : {100.0, 150.0, 200.0}) {
            if (x > x0 && x < x1) ring.push_back({x, y0});
        }
        ring.push_back({x1, y0});
        for (double y : {50.0, 100.0, 150.0}) {
            if (y > y0 && y < y1) ring.push_back({x1, y});
        }
        ring.push_back({x1, y1});
        for (double x : {200.0, 150.0, 100.0}) {
            if (x > x0 && x < x1) ring.push_back({x, y1});
        }
        ring.push_back({x0, y1});
        for (double y : {150.0, 100.0, 50.0}) {
            if (y > y0 && y < y1) ring.push_back({x0, y});
        }
        ring.push_back({x0, y0});
        return ring;
    }

    [[nodiscard]] model::Grid grid(std::string code, model::GridLevel level, std::string parent,
                                   const geo::Ring& metres) const {
        model::Grid g;
        g.code = std::move(code);
        g.name = g.code;
        g.level = level;
        g.parent_code = std::move(parent);
        g.geometry.polygons.push_back(geo::Polygon{{lonlat(metres)}});
        return g;
    }

    /// The clean layout: street, community, and grids 001–003.
    [[nodiscard]] std::vector<model::Grid> clean() const {
        return {grid(street_code, model::GridLevel::street, "", rectangle(0, 300)),
                grid(community_code, model::GridLevel::community, street_code, rectangle(0, 300)),
                grid(grid1, model::GridLevel::grid, community_code, rectangle(0, 100)),
                grid(grid2, model::GridLevel::grid, community_code, rectangle(100, 200)),
                grid(grid3, model::GridLevel::grid, community_code, rectangle(200, 300))};
    }

    /// The clean layout with grid `code` replaced by `metres`.
    [[nodiscard]] std::vector<model::Grid> with(const std::string& code, const geo::Ring& metres) const {
        std::vector<model::Grid> grids = clean();
        for (model::Grid& g : grids) {
            if (g.code == code) g.geometry = geo::MultiPolygon{{geo::Polygon{{lonlat(metres)}}}};
        }
        return grids;
    }

private:
    geo::LocalProjection projection_{geo::Box{116.40, 39.90, 116.41, 39.91}};
};

}  // namespace wangge::rules::testing
