#pragma once
// OGC API – Features Part 1 (core + GeoJSON) over the snapshot: the landing
// page, /conformance, /collections, /collections/{c}, /collections/{c}/items
// and /collections/{c}/items/{id} for grids, households, facilities and
// incidents. Readable by GDAL's OAPIF driver and QGIS.
//
// Households leave out head_name, id_number and phone: personal data needs
// the role-scoped access of DESIGN §6, which is not there yet.

#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"

namespace wangge::http {

/// Registers the routes and the per-snapshot statistics they use (call before publish()).
void add_feature_routes(Router& router, State& state);

}  // namespace wangge::http
