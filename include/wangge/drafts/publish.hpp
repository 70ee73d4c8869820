#pragma once
// Publishing a draft (DESIGN §4): the draft's grids become the new layout
// version, and every household, facility and open incident gets the grid
// code its location falls in under the new layout.
//
// Thread safety: pure functions over values.

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/drafts/draft.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/store/store.hpp"

namespace wangge::drafts {

/// Rows that move from one grid code to another ("" is no grid at all).
struct Reassignment {
    std::string from;
    std::string to;
    std::size_t households = 0;
    std::size_t facilities = 0;
    std::size_t incidents = 0;
};

struct PublishPlan {
    store::LayoutPublication publication;
    std::vector<Reassignment> moves;  ///< one per (from, to) pair, ordered by codes
};

/// Incidents in these states keep the grid they were handled in.
[[nodiscard]] bool incident_open(const model::Incident& incident) noexcept;

/// The publication of `draft` over the layout of `current` at `now`: every
/// draft grid as a row of version layout_version + 1 from `now`, and the rows
/// whose derived grid code changes; its base_layout_version is `current`'s,
/// so the store refuses it once another layout is in force. Does not check
/// the draft's base version or validity; throws EditError for an empty draft.
[[nodiscard]] PublishPlan plan_publication(const Draft& draft, const model::Snapshot& current, model::Timestamp now);

/// Applies `publication` to the next snapshot version: the grids in force
/// closed at publication.at, the new rows appended, and the grid codes changed.
void apply_publication(model::SnapshotEditor& editor, const store::LayoutPublication& publication);

/// {"households":n,"facilities":n,"incidents":n,"pairs":[{"from","to","households",…,"message"}]}
/// with messages like "37 户从 110105001001001 网格划入 110105001001002 网格".
[[nodiscard]] nlohmann::json to_json(const std::vector<Reassignment>& moves);

}  // namespace wangge::drafts
