#pragma once
// What residents see without a login (DESIGN §6, issue #16 item 5): find
// their grid by a compound, building or grid name, and the grid's public
// contact card with its outline and a QR code for the card posted in the
// compound. The map page is web-map/public.html (served at /map/public.html);
// a tap on its map finds the grid through GET /lookup.
//
//   GET /public/grids/search?q=TEXT   places whose name contains TEXT (spaces
//       ignored): {"query", "results": [{"kind": "compound"|"building"|"grid",
//       "label", "point": [lon, lat] (compounds and buildings: the mean of
//       their households' locations), "grids": [{"code", "name"}]}]}, at most
//       20, compounds first. A building is listed only when the query names
//       more than its compound. Nothing about a household is sent: no room,
//       unit, head, tag or count.
//   GET /public/grids/{code}          the card: {"code", "name", "level",
//       "community", "street" ({"code","name"} or null), "staff" (the contact
//       card: name, role, duty A/B, work phone), "geometry" (GeoJSON outline),
//       "bbox", "page" (the public page's URL for this grid, which the QR code
//       encodes), "qr" (the QR code's path)}.
//   GET /public/grids/{code}/qr.svg   the QR code of "page" as SVG (libqrencode).
//
// Access: the search is auth::Action::lookup (finding one's grid by a place
// instead of a point), the card and QR code read_contact_cards; both are
// public in the policy table, and anonymous callers are rate-limited by the
// server like every request. Compound and building names, and which grids
// they lie in, are public (they are on the posted grid maps); nothing else of
// the households table is.
//
// Cost: the places index walks every household once per version of the
// households table or the layout (on the first search after a write), on a
// worker thread; a search then scans the places (compounds and buildings,
// about 20k in the 1M-household city), not the households.
//
// Thread safety: the handlers keep no state of their own; PublicPlaces is
// built once and then read concurrently.

#include <string>
#include <string_view>
#include <vector>

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"

namespace wangge::http {

/// The modules of a QR code, row by row; the printed cards (print/) draw them too.
struct QrModules {
    int width = 0;  ///< modules per side, without the quiet zone
    std::vector<bool> dark;

    [[nodiscard]] bool at(int x, int y) const { return dark[static_cast<std::size_t>(y * width + x)]; }
};

/// The QR code of `text` (byte mode, error correction level M). Throws
/// std::runtime_error when libqrencode cannot encode it (too long).
[[nodiscard]] QrModules qr_modules(std::string_view text);

/// The same as a standalone SVG document with a 4-module quiet zone.
[[nodiscard]] std::string qr_svg(std::string_view text);

/// The public page of grid `code` under the server's `base_url`, which its QR code encodes.
[[nodiscard]] std::string public_page_url(std::string_view base_url, std::string_view code);

/// Registers the /public/grids routes and derives their places index.
void add_public_routes(Router& router, State& state, const AuthGate& gate);

}  // namespace wangge::http
