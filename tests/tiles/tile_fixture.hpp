#pragma once
// A small hand-built community for tile tests:
//  - community 110101001001 = square [116.39, 116.41] × [39.93, 39.95];
//  - grid 001 (west half) and grid 002 (east half) share a zigzag border near
//    x = 116.40 with 201 vertices (±1.7 m), so simplification has work to do;
//  - grid 001 has a hole that grid 003 fills exactly (a junction-free shared loop);
//  - households, facilities and incidents with personal data and tags.

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "wangge/model/entities.hpp"

namespace wangge::tiles::test {

inline constexpr double west = 116.39;
inline constexpr double middle = 116.40;
inline constexpr double east = 116.41;
inline constexpr double south = 39.93;
inline constexpr double north = 39.95;
inline constexpr double zigzag = 0.00002;

/// The shared border from south to north.
inline std::vector<geo::Point> zigzag_border() {
    std::vector<geo::Point> border;
    for (int i = 0; i <= 200; ++i) {
        const double offset = (i == 0 || i == 200) ? 0.0 : (i % 2 == 0 ? zigzag : -zigzag);
        border.push_back({middle + offset, south + (north - south) * i / 200.0});
    }
    return border;
}

inline geo::Ring closed(std::vector<geo::Point> points) {
    points.push_back(points.front());
    return points;
}

inline model::Dataset community() {
    using model::GridLevel;
    const std::vector<geo::Point> border = zigzag_border();
    // West grid, counter-clockwise (y up): south edge, border northwards, north edge, west edge.
    std::vector<geo::Point> west_ring{{west, south}};
    west_ring.insert(west_ring.end(), border.begin(), border.end());
    west_ring.push_back({west, north});
    const geo::Ring hole = closed({{116.393, 39.935}, {116.393, 39.937}, {116.395, 39.937}, {116.395, 39.935}});
    // East grid: east edge northwards, then the border southwards.
    std::vector<geo::Point> east_ring{{east, south}, {east, north}};
    east_ring.insert(east_ring.end(), border.rbegin(), border.rend());
    const geo::Ring island = closed({{116.393, 39.935}, {116.395, 39.935}, {116.395, 39.937}, {116.393, 39.937}});
    const geo::Ring outline =
        closed({{west, south}, {middle, south}, {east, south}, {east, north}, {middle, north}, {west, north}});

    model::Dataset data;
    data.grids.push_back({"110101001001", "示例社区", GridLevel::community, "110101001", {{geo::Polygon{{outline}}}}, 0, {}, 1});
    data.grids.push_back({"110101001001001", "第一网格", GridLevel::grid, "110101001001",
                          {{geo::Polygon{{closed(west_ring), hole}}}}, 0, {}, 1});
    data.grids.push_back({"110101001001002", "第二网格", GridLevel::grid, "110101001001",
                          {{geo::Polygon{{closed(east_ring)}}}}, 0, {}, 1});
    data.grids.push_back({"110101001001003", "第三网格", GridLevel::grid, "110101001001",
                          {{geo::Polygon{{island}}}}, 0, {}, 1});
    data.staff.push_back({1, "张伟", "13800000001", "专职网格员"});
    data.staff.push_back({2, "李娜", "13800000002", "兼职网格员"});
    data.staff_grids.push_back({2, "110101001001001", model::Duty::backup});
    data.staff_grids.push_back({1, "110101001001001", model::Duty::primary});

    data.households.push_back({1, "和平小区", "3号楼", "2", "301", {116.392, 39.94}, "110101001001001", 2,
                               {"独居老人", "低保"}, "王秀英", "110101194001011234", "13900000001"});
    data.households.push_back({2, "和平小区", "5号楼", "1", "101", {116.405, 39.942}, "110101001001002", 4, {},
                               "刘强", "110101198002022345", "13900000002"});
    data.households.push_back({3, "和平小区", "5号楼", "1", "102", {116.405, 39.942}, "110101001001002", 1, {},
                               "陈静", "110101199003033456", "13900000003"});
    data.facilities.push_back({1, "党群服务中心", "和平社区党群服务中心", {116.401, 39.941}, "110101001001002"});

    // Incidents spread over the community and over 200 days.
    std::mt19937 random(42);
    std::uniform_real_distribution<double> lon(west, east), lat(south, north);
    std::uniform_int_distribution<int> day(0, 199), pick(0, 2);
    const char* categories[] = {"违法建设", "公共设施损坏", "邻里纠纷"};
    const char* states[] = {"reported", "dispatched", "closed"};
    for (std::int64_t id = 1; id <= 3000; ++id) {
        model::Incident incident;
        incident.id = id;
        incident.category = categories[pick(random)];
        incident.state = states[pick(random)];
        incident.triage = "general";
        incident.location = {lon(random), lat(random)};
        incident.reported_at = 1'780'000'000 + std::int64_t{day(random)} * 86400 + id;
        data.incidents.push_back(std::move(incident));
    }
    return data;
}

}  // namespace wangge::tiles::test
