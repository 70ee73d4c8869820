// model::GridMembers: rows by grid code through appends and changes of code,
// the same as a fresh build of the rows.

#include "wangge/model/grid_members.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "wangge/model/entities.hpp"

namespace wangge::model {
namespace {

std::vector<std::size_t> members_of(const GridMembers& members, std::string_view code) {
    std::vector<std::size_t> positions;
    members.visit(code, [&](std::size_t position) { positions.push_back(position); });
    std::sort(positions.begin(), positions.end());
    return positions;
}

Incident in_grid(std::int64_t id, std::string code) {
    Incident incident;
    incident.id = id;
    incident.grid_code = std::move(code);
    return incident;
}

TEST(GridMembers, AppendsAndMovesMatchAFreshBuild) {
    Table<Incident> rows(std::vector<Incident>{in_grid(1, "A"), in_grid(2, "B"), in_grid(3, "A")});
    const GridMembers first = GridMembers::build(rows);
    EXPECT_EQ(members_of(first, "A"), (std::vector<std::size_t>{0, 2}));

    Table<Incident> edited = rows;
    edited.set(0, in_grid(1, "B"));    // moved to B
    edited.push_back(in_grid(4, "C"));  // a new grid code
    const std::vector<std::size_t> changed{0, 3};
    const GridMembers next = first.next(edited, changed);
    EXPECT_EQ(next.overlay_size(), 2u);
    const GridMembers fresh = GridMembers::build(edited);
    for (const char* code : {"A", "B", "C", "D"}) EXPECT_EQ(members_of(next, code), members_of(fresh, code)) << code;
    EXPECT_EQ(members_of(first, "A"), (std::vector<std::size_t>{0, 2}));  // the earlier version is unchanged

    Table<Incident> back = edited;
    back.set(0, in_grid(1, "A"));  // and back again
    const std::vector<std::size_t> again{0};
    EXPECT_EQ(members_of(next.next(back, again), "A"), (std::vector<std::size_t>{0, 2}));
    EXPECT_EQ(members_of(next.next(back, again), "B"), (std::vector<std::size_t>{1}));
}

}  // namespace
}  // namespace wangge::model
