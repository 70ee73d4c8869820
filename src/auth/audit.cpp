#include "wangge/auth/audit.hpp"

#include "enum_names.hpp"
#include "wangge/error.hpp"

namespace wangge::auth {

namespace {

constexpr detail::EnumNames<Outcome, 4> outcome_names{{
    {Outcome::ok, "ok"},
    {Outcome::denied, "denied"},
    {Outcome::throttled, "throttled"},
    {Outcome::error, "error"},
}};

}  // namespace

std::string_view to_string(Outcome outcome) noexcept { return detail::name_of(outcome_names, outcome); }

std::optional<Outcome> parse_outcome(std::string_view text) noexcept { return detail::value_of(outcome_names, text); }

void check_audit_query(const AuditQuery& query) {
    if (query.limit < 1 || query.limit > max_audit_page) {
        throw InputError("limit must be between 1 and " + std::to_string(max_audit_page));
    }
    if (query.from && query.to && *query.from >= *query.to) throw InputError("'from' must be before 'to'");
}

}  // namespace wangge::auth
