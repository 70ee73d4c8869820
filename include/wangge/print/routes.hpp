#pragma once
// The printable maps over HTTP (print/sheet.hpp, docs/printing.md):
//
//   GET /print/grids/{code}.pdf|.png?size=A4|A3     one grid's page
//   GET /print/communities/{code}.pdf?size=A4|A3    the community, then each of its grids
//   GET /print/streets/{code}.pdf?size=A4|A3        the street, then each of its communities
//
// The pages carry the public contact card and nothing else of the store, so
// the routes need auth::Action::read_contact_cards (public, as the posted
// grid maps are). An unknown code (or one of another level) is 404
// unknown_grid, a size other than A4/A3 400 invalid_parameter. The basemap is
// the server's tile archive (`serve --basemap`, MBTiles or PMTiles) when it is one, else derived
// from the store; an online basemap URL is never fetched.
//
// Rendering runs on the worker pool (Execution::worker): a community of 30
// grids takes about a second (docs/printing.md has the times).

#include "wangge/basemap/routes.hpp"
#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"

namespace wangge::print {

/// Registers the three routes; opens the tile archive of `basemap` if it has
/// one (throws MbtilesError when it is not readable).
void add_print_routes(http::Router& router, const http::State& state, const http::AuthGate& gate,
                      const basemap::BasemapSource& basemap);

}  // namespace wangge::print
