#pragma once
// POST /validate: a GeoJSON FeatureCollection of grids in the body, the
// boundary rules report of DESIGN §4 back. Validation is CPU-heavy, so the
// route runs on the server's worker pool, never on an I/O thread.
//
// Query parameters: min_width_m, min_area_m2, edge_tolerance_m (metres).
// Errors: malformed JSON or features → 400, too many features or vertices → 413.
// Needs a login (auth::Action::validate_layout): 401 for anonymous callers,
// checked before the body is parsed.
//
// Thread safety: the handler keeps no state; requests run concurrently.

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/rules/grid_source.hpp"

namespace wangge::http {

/// Validates the body of one request; throws ClientError for client mistakes.
[[nodiscard]] Response validate_layout(const Request& request, const rules::FeatureLimits& limits = {});

void add_validate_route(Router& router, const AuthGate& gate, const rules::FeatureLimits& limits = {});

}  // namespace wangge::http
