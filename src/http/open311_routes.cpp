#include "wangge/http/body.hpp"
#include "wangge/http/open311_routes.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <span>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/auth/audit.hpp"
#include "wangge/auth/policy.hpp"
#include "wangge/model/text.hpp"
#include "wangge/model/time.hpp"
#include "wangge/workflow/states.hpp"

#include "workflow_common.hpp"

namespace wangge::http {

namespace {

using nlohmann::json;

constexpr std::int64_t max_window_s = 90 * 86400;  // the spec's longest date range
constexpr std::size_t max_results = 1000;
constexpr std::string_view citizen_source = "居民上报";

/// [{"code", "description"}] with the status as code, the spec's error shape.
Response open311_error(Status status, const std::string& description) {
    return Response::json(json::array({{{"code", static_cast<unsigned>(status)}, {"description", description}}}),
                          status);
}

/// Answers every client error in the Open311 shape; anything else stays a
/// logged 500 of the router.
Handler with_open311_errors(Handler handler) {
    return [handler = std::move(handler)](const Request& request) {
        try {
            return handler(request);
        } catch (const ClientError& e) {
            return open311_error(status_of(e.kind()), e.what());
        } catch (const workflow::WorkflowError& e) {
            return open311_error(status_of(kind_of(e)), std::string(e.what()) + " / " + e.message_zh());
        } catch (const InputError& e) {
            return open311_error(Status::bad_request, e.what());
        }
    };
}

bool is_valid_name(std::string_view name) noexcept {
    constexpr std::size_t max_name_length = 64;
    return !name.empty() && name.size() <= max_name_length && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

/// Equal keys, comparing every byte whatever the first difference.
bool same_key(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    unsigned difference = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        difference |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
    }
    return difference == 0;
}

// ---- submissions ----------------------------------------------------------

using Fields = std::map<std::string, std::string, std::less<>>;

/// The POST body's fields: application/x-www-form-urlencoded (the spec's
/// encoding) or a JSON object of strings and numbers.
Fields submitted_fields(const Request& request) {
    const std::string_view type = request.header("Content-Type");
    Fields fields;
    if (type.starts_with("application/json")) {
        const JsonBody body(request);
        for (const auto& [name, value] : body.json().items()) {
            if (value.is_null()) continue;
            if (value.is_string()) {
                fields.emplace(name, value.get<std::string>());
            } else if (value.is_number()) {
                fields.emplace(name, value.dump());
            } else {
                throw JsonBody::invalid(name, "field \"" + name + "\" must be a string or a number", "文本或数值");
            }
        }
        return fields;
    }
    if (!type.empty() && !type.starts_with("application/x-www-form-urlencoded")) {
        throw InputError("send the request as application/x-www-form-urlencoded or application/json, not " +
                         std::string(type));
    }
    const Query form = Query::parse(request.body());
    for (const auto& [name, value] : form.items()) fields.emplace(name, value);
    return fields;
}

/// Text a JSON response can carry: nlohmann refuses to serialise broken UTF-8.
bool is_utf8(const std::string& text) {
    try {
        (void)json(text).dump();
        return true;
    } catch (const json::type_error&) {
        return false;
    }
}

/// The fields POST requests.json knows; attribute[…] are accepted too (no service has attributes).
constexpr std::string_view submission_fields[] = {
    "jurisdiction_id", "service_code", "lat",        "long",       "address_string", "address_id",
    "email",           "device_id",    "account_id", "first_name", "last_name",      "phone",
    "description",     "media_url",    "api_key"};
/// The fields of wangge's rating extension (POST requests/{id}/rating.json).
constexpr std::string_view rating_fields[] = {"jurisdiction_id", "api_key", "score", "comment"};

/// Checks every field's name, encoding and size; returns the field's text or nullopt when absent or empty.
class Submission {
public:
    explicit Submission(Fields fields, std::span<const std::string_view> known_fields = submission_fields)
        : fields_(std::move(fields)) {
        constexpr std::size_t max_field_bytes = 16 * 1024;
        for (const auto& [name, value] : fields_) {
            const bool known = std::find(known_fields.begin(), known_fields.end(), name) != known_fields.end();
            if (!known && !(name.starts_with("attribute[") && name.ends_with("]"))) {
                throw InputError("unknown field \"" + name + "\" (GeoReport v2 POST requests)");
            }
            if (!is_utf8(value)) throw InputError("field \"" + name + "\" is not valid UTF-8");
            if (value.size() > max_field_bytes) throw InputError("field \"" + name + "\" is too long");
        }
    }

    [[nodiscard]] std::optional<std::string> get(std::string_view name, std::size_t max_characters = 255) const {
        const auto found = fields_.find(name);
        if (found == fields_.end() || found->second.empty()) return std::nullopt;
        if (model::character_count(found->second) > max_characters) {
            throw InputError("field \"" + std::string(name) + "\" is longer than " + std::to_string(max_characters) +
                             " characters");
        }
        return found->second;
    }

private:
    Fields fields_;
};

/// Checks the reporter's contact fields, which are then dropped (see the header).
void check_contact(const Submission& submission) {
    if (const auto email = submission.get("email", 254); email && email->find('@') == std::string::npos) {
        throw InputError("field \"email\" is not an e-mail address");
    }
    if (const auto phone = submission.get("phone", 32)) {
        const bool plausible = std::all_of(phone->begin(), phone->end(), [](char c) {
            return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == ' ' || c == '(' || c == ')';
        });
        if (!plausible) throw InputError("field \"phone\" may hold only digits, spaces and + - ( )");
    }
    (void)submission.get("first_name", 100);
    (void)submission.get("last_name", 100);
}

/// The location: lat and long, both, or an error saying why an address is not enough.
geo::Point submitted_location(const Submission& submission) {
    const auto lat = submission.get("lat");
    const auto lon = submission.get("long");
    if (lat && lon) return {parse_double(*lon, "long", -180.0, 180.0), parse_double(*lat, "lat", -90.0, 90.0)};
    if (lat || lon) throw InputError("give both lat and long");
    if (submission.get("address_string") || submission.get("address_id")) {
        throw InputError("this server does not geocode addresses: send lat and long (WGS84) with the request");
    }
    throw InputError("lat and long (WGS84) are required");
}

/// The description, with the address and photo link the model has no field for.
std::string submitted_description(const Submission& submission, const workflow::Category& category) {
    std::string description = submission.get("description", detail::description_limit.max_characters).value_or(category.name);
    if (const auto address = submission.get("address_string", 500)) description += "\n地址：" + *address;
    if (const auto media = submission.get("media_url", 2000)) {
        const bool web_link = (media->starts_with("https://") || media->starts_with("http://")) &&
                              std::none_of(media->begin(), media->end(), [](char c) {
                                  return static_cast<unsigned char>(c) <= ' ';
                              });
        if (!web_link) throw InputError("field \"media_url\" must be an http or https URL");
        description += "\n附图：" + *media;
    }
    return description;
}

// ---- who -------------------------------------------------------------------

/// Who calls: a signed-in user, or an app by its api_key.
struct Caller {
    auth::Principal who;
    const Open311Client* app = nullptr;

    [[nodiscard]] std::string actor() const { return app != nullptr ? "open311:" + app->name : who.user->name; }
};

/// The caller, who must be allowed `action`; 403 in the spec's words otherwise.
Caller caller_of(const WorkflowServices& services, const Request& request, std::optional<std::string_view> api_key,
                 auth::Action action) {
    Caller caller{services.gate.principal(request)};
    if (!caller.who.anonymous()) {
        enforce(auth::decide(caller.who, action));
        return caller;
    }
    if (api_key && services.open311_clients != nullptr) caller.app = services.open311_clients->find(*api_key);
    if (caller.app == nullptr) {
        throw ClientError(ErrorKind::forbidden, "forbidden",
                        api_key ? "invalid api_key" : "an api_key or a signed-in session is required",
                        api_key ? "api_key 无效" : "需要 api_key 或先登录");
    }
    return caller;
}

// ---- rendering ---------------------------------------------------------------

json service_json(const workflow::Category& category) {
    std::string keywords;
    for (const std::string& keyword : category.keywords) keywords += (keywords.empty() ? "" : ",") + keyword;
    return {{"service_code", category.code}, {"service_name", category.name}, {"description", category.description},
            {"metadata", false},             {"type", "realtime"},            {"keywords", keywords},
            {"group", category.group}};
}

/// "吉庆里第一网格 (110105001001001)": the area the case is routed to.
std::string agency_of(const model::Snapshot& snapshot, const model::Incident& incident) {
    // The assignee is a community or street code, or a staff id working in the incident's grid.
    const model::Grid* area = snapshot.current_grid(incident.assignee);
    if (area == nullptr) area = snapshot.current_grid(incident.grid_code);
    if (area == nullptr) return incident.grid_code;
    return area->name + " (" + area->code + ")";
}

bool is_closed(std::string_view state) noexcept {
    const std::optional<workflow::State> parsed = workflow::parse_state(state);
    return parsed && workflow::is_terminal(*parsed);
}

/// The last event of an incident, and how many it has.
struct LastEvent {
    const model::IncidentEvent* event = nullptr;
    std::size_t count = 0;
};

/// The last events of `incidents` (the snapshot indexes events by incident).
std::unordered_map<std::int64_t, LastEvent> last_events(const model::Snapshot& snapshot,
                                                        const std::vector<const model::Incident*>& incidents) {
    std::unordered_map<std::int64_t, LastEvent> last;
    for (const model::Incident* incident : incidents) {
        const std::vector<const model::IncidentEvent*> events = snapshot.events_of(incident->id);
        LastEvent& entry = last[incident->id];
        entry.count = events.size();
        if (!events.empty()) entry.event = events.back();
    }
    return last;
}

std::string status_notes(const model::Incident& incident, const LastEvent& last) {
    const std::optional<workflow::State> state = workflow::parse_state(incident.state);
    std::string notes = state ? std::string(workflow::label_zh(*state)) : incident.state;
    // The first event's note is the report itself, already the description.
    if (last.count > 1 && !last.event->note.empty()) notes += "：" + last.event->note;
    return notes;
}

json time_or_null(const std::optional<model::Timestamp>& t) {
    return t ? json(model::format_iso8601(*t)) : json(nullptr);
}

/// The GeoReport v2 service requests of `incidents`, in their order.
json requests_json(const model::Snapshot& snapshot, const workflow::CategoryTable& categories,
                   const std::vector<const model::Incident*>& incidents) {
    const std::unordered_map<std::int64_t, LastEvent> last = last_events(snapshot, incidents);
    json requests = json::array();
    for (const model::Incident* incident : incidents) {
        const LastEvent& latest = last.at(incident->id);
        const workflow::Category* category = categories.find(incident->category);
        const model::Timestamp updated = latest.event != nullptr ? latest.event->at : incident->reported_at;
        requests.push_back(
            {{"service_request_id", std::to_string(incident->id)},
             {"status", is_closed(incident->state) ? "closed" : "open"},
             {"status_notes", status_notes(*incident, latest)},
             {"service_name", incident->category},
             {"service_code", category != nullptr && !category->code.empty() ? json(category->code) : json(nullptr)},
             {"description", incident->description},
             {"agency_responsible", agency_of(snapshot, *incident)},
             {"requested_datetime", model::format_iso8601(incident->reported_at)},
             {"updated_datetime", model::format_iso8601(updated)},
             {"expected_datetime", time_or_null(incident->deadline)},
             {"lat", incident->location.y},
             {"long", incident->location.x}});
    }
    return requests;
}

// ---- GET requests filters -------------------------------------------------------

std::vector<std::string_view> comma_list(std::string_view text) {
    std::vector<std::string_view> items;
    while (!text.empty()) {
        const std::size_t comma = text.find(',');
        if (comma != 0) items.push_back(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    return items;
}

model::Timestamp date_parameter(const Query& query, std::string_view name) {
    const std::string_view text = *query.get(name);
    const std::optional<model::Timestamp> t = model::parse_iso8601(text);
    if (!t) throw InputError(std::string(name) + " must be an ISO 8601 date-time, not \"" + std::string(text) + "\"");
    return *t;
}

/// Which incidents GET requests.json returns.
struct RequestFilter {
    std::set<std::int64_t> ids;            ///< when not empty, the only filter
    std::set<std::string, std::less<>> categories;  ///< category names; empty: all
    std::optional<bool> closed;            ///< nullopt: open and closed
    model::Timestamp from = 0;             ///< requested_datetime, inclusive
    model::Timestamp to = 0;               ///< inclusive

    [[nodiscard]] bool matches(const model::Incident& incident) const {
        if (!ids.empty()) return ids.contains(incident.id);
        if (!categories.empty() && !categories.contains(incident.category)) return false;
        if (closed && *closed != is_closed(incident.state)) return false;
        return incident.reported_at >= from && incident.reported_at <= to;
    }
};

RequestFilter request_filter(const Query& query, const workflow::CategoryTable& table, model::Timestamp now) {
    RequestFilter filter;
    if (const auto ids = query.get("service_request_id")) {
        for (const std::string_view id : comma_list(*ids)) {
            filter.ids.insert(parse_int(id, "service_request_id", 1, std::numeric_limits<std::int64_t>::max()));
        }
    }
    if (const auto codes = query.get("service_code")) {
        for (const std::string_view code : comma_list(*codes)) {
            const workflow::Category* category = table.find_code(code);
            if (category == nullptr) throw InputError("unknown service_code \"" + std::string(code) + "\"");
            filter.categories.insert(category->name);
        }
    }
    if (const auto statuses = query.get("status")) {
        std::set<std::string_view> wanted;
        for (const std::string_view status : comma_list(*statuses)) {
            if (status != "open" && status != "closed") {
                throw InputError("status must be open, closed or both, not \"" + std::string(status) + "\"");
            }
            wanted.insert(status);
        }
        if (wanted.size() == 1) filter.closed = wanted.contains("closed");
    }
    const bool has_start = query.has("start_date");
    const bool has_end = query.has("end_date");
    filter.to = has_end ? date_parameter(query, "end_date") : now;
    filter.from = has_start ? date_parameter(query, "start_date") : filter.to - max_window_s;
    if (has_start && !has_end) filter.to = filter.from + max_window_s;
    if (filter.from > filter.to) throw InputError("start_date must not be after end_date");
    if (filter.to - filter.from > max_window_s) throw InputError("start_date and end_date may be at most 90 days apart");
    return filter;
}

// ---- routes --------------------------------------------------------------------

void add_service_routes(Router& router, const workflow::CategoryTable& categories) {
    router.get("/open311/v2/services.json", with_open311_errors([&categories](const Request& request) {
                   request.query().allow_only({"jurisdiction_id"});
                   json services = json::array();
                   for (const workflow::Category& category : categories.categories()) {
                       if (!category.code.empty()) services.push_back(service_json(category));
                   }
                   return Response::json(services);
               }), Execution::io);
    router.get("/open311/v2/services/{code}.json", with_open311_errors([&categories](const Request& request) -> Response {
                   request.query().allow_only({"jurisdiction_id"});
                   const std::string& code = request.param("code");
                   if (categories.find_code(code) == nullptr) {
                       throw ClientError(ErrorKind::not_found, "not_found", "no service \"" + code + "\"",
                                         "没有编号为 " + code + " 的服务类型");
                   }
                   throw ClientError(ErrorKind::not_found, "not_found",
                                   "service \"" + code + "\" has no attributes (metadata is false), so no definition",
                                   "服务类型 " + code + " 没有附加字段，因此没有定义");
               }), Execution::io);
}

/// Who submits (or rates) a request: a user, or an app by the api_key of the body or the query.
Caller submitting_caller(const WorkflowServices& services, const Request& request, const Submission& submission) {
    const std::optional<std::string> body_key = submission.get("api_key");
    const std::optional<std::string_view> api_key =
        body_key ? std::optional<std::string_view>(*body_key) : request.query().get("api_key");
    return caller_of(services, request, api_key, auth::Action::report_incident);
}

void add_submission_route(Router& router, const State& state, const WorkflowServices& services) {
    router.post(
        "/open311/v2/requests.json", with_open311_errors([&state, &services](const Request& request) {
            request.query().allow_only({"jurisdiction_id", "api_key"});
            const Submission submission(submitted_fields(request));
            const Caller caller = submitting_caller(services, request, submission);

            const std::optional<std::string> code = submission.get("service_code");
            if (!code) throw InputError("service_code is required (see services.json)");
            const workflow::Category* category = services.config.categories.find_code(*code);
            if (category == nullptr) throw InputError("unknown service_code \"" + *code + "\" (see services.json)");
            check_contact(submission);

            workflow::IncidentReport report;
            report.category = category->name;
            report.source = std::string(citizen_source);
            report.triage = workflow::Triage::general;
            report.description = submitted_description(submission, *category);
            report.location = submitted_location(submission);
            report.actor = caller.actor();
            report.at = services.gate.now();
            const workflow::Transition stored = services.writer.insert_incident(
                [&](const model::Snapshot& current) {
                    workflow::Transition created =
                        workflow::report_incident(current, services.config.categories, report);
                    // An app reports anywhere in the served area; a user only in their scope.
                    if (caller.app == nullptr) {
                        enforce(auth::decide(caller.who, auth::Action::report_incident,
                                             detail::report_scope(current, caller.who, created.incident)));
                    }
                    return created;
                },
                [&](const workflow::Transition& created) {
                    auth::AuditEntry entry;
                    entry.at = report.at;
                    if (caller.app == nullptr) entry.user_id = caller.who.user->id;
                    entry.user_name = report.actor;
                    entry.action = "open311.submit";
                    entry.collection = "incidents";
                    entry.record_ids = {std::to_string(created.incident.id)};
                    entry.client = services.gate.client(request);
                    entry.detail = "service_code " + *code + ": " + detail::write_detail(created);
                    return entry;
                });

            const std::string notice =
                "已受理，由" + agency_of(state.view()->snapshot(), stored.incident) + "处理";
            Response response = Response::json(json::array({{{"service_request_id", std::to_string(stored.incident.id)},
                                                             {"service_notice", notice},
                                                             {"account_id", nullptr}}}),
                                               Status::created);
            response.set_header("Location", "/open311/v2/requests/" + std::to_string(stored.incident.id) + ".json");
            return response;
        }),
        Execution::write, Bodies::json_or_form);
}

/// wangge's extension of GeoReport v2 (issue #15): the reporter — the app that
/// submitted the request, or the signed-in user — rates the closed request 1–5
/// (满意度), once: score and comment as JSON or form fields, api_key as for a submission.
void add_rating_route(Router& router, const WorkflowServices& services) {
    router.post(
        "/open311/v2/requests/{id}/rating.json", with_open311_errors([&services](const Request& request) {
            request.query().allow_only({"jurisdiction_id", "api_key"});
            const Submission submission(submitted_fields(request), rating_fields);
            const Caller caller = submitting_caller(services, request, submission);
            const std::int64_t id = parse_int(request.param("id"), "id", 1, std::numeric_limits<std::int64_t>::max());
            const std::optional<std::string> score = submission.get("score");
            if (!score) throw InputError("score (1 to 5) is required");
            const std::string comment = submission.get("comment", detail::note_limit.max_characters).value_or("");
            const workflow::Transition rated = detail::store_rating(
                services, id, parse_int(*score, "score", 1, 5), comment, caller.actor(),
                [&](const workflow::Transition& stored) {
                    auth::AuditEntry entry;
                    entry.at = stored.event.at;
                    if (caller.app == nullptr) entry.user_id = caller.who.user->id;
                    entry.user_name = caller.actor();
                    entry.action = "incidents.rate";
                    entry.collection = "incidents";
                    entry.record_ids = {std::to_string(id)};
                    entry.client = services.gate.client(request);
                    entry.detail = stored.event.note;
                    return entry;
                });
            return Response::json(json::array({{{"service_request_id", std::to_string(id)},
                                                {"rating", rated.event.note}}}),
                                  Status::created);
        }),
        Execution::write, Bodies::json_or_form);
}

void add_request_routes(Router& router, const State& state, const WorkflowServices& services) {
    router.get(
        "/open311/v2/requests.json", with_open311_errors([&state, &services](const Request& request) {
            const Query& query = request.query();
            query.allow_only(
                {"jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "status", "api_key"});
            (void)caller_of(services, request, query.get("api_key"), auth::Action::read_incidents);
            const RequestFilter filter = request_filter(query, services.config.categories, services.gate.now());
            const auto view = state.view();
            const model::Snapshot& snapshot = view->snapshot();
            std::vector<const model::Incident*> found;
            for (const model::Incident& incident : snapshot.data().incidents) {
                if (filter.matches(incident)) found.push_back(&incident);
            }
            // Newest first; only the first max_results need sorting.
            const std::size_t kept = std::min(found.size(), max_results);
            std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(kept), found.end(),
                              [](const model::Incident* a, const model::Incident* b) {
                                  return std::pair(a->reported_at, a->id) > std::pair(b->reported_at, b->id);
                              });
            found.resize(kept);
            return Response::json(requests_json(snapshot, services.config.categories, found));
        }),
        Execution::worker);

    // Finds the incident by scanning the snapshot: on the worker pool.
    router.get("/open311/v2/requests/{id}.json", with_open311_errors([&state, &services](const Request& request) {
                   request.query().allow_only({"jurisdiction_id", "api_key"});
                   (void)caller_of(services, request, request.query().get("api_key"), auth::Action::read_incidents);
                   const std::int64_t id =
                       parse_int(request.param("id"), "id", 1, std::numeric_limits<std::int64_t>::max());
                   const auto view = state.view();
                   const model::Incident& incident = detail::find_incident(view->snapshot(), id);
                   return Response::json(requests_json(view->snapshot(), services.config.categories, {&incident}));
               }), Execution::worker);
}

}  // namespace

Open311Clients Open311Clients::from_json(const json& document) {
    if (!document.is_object() || !document.contains("clients") || !document["clients"].is_array()) {
        throw InputError("Open311 clients: expected an object with a \"clients\" array");
    }
    constexpr std::size_t min_key_length = 32;
    Open311Clients result;
    for (const json& entry : document["clients"]) {
        const std::string where = "Open311 client " + std::to_string(result.clients_.size() + 1);
        if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
            !entry.contains("api_key") || !entry["api_key"].is_string()) {
            throw InputError(where + ": needs string \"name\" and \"api_key\"");
        }
        Open311Client client{entry["name"].get<std::string>(), entry["api_key"].get<std::string>()};
        if (!is_valid_name(client.name)) throw InputError(where + ": name must be 1–64 of a-z, 0-9, '_' and '-'");
        if (client.api_key.size() < min_key_length) {
            throw InputError(where + " (" + client.name + "): api_key must have at least 32 characters");
        }
        for (const Open311Client& other : result.clients_) {
            if (other.name == client.name) throw InputError(where + ": name \"" + client.name + "\" is used twice");
            if (other.api_key == client.api_key) throw InputError(where + " (" + client.name + "): api_key is used twice");
        }
        result.clients_.push_back(std::move(client));
    }
    return result;
}

Open311Clients Open311Clients::load(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw InputError("cannot open Open311 clients file " + path.string());
    try {
        return from_json(json::parse(in));
    } catch (const json::exception& e) {
        throw InputError("Open311 clients file " + path.string() + " is not valid JSON: " + e.what());
    }
}

const Open311Client* Open311Clients::find(std::string_view api_key) const noexcept {
    const Open311Client* found = nullptr;
    if (api_key.empty()) return found;
    for (const Open311Client& client : clients_) {
        if (same_key(client.api_key, api_key)) found = &client;
    }
    return found;
}

void add_open311_routes(Router& router, const State& state, const WorkflowServices& services) {
    add_service_routes(router, services.config.categories);
    add_submission_route(router, state, services);
    add_request_routes(router, state, services);
    add_rating_route(router, services);
}

}  // namespace wangge::http
