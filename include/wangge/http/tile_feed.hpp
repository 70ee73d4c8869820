#pragma once
// Which tiles changed, so that open maps refresh just those (DESIGN §6):
//
//   GET /tiles/changes?after=<cursor>
//       {"cursor": "…", "changes": [change, …]}, oldest first; without
//       `after` no changes, just the cursor to start from. When `after` is
//       from another server run or so old that its changes were folded away:
//       {"cursor": "…", "reset": true} (reload every tile).
//   GET /tiles/events     (text/event-stream, resumes from Last-Event-ID or ?after=)
//       event: ready   data: {"cursor": "…"}                   on connect
//       event: tiles   data: {"cursor": "…", "changes": […]}   per publish
//       event: reset   data: {"cursor": "…"}                   resume impossible
//       Every event's id is its cursor, so an EventSource that reconnects
//       (the stream ends every 10 minutes, re-checking the caller) resumes
//       where it was. A stream opened with a session ends as soon as the
//       session does (logout, disabling, new password: at once when done
//       through this server, within the AuthService's revocation poll when
//       done by the CLI).
//
// A change: {"layer": "incidents", "version": 12, "bounds": [w, s, e, n],
// "tiles": [[z, min_x, min_y, max_x, max_y], …]}, the inclusive tile ranges
// per zoom from 0 to the layer's maxzoom whose ETag the change moved
// (tiles::touched_tiles). A cursor is "<State::instance()>.<version>".
//
// Access: a caller gets the changes of the layers whose tiles they may read
// (tile_read_action); grids for everyone. Streams without a session are
// capped (max_anonymous_streams; past it 503 "too_many_streams"), so that
// anonymous clients cannot take every place of the server's stream limit.
//
// Thread safety: the routes and the publish listener may run on any threads.

#include <cstddef>

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"

namespace wangge::http {

/// Registers both routes and a State::on_publish listener that pushes to the
/// open event streams; call after add_tile_routes() and before the first
/// publish(). The gate and state outlive the router.
void add_tile_feed_routes(Router& router, State& state, const AuthGate& gate, std::size_t max_anonymous_streams = 100);

}  // namespace wangge::http
