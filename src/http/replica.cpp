// The follower of a replica (replica.hpp, docs/replicas.md).

#include "wangge/http/replica.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <system_error>

#include "wangge/model/time.hpp"
#include "wangge/store/change_feed.hpp"

namespace wangge::http {

namespace {

/// Layers small enough that a whole-layer change is applied as such; a whole
/// change of any other layer (an import too large to list) reloads the store.
bool applied_whole(store::Layer layer) {
    return layer == store::Layer::grids || layer == store::Layer::staff || layer == store::Layer::staff_grids;
}

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void ReplicationStatus::applied(std::int64_t seq, std::int64_t at) noexcept {
    applied_.store(seq);
    applied_at_.store(at);
    seen(seq);
}

void ReplicationStatus::seen(std::int64_t seq) noexcept {
    std::int64_t known = database_.load();
    while (seq > known && !database_.compare_exchange_weak(known, seq)) {
    }
}

nlohmann::json ReplicationStatus::to_json() const {
    const std::int64_t applied = applied_.load();
    const std::int64_t database = std::max(database_.load(), applied);
    const std::int64_t at = applied_at_.load();
    return {{"applied_seq", applied},
            {"database_seq", database},
            {"lag", database - applied},
            {"last_applied_at", at > 0 ? nlohmann::json(model::format_iso8601(at)) : nlohmann::json(nullptr)}};
}

Follower::Follower(std::string location, std::int64_t start_seq, Writer& writer, ReplicationStatus& status,
                   FollowerOptions options)
    : location_(std::move(location)), last_(start_seq), writer_(writer), status_(status), options_(options) {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd for the change follower");
    status_.applied(start_seq, 0);
    thread_ = std::thread([this] { run(); });
}

Follower::~Follower() {
    stop_.store(true);
    const std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
    thread_.join();
    ::close(wake_fd_);
}

std::vector<store::LayerChange> Follower::merge(const std::vector<store::LayerChange>& changes) {
    std::map<store::Layer, store::LayerChange> layers;
    for (const store::LayerChange& change : changes) {
        auto [entry, added] = layers.try_emplace(change.layer, change);
        if (added) continue;
        store::LayerChange& merged = entry->second;
        if (!change.ids) {
            merged.ids.reset();
        } else if (merged.ids) {
            merged.ids->insert(merged.ids->end(), change.ids->begin(), change.ids->end());
        }
        // Known only when known for every change merged.
        if (merged.bounds && change.bounds) {
            merged.bounds->expand(*change.bounds);
        } else {
            merged.bounds.reset();
        }
    }
    std::vector<store::LayerChange> merged;
    for (auto& [layer, change] : layers) {
        if (change.ids) {
            std::sort(change.ids->begin(), change.ids->end());
            change.ids->erase(std::unique(change.ids->begin(), change.ids->end()), change.ids->end());
        }
        merged.push_back(std::move(change));
    }
    return merged;
}

void Follower::pause(std::chrono::milliseconds time) const {
    pollfd wake{wake_fd_, POLLIN, 0};
    (void)::poll(&wake, 1, static_cast<int>(time.count()));
}

void Follower::catch_up(store::ChangeFeed& feed) {
    while (!stop_.load()) {
        if (!feed.reaches_back_to(last_)) {
            last_ = writer_.reload();
            status_.applied(last_, now_seconds());
            continue;
        }
        const std::vector<store::Change> changes = feed.after(last_);
        if (changes.empty()) return;
        status_.seen(changes.back().seq);
        std::vector<store::LayerChange> remote;
        bool reload = false;
        for (const store::Change& change : changes) {
            if (change.origin == writer_.change_origin()) continue;  // published when written
            if (!change.change.ids && !applied_whole(change.change.layer)) reload = true;
            remote.push_back(change.change);
        }
        if (reload) {
            last_ = std::max(writer_.reload(), changes.back().seq);
        } else {
            if (!remote.empty()) writer_.apply_remote(merge(remote));
            last_ = changes.back().seq;
        }
        status_.applied(last_, now_seconds());
    }
}

void Follower::log(const std::string& line) const {
    if (options_.log) {
        options_.log(line);
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());  // one call per line: lines of threads never interleave
    }
}

void Follower::prune_when_due(store::ChangeFeed& feed) {
    if (options_.retention.count() <= 0 || std::chrono::steady_clock::now() < next_prune_) return;
    try {
        (void)feed.prune(options_.retention);
    } catch (const std::exception& e) {
        // Not the follower's failure (e.g. a role without DELETE): told, and tried again next time.
        log(std::string("wangge: replica follower: could not prune the change table: ") + e.what());
    }
    next_prune_ = std::chrono::steady_clock::now() + options_.prune_every;
}

void Follower::run() {
    std::unique_ptr<store::ChangeFeed> feed;
    std::chrono::milliseconds backoff = options_.first_backoff;
    // The last error logged, the backoff it was logged at, and where the follower was when the errors began.
    std::string logged_error;
    std::chrono::milliseconds logged_backoff{0};
    std::optional<std::int64_t> failing_since;
    while (!stop_.load()) {
        try {
            if (!feed) feed = std::make_unique<store::ChangeFeed>(location_);
            catch_up(*feed);
            if (failing_since) {
                log("wangge: replica follower: caught up from seq " + std::to_string(*failing_since) + " to seq " +
                    std::to_string(last_));
                failing_since.reset();
                logged_error.clear();
                logged_backoff = std::chrono::milliseconds{0};
            }
            backoff = options_.first_backoff;  // caught up: the connection works
            prune_when_due(*feed);
            status_.seen(feed->wait(options_.poll, wake_fd_));
        } catch (const std::exception& e) {
            // The database is unreachable or a change could not be applied:
            // the server keeps serving what it has and tries again, from last_.
            feed.reset();
            if (!failing_since) failing_since = last_;
            std::string error = e.what();  // one line: the store folds libpq's multi-line messages
            if (error != logged_error || backoff > logged_backoff) {
                log("wangge: replica follower at seq " + std::to_string(last_) + ": " + error + " (retrying in " +
                    std::to_string(backoff.count()) + " ms)");
                logged_error = std::move(error);
                logged_backoff = backoff;
            }
            pause(backoff);
            backoff = std::min(backoff * 2, options_.max_backoff);
        }
    }
}

}  // namespace wangge::http
