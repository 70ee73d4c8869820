#pragma once
// Every field of every entity as a tuple, so tests compare whole rows with
// EXPECT_EQ without the model having to define operator==.

#include <ostream>
#include <tuple>

#include <gtest/gtest.h>

#include "wangge/model/entities.hpp"

namespace wangge::model {

inline auto fields(const Grid& g) {
    return std::tie(g.code, g.name, g.level, g.parent_code, g.geometry, g.valid_from, g.valid_to, g.version);
}
inline auto fields(const Staff& s) { return std::tie(s.id, s.name, s.phone, s.role, s.leave_from, s.leave_until); }
inline auto fields(const StaffGrid& s) { return std::tie(s.staff_id, s.grid_code, s.duty); }
inline auto fields(const Household& h) {
    return std::tie(h.id, h.compound, h.building, h.unit, h.room, h.location, h.grid_code, h.members, h.tags,
                    h.head_name, h.id_number, h.phone);
}
inline auto fields(const Facility& f) { return std::tie(f.id, f.kind, f.name, f.location, f.grid_code); }
inline auto fields(const Incident& i) {
    return std::tie(i.id, i.category, i.source, i.triage, i.state, i.description, i.location, i.grid_code,
                    i.assignee, i.reported_at, i.dispatched_at, i.deadline, i.closed_at);
}
inline auto fields(const IncidentEvent& e) {
    return std::tie(e.id, e.incident_id, e.at, e.actor, e.from_state, e.to_state, e.note);
}
inline auto fields(const Visit& v) {
    return std::tie(v.id, v.staff_id, v.household_id, v.at, v.kind, v.note, v.reason, v.incident_id, v.client_key);
}

// Found by argument-dependent lookup from gtest's EXPECT_EQ.
template <class Row>
    requires requires(const Row& r) { fields(r); }
bool operator==(const Row& a, const Row& b) {
    return fields(a) == fields(b);
}

inline void PrintTo(const Grid& g, std::ostream* out) {
    *out << "{" << g.code << ", " << g.name << ", " << to_string(g.level) << ", parent " << g.parent_code << ", "
         << g.valid_from << "-" << (g.valid_to ? std::to_string(*g.valid_to) : "") << ", v" << g.version << ", "
         << g.geometry.polygons.size() << " parts, " << geo::vertex_count(g.geometry) << " vertices}";
}

}  // namespace wangge::model

namespace wangge::geo {
inline void PrintTo(const Point& p, std::ostream* out) { *out << "(" << p.x << ", " << p.y << ")"; }
}  // namespace wangge::geo

namespace wangge::store::testing {

/// Every row of every layer equal, layer by layer.
inline void expect_same(const model::Dataset& a, const model::Dataset& b) {
    EXPECT_EQ(a.grids, b.grids);
    EXPECT_EQ(a.staff, b.staff);
    EXPECT_EQ(a.staff_grids, b.staff_grids);
    EXPECT_EQ(a.households, b.households);
    EXPECT_EQ(a.facilities, b.facilities);
    EXPECT_EQ(a.incidents, b.incidents);
    EXPECT_EQ(a.incident_events, b.incident_events);
    EXPECT_EQ(a.visits, b.visits);
}

}  // namespace wangge::store::testing
