#include "support/datasets.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "wangge/model/time.hpp"

namespace wangge::support {

namespace {

geo::MultiPolygon rectangle(double min_x, double min_y, double max_x, double max_y) {
    return {{{{{{min_x, min_y}, {max_x, min_y}, {max_x, max_y}, {min_x, max_y}, {min_x, min_y}}}}}};
}

model::Timestamp at(std::string_view text) { return *model::parse_iso8601(text); }

}  // namespace

model::Dataset sample_dataset() {
    model::Dataset data;
    const model::Timestamp start = at("2025-01-01");
    const model::Timestamp redrawn = at("2026-01-01");
    const auto grid = [&](std::string code, std::string name, model::GridLevel level, std::string parent,
                          geo::MultiPolygon geometry) {
        data.grids.push_back({std::move(code), std::move(name), level, std::move(parent), std::move(geometry), start,
                              std::nullopt, 1});
    };
    using model::GridLevel;
    grid("110105001", "朝外街道", GridLevel::street, "", rectangle(116.40, 39.90, 116.44, 39.92));
    grid("110105001001", "吉庆里社区", GridLevel::community, "110105001", rectangle(116.40, 39.90, 116.42, 39.92));
    grid("110105001002", "雅宝里社区", GridLevel::community, "110105001", rectangle(116.42, 39.90, 116.44, 39.92));
    grid("110105001001001", "吉庆里第一网格", GridLevel::grid, "110105001001", rectangle(116.40, 39.90, 116.41, 39.92));
    grid("110105001001002", "吉庆里第二网格", GridLevel::grid, "110105001001", rectangle(116.41, 39.90, 116.42, 39.92));
    // Version 1 covered only the southern half of the community, until the redraw.
    grid("110105001002001", "雅宝里第一网格", GridLevel::grid, "110105001002", rectangle(116.42, 39.90, 116.44, 39.91));
    data.grids.back().valid_to = redrawn;
    grid("110105001002001", "雅宝里第一网格", GridLevel::grid, "110105001002", rectangle(116.42, 39.90, 116.44, 39.92));
    data.grids.back().valid_from = redrawn;
    data.grids.back().version = 2;

    data.staff = {{1, "张伟", "010-65001001", "网格长"}, {2, "李娜", "010-65001002", "专职网格员"},
                  {3, "王芳", "010-65001003", "专职网格员"}};
    data.staff_grids = {{2, "110105001001001", model::Duty::backup},
                        {1, "110105001001001", model::Duty::primary},
                        {3, "110105001002001", model::Duty::primary}};

    const auto household = [&](std::int64_t id, double lon, double lat, std::string grid_code,
                               std::vector<std::string> tags) {
        data.households.push_back({id, "吉庆里小区", std::to_string(id) + "号楼", "1单元", "101", {lon, lat},
                                   std::move(grid_code), 2, std::move(tags), "户主" + std::to_string(id),
                                   "11010519800101123" + std::to_string(id % 10), "1380000000" + std::to_string(id % 10)});
    };
    household(1, 116.401, 39.901, "110105001001001", {"独居老人"});
    household(2, 116.402, 39.902, "110105001001001", {});
    household(3, 116.403, 39.903, "110105001001001", {"低保", "残疾人"});
    household(4, 116.404, 39.911, "110105001001001", {});
    household(5, 116.405, 39.915, "110105001001001", {});
    household(6, 116.415, 39.905, "110105001001002", {"流动人口/出租房"});
    household(7, 116.416, 39.915, "110105001001002", {});
    household(8, 116.430, 39.915, "110105001002001", {});

    data.facilities = {{1, "卫生服务站", "吉庆里卫生服务站", {116.405, 39.905}, "110105001001001"},
                       {2, "党群服务中心", "雅宝里党群服务中心", {116.43, 39.905}, "110105001002001"}};

    const auto incident = [&](std::int64_t id, std::string category, std::string triage, std::string state,
                              geo::Point location, std::string grid_code, std::string_view reported) {
        model::Incident item;
        item.id = id;
        item.category = std::move(category);
        item.source = "网格员巡查";
        item.triage = std::move(triage);
        item.state = std::move(state);
        item.location = location;
        item.grid_code = std::move(grid_code);
        item.reported_at = at(reported);
        data.incidents.push_back(std::move(item));
    };
    incident(1, "违法建设", "general", "reported", {116.402, 39.905}, "110105001001001", "2026-03-01T09:00:00");
    incident(2, "邻里纠纷", "coordination", "closed", {116.415, 39.91}, "110105001001002", "2026-05-01T10:00:00");
    incident(3, "公共设施损坏", "urgent", "dispatched", {116.43, 39.915}, "110105001002001", "2026-07-01T11:00:00");
    return data;
}

}  // namespace wangge::support
