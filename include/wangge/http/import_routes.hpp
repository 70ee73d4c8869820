#pragma once
// Upload of a file into a layer over HTTP (issue #17 item 4), for planners and
// admins (auth::Action::import_data): the same reader, checks and report as
// `wangge import` (store/importer.hpp, docs/import.md).
//
//   POST /import/{layer}?filename=NAME[&dry_run=true|false][&skip_bad=…][&update=…][&crs=…][&encoding=…]
//        {layer}: households, facilities or grids
//        body: the file's bytes (CSV, XLSX, GeoJSON, KML, DXF, GeoPackage, FlatGeobuf, or
//        a shapefile zipped with its .shx/.dbf/.prj/.cpg; the extension of NAME says which),
//        at most the server's body limit (8 MiB: 413 beyond)
//     → 200 the report of store::report_json (+ "dry_run"): counts and every bad
//       row with its reason in English and Chinese. dry_run (the default) writes
//       nothing. Otherwise households and facilities go through the Writer, the
//       store first with one "import" audit entry and one "import.update" per
//       changed row; grids open a new draft over the current layout (the report
//       gets "draft": {"id","base_version","grids","changed","valid","violations"}),
//       validated and published through /drafts, and one "import" entry names it.
//     → 422 "bad_rows" with the same report under "report" when a row is bad
//       and skip_bad is not true: nothing imported, the refusal audited.
//     → 400 "bad_archive" for a .zip without exactly one .shp; 400
//       "unsupported_layer" for incidents, visits and staff (`wangge import`).
//
// Thread safety: as the Router's handlers; the upload is written to a
// temporary directory of its own per request.

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/draft_routes.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/http/writer.hpp"

namespace wangge::http {

void add_import_routes(Router& router, const State& state, Writer& writer, const AuthGate& gate,
                       DraftFromGrids draft_from_grids);

}  // namespace wangge::http
