#pragma once
// Upload of a file into a layer over HTTP (issue #17 item 4), for planners and
// admins (auth::Action::import_data): the same reader, checks and report as
// `wangge import` (store/importer.hpp, docs/import.md).
//
//   POST /import/{layer}?filename=NAME[&dry_run=true|false][&skip_bad=…][&update=…][&crs=…][&encoding=…]
//        body: the file's bytes (CSV, XLSX, GeoJSON, KML, DXF, GeoPackage, FlatGeobuf;
//        the extension of NAME says which), at most the server's body limit (8 MiB: 413 beyond)
//     → 200 the report of store::report_json (+ "dry_run"): counts and every bad
//       row with its reason in English and Chinese. dry_run (the default) writes
//       nothing; otherwise the rows go through the Writer, the store first with
//       one "import" audit entry and one "import.update" per changed row.
//     → 422 "bad_rows" with the same report under "report" when a row is bad
//       and skip_bad is not true: nothing imported, the refusal audited.
//
// Only households can be uploaded for now ({layer} other than "households":
// 400 "unsupported_layer"): the served snapshot can take in new and changed
// households; grids change through drafts, and the other layers still go
// through `wangge import` on the server.
//
// Thread safety: as the Router's handlers; the upload is written to a
// temporary directory of its own per request.

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/http/writer.hpp"

namespace wangge::http {

void add_import_routes(Router& router, const State& state, Writer& writer, const AuthGate& gate);

}  // namespace wangge::http
