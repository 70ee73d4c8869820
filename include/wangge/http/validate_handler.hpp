#pragma once
// POST /validate: a GeoJSON FeatureCollection of grids in the body, the
// boundary rules report of DESIGN §4 back. Validation is CPU-heavy, so the
// route runs on the server's worker pool, never on an I/O thread.
//
// The rules are the server's one set of rule options (wangge.conf / `wangge
// serve` options, the same the drafts use). household_count counts the served
// snapshot's households by their grid code (HouseholdCounts), so a posted grid
// is compared with the households the live layout gives its code;
// residents_count, compound_split and community_households use the same
// households (their members, compound and building); no_primary_staff
// likewise counts the A岗 staff linked to its code.
// Query parameters: min_width_m, min_area_m2, edge_tolerance_m (metres)
// override the configured ones for one request.
// Errors: malformed JSON or features → 400, too many features or vertices → 413.
// Needs a login (auth::Action::validate_layout): 401 for anonymous callers,
// checked before the body is parsed.
//
// GET /rules: the configured thresholds, for the map (anyone may read them):
// rules::thresholds_json (rules_config.hpp), the same keys a rules config file has.
//
// Thread safety: the handlers keep no state; requests run concurrently.

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/rules/grid_source.hpp"
#include "wangge/rules/validator.hpp"

namespace wangge::http {

/// The thresholds of `rules` as GET /rules answers them.
[[nodiscard]] nlohmann::json rules_json(const rules::Options& rules);

/// Registers POST /validate and GET /rules. Needs derive_household_counts(state).
void add_validate_route(Router& router, const State& state, const AuthGate& gate, const rules::Options& rules,
                        const rules::FeatureLimits& limits = {});

}  // namespace wangge::http
