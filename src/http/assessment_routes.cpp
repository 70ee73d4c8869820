#include "wangge/http/assessment_routes.hpp"

#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "wangge/auth/policy.hpp"
#include "wangge/http/body.hpp"
#include "wangge/workflow/assessment.hpp"
#include "wangge/workflow/month.hpp"

#include "workflow_common.hpp"

namespace wangge::http {

void add_assessment_routes(Router& router, const State& state, const WorkflowServices& services) {
    const AuthGate& gate = services.gate;
    const workflow::WorkflowConfig& config = services.config;
    // The monthly statistics of up to twelve months over the whole city: on the worker pool.
    router.get("/stats/ranking", [&state, &gate, &config](const Request& request) {
        request.query().allow_only({"period"});
        const auth::Principal who = gate.require(request, auth::Action::read_statistics);
        const std::optional<std::string_view> text = request.query().get("period");
        if (!text) {
            throw ClientError(ErrorKind::bad_request, "invalid_parameter", "parameter period (YYYY or YYYY-Qn) is required",
                              "缺少参数 period（如 2026 或 2026-Q3）");
        }
        const workflow::Period period = workflow::Period::parse(*text);
        const auto view = state.view();
        workflow::Ranking ranking = workflow::ranking(view->snapshot(), period, {}, config.medals);
        if (auth::reach(who, auth::Action::read_statistics) == auth::Reach::scoped) {
            detail::restrict_to_scope(ranking, view->snapshot(), *who.user);
        }
        return Response::json(workflow::to_json(ranking));
    }, Execution::worker);

    router.post("/incidents/{id}/rating", [&services, &gate](const Request& request) {
        request.query().allow_only({});
        const auth::Principal who = gate.require(request, auth::Action::report_incident);
        const std::int64_t id = parse_int(request.param("id"), "id", 1, std::numeric_limits<std::int64_t>::max());
        const JsonBody body(request, {"score", "comment"});
        const std::int64_t score = body.required_integer("score");
        const std::string comment = body.string("comment").value_or("");
        detail::check_length(comment, detail::note_limit);
        const workflow::Transition rated = detail::store_rating(
            services, id, score, comment, who.user->name, [&](const workflow::Transition& stored) {
                return gate.audit_entry(request, who, "incidents.rate", "incidents", {std::to_string(id)},
                                        auth::Outcome::ok, stored.event.note);
            });
        return Response::json({{"id", id}, {"rating", score}, {"event_id", rated.event.id}}, Status::created);
    }, Execution::write);

    // Reads the month's incidents over the whole city: on the worker pool.
    router.get("/stats/demands", [&state, &gate](const Request& request) {
        request.query().allow_only({"month"});
        const auth::Principal who = gate.require(request, auth::Action::read_statistics);
        const std::optional<std::string_view> text = request.query().get("month");
        const workflow::Month month = text ? workflow::Month::parse(*text) : workflow::Month::of(gate.now());
        const auto view = state.view();
        workflow::Demands demands = workflow::demands(view->snapshot(), month);
        if (auth::reach(who, auth::Action::read_statistics) == auth::Reach::scoped) detail::restrict_to_scope(demands, *who.user);
        return Response::json(workflow::to_json(demands));
    }, Execution::worker);
}

}  // namespace wangge::http
