#pragma once
// OGC API – Features Part 1 (core + GeoJSON) over the snapshot: the landing
// page, /conformance, /collections, /collections/{c}, /collections/{c}/items
// and /collections/{c}/items/{id} for grids, households, facilities and
// incidents. Readable by GDAL's OAPIF driver and QGIS.
//
// Part 2 (crs): items and single items take `crs`, items `bbox-crs`, each one
// of CRS84 (the default), EPSG:4490, EPSG:3857 or a CGCS2000 Gauss–Krüger
// zone EPSG:4491–4554, as http://www.opengis.net/def/crs/... URIs or
// [EPSG:n] CURIEs; coordinates (and the bbox) are in that CRS's axis order
// (EPSG:4490 lat/lon, the zones north/east), named by the Content-Crs
// header; any other CRS is a 400. The CRS changes coordinates only: which
// records and fields a caller gets is the same for every CRS.
//
// Access (auth/policy.hpp; 401 login_required / 403 forbidden as JSON errors):
//   /, /conformance                     public
//   /collections                        lists the collections the caller may read
//   grids (and their contact cards)     public
//   facilities, incidents               signed-in users
//   households                          signed-in users see location, address,
//     grid and member count of every household. Personal fields (tags,
//     head_name, id_number, phone) come only where auth::personal_view()
//     allows: staff whose scope covers the household's grid, and admins;
//     names, ID numbers and phones masked unless `reveal=true` (403 for a
//     role that may never reveal, e.g. planner). In item lists, households
//     outside the caller's scope stay in without personal fields; a single
//     household (items/{id}) of a grid outside a scoped role's grids is 403
//     "out_of_scope" (its resident file is not theirs), logged as denied.
// Every response with personal fields is audit-logged ("households.read",
// or "households.reveal" for unmasked) with the ids shown, and sent with
// Cache-Control: no-store; other per-caller responses are private and
// Vary: Authorization, Cookie.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wangge/auth/masking.hpp"
#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"

namespace wangge::http {

/// A link object of the OGC API documents (features and tiles alike).
[[nodiscard]] nlohmann::json ogc_link(std::string href, std::string_view rel, std::string_view type,
                                      std::string_view title = {});

/// Registers the routes and the per-snapshot statistics they use (call
/// before publish()). The gate outlives the router.
/// A household as a GeoJSON Feature, its personal fields (tags, head_name,
/// id_number, phone) only as `view` allows.
[[nodiscard]] nlohmann::json household_feature(const model::Household& household, auth::PersonalView view);

void add_feature_routes(Router& router, State& state, const AuthGate& gate);

}  // namespace wangge::http
