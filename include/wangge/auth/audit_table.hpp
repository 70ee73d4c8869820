#pragma once
// The auth tables of a store's GeoPackage file, written through any GDAL
// connection to it: the AuthStore's own, and the entity store's write batches
// (store::Batch), whose audit rows commit in the same
// transaction as the write they record (DESIGN §2). One definition of the
// row format for both.
//
// Thread safety: functions of a dataset, which the caller does not share
// between threads.

#include "wangge/auth/audit.hpp"

class GDALDataset;
struct sqlite3;

namespace wangge::auth {

/// Creates what the file lacks of `users`, `sessions` and `audit_log`, their
/// indexes and audit_log's append-only triggers, in one transaction. Throws
/// AuthStoreError (auth_store.hpp).
void create_auth_tables(GDALDataset& dataset);

/// Inserts `entry` into audit_log inside the caller's open transaction (it
/// is stored only if that commits) and sets entry.id. Throws InputError for
/// text with a NUL character, AuthStoreError when SQLite refuses the row.
void insert_audit_row(GDALDataset& dataset, AuditEntry& entry);
/// The same on a SQLite connection of the caller's to the file (the
/// departments table's, store/departments.hpp).
void insert_audit_row(sqlite3* db, AuditEntry& entry);

}  // namespace wangge::auth
