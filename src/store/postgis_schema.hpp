#pragma once
// The PostGIS store's schema and its forward migrations (postgis-store.md).
//
// The table wangge_schema holds one row, the version. migrations()[i] brings
// a database from version i to i + 1: version 1 is the first schema. A later
// change is one more entry at the end of the list, never an edit of one that
// shipped. Opening a database migrates it forward in one transaction, so a
// failing migration leaves it as it was.
//
// Private to the store module. Thread safety: functions of a connection the
// caller does not share.

#include <span>
#include <string>
#include <vector>

#include "pg.hpp"

namespace wangge::store::detail {

/// One step forward: the statements that take the schema from the version
/// before to the next.
using Migration = std::vector<std::string> (*)();

/// Every migration this build knows, oldest first.
[[nodiscard]] std::span<const Migration> migrations();

/// The schema version this build reads and writes (the number of migrations).
[[nodiscard]] int postgis_schema_version();

/// Whether the database has wangge's tables.
[[nodiscard]] bool has_store(PgConnection& connection);

/// Creates the PostGIS extension when missing and every table, in one
/// transaction. Throws StoreError when a store exists there or PostGIS cannot
/// be had.
void create_schema(PgConnection& connection);
/// As create_schema(), inside the caller's transaction (wangge migrate:
/// the schema and the rows copied into it commit together).
void create_schema_tables(PgConnection& connection);

/// Every table of a store: the layers, then the others the migrations create.
[[nodiscard]] std::vector<std::string> schema_tables();

/// Drops every table of a store (and its trigger function), in one
/// transaction: a store just created whose first write failed.
void drop_schema(PgConnection& connection);

/// The version of the store behind `connection` after bringing it up to
/// `steps` (migrations() but for tests). Throws StoreError when the database
/// has no store or one newer than `steps`.
int open_schema(PgConnection& connection, std::span<const Migration> steps);

}  // namespace wangge::store::detail
