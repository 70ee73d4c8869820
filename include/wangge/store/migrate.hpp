#pragma once
// Moving a deployment from a GeoPackage file into a PostgreSQL/PostGIS
// database (`wangge migrate`, docs/postgis-store.md "Moving a deployment").
//
// Everything the file holds moves: the entity layers with their ids, and the
// tables beside them (audit log, users, sessions, departments, case photos,
// household versions) row for row, ids included; each identity sequence is
// then moved past the highest id. The schema and every row are written in
// ONE transaction, and the rows of each table are counted on both sides
// before it commits: a failure or a count that differs leaves the database
// as it was.
//
// Thread safety: a free function over its own connections.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/store/store.hpp"

namespace wangge::store {

/// One table's rows in the file and, after the copy, in the database.
struct TableCount {
    std::string table;
    std::int64_t source = 0;
    std::int64_t target = 0;
};

/// Copies the GeoPackage store at `from` into a new store in the database at
/// `to` (a postgresql:// address) and returns the counts, table by table.
/// Throws StoreError when `from` is no store, `to` already holds one (nothing
/// is written then), or the copy fails or its counts differ (rolled back).
std::vector<TableCount> migrate_to_database(const std::filesystem::path& from, std::string_view to,
                                            const Progress& progress = {});

}  // namespace wangge::store
