#pragma once
// A calendar month in China Standard Time (+08:00), the period of quotas and
// statistics: "2026-10" runs from 2026-10-01T00:00:00+08:00 up to, not
// including, 2026-11-01T00:00:00+08:00.
//
// Thread safety: a plain value.

#include <string>
#include <string_view>

#include "wangge/model/time.hpp"

namespace wangge::workflow {

struct Month {
    int year = 1970;
    unsigned month = 1;  ///< 1…12

    /// "YYYY-MM"; throws InputError for anything else.
    [[nodiscard]] static Month parse(std::string_view text);
    /// The month `t` falls in, in +08:00.
    [[nodiscard]] static Month of(model::Timestamp t) noexcept;

    [[nodiscard]] model::Timestamp begin() const noexcept;
    [[nodiscard]] model::Timestamp end() const noexcept;
    [[nodiscard]] bool contains(model::Timestamp t) const noexcept { return begin() <= t && t < end(); }
    /// "YYYY-MM".
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(const Month&, const Month&) = default;
};

}  // namespace wangge::workflow
