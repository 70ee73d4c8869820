#pragma once
// Households per grid for the household_count rule of POST /validate and of
// the drafts (DESIGN §4), from the served snapshot.
//
// Cost: counting walks every household (1M at city size), so it is done at
// most once per version of the households table, on the first request that
// needs it, never on the publishing thread: a version whose write touched no
// household and not the layout shares the previous version's counts.
//
// Thread safety: HouseholdCounts may be read from any thread (the first
// reader counts, the others wait for it); live_households() is safe from any
// thread.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "wangge/drafts/draft.hpp"
#include "wangge/http/state.hpp"

namespace wangge::http {

/// Households per grid code of one snapshot, counted on first use.
class HouseholdCounts {
public:
    using Map = std::unordered_map<std::string, int>;

    HouseholdCounts();
    /// The counts of `snapshot`, which must be the snapshot these counts
    /// were derived for (or one sharing its households table).
    [[nodiscard]] const Map& of(const model::Snapshot& snapshot) const;

private:
    struct Lazy {
        std::once_flag once;
        Map counts;
    };
    std::shared_ptr<Lazy> lazy_;
};

/// Registers HouseholdCounts with `state`; call before the first publish.
void derive_household_counts(State& state);

/// The households of the snapshot current at each call, for drafts: a
/// published grid's by its grid code, a changed grid's by location.
[[nodiscard]] std::shared_ptr<const drafts::HouseholdCounter> live_households(const State& state);

}  // namespace wangge::http
