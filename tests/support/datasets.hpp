#pragma once
// The small community most server tests run on, and the users who see its slices.

#include "support/accounts.hpp"
#include "wangge/model/entities.hpp"

namespace wangge::support {

/// One street (110105001) with two communities: 001 split into grids 001001
/// (west) and 001002 (east), 002 with one grid 002001 whose boundary was
/// redrawn on 2026-01-01 (version 1 closed, version 2 current). Eight
/// households, two facilities, three incidents, three staff.
[[nodiscard]] model::Dataset sample_dataset();

/// Users for sample_dataset(): each sees its own slice of it.
namespace users {
inline const Account admin{"admin", auth::Role::admin};
inline const Account planner{"planner", auth::Role::planner};
/// Community 110105001001: grids 001001 and 001002 (households 1–7).
inline const Account supervisor{"supervisor", auth::Role::supervisor, {"110105001001"}};
/// Grid 110105001001001 (households 1–5), as staff 1 (张伟, its A岗).
inline const Account worker{"worker", auth::Role::grid_worker, {"110105001001001"}, 1};
/// Grid 110105001002001 (household 8), as staff 3 (王芳): another grid's worker.
inline const Account outsider{"outsider", auth::Role::grid_worker, {"110105001002001"}, 3};
}  // namespace users

}  // namespace wangge::support
