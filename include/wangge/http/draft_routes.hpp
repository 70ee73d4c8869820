#pragma once
// Draft layouts over HTTP (DESIGN §4, §6), for planners and admins.
//
//   POST   /drafts                         → 201 {"id","base_version","grids"}
//   GET    /drafts/{id}                    → FeatureCollection + "violations" (full validation)
//   DELETE /drafts/{id}                    → 204, discards the draft
//   POST   /drafts/{id}/grids              {"code","name","level"?,"parent_code","geometry"} adds a grid
//   PUT    /drafts/{id}/grids/{code}       {"geometry"?,"name"?,"parent_code"?}
//   DELETE /drafts/{id}/grids/{code}
//   POST   /drafts/{id}/split              {"code","line","new_code","new_name"?}
//   POST   /drafts/{id}/merge              {"keep","absorb"}
//   POST   /drafts/{id}/move-border        {"a","b","line"}
//   POST   /drafts/{id}/snap               {"code","geometry","tolerance_m"? (1)}
//   POST   /drafts/{id}/move-vertex        {"from":[lon,lat],"to":[lon,lat]} in every grid through "from"
//   POST   /drafts/{id}/grids/{code}/check {"geometry","tolerance_m"?} → the report of the grid as if
//                                           it had that geometry (snapped as /snap would with a
//                                           tolerance), nothing saved: the map's check while dragging
//   POST   /drafts/{id}/renumber           {"apply"? (false)} → {"proposals":[{"old","new"}]} (+ the edit)
//   POST   /drafts/{id}/validate           → the report of DESIGN §4
//   POST   /drafts/{id}/publish            {"confirm"?} → {"version","snapshot_version","valid_from","moved"}
//
// "line" is a GeoJSON LineString, "geometry" a Polygon or MultiPolygon (lon/lat).
// An edit answers {"changed","removed","features","report"}: the touched grids
// and their incremental validation. Publish refuses a draft with errors (422
// "draft_invalid", with the report), with warnings unless "confirm": true
// (409 "confirm_required"), and a draft made from an older layout (409
// "draft_outdated"). It goes through the Writer: the store first, in one
// transaction with its audit entry ("layouts.publish", collection "grids",
// record "version N", the draft and the re-derived rows in `detail`), then
// the next snapshot.
//
// Drafts live in server memory (lost on restart, at most max_drafts at once).
//
// Thread safety: drafts are locked one at a time per request; the book of
// drafts has its own lock; publishing is serialised by the Writer.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "wangge/drafts/draft.hpp"
#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/http/writer.hpp"
#include "wangge/model/time.hpp"
#include "wangge/rules/validator.hpp"

namespace wangge::http {

struct DraftServices {
    Writer& writer;
    const AuthGate& gate;
    rules::Options rules{};
    /// Households and staff for the household_count and no_primary_staff rules
    /// (live_grid_facts()); none: not checked.
    std::shared_ptr<const drafts::GridFacts> facts{};
    std::size_t max_drafts = 32;
};

/// A draft opened from an uploaded grid file (import_routes.hpp).
struct UploadedDraft {
    std::string id;
    int base_version = 0;
    std::size_t grids = 0;        ///< grids in the draft
    std::vector<std::string> changed;  ///< codes the file added or changed
    rules::Report report;         ///< the check of the draft's changes (Draft::validate_changes)
};

/// Opens a new draft over `current`'s layout with `grids` put into it: a grid
/// whose code the layout has gets the file's boundary, name and parent (its
/// level stays); a new code is added, parents before children. Grids the file
/// does not name stay as published. Throws ClientError 422 "draft_refused"
/// when a grid cannot be put into the draft, 409 when too many drafts are open.
using DraftFromGrids = std::function<UploadedDraft(const model::Snapshot& current, std::vector<model::Grid> grids)>;

/// Registers the routes; returns how the import route opens a draft from a file.
[[nodiscard]] DraftFromGrids add_draft_routes(Router& router, const State& state, const DraftServices& services);

}  // namespace wangge::http
