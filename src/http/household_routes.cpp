#include "wangge/http/household_routes.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "wangge/auth/masking.hpp"
#include "wangge/http/body.hpp"
#include "wangge/http/features.hpp"
#include "wangge/model/text.hpp"
#include "wangge/model/time.hpp"
#include "wangge/store/records.hpp"
#include "workflow_common.hpp"

namespace wangge::http {

namespace {

using nlohmann::json;
using workflow::HouseholdChange;
using workflow::HouseholdChangeKind;

std::vector<std::string> tags_of(const JsonBody& body) {
    const json* tags = body.find("tags");
    if (tags == nullptr) return {};
    if (!tags->is_array()) throw JsonBody::invalid("tags", "field 'tags' must be an array of strings", "字符串数组");
    std::vector<std::string> list;
    for (const json& tag : *tags) {
        if (!tag.is_string()) throw JsonBody::invalid("tags", "field 'tags' must be an array of strings", "字符串数组");
        list.emplace_back(model::trim_blanks(tag.get_ref<const std::string&>()));
    }
    return list;
}

/// Writes the fields `body` gives over `household` (a PATCH leaves the others).
void apply_fields(const JsonBody& body, model::Household& household) {
    const std::pair<std::string_view, std::string model::Household::*> texts[] = {
        {"compound", &model::Household::compound}, {"building", &model::Household::building},
        {"unit", &model::Household::unit},         {"room", &model::Household::room},
        {"head_name", &model::Household::head_name}, {"id_number", &model::Household::id_number},
        {"phone", &model::Household::phone}};
    for (const auto& [name, member] : texts) {
        if (const auto value = body.string(name)) household.*member = model::trim_blanks(*value);
    }
    if (const auto members = body.integer("members")) {
        if (*members < 1 || *members > 99) {
            throw JsonBody::invalid("members", "field 'members' must be a whole number from 1 to 99", "1 至 99 的整数");
        }
        household.members = static_cast<int>(*members);
    }
    if (body.find("tags") != nullptr) household.tags = tags_of(body);
    if (const auto moved_in = body.date("moved_in")) household.moved_in = moved_in;
    const auto lon = body.number("lon", -180, 180);
    const auto lat = body.number("lat", -90, 90);
    if (lon.has_value() != lat.has_value()) throw JsonBody::missing(lon ? "lat" : "lon");
    if (lon) household.location = {*lon, *lat};
}

/// The finest grid at the household's location; 400 outside every grid.
std::string grid_at(const model::Snapshot& snapshot, const geo::Point& location) {
    const auto found = snapshot.lookup(location);
    if (!found) {
        throw ClientError(ErrorKind::bad_request, "outside_grids", "the location lies in no grid",
                          "该位置不在任何网格内，请在网格范围内选点");
    }
    return found->grid().code;
}

/// The household by id as it stands; 404 when unknown, 409 once moved out.
model::Household standing_household(const model::Snapshot& snapshot, std::int64_t id) {
    const model::Household& household = detail::find_household(snapshot, id);
    if (!household.resident()) {
        throw ClientError(ErrorKind::conflict, "household_moved_out",
                          "household " + std::to_string(id) + " moved out on " + model::format_date(*household.moved_out),
                          "该住户已于 " + model::format_date(*household.moved_out) + " 迁出，不能再修改");
    }
    return household;
}

std::string user_name(const auth::Principal& who) { return who.user ? who.user->name : std::string(); }

/// A household as `who` may see it: personal fields masked, or left out beyond the caller's scope.
json feature_for(const model::Household& household, const auth::Principal& who) {
    return household_feature(household, auth::personal_view(who, household.grid_code, false));
}

json change_json(const HouseholdChange& change, const auth::Principal& who) {
    const auth::PersonalView view = auth::personal_view(who, change.after.grid_code, false);
    json fields = json::array();
    if (change.before) {
        for (const std::string_view field : workflow::changed_fields(*change.before, change.after)) fields.push_back(field);
    }
    return {{"id", change.id},
            {"kind", workflow::to_string(change.kind)},
            {"kind_zh", workflow::label_zh(change.kind)},
            {"at", model::format_iso8601(change.at)},
            {"user", change.user},
            {"source", change.source},
            {"changed", std::move(fields)},
            {"before", change.before ? household_feature(*change.before, view)["properties"] : json(nullptr)},
            {"after", household_feature(change.after, view)["properties"]}};
}

json line_json(const workflow::MonthlyHouseholdChanges::Line& line, const auth::Principal& who) {
    const model::Household& household = line.last->after;
    return {{"household", feature_for(household, who)},
            {"at", model::format_iso8601(line.last->at)},
            {"user", line.last->user},
            {"tags_added", line.tags.added},
            {"tags_removed", line.tags.removed}};
}

/// A household's fields from the request's body (any other key: 400).
JsonBody household_body(const Request& request) {
    return JsonBody(request, {"lon", "lat", "compound", "building", "unit", "room", "members", "tags", "head_name",
                              "id_number", "phone", "moved_in"});
}

void add_write_routes(Router& router, Writer& writer, const AuthGate& gate) {
    const auto answer = [](const HouseholdChange& stored, const auth::Principal& who, Status status) {
        Response response = Response::json(feature_for(stored.after, who), status);
        vary_by_session(response, "no-store");
        return response;
    };
    router.add(
        Method::post, "/households",
        [&writer, &gate, answer](const Request& request) {
            const auth::Principal who = gate.require(request, auth::Action::edit_households);
            request.query().allow_only({});
            const JsonBody body = household_body(request);
            if (body.find("lon") == nullptr) throw JsonBody::missing("lon");
            const HouseholdChange stored = writer.change_household(
                [&](const model::Snapshot& current) {
                    model::Household household;
                    household.members = 1;
                    apply_fields(body, household);
                    household.grid_code = grid_at(current, household.location);
                    enforce(auth::decide(who, auth::Action::edit_households, household.grid_code));
                    workflow::check_household(household);
                    return HouseholdChange{.id = 0, .kind = HouseholdChangeKind::added, .at = gate.now(),
                                           .user = user_name(who), .source = "map", .before = {},
                                           .after = std::move(household)};
                },
                [&](const HouseholdChange& change) {
                    return gate.audit_entry(request, who, "households.add", "households",
                                            {std::to_string(change.after.id)}, auth::Outcome::ok,
                                            change.after.grid_code);
                });
            return answer(stored, who, Status::created);
        },
        Execution::write);
    router.add(
        Method::patch, "/households/{id}",
        [&writer, &gate, answer](const Request& request) {
            const auth::Principal who = gate.require(request, auth::Action::edit_households);
            request.query().allow_only({});
            const std::int64_t id = parse_int(request.param("id"), "id", 1, INT64_MAX);
            const JsonBody body = household_body(request);
            const HouseholdChange stored = writer.change_household(
                [&](const model::Snapshot& current) {
                    const model::Household before = standing_household(current, id);
                    enforce(auth::decide(who, auth::Action::edit_households, before.grid_code));
                    model::Household after = before;
                    apply_fields(body, after);
                    if (!(after.location == before.location)) {
                        after.grid_code = grid_at(current, after.location);
                        enforce(auth::decide(who, auth::Action::edit_households, after.grid_code));
                    }
                    workflow::check_household(after);
                    if (workflow::changed_fields(before, after).empty()) {
                        throw ClientError(ErrorKind::bad_request, "no_change", "the request changes nothing",
                                          "没有需要保存的修改");
                    }
                    return HouseholdChange{.id = 0, .kind = HouseholdChangeKind::edited, .at = gate.now(),
                                           .user = user_name(who), .source = "map", .before = before,
                                           .after = std::move(after)};
                },
                [&](const HouseholdChange& change) {
                    std::string detail;
                    for (const std::string_view field : workflow::changed_fields(*change.before, change.after)) {
                        detail += (detail.empty() ? "" : ",") + std::string(field);
                    }
                    return gate.audit_entry(request, who, "households.edit", "households", {std::to_string(id)},
                                            auth::Outcome::ok, detail);
                });
            return answer(stored, who, Status::ok);
        },
        Execution::write);
    router.add(
        Method::post, "/households/{id}/move-out",
        [&writer, &gate, answer](const Request& request) {
            const auth::Principal who = gate.require(request, auth::Action::edit_households);
            request.query().allow_only({});
            const std::int64_t id = parse_int(request.param("id"), "id", 1, INT64_MAX);
            const JsonBody body(request, {"date"});
            const model::Timestamp today = *model::parse_iso8601(model::format_date(gate.now()));
            const model::Timestamp day = body.date("date").value_or(today);
            if (day > today) {
                throw JsonBody::invalid("date", "field 'date' lies in the future", "今天或更早的日期");
            }
            const HouseholdChange stored = writer.change_household(
                [&](const model::Snapshot& current) {
                    const model::Household before = standing_household(current, id);
                    enforce(auth::decide(who, auth::Action::edit_households, before.grid_code));
                    model::Household after = before;
                    after.moved_out = day;
                    workflow::check_household(after);
                    return HouseholdChange{.id = 0, .kind = HouseholdChangeKind::moved_out, .at = gate.now(),
                                           .user = user_name(who), .source = "map", .before = before,
                                           .after = std::move(after)};
                },
                [&](const HouseholdChange&) {
                    return gate.audit_entry(request, who, "households.move_out", "households", {std::to_string(id)},
                                            auth::Outcome::ok, model::format_date(day));
                });
            return answer(stored, who, Status::ok);
        },
        Execution::write);
}

void add_read_routes(Router& router, const State& state, const AuthGate& gate, const store::Records& records) {
    router.get(
        "/households/{id}/history",
        [&state, &gate, &records](const Request& request) {
            request.query().allow_only({});
            const std::int64_t id = parse_int(request.param("id"), "id", 1, INT64_MAX);
            const auth::Principal who = gate.require(request, auth::Action::read_household_personal);
            const auto view = state.view();
            const model::Household& household = detail::find_household(view->snapshot(), id);
            const auth::Decision decision = auth::decide(who, auth::Action::read_household_personal, household.grid_code);
            if (decision != auth::Decision::allowed) {
                gate.audit(request, who, "households.history", "households", {std::to_string(id)},
                           auth::Outcome::denied, std::string(auth::to_string(decision)));
                enforce(decision);
            }
            json versions = json::array();
            for (const HouseholdChange& change : records.household_history(id)) {
                versions.push_back(change_json(change, who));
            }
            gate.audit(request, who, "households.history", "households", {std::to_string(id)});
            Response response = Response::json({{"household_id", id}, {"versions", std::move(versions)}});
            vary_by_session(response, "no-store");
            return response;
        },
        Execution::worker);
    router.get(
        "/households/changes",
        [&state, &gate, &records](const Request& request) {
            request.query().allow_only({"month", "area"});
            const auth::Principal who = gate.require(request, auth::Action::read_household_personal);
            const workflow::Month month = detail::month_param(request, gate.now());
            const std::string area(request.query().get("area").value_or(""));
            const auto view = state.view();
            json area_json = nullptr;
            if (!area.empty()) {
                const model::Grid& grid = detail::current_grid(view->snapshot(), area);
                area_json = {{"code", grid.code}, {"name", grid.name}, {"level", model::to_string(grid.level)}};
            }
            const auto visible = visible_household_changes(records, who, month, area);
            const workflow::MonthlyHouseholdChanges& changes = visible->month;
            std::vector<std::string> shown;
            const auto lines = [&](const std::vector<workflow::MonthlyHouseholdChanges::Line>& list) {
                json out = json::array();
                for (const auto& line : list) {
                    out.push_back(line_json(line, who));
                    shown.push_back(std::to_string(line.last->household_id()));
                }
                return out;
            };
            json body{{"month", month.to_string()},
                      {"area", std::move(area_json)},
                      {"counts",
                       {{"added", changes.added.size()},
                        {"moved_out", changes.moved_out.size()},
                        {"tags_changed", changes.tags_changed.size()}}},
                      {"added", lines(changes.added)},
                      {"moved_out", lines(changes.moved_out)},
                      {"tags_changed", lines(changes.tags_changed)}};
            if (!shown.empty()) {
                gate.audit(request, who, "households.changes", "households", std::move(shown), auth::Outcome::ok,
                           std::string(request.target()));
            }
            Response response = Response::json(body);
            vary_by_session(response, "no-store");
            return response;
        },
        Execution::worker);
}

}  // namespace

std::unique_ptr<VisibleHouseholdChanges> visible_household_changes(const store::Records& records,
                                                                   const auth::Principal& who,
                                                                   const workflow::Month& month,
                                                                   std::string_view area) {
    auto visible = std::make_unique<VisibleHouseholdChanges>();
    visible->versions = records.household_versions_between(month.begin(), month.end());
    visible->month = workflow::monthly_household_changes(visible->versions, month);
    const auto keep = [&](std::vector<workflow::MonthlyHouseholdChanges::Line>& lines) {
        std::erase_if(lines, [&](const workflow::MonthlyHouseholdChanges::Line& line) {
            const std::string& grid = line.last->after.grid_code;
            return !grid.starts_with(area) ||
                   auth::decide(who, auth::Action::read_household_personal, grid) != auth::Decision::allowed;
        });
    };
    keep(visible->month.added);
    keep(visible->month.moved_out);
    keep(visible->month.tags_changed);
    return visible;
}

void add_household_routes(Router& router, const State& state, Writer& writer, const AuthGate& gate,
                          const store::Records& records) {
    add_write_routes(router, writer, gate);
    add_read_routes(router, state, gate, records);
}

}  // namespace wangge::http
