#include "wangge/http/staff_routes.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "wangge/http/body.hpp"
#include "wangge/http/households.hpp"
#include "wangge/model/duty_days.hpp"
#include "wangge/model/time.hpp"
#include "wangge/rules/validator.hpp"
#include "contact_card.hpp"
#include "workflow_common.hpp"

namespace wangge::http {

namespace {

using nlohmann::json;

constexpr model::Timestamp day_s = 24 * 3600;

json staff_json(const model::Snapshot& snapshot, const model::Staff& member, model::Timestamp now) {
    json grids = json::array();
    for (const model::StaffGrid* link : snapshot.links_of(member.id)) {
        const model::Grid* grid = snapshot.current_grid(link->grid_code);
        grids.push_back({{"code", link->grid_code},
                         {"name", grid ? json(grid->name) : json(nullptr)},
                         {"duty", model::to_string(link->duty)},
                         {"duty_days", detail::duty_days_json(link->duty_days)}});
    }
    json leave = nullptr;
    if (member.leave_from || member.leave_until) {
        // Stored as [first day's midnight, the midnight after the last day).
        leave = {{"from", member.leave_from ? json(model::format_date(*member.leave_from)) : json(nullptr)},
                 {"until", member.leave_until ? json(model::format_date(*member.leave_until - day_s)) : json(nullptr)}};
    }
    return {{"id", member.id},     {"name", member.name},           {"role", member.role},
            {"phone", member.phone}, {"leave", std::move(leave)}, {"on_leave", member.on_leave(now)},
            {"grids", std::move(grids)}};
}


const model::Staff& staff_member(const model::Snapshot& snapshot, std::int64_t id) {
    const model::Staff* member = snapshot.staff(id);
    if (member == nullptr) {
        throw ClientError(ErrorKind::not_found, "unknown_staff", "no staff member has the id " + std::to_string(id),
                          "没有编号为 " + std::to_string(id) + " 的人员");
    }
    return *member;
}

json grid_staff_json(const model::Snapshot& snapshot, const model::Grid& grid, model::Timestamp now) {
    json staff = json::array();
    int primary = 0;
    for (const model::GridStaff& link : snapshot.staff_of(grid.code)) {
        json member = staff_json(snapshot, *link.staff, now);
        member["duty"] = model::to_string(link.duty);
        const std::uint8_t days = model::duty_days_in(snapshot, link.staff->id, grid.code);
        member["duty_days"] = detail::duty_days_json(days);
        json weekdays = json::array();
        for (int day = 0; day < 7; ++day) {
            if (days & (1U << day)) weekdays.push_back(day + 1);
        }
        member["duty_weekdays"] = std::move(weekdays);
        staff.push_back(std::move(member));
        if (link.duty == model::Duty::primary) ++primary;
    }
    const auto problem = rules::primary_staff_message(grid, primary);
    return {{"grid", {{"code", grid.code}, {"name", grid.name}, {"level", model::to_string(grid.level)}}},
            {"staff", std::move(staff)},
            {"primary_count", primary},
            {"no_primary_staff", problem ? json(*problem) : json(nullptr)}};
}

/// An entry's duty_days: weekdays 1–7 or Chinese text; null clears them.
std::uint8_t requested_days(const json& field) {
    const auto refuse = [] {
        return JsonBody::invalid("staff", "duty_days must be weekdays 1-7 or text such as 周一至周五",
                                 "值班日 duty_days（1–7 表示周一至周日，或如“周一至周五”的文字）");
    };
    if (field.is_null()) return 0;
    if (field.is_string()) {
        const auto days = model::parse_duty_days(field.get<std::string>());
        if (!days) throw refuse();
        return *days;
    }
    if (!field.is_array()) throw refuse();
    std::uint8_t days = 0;
    for (const json& day : field) {
        if (!day.is_number_integer() || day.get<std::int64_t>() < 1 || day.get<std::int64_t>() > 7) throw refuse();
        days |= static_cast<std::uint8_t>(1U << (day.get<int>() - 1));
    }
    return days;
}

/// The links a PUT body asks for; refuses unknown staff, repeats and a second A岗.
std::vector<model::StaffGrid> requested_links(const model::Snapshot& snapshot, const JsonBody& body,
                                              const std::string& grid_code) {
    const json* list = body.find("staff");
    if (list == nullptr) throw JsonBody::missing("staff");
    if (!list->is_array()) {
        throw JsonBody::invalid("staff", "'staff' must be an array of {\"id\", \"duty\"}", "人员列表（id 与 duty）");
    }
    if (list->size() > 50) {
        throw ClientError(ErrorKind::bad_request, "too_many_staff", "a grid takes at most 50 staff links",
                          "一个网格最多关联 50 名人员");
    }
    std::vector<model::StaffGrid> links;
    std::set<std::int64_t> seen;
    int primary = 0;
    for (const json& item : *list) {
        const auto id = item.is_object() ? item.find("id") : item.end();
        const auto duty_field = item.is_object() ? item.find("duty") : item.end();
        if (id == item.end() || !id->is_number_integer() || duty_field == item.end() || !duty_field->is_string()) {
            throw JsonBody::invalid("staff", "each entry of 'staff' needs an integer id and a duty \"A\" or \"B\"",
                                    "含整数 id 和岗位 duty（\"A\" 或 \"B\"）的对象");
        }
        const auto duty = model::parse_duty(duty_field->get<std::string>());
        if (!duty) {
            throw JsonBody::invalid("staff", "duty must be \"A\" or \"B\"", "岗位 duty 为 \"A\" 或 \"B\"");
        }
        const model::Staff& member = staff_member(snapshot, id->get<std::int64_t>());
        if (!seen.insert(member.id).second) {
            throw ClientError(ErrorKind::bad_request, "duplicate_staff",
                              "staff member " + std::to_string(member.id) + " is listed twice",
                              member.name + " 在列表中出现了两次");
        }
        if (*duty == model::Duty::primary && ++primary > 1) {
            throw ClientError(ErrorKind::bad_request, "two_primary_staff", "a grid has at most one A岗",
                              "每个网格只能有 1 名 A岗（主责）人员");
        }
        const auto days = item.find("duty_days");
        links.push_back({member.id, grid_code, *duty,
                         days == item.end() ? model::duty_days_in(snapshot, member.id, grid_code) : requested_days(*days)});
    }
    return links;
}

/// May `who` set the leave of `member`? A scoped role only for staff linked
/// to a grid of its scope.
void require_leave_scope(const auth::Principal& who, const model::Snapshot& snapshot, const model::Staff& member) {
    if (auth::reach(who, auth::Action::set_staff_leave) == auth::Reach::all) return;
    for (const model::StaffGrid* link : snapshot.links_of(member.id)) {
        if (auth::decide(who, auth::Action::set_staff_leave, link->grid_code) == auth::Decision::allowed) return;
    }
    enforce(auth::Decision::out_of_scope);
}

bool matches(const model::Staff& member, const std::string& part) {
    return member.name.find(part) != std::string::npos || member.phone.find(part) != std::string::npos;
}

}  // namespace

void add_staff_routes(Router& router, const State& state, Writer& writer, const AuthGate& gate) {
    router.get(
        "/staff",
        [&state, &gate](const Request& request) {
            gate.permit(request, auth::Action::read_staff);
            request.query().allow_only({"q", "grid", "limit"});
            const std::string part(request.query().get("q").value_or(""));
            const std::string grid(request.query().get("grid").value_or(""));
            const auto limit_text = request.query().get("limit");
            const std::size_t limit =
                limit_text ? static_cast<std::size_t>(parse_int(*limit_text, "limit", 1, 1000)) : 50;
            const auto view = state.view();
            const model::Snapshot& snapshot = view->snapshot();
            json items = json::array();
            std::size_t matched = 0;
            const auto consider = [&](const model::Staff& member) {
                if (!part.empty() && !matches(member, part)) return;
                if (++matched <= limit) items.push_back(staff_json(snapshot, member, gate.now()));
            };
            if (!grid.empty()) {
                for (const model::GridStaff& link : snapshot.staff_of(grid)) consider(*link.staff);
            } else {
                for (const model::Staff& member : snapshot.data().staff) consider(member);
            }
            Response response = Response::json({{"staff", std::move(items)}, {"matched", matched}});
            vary_by_session(response);
            return response;
        },
        Execution::worker);
    router.get(
        "/grids/{code}/staff",
        [&state, &gate](const Request& request) {
            gate.permit(request, auth::Action::read_staff);
            request.query().allow_only({});
            const auto view = state.view();
            const model::Grid& grid = detail::current_grid(view->snapshot(), request.param("code"));
            Response response = Response::json(grid_staff_json(view->snapshot(), grid, gate.now()));
            vary_by_session(response);
            return response;
        },
        Execution::worker);
    router.add(
        Method::put, "/grids/{code}/staff",
        [&state, &writer, &gate](const Request& request) {
            const auth::Principal who = gate.require(request, auth::Action::assign_staff);
            request.query().allow_only({});
            const std::string code = request.param("code");
            const JsonBody body(request, {"staff"});
            (void)writer.update_staff(
                [&](const model::Snapshot& current) {
                    (void)detail::current_grid(current, code);
                    return store::StaffUpdate{{{code, requested_links(current, body, code)}}, {}};
                },
                [&](const store::StaffUpdate& update) {
                    std::string detail;
                    for (const model::StaffGrid& link : update.grids.front().links) {
                        if (!detail.empty()) detail += ",";
                        detail += std::string(model::to_string(link.duty)) + ":" + std::to_string(link.staff_id);
                        if (link.duty_days != 0) detail += "@" + model::format_duty_days(link.duty_days);
                    }
                    return gate.audit_entry(request, who, "staff.assign", "staff_grids", {code}, auth::Outcome::ok,
                                            detail);
                });
            const auto view = state.view();
            return Response::json(grid_staff_json(view->snapshot(), detail::current_grid(view->snapshot(), code), gate.now()));
        },
        Execution::write);
    router.add(
        Method::put, "/staff/{id}/leave",
        [&state, &writer, &gate](const Request& request) {
            const auth::Principal who = gate.require(request, auth::Action::set_staff_leave);
            request.query().allow_only({});
            const std::int64_t id = parse_int(request.param("id"), "id", 1, INT64_MAX);
            const JsonBody body(request, {"from", "until"});
            const auto from = body.date("from");
            const auto last_day = body.date("until");
            if (from && last_day && *last_day < *from) {
                throw ClientError(ErrorKind::bad_request, "bad_leave", "the leave ends before it begins",
                                  "请假结束日期早于开始日期");
            }
            const store::StaffUpdate stored = writer.update_staff(
                [&](const model::Snapshot& current) {
                    model::Staff member = staff_member(current, id);
                    require_leave_scope(who, current, member);
                    member.leave_from = from;
                    member.leave_until = last_day ? std::optional(*last_day + day_s) : std::nullopt;
                    return store::StaffUpdate{{}, {std::move(member)}};
                },
                [&](const store::StaffUpdate& update) {
                    const model::Staff& member = update.staff.front();
                    const std::string detail = (from ? model::format_date(*from) : std::string("…")) + "/" +
                                               (last_day ? model::format_date(*last_day) : std::string("…"));
                    return gate.audit_entry(request, who, "staff.leave", "staff", {std::to_string(member.id)},
                                            auth::Outcome::ok, detail);
                });
            const auto view = state.view();
            return Response::json(staff_json(view->snapshot(), stored.staff.front(), gate.now()));
        },
        Execution::write);
}

}  // namespace wangge::http
