// The follower of a replica (replica.hpp, docs/replicas.md).

#include "wangge/http/replica.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
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
    std::map<store::Layer, std::optional<std::vector<std::int64_t>>> layers;
    for (const store::LayerChange& change : changes) {
        auto [entry, added] = layers.try_emplace(change.layer, change.ids);
        if (added || !entry->second) continue;
        if (!change.ids) {
            entry->second.reset();
        } else {
            entry->second->insert(entry->second->end(), change.ids->begin(), change.ids->end());
        }
    }
    std::vector<store::LayerChange> merged;
    for (auto& [layer, ids] : layers) {
        if (ids) {
            std::sort(ids->begin(), ids->end());
            ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
        }
        merged.push_back({layer, std::move(ids)});
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

void Follower::run() {
    std::unique_ptr<store::ChangeFeed> feed;
    std::chrono::milliseconds backoff = options_.first_backoff;
    while (!stop_.load()) {
        try {
            if (!feed) feed = std::make_unique<store::ChangeFeed>(location_);
            catch_up(*feed);
            backoff = options_.first_backoff;  // caught up: the connection works
            status_.seen(feed->wait(options_.poll, wake_fd_));
        } catch (const std::exception&) {
            // The database is unreachable or a change could not be applied:
            // the server keeps serving what it has and tries again, from last_.
            feed.reset();
            pause(backoff);
            backoff = std::min(backoff * 2, options_.max_backoff);
        }
    }
}

}  // namespace wangge::http
