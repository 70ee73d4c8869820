// GeoPackageBatch: many writes, one commit (store.hpp, store_impl.hpp).

#include <string>

#include "gdal.hpp"
#include "store_impl.hpp"
#include "wangge/auth/audit_table.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

namespace {

constexpr const char* savepoint = "wangge_write";

}  // namespace

GeoPackageBatch::GeoPackageBatch(GeoPackageStore::Impl& store) : store_(store) {
    const detail::QuietGdalErrors quiet;
    transaction_.emplace(*store_.dataset);
}

GeoPackageBatch::~GeoPackageBatch() = default;

GDALDataset& GeoPackageBatch::dataset() const {
    if (!transaction_) throw StoreError("the write batch is over");
    return *store_.dataset;
}

std::unique_ptr<Batch> GeoPackageStore::begin_batch() {
    require_writable();
    return std::make_unique<GeoPackageBatch>(*impl_);
}

void GeoPackageStore::prepare_audit_log() {
    require_writable();
    auth::create_auth_tables(*impl_->dataset);
}

void GeoPackageBatch::isolated(const std::function<void()>& write) {
    GDALDataset& data = dataset();
    {
        const detail::QuietGdalErrors quiet;
        (void)detail::execute_sql(data, std::string("SAVEPOINT ") + savepoint);
    }
    try {
        write();
    } catch (...) {
        const detail::QuietGdalErrors quiet;
        try {
            // ROLLBACK TO undoes the write but keeps the savepoint open; RELEASE ends it.
            (void)detail::execute_sql(data, std::string("ROLLBACK TO ") + savepoint);
            (void)detail::execute_sql(data, std::string("RELEASE ") + savepoint);
        } catch (const StoreError&) {
            broken_ = true;
        }
        throw;
    }
    const detail::QuietGdalErrors quiet;
    (void)detail::execute_sql(data, std::string("RELEASE ") + savepoint);
}

void GeoPackageBatch::upsert(model::Dataset& added, const model::Dataset& replaced) {
    GDALDataset& data = dataset();
    const detail::QuietGdalErrors quiet;
    detail::set_assigned_ids(added, detail::write_rows(data, store_.path, added, replaced, {}));
}

void GeoPackageBatch::append_audit(auth::AuditEntry& entry) { auth::insert_audit_row(dataset(), entry); }

void GeoPackageBatch::commit() {
    (void)dataset();
    const detail::QuietGdalErrors quiet;
    detail::commit_batch(transaction_, broken_);
}

}  // namespace wangge::store
