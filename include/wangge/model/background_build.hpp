#pragma once
// A value built on a thread of its own: how the indexes of a live snapshot
// rebuild their large shared base off the writer's path. The versions made
// meanwhile keep answering from the old base plus their overlay of changes,
// and the first version made after the build is done adopts it (see
// Snapshot and tiles::TileIndex), so no write waits for a whole-city rebuild.
//
// Thread safety: ready() and get() may be called from any thread. The
// destructor joins the thread, so the last owner waits for a build still
// running (at shutdown, or when a rebuild was overtaken by a newer one).

#include <chrono>
#include <future>
#include <thread>
#include <utility>

namespace wangge::model {

template <class T>
class BackgroundBuild {
public:
    /// Starts build() (returning T) on a new thread. It must capture by
    /// value (or shared ownership) everything it reads.
    template <class Build>
    explicit BackgroundBuild(Build&& build) {
        std::packaged_task<T()> task(std::forward<Build>(build));
        result_ = task.get_future().share();
        thread_ = std::thread(std::move(task));
    }
    BackgroundBuild(const BackgroundBuild&) = delete;
    BackgroundBuild& operator=(const BackgroundBuild&) = delete;
    ~BackgroundBuild() { thread_.join(); }

    [[nodiscard]] bool ready() const { return result_.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }
    /// Waits for the build; rethrows what it threw.
    [[nodiscard]] const T& get() const { return result_.get(); }

private:
    std::shared_future<T> result_;
    std::thread thread_;
};

}  // namespace wangge::model
