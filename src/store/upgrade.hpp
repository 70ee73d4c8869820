#pragma once
// Bringing a store written by an older build up to this build's columns
// (schema_version stays 1: only optional columns are ever added this way).
//
// Columns added since the first release:
//   visits.reason, visits.incident_id, visits.client_key (issue #15: the kind's
//   reason, the incident a visit raised, the phone's idempotency key), with a
//   unique index on the non-empty client keys, so a replayed offline visit can
//   never be stored twice, not even by two writes of one batch.
//
// A read-only open reads an older file as it is: read_rows() gives an absent
// optional column its default. A writable open adds the columns for good.
//
// Private to the store module.

#include <gdal_priv.h>


namespace wangge::store::detail {

/// Adds every optional column a layer lacks and the indexes above; idempotent.
/// Throws StoreError when the file refuses.
void upgrade_layers(GDALDataset& dataset);

}  // namespace wangge::store::detail
