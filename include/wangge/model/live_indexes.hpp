#pragma once
// Indexes over a snapshot's rows kept current from each version's delta,
// whose large shared base is rebuilt in the background (issue #13).
//
// Each index keeps a base built from all rows plus an overlay of the rows
// changed since, which every version extends in proportion to its delta.
// Once the overlays pass `rebuild_after` rows, the version starts a full
// build on a thread of its own (BackgroundBuild) from its own rows; the
// versions made meanwhile keep extending their overlays and collect the
// changes made since the build started; the first version made after the
// build is done adopts it and applies those changes to it, which empties the
// overlays again. So a write never waits for a whole-city rebuild. Only when
// writes outpace the rebuild so far that the overlays pass `rebuild_now_after`
// does the writer's thread wait for the running build (or, with none running
// or it failed, rebuild the touched indexes itself).
//
// `Indexes` provides:
//     static Indexes build(const Tables& rows);
//     // the indexes of `rows` (which these index): a fresh base for each
//     // index with an overlay, the others shared (kept_or_built):
//     Indexes rebuild(const Tables& rows) const;
//     // the indexes of `after`, edited from `before` (the rows these index) by `changes`:
//     Indexes next(const Tables& before, const Tables& after, const Changes& changes) const;
//     std::size_t overlay_size() const;  // rows changed since build(), in the largest overlay
//
// A rebuild builds only the indexes the writes touched: incident reports
// leave the households' indexes, half the city, shared and unbuilt.
//
// Thread safety: immutable once made; any number of threads may read.
// next() may be called from any thread (concurrent calls on one value may
// each start a rebuild).

#include <cstddef>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

#include "wangge/model/background_build.hpp"
#include "wangge/model/tables.hpp"

namespace wangge::model {

/// `(kept->*member)` when it has no overlay (no write touched its rows since
/// its base was built), else build(): how Indexes::rebuild shares the
/// indexes no write touched. A null `kept` builds.
template <class Indexes, class Index, class Build>
Index kept_or_built(const Indexes* kept, Index Indexes::*member, Build&& build) {
    if (kept != nullptr && (kept->*member).overlay_size() == 0) return kept->*member;
    return std::forward<Build>(build)();
}

/// Overlay rows past which the next version starts a background rebuild.
inline constexpr std::size_t default_rebuild_after = 4096;
/// Overlay rows past which the next version rebuilds on the calling thread.
inline constexpr std::size_t rebuild_now_after = 65536;

template <class Indexes>
class LiveIndexes {
public:
    LiveIndexes() = default;
    explicit LiveIndexes(const Tables& rows, std::size_t rebuild_after = default_rebuild_after)
        : indexes_(Indexes::build(rows)), rebuild_after_(rebuild_after) {}

    /// The indexes of `after`, edited from `before` (the rows these index) by `changes`.
    [[nodiscard]] LiveIndexes next(const Tables& before, const Tables& after, const Changes& changes) const {
        LiveIndexes next;
        next.rebuild_after_ = rebuild_after_;
        if (rebuild_ && rebuild_->build->ready()) {
            const Built* built = finished();
            // A failed build (it threw, say for memory) leaves the overlays as they are.
            next.indexes_ = built ? built->indexes.next(built->rows, after, combine(rebuild_->since, changes))
                                  : indexes_.next(before, after, changes);
        } else {
            if (rebuild_) next.rebuild_ = Rebuild{rebuild_->build, combine(rebuild_->since, changes)};
            next.indexes_ = indexes_.next(before, after, changes);
        }
        const std::size_t overlay = next.indexes_.overlay_size();
        if (overlay > rebuild_now_after) {
            // Writes outpaced the rebuild: wait for the one running (less than a new one would take).
            const Built* built = next.rebuild_ ? next.finished() : nullptr;
            if (built) next.indexes_ = built->indexes.next(built->rows, after, next.rebuild_->since);
            if (!built || next.indexes_.overlay_size() > rebuild_now_after) next.indexes_ = next.indexes_.rebuild(after);
            next.rebuild_.reset();
        } else if (!next.rebuild_ && overlay > rebuild_after_) {
            next.start_rebuild(next.indexes_, after);
        }
        return next;
    }

    [[nodiscard]] const Indexes& operator*() const noexcept { return indexes_; }
    [[nodiscard]] const Indexes* operator->() const noexcept { return &indexes_; }

    [[nodiscard]] std::size_t rebuild_after() const noexcept { return rebuild_after_; }
    /// Whether a background rebuild runs or waits to be adopted.
    [[nodiscard]] bool rebuilding() const noexcept { return rebuild_.has_value(); }
    /// Blocks until the background rebuild, if any, is done (so the next
    /// version adopts it: tests make adoption deterministic with this).
    void wait_for_rebuild() const {
        if (rebuild_) (void)finished();
    }

private:
    struct Built {
        Indexes indexes;
        Tables rows;  // what `indexes` index: the rows before the changes collected since
    };
    struct Rebuild {
        std::shared_ptr<const BackgroundBuild<Built>> build;
        Changes since;  // what changed after the rows the build indexes
    };

    /// A delta that changes nothing in `rows`.
    static Changes unchanged(const Tables& rows) {
        Changes none;
        none.rebuilt = false;
        none.households_before = rows.households.size();
        none.facilities_before = rows.facilities.size();
        none.incidents_before = rows.incidents.size();
        none.events_before = rows.incident_events.size();
        return none;
    }

    /// Starts rebuilding `current`, the indexes of `rows`.
    void start_rebuild(const Indexes& current, const Tables& rows) {
        try {
            rebuild_ = Rebuild{std::make_shared<const BackgroundBuild<Built>>(
                                   [current, rows] { return Built{current.rebuild(rows), rows}; }),
                               unchanged(rows)};
        } catch (const std::system_error&) {
            // No thread to be had (a process limit): keep the overlays; a later version retries.
        }
    }

    /// The build, once done (waiting for it if it runs); null when it failed.
    [[nodiscard]] const Built* finished() const {
        try {
            return &rebuild_->build->get();
        } catch (...) {
            return nullptr;
        }
    }

    Indexes indexes_;
    std::optional<Rebuild> rebuild_;
    std::size_t rebuild_after_ = default_rebuild_after;
};

}  // namespace wangge::model
