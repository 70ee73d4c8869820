#include "wangge/workflow/month.hpp"

#include <cstdio>

#include "wangge/error.hpp"

namespace wangge::workflow {

Month Month::parse(std::string_view text) {
    // Reuse the ISO 8601 date parser on the first day of the month.
    const bool shaped = text.size() == 7 && text[4] == '-';
    const auto first_day = shaped ? model::parse_iso8601(std::string(text) + "-01") : std::nullopt;
    if (!first_day) {
        throw InputError("month \"" + std::string(text) + "\" is not of the form YYYY-MM (e.g. 2026-10)");
    }
    return of(*first_day);
}

Month Month::of(model::Timestamp t) noexcept {
    const std::string local = model::format_iso8601(t);  // always +08:00
    Month result;
    std::sscanf(local.c_str(), "%d-%u", &result.year, &result.month);
    return result;
}

model::Timestamp Month::begin() const noexcept {
    return model::days_from_civil(year, month, 1) * 86400 - model::default_utc_offset_seconds;
}

model::Timestamp Month::end() const noexcept {
    const Month next = month == 12 ? Month{year + 1, 1} : Month{year, month + 1};
    return next.begin();
}

std::string Month::to_string() const {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u", year, month);
    return buffer;
}

}  // namespace wangge::workflow
