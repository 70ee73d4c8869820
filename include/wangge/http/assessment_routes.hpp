#pragma once
// The assessment of the community plans over HTTP (workflow/assessment.hpp):
//
//   GET /stats/ranking?period=2026-Q3|2026 → {"period", "communities": [{"key","name","score",
//        "months_scored","rank","medal","medal_zh"}], "streets": [...], "repeated_unfit":
//        [{"level","key","name","months"}]}; the medal shares are the workflow
//        configuration's "medal_shares"
//   GET /stats/demands?month=YYYY-MM     → 群众诉求分析: {"month","total","by_category","by_source",
//        "grids","communities","streets"} (each area {"code","name","total","by_category"})
//
//   POST /incidents/{id}/rating {"score": 1–5, "comment"} → the case with its new event: the
//        reporter's 满意度 of a closed case, once (the same through Open311:
//        POST /open311/v2/requests/{id}/rating.json, open311_routes.hpp); audited "incidents.rate"
//
// The two GETs need read_statistics. A scoped user (grid worker, supervisor) gets the
// units and areas of their scope (ranks stay those among all units: the
// ranking is city-wide); the month's totals by category and source are
// city-wide too (counts, no personal data).
//
// Thread safety: the handlers read the State's views only.

#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/http/workflow_routes.hpp"

namespace wangge::http {

void add_assessment_routes(Router& router, const State& state, const WorkflowServices& services);

}  // namespace wangge::http
