#pragma once
// The entities of DESIGN §1 as plain values.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/geo/types.hpp"
#include "wangge/model/time.hpp"

namespace wangge::model {

/// The base layout nests street > community > grid > subgrid, each level
/// covering its parent exactly. A dedicated grid (专属网格: a school, a
/// market, an industrial park, migrant housing) belongs to a second layer
/// laid over the base grids: it lies inside its parent (a community or a
/// street) without covering it, never overlaps another dedicated grid, has
/// its own staff and takes the cases reported inside it first.
enum class GridLevel { street, community, grid, subgrid, dedicated };

/// "street" / "community" / "grid" / "subgrid" / "dedicated".
[[nodiscard]] std::string_view to_string(GridLevel level) noexcept;
/// Parses the names above; nullopt for anything else.
[[nodiscard]] std::optional<GridLevel> parse_grid_level(std::string_view text) noexcept;

/// One version of a grid boundary. Publishing a layout closes a version by
/// setting valid_to; the row stays so that earlier layouts remain queryable.
struct Grid {
    std::string code;         ///< e.g. 110105001001001 (DB11/T 2157-2023 scheme)
    std::string name;
    GridLevel level = GridLevel::grid;
    std::string parent_code;  ///< empty for the top level
    geo::MultiPolygon geometry;
    Timestamp valid_from = 0;
    std::optional<Timestamp> valid_to;  ///< nullopt while in force
    int version = 1;
    /// A dedicated grid's purpose (专属类型: 学校, 市场, 产业园区, 外来人口聚居区…);
    /// empty for the base levels. (Initialised so that rows written without it need not name it.)
    std::string purpose{};

    [[nodiscard]] bool in_force_at(Timestamp t) const noexcept {
        return valid_from <= t && (!valid_to || t < *valid_to);
    }
    [[nodiscard]] bool current() const noexcept { return !valid_to.has_value(); }
    /// True for a grid of the dedicated layer (专属网格), false for the base levels.
    [[nodiscard]] bool dedicated() const noexcept { return level == GridLevel::dedicated; }
    /// The grids staff are posted to (定人、定岗) with exactly one A岗: base grids and dedicated grids.
    [[nodiscard]] bool staffed_level() const noexcept {
        return level == GridLevel::grid || level == GridLevel::dedicated;
    }

    friend bool operator==(const Grid&, const Grid&) = default;
};

/// Staff roles, stored as their Chinese names: 网格长, 专职网格员, 兼职网格员, 楼栋长, 志愿者.
struct Staff {
    std::int64_t id = 0;
    std::string name;
    std::string phone;  ///< work phone, shown on the public contact card
    std::string role;
    /// Leave (请假) over [leave_from, leave_until): meanwhile the grid's B岗
    /// takes over what the A岗 would be given. Either end may be open.
    /// (Initialised so that rows written without them need not name them.)
    std::optional<Timestamp> leave_from{};
    std::optional<Timestamp> leave_until{};

    /// True while `t` lies in the leave; false when no leave is set.
    [[nodiscard]] bool on_leave(Timestamp t) const noexcept {
        if (!leave_from && !leave_until) return false;
        return (!leave_from || *leave_from <= t) && (!leave_until || t < *leave_until);
    }

    friend bool operator==(const Staff&, const Staff&) = default;
};

/// Duty of a staff member in a grid (AB岗).
enum class Duty { primary, backup };  // A, B
[[nodiscard]] std::string_view to_string(Duty duty) noexcept;  // "A" / "B"
[[nodiscard]] std::optional<Duty> parse_duty(std::string_view text) noexcept;

struct StaffGrid {
    std::int64_t staff_id = 0;
    std::string grid_code;
    Duty duty = Duty::primary;
    /// 值班日: the weekdays on duty in the grid, bit 0 Monday … bit 6
    /// Sunday (duty_days.hpp reads and writes them in Chinese); 0 when not set.
    std::uint8_t duty_days = 0;

    friend bool operator==(const StaffGrid&, const StaffGrid&) = default;
};

/// Special-group tags (DESIGN §1) are stored as their Chinese names.
struct Household {
    std::int64_t id = 0;
    std::string compound;  ///< 小区
    std::string building;  ///< 楼栋
    std::string unit;      ///< 单元
    std::string room;      ///< 室
    geo::Point location;
    std::string grid_code;  ///< derived from location
    int members = 0;
    std::vector<std::string> tags;
    // Personal data: visible only to staff of the household's grid (DESIGN §6).
    std::string head_name;
    std::string id_number;
    std::string phone;
    /// 入住: the day the household moved in (00:00 China time); a recent
    /// move-in is a 五必访 (workflow/visits.hpp). Unknown for most old rows.
    std::optional<Timestamp> moved_in{};
    /// 迁出: the day the household left. The row stays (its history and the
    /// month's change list refer to it) but is no longer counted, tiled,
    /// listed or due a visit: see resident().
    std::optional<Timestamp> moved_out{};

    /// False once the household has moved out.
    [[nodiscard]] bool resident() const noexcept { return !moved_out; }

    friend bool operator==(const Household&, const Household&) = default;
};

/// A row of the places layer (设施与单位): a facility (物: 党群服务中心,
/// 卫生服务站, 避难场所, 消防栓, 学校…) or an organisation (组织: 网格党支部,
/// 党群微家, 社会组织, 物业, 业委会, 企业, 商铺…). The kind tells them apart
/// (model/organisations.hpp); both are located, gridded and visited alike.
struct Facility {
    std::int64_t id = 0;
    std::string kind;
    std::string name;
    geo::Point location;
    std::string grid_code;  ///< derived from location
    // (Initialised so that rows written without them need not name them.)
    /// 服务小区: the compound an organisation serves (物业, 业委会, 小区党支部); empty for none.
    std::string compound{};
    /// 联系人 and their work phone: for signed-in staff, never on public pages.
    std::string contact_name{};
    std::string contact_phone{};

    friend bool operator==(const Facility&, const Facility&) = default;
};

struct Incident {
    std::int64_t id = 0;
    std::string category;  ///< e.g. 违法建设, 公共设施损坏, 邻里纠纷
    std::string source;    ///< 网格员巡查, 居民上报, 热线, 上级交办
    std::string triage;    ///< general / coordination / urgent
    std::string state;     ///< reported, filed, dispatched, in_progress, resolved, verified, closed, returned, voided, suspended
    std::string description;
    geo::Point location;
    std::string grid_code;
    std::string assignee;  ///< staff id, community or street code the case is assigned to
    Timestamp reported_at = 0;
    std::optional<Timestamp> dispatched_at;
    std::optional<Timestamp> deadline;
    std::optional<Timestamp> closed_at;

    friend bool operator==(const Incident&, const Incident&) = default;
};

/// Append-only history of an incident.
struct IncidentEvent {
    std::int64_t id = 0;
    std::int64_t incident_id = 0;
    Timestamp at = 0;
    std::string actor;
    std::string from_state;
    std::string to_state;
    std::string note;

    friend bool operator==(const IncidentEvent&, const IncidentEvent&) = default;
};

struct Visit {
    std::int64_t id = 0;
    std::int64_t staff_id = 0;
    std::int64_t household_id = 0;
    Timestamp at = 0;
    std::string kind;  ///< workflow::visit_kinds() for new visits; older data has 入户走访, 电话回访…
    std::string note;  ///< 民情日记
    std::string reason;            ///< 五必访 / 特殊人群: the group that required the visit
    std::int64_t incident_id = 0;  ///< the incident the visit raised; 0: none
    /// The recording phone's idempotency key ("" for none): a replay of the
    /// same key gives back this visit instead of storing a second one.
    std::string client_key;
    /// A visit to a facility or shop (网吧, 饭店, 商铺…) instead of a
    /// household: its id, with household_id 0. Such visits are not part of
    /// the household quota or the due list.
    std::int64_t facility_id{};

    /// True for a visit to a household (走访), false for one to a facility.
    [[nodiscard]] bool to_household() const noexcept { return facility_id == 0; }

    friend bool operator==(const Visit&, const Visit&) = default;
};

/// Everything a store holds, as loaded into memory.
struct Dataset {
    std::vector<Grid> grids;
    std::vector<Staff> staff;
    std::vector<StaffGrid> staff_grids;
    std::vector<Household> households;
    std::vector<Facility> facilities;
    std::vector<Incident> incidents;
    std::vector<IncidentEvent> incident_events;
    std::vector<Visit> visits;
};

}  // namespace wangge::model
