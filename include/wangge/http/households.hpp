#pragma once
// Households, residents, buildings and A岗 staff per grid for the
// household_count, residents_count, compound_split, community_households and
// no_primary_staff rules of POST /validate and of the drafts (DESIGN §4),
// from the served snapshot.
//
// Cost: counting walks every household (1M at city size), so it is done at
// most once per version of the households table, on the first request that
// needs it, never on the publishing thread: a version whose write touched no
// household and not the layout shares the previous version's counts.
//
// Thread safety: HouseholdCounts may be read from any thread (the first
// reader counts, the others wait for it); live_grid_facts() is safe from any
// thread.

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "wangge/drafts/draft.hpp"
#include "wangge/http/state.hpp"

namespace wangge::http {

/// Households per grid code of one snapshot, counted on first use.
class HouseholdCounts {
public:
    using Map = std::unordered_map<std::string, int>;
    /// Per grid code, for the planning rules (rules::Options).
    struct Tallies {
        Map households;
        Map residents;  ///< sum of members
        std::unordered_map<std::string, std::vector<rules::Building>> buildings;  ///< sorted, unique
    };

    HouseholdCounts();
    /// The counts of `snapshot`, which must be the snapshot these counts
    /// were derived for (or one sharing its households table).
    [[nodiscard]] const Map& of(const model::Snapshot& snapshot) const { return tallies(snapshot).households; }
    /// Households, residents and buildings per grid code of `snapshot` (as of()).
    [[nodiscard]] const Tallies& tallies(const model::Snapshot& snapshot) const;

private:
    struct Lazy {
        std::once_flag once;
        Tallies tallies;
    };
    std::shared_ptr<Lazy> lazy_;
};

/// True when `next` has the households and the layout of `previous` (its write
/// touched neither), so what was derived from them carries over.
[[nodiscard]] bool same_households(const View& next, const View* previous) noexcept;

/// Registers HouseholdCounts with `state`; call before the first publish.
void derive_household_counts(State& state);

/// A岗 staff linked to grid `code` in `snapshot`.
[[nodiscard]] int primary_staff_count(const model::Snapshot& snapshot, std::string_view code);

/// A岗 staff per code of the finest-level grids of `layout` (the
/// no_primary_staff rule); nullopt when the snapshot keeps no staff links at
/// all: staffing is then not managed here, and the rule stays silent.
[[nodiscard]] std::optional<std::unordered_map<std::string, int>> primary_staff_counts(
    const model::Snapshot& snapshot, std::span<const model::Grid> layout);

/// The households and staff of the snapshot current at each call, for
/// drafts: a published grid's households by its grid code, a changed grid's
/// by location; staff by grid code.
[[nodiscard]] std::shared_ptr<const drafts::GridFacts> live_grid_facts(const State& state);

}  // namespace wangge::http
