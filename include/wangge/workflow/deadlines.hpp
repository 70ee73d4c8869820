#pragma once
// The deadline clock of an incident and its traffic light (DESIGN §5).
//
// The clock starts at the first dispatch, runs in calendar time (nights and
// holidays included, see config.hpp), stands still while the incident is
// suspended and stops at closure. The allowed time is the category's hours
// plus approved extensions. Light: green below 80 % of the allowed time used,
// yellow from 80 % up to and including 100 %, red beyond.
//
// `now` is always a parameter: the engine never reads the wall clock.
//
// Thread safety: reentrant; the Snapshot is read only.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/model/entities.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/workflow/history.hpp"

namespace wangge::workflow {

enum class Light { green, yellow, red };

/// "green" / "yellow" / "red".
[[nodiscard]] std::string_view to_string(Light light) noexcept;
/// 绿灯 / 黄灯 / 红灯.
[[nodiscard]] std::string_view label_zh(Light light) noexcept;
/// The light for a fraction of the allowed time used.
[[nodiscard]] Light light_for(double used_fraction) noexcept;

struct Clock {
    model::Timestamp started = 0;  ///< first dispatch
    model::Timestamp stopped = 0;  ///< closure, or `now` while open
    bool running = false;          ///< open and not suspended at `now`
    std::int64_t allowed_s = 0;    ///< category hours + extensions
    std::int64_t extended_s = 0;   ///< the extensions' part of allowed_s
    std::int64_t paused_s = 0;     ///< time suspended between started and stopped
    std::int64_t used_s = 0;       ///< stopped - started - paused_s
    model::Timestamp due = 0;      ///< when used_s reaches allowed_s if the clock keeps running from `stopped`

    [[nodiscard]] double used_fraction() const noexcept;
    [[nodiscard]] Light light() const noexcept { return light_for(used_fraction()); }
    [[nodiscard]] bool overdue() const noexcept { return used_s > allowed_s; }
};

/// The clock at `now` of `incident`, whose events are `history` (time order);
/// nullopt before the first dispatch, for voided incidents and for incidents
/// without a deadline.
[[nodiscard]] std::optional<Clock> clock_at(const model::Incident& incident,
                                            std::span<const model::IncidentEvent> history, model::Timestamp now);

struct OverdueIncident {
    std::int64_t incident_id = 0;
    std::string grid_code;
    Clock clock;
};

/// Open incidents past their deadline at `now` in one area, a grid,
/// community or street code in force: those whose grid, community or street
/// (routing.hpp areas_of) it is, in incident id order. Reads only the
/// incidents of the area's grids and their histories, not the whole city.
[[nodiscard]] std::vector<OverdueIncident> overdue_in(const model::Snapshot& snapshot, std::string_view area,
                                                      model::Timestamp now);

}  // namespace wangge::workflow
