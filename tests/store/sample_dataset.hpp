#pragma once
// A small dataset with every entity type and every kind of field value.

#include <algorithm>

#include "wangge/model/entities.hpp"

namespace wangge::store::testing {

/// A square ring around (x0, y0) with side `size`, counter-clockwise.
inline geo::Ring square(double x0, double y0, double size) {
    return {{x0, y0}, {x0 + size, y0}, {x0 + size, y0 + size}, {x0, y0 + size}, {x0, y0}};
}

inline model::Dataset sample_dataset() {
    using namespace model;
    Dataset d;
    Grid street{"110105001", "朝阳门街道", GridLevel::street, "", {}, 1'767'196'800, std::nullopt, 1};
    street.geometry.polygons.push_back({{square(116.40, 39.90, 0.02)}});
    Grid old_street = street;
    old_street.valid_from = 1'700'000'000;
    old_street.valid_to = 1'767'196'800;
    Grid grid{"110105001001001", "第一网格", GridLevel::grid, "110105001", {}, 1'767'196'800, std::nullopt, 2};
    // Two parts, the first with a hole (clockwise, as RFC 7946 writes holes).
    geo::Ring hole = square(116.402, 39.902, 0.002);
    std::reverse(hole.begin(), hole.end());
    grid.geometry.polygons.push_back({{square(116.40, 39.90, 0.01), hole}});
    grid.geometry.polygons.push_back({{square(116.41, 39.91, 0.005)}});
    d.grids = {street, old_street, grid};
    d.staff = {{7, "王芳", "13800000001", "专职网格员"}, {8, "李强", "", "网格长"}};
    d.staff_grids = {{7, "110105001001001", Duty::primary, 0x1f}, {8, "110105001001001", Duty::backup}};
    d.households = {{101, "幸福小区", "3号楼", "2单元", "501", {116.4051, 39.9052}, "110105001001001", 3,
                     {"独居老人", "低保"}, "张三", "110105195001011234", "13900000000"},
                    {102, "幸福小区", "3号楼", "2单元", "502", {116.4052, 39.9053}, "110105001001001", 1, {}, "", "", ""}};
    d.facilities = {{5, "消防栓", "3号楼东侧消防栓", {116.4055, 39.9056}, "110105001001001"}};
    d.incidents = {{9001, "公共设施损坏", "居民上报", "general", "dispatched", "路灯不亮\n需要维修, \"尽快\"",
                    {116.4061, 39.9062}, "110105001001001", "7", 1'767'225'600, 1'767'229'200, 1'767'315'600,
                    std::nullopt},
                   {9002, "邻里纠纷", "网格员巡查", "coordination", "closed", "", {116.4071, 39.9072},
                    "110105001001001", "110105001", 1'767'225'601, std::nullopt, std::nullopt, 1'767'300'000}};
    d.incident_events = {{1, 9001, 1'767'225'600, "居民", "", "reported", "上报"},
                         {2, 9001, 1'767'229'200, "7", "reported", "dispatched", ""}};
    d.visits = {{1, 7, 101, 1'767'240'000, "五必访", "身体状况良好", "独居老人", 1, "phone-7-0001"}};
    return d;
}

}  // namespace wangge::store::testing
