#pragma once
// Time stamps and their ISO 8601 text form.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wangge::model {

/// Seconds since the Unix epoch, UTC.
using Timestamp = std::int64_t;

/// China Standard Time, used when a time is given without an offset (DESIGN §6).
inline constexpr int default_utc_offset_seconds = 8 * 3600;

/// "2026-10-01T08:30:00+08:00" — always rendered in +08:00.
[[nodiscard]] std::string format_iso8601(Timestamp t);

/// Accepts "YYYY-MM-DD" (midnight) and "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by
/// "Z", "+HH:MM", "-HH:MM" or nothing (then +08:00). Returns nullopt when the
/// text is not such a time or names an impossible date.
[[nodiscard]] std::optional<Timestamp> parse_iso8601(std::string_view text);

/// "2026-10-01": the day of `t` in +08:00.
[[nodiscard]] std::string format_date(Timestamp t);

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
[[nodiscard]] std::int64_t days_from_civil(int year, unsigned month, unsigned day) noexcept;

}  // namespace wangge::model
