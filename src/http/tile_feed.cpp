#include "wangge/http/tile_feed.hpp"

#include <atomic>
#include <bitset>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/http/event_stream.hpp"
#include "wangge/http/tile_routes.hpp"
#include "wangge/tiles/change_log.hpp"
#include "wangge/tiles/tile_changes.hpp"

namespace wangge::http {

namespace {

using LayerSet = std::bitset<tiles::layer_count>;

/// The layers whose tiles the caller may read, so whose changes they may see.
LayerSet readable_layers(const auth::Principal& who) {
    LayerSet layers;
    for (const tiles::Layer layer : tiles::all_layers) {
        layers.set(tiles::layer_index(layer), auth::reach(who, tile_read_action(layer)) != auth::Reach::none);
    }
    return layers;
}

std::string make_cursor(const State& state, std::uint64_t version) {
    return state.instance() + "." + std::to_string(version);
}

/// What a cursor given by a client names.
struct Resume {
    /// The version it was at; nullopt when it is from another server run
    /// (its versions mean nothing here).
    std::optional<std::uint64_t> version;
};

/// nullopt when `text` is not a cursor at all.
std::optional<Resume> parse_cursor(std::string_view text, const State& state) {
    const std::size_t dot = text.find('.');
    if (dot == std::string_view::npos || dot == 0) return std::nullopt;
    const std::string_view digits = text.substr(dot + 1);
    std::uint64_t version = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    if (text.substr(0, dot) != state.instance()) return Resume{};
    return Resume{version};
}

nlohmann::json change_json(const tiles::ChangeLog::Change& change) {
    const geo::Point north_west = tiles::world_to_lonlat({change.box.min_x, change.box.min_y});
    const geo::Point south_east = tiles::world_to_lonlat({change.box.max_x, change.box.max_y});
    nlohmann::json ranges = nlohmann::json::array();
    for (int z = 0; z <= tiles::layer_max_zoom(change.layer); ++z) {
        const tiles::TileRange range = tiles::touched_tiles(change.layer, change.box, z);
        if (range.empty()) continue;
        ranges.push_back({range.z, range.min_x, range.min_y, range.max_x, range.max_y});
    }
    return {{"layer", tiles::to_string(change.layer)},
            {"version", change.version},
            {"bounds", {north_west.x, south_east.y, south_east.x, north_west.y}},
            {"tiles", std::move(ranges)}};
}

/// The changes after `since` of the given layers, oldest first; nullopt when
/// the log no longer reaches back to `since` (or `since` is from the future).
std::optional<nlohmann::json> visible_changes(const tiles::ChangeLog& log, std::uint64_t since, LayerSet layers) {
    if (since > log.version()) return std::nullopt;
    const auto changes = log.changes_after(since);
    if (!changes) return std::nullopt;
    nlohmann::json out = nlohmann::json::array();
    for (const tiles::ChangeLog::Change& change : *changes) {
        if (layers.test(tiles::layer_index(change.layer))) out.push_back(change_json(change));
    }
    return out;
}

std::string event_text(std::string_view name, std::string_view id, const nlohmann::json& data) {
    std::string text = "event: ";
    text += name;
    text += "\nid: ";
    text += id;
    text += "\ndata: ";
    text += data.dump();  // one line: JSON dumps without newlines
    text += "\n\n";
    return text;
}

/// Who opened a stream: their session token (empty when anonymous) and user.
struct Caller {
    std::string token;
    std::optional<std::int64_t> user_id;

    /// False once the session that opened the stream has ended.
    [[nodiscard]] bool signed_in(const auth::AuthService& service, model::Timestamp now) const {
        if (!user_id) return true;
        const auth::Principal who = service.authenticate(token, now);
        return !who.anonymous() && who.user->id == *user_id;
    }
};

/// The open event streams and how far each has been told.
class Streams : public std::enable_shared_from_this<Streams> {
public:
    explicit Streams(const State& state) : state_(state) {}

    /// Starts a stream: the catch-up event, then every publish. The handle
    /// keeps the subscription; dropping it ends it.
    std::shared_ptr<void> add(std::shared_ptr<StreamSink> sink, LayerSet layers, std::optional<Resume> resume,
                              Caller caller) {
        const std::lock_guard lock(mutex_);
        // Under the lock, so a publish is either in the catch-up or sent later, never lost.
        const std::shared_ptr<const View> view = state_.view();
        const tiles::ChangeLog& log = view->derived<tiles::ChangeLog>();
        const std::string cursor = make_cursor(state_, log.version());
        std::string first = "retry: 3000\n";
        if (!resume) {
            first += event_text("ready", cursor, {{"cursor", cursor}});
        } else if (const auto changes = resume->version ? visible_changes(log, *resume->version, layers) : std::nullopt) {
            first += event_text("tiles", cursor, {{"cursor", cursor}, {"changes", *changes}});
        } else {
            first += event_text("reset", cursor, {{"cursor", cursor}});
        }
        sink->send(std::move(first));
        const std::uint64_t id = next_id_++;
        subscribers_.emplace(id, Subscriber{std::move(sink), layers, log.version(), std::move(caller)});
        return std::make_shared<Subscription>(weak_from_this(), id);
    }

    /// Sends the changes of a newly published view to every stream that can see some.
    void publish(const View& view) {
        const tiles::ChangeLog& log = view.derived<tiles::ChangeLog>();
        const std::string cursor = make_cursor(state_, log.version());
        const std::lock_guard lock(mutex_);
        for (auto& [id, subscriber] : subscribers_) {
            if (subscriber.sent_through >= log.version()) continue;  // caught up when it started
            const auto changes = visible_changes(log, subscriber.sent_through, subscriber.layers);
            subscriber.sent_through = log.version();
            if (!changes) {
                subscriber.sink->send(event_text("reset", cursor, {{"cursor", cursor}}));
            } else if (!changes->empty()) {
                subscriber.sink->send(event_text("tiles", cursor, {{"cursor", cursor}, {"changes", *changes}}));
            }
        }
    }

    /// Closes the streams whose session has ended (logout, disabling, a new password).
    void close_revoked(const auth::AuthService& service, model::Timestamp now) {
        std::vector<std::pair<std::shared_ptr<StreamSink>, Caller>> signed_in;
        {
            const std::lock_guard lock(mutex_);
            for (const auto& [id, subscriber] : subscribers_) {
                if (subscriber.caller.user_id) signed_in.emplace_back(subscriber.sink, subscriber.caller);
            }
        }
        // Checked outside the lock: a session the cache lost is read from the store.
        for (const auto& [sink, caller] : signed_in) {
            if (!caller.signed_in(service, now)) sink->close();
        }
    }

private:
    struct Subscriber {
        std::shared_ptr<StreamSink> sink;
        LayerSet layers;
        std::uint64_t sent_through = 0;
        Caller caller;
    };
    class Subscription {
    public:
        Subscription(std::weak_ptr<Streams> streams, std::uint64_t id) : streams_(std::move(streams)), id_(id) {}
        ~Subscription() {
            if (const auto streams = streams_.lock()) streams->remove(id_);
        }
        Subscription(const Subscription&) = delete;
        Subscription& operator=(const Subscription&) = delete;

    private:
        std::weak_ptr<Streams> streams_;
        std::uint64_t id_;
    };

    void remove(std::uint64_t id) {
        const std::lock_guard lock(mutex_);
        subscribers_.erase(id);
    }

    const State& state_;
    std::mutex mutex_;
    std::map<std::uint64_t, Subscriber> subscribers_;
    std::uint64_t next_id_ = 0;
};

/// A client's cursor: nullopt without one; 400 when it is not a cursor.
std::optional<Resume> client_cursor(std::string_view text, const State& state) {
    if (text.empty()) return std::nullopt;
    const auto resume = parse_cursor(text, state);
    if (!resume) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter",
                        "'" + std::string(text) + "' is not a change cursor (from /tiles/changes or /tiles/events)",
                        "地图更新位置标记 " + std::string(text) + " 无效");
    }
    return resume;
}

/// Places for streams without a session; a taken place is held by the stream's start function, then its handle.
class AnonymousPlaces : public std::enable_shared_from_this<AnonymousPlaces> {
public:
    explicit AnonymousPlaces(std::size_t limit) : limit_(limit) {}
    /// A place, or 503 "too_many_streams" when all are taken.
    std::shared_ptr<void> take() {
        if (open_.fetch_add(1) >= limit_) {
            --open_;
            throw ClientError(ErrorKind::unavailable, "too_many_streams",
                              "too many change streams without a session (" + std::to_string(limit_) +
                                  "); sign in or try again later",
                              "未登录的地图更新连接过多，请登录或稍后再试");
        }
        return std::shared_ptr<void>(nullptr, [self = shared_from_this()](void*) { --self->open_; });
    }

private:
    std::size_t limit_;
    std::atomic<std::size_t> open_ = 0;
};

}  // namespace

void add_tile_feed_routes(Router& router, State& state, const AuthGate& gate, std::size_t max_anonymous_streams) {
    auto streams = std::make_shared<Streams>(state);
    auto anonymous_places = std::make_shared<AnonymousPlaces>(max_anonymous_streams);
    state.on_publish([streams](const View& view) { streams->publish(view); });
    // Weak: the service may outlive the routes; it calls this on logout,
    // disabling and new passwords, here or (within its poll) in another process.
    gate.service().on_revocation([weak = std::weak_ptr<Streams>(streams), &service = gate.service(),
                                  clock = gate.options().clock] {
        if (const auto live = weak.lock()) live->close_revoked(service, clock());
    });

    router.get("/tiles/changes", [&state, &gate](const Request& request) {
        request.query().allow_only({"after"});
        const std::optional<Resume> resume = client_cursor(request.query().get("after").value_or(""), state);
        const LayerSet layers = readable_layers(gate.principal(request));
        const auto view = state.view();
        const tiles::ChangeLog& log = view->derived<tiles::ChangeLog>();
        nlohmann::json body{{"cursor", make_cursor(state, log.version())}};
        if (!resume) {
            body["changes"] = nlohmann::json::array();
        } else if (auto changes = resume->version ? visible_changes(log, *resume->version, layers) : std::nullopt) {
            body["changes"] = std::move(*changes);
        } else {
            body["reset"] = true;
        }
        Response response = Response::json(body);
        vary_by_session(response, "no-store");
        return response;
    }, Execution::io);

    router.get("/tiles/events", [&state, &gate, streams, anonymous_places](const Request& request) {
        request.query().allow_only({"after"});
        // A reconnecting EventSource sends the last id it saw; a client's own
        // Last-Event-ID that is no cursor just starts afresh.
        std::optional<Resume> resume = parse_cursor(request.header("Last-Event-ID"), state);
        if (!resume) resume = client_cursor(request.query().get("after").value_or(""), state);
        const auth::Principal who = gate.principal(request);
        const LayerSet layers = readable_layers(who);
        std::shared_ptr<void> place = who.anonymous() ? anonymous_places->take() : nullptr;
        Caller caller{who.anonymous() ? std::string() : std::string(session_token(request)),
                      who.anonymous() ? std::nullopt : std::optional(who.user->id)};
        StreamOptions options;
        options.heartbeat = ": keep-alive\n\n";
        Response response = Response::stream(
            "text/event-stream",
            [streams, layers, resume, place, caller = std::move(caller),
             &gate](const std::shared_ptr<StreamSink>& sink) -> std::shared_ptr<void> {
                std::shared_ptr<void> subscription = streams->add(sink, layers, resume, caller);
                // A logout between the request's check and now found no stream to close.
                if (!caller.signed_in(gate.service(), gate.now())) sink->close();
                // The handle keeps the subscription and the place together.
                return std::make_shared<std::pair<std::shared_ptr<void>, std::shared_ptr<void>>>(
                    std::move(subscription), place);
            },
            options);
        vary_by_session(response, "no-store");
        return response;
    }, Execution::io);
}

}  // namespace wangge::http
