// GeoPackageStore::Batch: many writes, one commit (geopackage.hpp).

#include <optional>
#include <tuple>
#include <utility>

#include "gdal.hpp"
#include "store_impl.hpp"
#include "wangge/auth/audit_table.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

namespace {

constexpr const char* savepoint = "wangge_write";

/// Runs one write in a batch of its own; `rows` get their ids only once it has committed.
template <class Write, class... Rows>
void write_alone(GeoPackageStore& store, Write write, Rows&... rows) {
    std::tuple<Rows...> copies(rows...);
    GeoPackageStore::Batch batch = store.begin_batch();
    std::apply([&](auto&... copy) { write(batch, copy...); }, copies);
    batch.commit();
    std::tie(rows...) = std::move(copies);
}

}  // namespace

struct GeoPackageStore::Batch::State {
    GeoPackageStore::Impl* impl = nullptr;
    std::optional<detail::WriteTransaction> transaction;
    /// A savepoint could not be undone: the batch holds a failed write and must not commit.
    bool broken = false;
};

GeoPackageStore::Batch::Batch(std::unique_ptr<State> state) : state_(std::move(state)) {}
GeoPackageStore::Batch::~Batch() = default;  // an open WriteTransaction rolls back
GeoPackageStore::Batch::Batch(Batch&&) noexcept = default;
GeoPackageStore::Batch& GeoPackageStore::Batch::operator=(Batch&&) noexcept = default;

GDALDataset& GeoPackageStore::Batch::dataset() const {
    if (!state_ || !state_->transaction) throw StoreError("the write batch is over");
    return *state_->impl->dataset;
}

GeoPackageStore::Batch GeoPackageStore::begin_batch() {
    require_writable();
    const detail::QuietGdalErrors quiet;
    auto state = std::make_unique<Batch::State>();
    state->impl = impl_.get();
    state->transaction.emplace(*impl_->dataset);
    return Batch(std::move(state));
}

void GeoPackageStore::prepare_audit_log() {
    require_writable();
    auth::create_auth_tables(*impl_->dataset);
}

void GeoPackageStore::Batch::isolated(const std::function<void()>& write) {
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
            state_->broken = true;
        }
        throw;
    }
    const detail::QuietGdalErrors quiet;
    (void)detail::execute_sql(data, std::string("RELEASE ") + savepoint);
}

void GeoPackageStore::Batch::upsert(model::Dataset& added, const model::Dataset& replaced) {
    GDALDataset& data = dataset();
    const detail::QuietGdalErrors quiet;
    detail::set_assigned_ids(added, detail::write_rows(data, state_->impl->path, added, replaced, {}));
}

void GeoPackageStore::Batch::append_audit(auth::AuditEntry& entry) { auth::insert_audit_row(dataset(), entry); }

void GeoPackageStore::Batch::commit() {
    (void)dataset();
    const detail::QuietGdalErrors quiet;
    if (state_->broken) {
        state_->transaction.reset();  // rolls back
        throw StoreError("a failed write could not be undone; the whole batch was rolled back");
    }
    // Over even when the commit throws (Transaction::commit has rolled back then).
    try {
        state_->transaction->commit();
    } catch (...) {
        state_->transaction.reset();
        throw;
    }
    state_->transaction.reset();
}

void GeoPackageStore::publish_layout(const LayoutPublication& publication) {
    write_alone(*this, [&](Batch& batch) { batch.publish_layout(publication); });
}

void GeoPackageStore::insert_incident(model::Incident& incident, model::IncidentEvent& first_event) {
    write_alone(
        *this, [](Batch& batch, model::Incident& i, model::IncidentEvent& e) { batch.insert_incident(i, e); }, incident,
        first_event);
}

void GeoPackageStore::update_incident(const model::Incident& incident, model::IncidentEvent& event) {
    write_alone(
        *this, [&](Batch& batch, model::IncidentEvent& e) { batch.update_incident(incident, e); }, event);
}

void GeoPackageStore::append_visit(model::Visit& visit) {
    write_alone(*this, [](Batch& batch, model::Visit& v) { batch.append_visit(v); }, visit);
}

void GeoPackageStore::update_staff(const StaffUpdate& update) {
    write_alone(*this, [&](Batch& batch) { batch.update_staff(update); });
}

}  // namespace wangge::store
