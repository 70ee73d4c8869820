#pragma once
// The rows of one snapshot version (a persistent Table per layer) and what a
// version changed relative to the one it was edited from (its delta).
//
// Thread safety: plain values; Tables share their chunks immutably (table.hpp).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wangge/model/entities.hpp"
#include "wangge/model/table.hpp"

namespace wangge::model {

/// The rows of a snapshot, one persistent Table per layer: consecutive
/// versions share every chunk of rows a write did not touch.
struct Tables {
    Table<Grid> grids;
    Table<Staff> staff;
    Table<StaffGrid> staff_grids;
    Table<Household> households;
    Table<Facility> facilities;
    Table<Incident> incidents;
    Table<IncidentEvent> incident_events;
    Table<Visit> visits;
};

/// The rows as plain vectors (an export, a comparison in tests).
[[nodiscard]] Dataset to_dataset(const Tables& tables);

/// What a snapshot changed relative to the version it was edited from (its
/// delta): what derived state (tile indexes, the tile change feed, route
/// indexes) updates incrementally from.
struct Changes {
    /// Built from a whole Dataset: anything may differ from any earlier version.
    bool rebuilt = true;
    /// The version this one was edited from (when not rebuilt).
    std::uint64_t from_version = 0;
    /// The grid layout changed (a publish): grid rows closed and added.
    bool layout = false;
    /// Staff rows or their grid links changed (assignment, leave, a publish carrying links over).
    bool staff = false;
    /// Positions of the rows replaced or appended, sorted and unique; those at
    /// or past the matching *_before size were appended.
    std::vector<std::size_t> households;
    std::vector<std::size_t> facilities;
    std::vector<std::size_t> incidents;
    std::size_t households_before = 0;
    std::size_t facilities_before = 0;
    std::size_t incidents_before = 0;
    /// Events are append-only: those at and past this position are new.
    std::size_t events_before = 0;
};

/// The changes of `earlier` followed by those of `later` (a delta from the
/// version `earlier` led to): what state built for the version before
/// `earlier` applies to catch up with the version after `later`.
[[nodiscard]] Changes combine(const Changes& earlier, const Changes& later);

}  // namespace wangge::model
