#pragma once
// 值班日: the weekdays a staff member is on duty in a grid (StaffGrid::duty_days),
// as the public card, the printed 公示牌 and the import/export columns write
// them in Chinese.
//
// Accepted text: days separated by 、 , ， ; ； / or spaces, each 周一, 星期一,
// 礼拜一 or a bare 一 (日/天/七 for Sunday); ranges 周一至周五 (also 到, -, ~,
// －, ～); 工作日 (Monday to Friday), 周末 (Saturday and Sunday), 每天/每日/全周
// (all seven). Runs of written-out days need separators ("周一周三" also
// parses: each 周/星期 starts a day). An empty text is no days.
//
// Written form: days in week order, runs of three or more as a range, e.g.
// "周一至周五", "周一、周三、周五", "周一至周三、周六"; all seven as "每天".
//
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wangge::model {

class Snapshot;

/// Bit 0 Monday … bit 6 Sunday.
inline constexpr std::uint8_t all_week = 0x7f;

/// The days `text` names; nullopt when it is not duty days as above.
[[nodiscard]] std::optional<std::uint8_t> parse_duty_days(std::string_view text);

/// The days in Chinese as above; empty for none.
[[nodiscard]] std::string format_duty_days(std::uint8_t days);

/// The duty days of staff member `staff_id` in grid `grid_code`; 0 when
/// the two are not linked or the days are not set.
[[nodiscard]] std::uint8_t duty_days_in(const Snapshot& snapshot, std::int64_t staff_id, std::string_view grid_code);

}  // namespace wangge::model
