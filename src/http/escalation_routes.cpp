#include "wangge/http/escalation_routes.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/auth/policy.hpp"
#include "wangge/http/event_stream.hpp"
#include "wangge/model/time.hpp"
#include "wangge/workflow/history.hpp"
#include "wangge/workflow/routing.hpp"
#include "wangge/workflow/states.hpp"

namespace wangge::http {

namespace {

using nlohmann::json;

/// A case waiting to be accepted whose triage has a limit, due or not yet.
struct Waiting {
    model::Incident incident;
    workflow::Escalation escalation;
    workflow::Areas areas;
};

/// Every waiting case of the snapshot with the time it escalates at.
std::vector<Waiting> waiting_cases(const model::Snapshot& snapshot, const workflow::EscalationPolicy& policy) {
    std::vector<model::Incident> candidates;
    std::vector<model::IncidentEvent> events;
    for (const model::Incident& incident : snapshot.data().incidents) {
        const auto state = workflow::parse_state(incident.state);
        const auto triage = workflow::parse_triage(incident.triage);
        if (!state || !triage || !policy.limit(*triage)) continue;
        if (*state != workflow::State::reported && *state != workflow::State::filed &&
            *state != workflow::State::dispatched) {
            continue;
        }
        candidates.push_back(incident);
        for (const model::IncidentEvent* event : snapshot.events_of(incident.id)) events.push_back(*event);
    }
    // The engine's rule, asked as of the end of time: every candidate comes back with its due time.
    const workflow::IncidentHistories histories(std::move(events));
    const model::Timestamp end_of_time = std::numeric_limits<model::Timestamp>::max() / 2;
    std::vector<Waiting> waiting;
    for (workflow::Escalation& escalation :
         workflow::escalations_due(candidates, histories, policy, end_of_time)) {
        const auto found = std::find_if(candidates.begin(), candidates.end(),
                                        [&](const model::Incident& i) { return i.id == escalation.incident_id; });
        Waiting item{*found, escalation, workflow::areas_of(snapshot, found->grid_code)};
        waiting.push_back(std::move(item));
    }
    return waiting;
}

/// Those who take cases in an area and read its incidents: a department
/// account handles only what is dispatched to it, never an area's list (403).
auth::Principal require_area_handler(const AuthGate& gate, const Request& request) {
    auth::Principal who = gate.require(request, auth::Action::handle_incident);
    enforce(auth::decide(who, auth::Action::read_incidents));
    return who;
}

/// What one caller asks for: their scope, and an area within it.
struct Filter {
    auth::Principal who;
    std::string area;

    [[nodiscard]] bool shows(const Waiting& item) const {
        if (auth::decide(who, auth::Action::handle_incident, item.incident.grid_code) != auth::Decision::allowed) {
            return false;
        }
        return area.empty() || area == item.areas.grid || area == item.areas.community || area == item.areas.street;
    }
};

json time_json(model::Timestamp t) { return model::format_iso8601(t); }

/// The caller's escalated cases at `now`, the longest overdue first, and their ids.
std::pair<json, std::vector<std::int64_t>> escalated_json(const std::vector<Waiting>& waiting, const Filter& filter,
                                                           model::Timestamp now) {
    json cases = json::array();
    std::vector<std::int64_t> ids;
    for (const Waiting& item : waiting) {
        if (item.escalation.due_at > now || !filter.shows(item)) continue;
        const model::Incident& incident = item.incident;
        const auto state = workflow::parse_state(incident.state);
        cases.push_back({{"id", incident.id},
                         {"grid_code", incident.grid_code},
                         {"category", incident.category},
                         {"triage", incident.triage},
                         {"triage_zh", workflow::label_zh(item.escalation.triage)},
                         {"state", incident.state},
                         {"state_zh", state ? json(workflow::label_zh(*state)) : json(incident.state)},
                         {"assignee", incident.assignee},
                         {"description", incident.description},
                         {"lon", incident.location.x},
                         {"lat", incident.location.y},
                         {"waiting_since", time_json(item.escalation.waiting_since)},
                         {"due_at", time_json(item.escalation.due_at)},
                         {"overdue_s", now - item.escalation.due_at}});
        ids.push_back(incident.id);
    }
    // escalations_due sorted by overdue time at its own `now`: the same order as at ours.
    const std::size_t count = cases.size();
    return {json{{"now", time_json(now)}, {"count", count}, {"incidents", std::move(cases)}}, std::move(ids)};
}

/// The area parameter: empty, or a current grid, community or street code (404 otherwise).
std::string area_param(const Request& request, const model::Snapshot& snapshot) {
    const std::string area(request.query().get("area").value_or(""));
    if (!area.empty() && snapshot.current_grid(area) == nullptr) {
        throw ClientError(ErrorKind::not_found, "not_found", "no current grid, community or street " + area,
                          "没有编码为 " + area + " 的网格、社区或街道");
    }
    return area;
}

/// The open escalation streams and the clock that tells them when a case crosses its time.
class EscalationFeed {
public:
    EscalationFeed(const State& state, const AuthGate& gate, workflow::EscalationPolicy policy)
        : state_(state), gate_(gate), policy_(std::move(policy)),
          clock_([this](const std::stop_token& stop) { run(stop); }) {}
    // The jthread's destructor (first, being the last member) stops the clock and joins it.
    ~EscalationFeed() = default;
    EscalationFeed(const EscalationFeed&) = delete;
    EscalationFeed& operator=(const EscalationFeed&) = delete;

    /// A new stream; its first event comes from the clock's thread at once. The handle unsubscribes.
    std::shared_ptr<void> add(std::shared_ptr<StreamSink> sink, Filter filter, std::string token,
                              const std::shared_ptr<EscalationFeed>& self) {
        const std::lock_guard lock(mutex_);
        const std::uint64_t id = next_id_++;
        streams_.emplace(id, Stream{std::move(sink), std::move(filter), std::move(token), std::nullopt});
        due_now_ = true;
        woken_.notify_all();
        return std::shared_ptr<void>(nullptr, [weak = std::weak_ptr<EscalationFeed>(self), id](void*) {
            if (const auto feed = weak.lock()) feed->remove(id);
        });
    }

    /// A new snapshot: the waiting cases may have changed.
    void published() {
        const std::lock_guard lock(mutex_);
        if (streams_.empty()) return;
        due_now_ = true;
        woken_.notify_all();
    }

    const State& state() const { return state_; }
    const workflow::EscalationPolicy& policy() const { return policy_; }

private:
    struct Stream {
        std::shared_ptr<StreamSink> sink;
        Filter filter;
        std::string token;
        std::optional<std::vector<std::int64_t>> sent;  ///< the ids last sent; none before the first event
    };

    static constexpr std::chrono::seconds longest_sleep{30};

    void remove(std::uint64_t id) {
        const std::lock_guard lock(mutex_);
        streams_.erase(id);
    }

    void run(const std::stop_token& stop) {
        std::uint64_t computed_version = 0;
        std::vector<Waiting> waiting;
        auto wake_at = std::chrono::steady_clock::now() + longest_sleep;
        std::unique_lock lock(mutex_);
        while (!stop.stop_requested()) {
            // Stop-aware wait: a stop request wakes it even between its check and its sleep.
            woken_.wait_until(lock, stop, wake_at, [&] { return due_now_; });
            if (stop.stop_requested()) break;
            due_now_ = false;
            wake_at = std::chrono::steady_clock::now() + longest_sleep;
            if (streams_.empty()) continue;
            lock.unlock();
            model::Timestamp now = 0;
            try {
                const std::shared_ptr<const View> view = state_.view();
                if (view->snapshot().version() != computed_version) {
                    waiting = waiting_cases(view->snapshot(), policy_);
                    computed_version = view->snapshot().version();
                }
                now = gate_.now();
            } catch (const std::exception&) {
                lock.lock();  // no snapshot yet: try at the next wake
                continue;
            }
            // Wake just after the next waiting case crosses its time.
            std::optional<model::Timestamp> next;
            for (const Waiting& item : waiting) {
                if (item.escalation.due_at > now && (!next || item.escalation.due_at < *next)) {
                    next = item.escalation.due_at;
                }
            }
            if (next) {
                wake_at = std::min(wake_at, std::chrono::steady_clock::now() + std::chrono::seconds(*next - now) +
                                                std::chrono::milliseconds(100));
            }
            lock.lock();
            tell_streams(waiting, now);
        }
    }

    /// Sends each stream its list when it changed; closes those whose session ended. Under the lock.
    void tell_streams(const std::vector<Waiting>& waiting, model::Timestamp now) {
        for (auto& [id, stream] : streams_) {
            const auth::Principal who = gate_.service().authenticate(stream.token, now);
            if (who.anonymous() || who.user->id != stream.filter.who.user->id) {
                stream.sink->close();
                continue;
            }
            auto [body, ids] = escalated_json(waiting, stream.filter, now);
            if (stream.sent && *stream.sent == ids) continue;
            stream.sent = std::move(ids);
            stream.sink->send("event: escalated\ndata: " + body.dump() + "\n\n");
        }
    }

    const State& state_;
    const AuthGate& gate_;
    const workflow::EscalationPolicy policy_;
    std::mutex mutex_;
    std::condition_variable_any woken_;
    std::map<std::uint64_t, Stream> streams_;
    std::uint64_t next_id_ = 0;
    bool due_now_ = false;
    std::jthread clock_;  // last: started once everything above exists, joined first
};

}  // namespace

void add_escalation_routes(Router& router, State& state, const AuthGate& gate, workflow::EscalationPolicy policy) {
    auto feed = std::make_shared<EscalationFeed>(state, gate, std::move(policy));
    state.on_publish([weak = std::weak_ptr<EscalationFeed>(feed)](const View&) {
        if (const auto live = weak.lock()) live->published();
    });

    // Scans the snapshot's incidents: on the worker pool.
    router.get("/incidents/escalated", [feed, &gate](const Request& request) {
        request.query().allow_only({"area"});
        const auth::Principal who = require_area_handler(gate, request);
        const auto view = feed->state().view();
        Filter filter{who, area_param(request, view->snapshot())};
        const std::vector<Waiting> waiting = waiting_cases(view->snapshot(), feed->policy());
        Response response = Response::json(escalated_json(waiting, filter, gate.now()).first);
        vary_by_session(response, "no-store");
        return response;
    }, Execution::worker);

    // Reads no more than the grid index (the area's check): on the I/O thread.
    router.get("/incidents/escalated/events", [feed, &gate](const Request& request) {
        request.query().allow_only({"area"});
        const auth::Principal who = require_area_handler(gate, request);
        Filter filter{who, area_param(request, feed->state().view()->snapshot())};
        StreamOptions options;
        options.heartbeat = ": keep-alive\n\n";
        Response response = Response::stream(
            "text/event-stream",
            [feed, filter = std::move(filter),
             token = std::string(session_token(request))](const std::shared_ptr<StreamSink>& sink) {
                sink->send("retry: 3000\n\n");
                return feed->add(sink, filter, token, feed);
            },
            options);
        vary_by_session(response, "no-store");
        return response;
    }, Execution::io);
}

}  // namespace wangge::http
