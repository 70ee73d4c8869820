#pragma once
// Case photos over HTTP (issue #15 item 2; checks in workflow/photos.hpp,
// storage in store/photos.hpp):
//
//   POST /incidents/{id}/photos?stage=report|result
//        body: the image's bytes, Content-Type image/jpeg or image/png (any
//        type but forms and text/plain: Bodies::file) → 201 the photo
//   GET  /incidents/{id}/photos → {"incident_id", "photos": [photo, …]} oldest first
//   GET  /incidents/{id}/photos/{photo} → the bytes with their Content-Type
//
// A photo: {"id","incident_id","stage","stage_zh" (处置前/处置后),"at",
// "uploader","content_type","width","height","size","location" ({"lon","lat"}
// from EXIF GPS, or null),"url"}.
//
// Why a route of its own and not a field of POST /incidents or of the
// transition: the report and the result stay small JSON that a phone
// replays when the network comes back, and photos (megabytes on a weak
// mobile link) follow one by one, each retried alone. The map reports the
// case, then uploads its before-photos (stage=report); it uploads the
// after-photo (stage=result) while the case is being handled or right after
// the result is reported (in_progress, resolved).
//
// Access: stage=report needs report_incident and stage=result
// handle_incident, both in the incident's grid (scoped roles: 403
// out_of_scope outside it). Reads follow GET /incidents/{id}: read_incidents
// for the incident's grid. Audit: a stored photo with its own row
// ("incidents.photo") in its write's transaction; a refused upload (403 by
// the router's hook as every write, other refusals here: "incidents.photo",
// outcome denied, the error code as detail); a photo's bytes served
// ("photos.read") and every refused read ("photos.read", denied).
//
// Durability: the photo is in the store, committed with its audit row,
// when the 201 is sent (http::Writer).
//
// Thread safety: the handlers read the State and the store's file and write
// through the Writer.

#include <filesystem>

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/http/writer.hpp"
#include "wangge/store/records.hpp"
#include "wangge/workflow/photos.hpp"

namespace wangge::http {

/// Registers the three routes; `writer`, `gate`, `state` and `records` outlive the router.
void add_photo_routes(Router& router, const State& state, Writer& writer, const AuthGate& gate,
                      const store::Records& records, workflow::PhotoLimits limits = {});

}  // namespace wangge::http
