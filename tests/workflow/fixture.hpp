#pragma once
// A small community shared by the workflow tests: one street, one community
// and two grids side by side sharing the border x = 116.45, with staff,
// households and the category table shipped in data/categories.json.

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "wangge/model/snapshot.hpp"
#include "wangge/model/time.hpp"
#include "wangge/workflow/config.hpp"

namespace wangge::workflow::test {

inline constexpr const char* street_code = "110105001";
inline constexpr const char* community_code = "110105001001";
inline constexpr const char* grid1_code = "110105001001001";
inline constexpr const char* grid2_code = "110105001001002";

inline geo::MultiPolygon rectangle(double x0, double y0, double x1, double y1) {
    return {{geo::Polygon{{geo::Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}}};
}

/// Time from its ISO 8601 text; fails the test on a typo.
inline model::Timestamp at(const char* text) {
    const auto t = model::parse_iso8601(text);
    if (!t) throw std::invalid_argument(std::string("bad test time ") + text);
    return *t;
}

inline model::Household household(std::int64_t id, const char* grid, double lon, std::vector<std::string> tags) {
    model::Household h;
    h.id = id;
    h.compound = "示例小区";
    h.building = "1号楼";
    h.room = std::to_string(100 + id);
    h.location = {lon, 39.925};
    h.grid_code = grid;
    h.members = 2;
    h.tags = std::move(tags);
    return h;
}

/// Grid 1 has 张伟 (A) and 李娜 (B); grid 2 only 王芳 (B) and a volunteer (B).
/// Households 1–4 in grid 1, 5–6 in grid 2.
inline model::Dataset community_dataset() {
    using model::GridLevel;
    model::Dataset data;
    data.grids.push_back({street_code, "示例街道", GridLevel::street, "", rectangle(116.44, 39.92, 116.46, 39.93), 0, {}, 1});
    data.grids.push_back({community_code, "示例社区", GridLevel::community, street_code, rectangle(116.44, 39.92, 116.46, 39.93), 0, {}, 1});
    data.grids.push_back({grid2_code, "第二网格", GridLevel::grid, community_code, rectangle(116.45, 39.92, 116.46, 39.93), 0, {}, 1});
    data.grids.push_back({grid1_code, "第一网格", GridLevel::grid, community_code, rectangle(116.44, 39.92, 116.45, 39.93), 0, {}, 1});
    data.staff.push_back({1, "张伟", "13800000001", "专职网格员"});
    data.staff.push_back({2, "李娜", "13800000002", "兼职网格员"});
    data.staff.push_back({3, "王芳", "13800000003", "专职网格员"});
    data.staff.push_back({4, "赵强", "13800000004", "志愿者"});
    data.staff_grids.push_back({1, grid1_code, model::Duty::primary});
    data.staff_grids.push_back({2, grid1_code, model::Duty::backup});
    data.staff_grids.push_back({3, grid2_code, model::Duty::backup});
    data.staff_grids.push_back({4, grid2_code, model::Duty::backup});
    data.households.push_back(household(1, grid1_code, 116.441, {"独居老人"}));
    data.households.push_back(household(2, grid1_code, 116.442, {"低保"}));
    data.households.push_back(household(3, grid1_code, 116.443, {}));
    data.households.push_back(household(4, grid1_code, 116.444, {"新入住", "出租房"}));
    data.households.push_back(household(5, grid2_code, 116.451, {"残疾人"}));
    data.households.push_back(household(6, grid2_code, 116.452, {}));
    return data;
}

inline std::shared_ptr<const model::Snapshot> community_snapshot(model::Dataset data = community_dataset()) {
    return model::Snapshot::build(std::move(data), 1);
}

inline model::Incident incident(std::int64_t id, const char* grid, const char* source, const char* triage,
                                const char* assignee, const char* reported, const char* state) {
    model::Incident i;
    i.id = id;
    i.category = "占道经营";
    i.source = source;
    i.triage = triage;
    i.state = state;
    i.grid_code = grid;
    i.assignee = assignee;
    i.reported_at = at(reported);
    return i;
}

/// The community plus a month of work, for the statistics (hand-computed in
/// statistics_test.cpp). October 2026:
///   1  grid 1, 网格员巡查, to 张伟: dispatched 10-05 10:00 (24 h), suspended 8 h,
///      closed 10-06 15:00 — on time only thanks to the pause; 30 h to close.
///   2  grid 1, 居民上报, to 张伟: dispatched 10-10 10:00 (24 h), returned once,
///      closed 10-12 09:00 — late and reworked; 48 h to close.
///   3  grid 2, 热线, to the community, reported in September (民生诉求,
///      coordination 144 h), closed 10-02 10:00 on time; 97 h to close.
///   4  grid 2, 热线, to 王芳, reported 10-20, still in progress.
///   5  grid 1, reported in November.
/// Visits in October: 张伟 households 1 (twice) and 3, 李娜 4, 王芳 5; in
/// September 李娜 2.
inline model::Dataset assessment_dataset() {
    model::Dataset data = community_dataset();
    model::Incident first = incident(1, grid1_code, "网格员巡查", "general", "1", "2026-10-05T09:00:00", "closed");
    first.dispatched_at = at("2026-10-05T10:00:00");
    first.deadline = at("2026-10-06T18:00:00");  // 24 h + 8 h suspended
    first.closed_at = at("2026-10-06T15:00:00");
    model::Incident second = incident(2, grid1_code, "居民上报", "general", "1", "2026-10-10T09:00:00", "closed");
    second.dispatched_at = at("2026-10-10T10:00:00");
    second.deadline = at("2026-10-11T10:00:00");
    second.closed_at = at("2026-10-12T09:00:00");
    model::Incident third = incident(3, grid2_code, "热线", "coordination", community_code, "2026-09-28T09:00:00", "closed");
    third.category = "民生诉求";
    third.dispatched_at = at("2026-09-28T10:00:00");
    third.deadline = at("2026-10-04T10:00:00");
    third.closed_at = at("2026-10-02T10:00:00");
    model::Incident fourth = incident(4, grid2_code, "热线", "general", "3", "2026-10-20T09:00:00", "in_progress");
    fourth.dispatched_at = at("2026-10-20T10:00:00");
    fourth.deadline = at("2026-10-21T10:00:00");
    data.incidents = {first, second, third, fourth,
                      incident(5, grid1_code, "居民上报", "general", "1", "2026-11-01T09:00:00", "reported")};
    data.incident_events = {
        {1, 1, at("2026-10-05T12:00:00"), "9", "in_progress", "suspended", "批准人：社区主任；原因：待协调"},
        {2, 1, at("2026-10-05T20:00:00"), "9", "suspended", "in_progress", ""},
        {3, 2, at("2026-10-11T08:00:00"), "2", "resolved", "returned", "核查未通过"},
        {4, 2, at("2026-10-11T09:00:00"), "9", "returned", "dispatched", "退回后重新派遣"},
    };
    data.visits = {
        {1, 1, 1, at("2026-10-03T10:00:00"), "五必访", "", "", 0, ""},
        {2, 1, 1, at("2026-10-17T10:00:00"), "五必访", "", "", 0, ""},
        {3, 1, 3, at("2026-10-31T23:30:00"), "入户走访", "", "", 0, ""},
        {4, 2, 4, at("2026-10-01T00:00:00"), "五必访", "", "", 0, ""},
        {5, 3, 5, at("2026-10-08T10:00:00"), "五必访", "", "", 0, ""},
        {6, 2, 2, at("2026-09-30T23:59:59"), "入户走访", "", "", 0, ""},
    };
    return data;
}

/// The shipped table: the tests read the same file the server does.
inline const WorkflowConfig& shipped_config() {
    static const WorkflowConfig config = WorkflowConfig::load(std::string(WANGGE_SOURCE_DIR) + "/data/categories.json");
    return config;
}

}  // namespace wangge::workflow::test
