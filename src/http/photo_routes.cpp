#include "wangge/http/photo_routes.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/auth/policy.hpp"
#include "wangge/model/time.hpp"
#include "wangge/store/records.hpp"
#include "wangge/workflow/states.hpp"

#include "workflow_common.hpp"

namespace wangge::http {

namespace {

using nlohmann::json;

constexpr std::int64_t max_id = std::numeric_limits<std::int64_t>::max();

std::string photos_url(std::int64_t incident_id) { return "/incidents/" + std::to_string(incident_id) + "/photos"; }

json photo_json(const store::PhotoInfo& photo) {
    const std::optional<workflow::PhotoStage> stage = workflow::parse_photo_stage(photo.stage);
    return {{"id", photo.id},
            {"incident_id", photo.incident_id},
            {"stage", photo.stage},
            {"stage_zh", stage ? json(workflow::label_zh(*stage)) : json(photo.stage)},
            {"at", model::format_iso8601(photo.at)},
            {"uploader", photo.uploader},
            {"content_type", photo.content_type},
            {"width", photo.width},
            {"height", photo.height},
            {"size", photo.size},
            {"location", photo.location ? json{{"lon", photo.location->x}, {"lat", photo.location->y}} : json(nullptr)},
            {"url", photos_url(photo.incident_id) + "/" + std::to_string(photo.id)}};
}

workflow::PhotoStage stage_param(const Request& request) {
    const std::string_view text = request.query().get("stage").value_or("");
    const std::optional<workflow::PhotoStage> stage = workflow::parse_photo_stage(text);
    if (!stage) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter",
                          "parameter stage must be report or result, not \"" + std::string(text) + "\"",
                          "参数 stage 应为 report（处置前）或 result（处置后）");
    }
    return *stage;
}

/// The caller, when they may read incident `id` (as GET /incidents/{id});
/// a refusal is audited, then thrown.
auth::Principal require_reader(const Request& request, const State& state, const AuthGate& gate, std::int64_t id) {
    try {
        const auth::Principal who = gate.require(request, auth::Action::read_incidents);
        const auto view = state.view();
        (void)gate.require(request, auth::Action::read_incidents, detail::find_incident(view->snapshot(), id).grid_code);
        return who;
    } catch (const ClientError& refused) {
        if (refused.kind() == ErrorKind::unauthorized || refused.kind() == ErrorKind::forbidden) {
            gate.audit(request, gate.principal(request), "photos.read", "incidents", {std::to_string(id)},
                       auth::Outcome::denied, refused.code() + ": " + request.target());
        }
        throw;
    }
}

}  // namespace

void add_photo_routes(Router& router, const State& state, Writer& writer, const AuthGate& gate,
                      const store::Records& records, workflow::PhotoLimits limits) {
    router.post(
        "/incidents/{id}/photos",
        [&writer, &gate, limits](const Request& request) {
            request.query().allow_only({"stage"});
            const workflow::PhotoStage stage = stage_param(request);
            const auth::Action action =
                stage == workflow::PhotoStage::report ? auth::Action::report_incident : auth::Action::handle_incident;
            const auth::Principal who = gate.require(request, action);
            const std::int64_t id = parse_int(request.param("id"), "id", 1, max_id);
            try {
                const std::string& body = request.body();
                const workflow::ImageInfo image = workflow::inspect_photo(
                    std::span(reinterpret_cast<const unsigned char*>(body.data()), body.size()), limits);
                const store::Photo stored = writer.attach_photo(
                    [&](const model::Snapshot& current) {
                        const model::Incident& incident = detail::find_incident(current, id);
                        (void)gate.require(request, action, incident.grid_code);
                        const std::optional<workflow::State> case_state = workflow::parse_state(incident.state);
                        if (!case_state) throw InputError("incident " + std::to_string(id) + " has an unknown state");
                        workflow::check_photo_stage(stage, *case_state);
                        store::Photo photo;
                        photo.info = {.incident_id = id,
                                      .stage = std::string(workflow::to_string(stage)),
                                      .at = gate.now(),
                                      .uploader = who.user->name,
                                      .content_type = image.content_type,
                                      .width = image.width,
                                      .height = image.height,
                                      .size = body.size(),
                                      .location = image.location};
                        photo.bytes = body;
                        return photo;
                    },
                    [&](const store::Photo& photo) {
                        return gate.audit_entry(request, who, "incidents.photo", "incidents", {std::to_string(id)},
                                                auth::Outcome::ok,
                                                "photo " + std::to_string(photo.info.id) + ", " + photo.info.stage +
                                                    ", " + photo.info.content_type + " " +
                                                    std::to_string(photo.info.size) + " bytes");
                    });
                Response response = Response::json(photo_json(stored.info), Status::created);
                response.set_header("Location", photos_url(id) + "/" + std::to_string(stored.info.id));
                return response;
            } catch (const ClientError& refused) {
                // 403s are audited by the router's hook for every write.
                if (refused.kind() != ErrorKind::forbidden) {
                    gate.audit(request, who, "incidents.photo", "incidents", {std::to_string(id)},
                               auth::Outcome::denied, refused.code());
                }
                throw;
            } catch (const workflow::WorkflowError& refused) {
                gate.audit(request, who, "incidents.photo", "incidents", {std::to_string(id)}, auth::Outcome::denied,
                           refused.code());
                throw;
            }
        },
        Execution::write, Bodies::file);

    // Reads the store: on the worker pool.
    router.get("/incidents/{id}/photos", [&state, &gate, &records](const Request& request) {
        request.query().allow_only({});
        const std::int64_t id = parse_int(request.param("id"), "id", 1, max_id);
        (void)require_reader(request, state, gate, id);
        json photos = json::array();
        for (const store::PhotoInfo& photo : records.list_photos(id)) photos.push_back(photo_json(photo));
        Response response = Response::json({{"incident_id", id}, {"photos", std::move(photos)}});
        vary_by_session(response, "no-store");
        return response;
    }, Execution::worker);

    router.get("/incidents/{id}/photos/{photo}", [&state, &gate, &records](const Request& request) {
        request.query().allow_only({});
        const std::int64_t id = parse_int(request.param("id"), "id", 1, max_id);
        const std::int64_t photo_id = parse_int(request.param("photo"), "photo", 1, max_id);
        const auth::Principal who = require_reader(request, state, gate, id);
        std::optional<store::Photo> photo = records.read_photo(id, photo_id);
        if (!photo) {
            throw ClientError(ErrorKind::not_found, "not_found",
                              "incident " + std::to_string(id) + " has no photo " + std::to_string(photo_id),
                              "该案卷没有编号为 " + std::to_string(photo_id) + " 的照片");
        }
        gate.audit(request, who, "photos.read", "incidents", {std::to_string(id)}, auth::Outcome::ok,
                   "photo " + std::to_string(photo_id));
        Response response = Response::bytes(std::move(photo->bytes), photo->info.content_type);
        response.set_header("X-Content-Type-Options", "nosniff");
        vary_by_session(response);  // a photo never changes, but only signed-in readers may have it
        return response;
    }, Execution::worker);
}

}  // namespace wangge::http
