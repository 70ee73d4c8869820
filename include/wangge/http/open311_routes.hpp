#pragma once
// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the
// incident workflow, so existing citizen-reporting apps can submit cases.
// JSON only (the .xml forms are not served); one jurisdiction, so
// jurisdiction_id is accepted and ignored.
//
//   GET  /open311/v2/services.json          every category with a code (config.hpp):
//        [{"service_code","service_name" (中文),"description","metadata":false,
//          "type":"realtime","keywords":"a,b","group"}]                    anonymous
//   GET  /open311/v2/services/{code}.json   no service has attributes (metadata is
//        false), so there is no definition: 404 for every code, naming why
//   POST /open311/v2/requests.json          application/x-www-form-urlencoded or JSON:
//        service_code, lat + long (WGS84; CGCS2000 is the same at this scale),
//        description (≤ 4000 characters; the service name when absent),
//        address_string (kept in the description), media_url (http/https, kept
//        in the description), email, phone, first_name, last_name, device_id,
//        account_id, address_id, attribute[…], api_key, jurisdiction_id
//        → 201 [{"service_request_id","service_notice","account_id":null}]
//   GET  /open311/v2/requests.json          service_request_id=1,2 (then the other
//        filters are ignored), service_code=a,b, start_date, end_date, status=open,closed;
//        requested_datetime within [start_date, end_date], at most 90 days apart; without
//        dates the 90 days up to now; newest first, at most 1000
//   GET  /open311/v2/requests/{id}.json     [the request]
//   POST /open311/v2/requests/{id}/rating.json  wangge's extension: score (1–5) and comment
//        of a closed request by its reporter (the submitting app by api_key, or the
//        signed-in user who reported it), once → 201 [{"service_request_id","rating"}];
//        counted in the assessment's satisfaction (statistics.hpp)
//
// Mapping: a request is an incident; service_code is its category's code;
// status "closed" for closed and voided incidents, "open" otherwise;
// status_notes the Chinese state and the last step's note; agency_responsible
// the grid, community or street the case is routed to (name and code);
// requested/updated/expected_datetime the report time, last event and deadline
// (null before dispatch), ISO 8601 in +08:00. A submission is a 居民上报
// (citizen report) of triage general, routed by its location like POST /incidents.
//
// Who may submit: a signed-in user allowed to report in the routed grid
// (Authorization: Bearer or the session cookie, as everywhere), or an app
// presenting an api_key listed in Open311Clients; its cases are recorded with
// the actor "open311:<app name>" and may lie anywhere in the served area.
// Reading requests needs the same (incidents are not public, DESIGN §6);
// services.json is public. Without either: 403, the spec's "invalid api_key".
//
// Addresses: this server does not geocode, so a request with address_string
// or address_id but no lat/long is refused with 400.
//
// Personal data: email, phone and the names are checked for size and then
// dropped: the incident model has no place for them and its text fields are
// readable by every signed-in user, so they are neither stored nor returned
// (account_id is always null).
//
// Errors: [{"code": <HTTP status>, "description": "…"}] with that status.
// Every submission is audit-logged like POST /incidents (action "open311.submit").
//
// Thread safety: as the workflow routes; Open311Clients is immutable.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/http/workflow_routes.hpp"

namespace wangge::http {

/// An app allowed to submit Open311 requests.
struct Open311Client {
    std::string name;     ///< a-z, 0-9, '_', '-'; recorded as the actor "open311:<name>"
    std::string api_key;  ///< at least 32 characters
};

class Open311Clients {
public:
    Open311Clients() = default;
    /// {"clients": [{"name": "citizen-app", "api_key": "…"}]}; throws InputError
    /// for a bad name, a short or repeated key, or a repeated name.
    [[nodiscard]] static Open311Clients from_json(const nlohmann::json& document);
    /// Reads that format from a file (keep it out of the repository: it holds secrets).
    [[nodiscard]] static Open311Clients load(const std::filesystem::path& path);

    /// The client with that key, compared in time independent of where keys
    /// differ; nullptr for an unknown or empty key.
    [[nodiscard]] const Open311Client* find(std::string_view api_key) const noexcept;

private:
    std::vector<Open311Client> clients_;
};

/// Registers the routes above (called by add_workflow_routes).
void add_open311_routes(Router& router, const State& state, const WorkflowServices& services);

}  // namespace wangge::http
