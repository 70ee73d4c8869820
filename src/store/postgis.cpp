#include "wangge/store/postgis.hpp"

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "household_json.hpp"
#include "pg.hpp"
#include "postgis_batch.hpp"
#include "postgis_rows.hpp"
#include "postgis_schema.hpp"
#include "row_codec.hpp"
#include "store_impl.hpp"
#include "tables.hpp"
#include "wangge/model/snapshot.hpp"

namespace wangge::store {

namespace {

/// Rows between progress reports.
constexpr std::size_t progress_rows = 50'000;

/// The columns of one COPY row from `first` on (binary format).
struct PgColumns {
    const detail::PgCopyRow& row;
    std::size_t first;

    [[nodiscard]] std::string_view text(int i) const noexcept { return row.bytes(first + static_cast<std::size_t>(i)); }
    [[nodiscard]] int int32(int i) const noexcept { return static_cast<int>(int64(i)); }
    [[nodiscard]] std::int64_t int64(int i) const noexcept { return detail::binary_int(text(i)); }
    [[nodiscard]] std::optional<model::Timestamp> time(int i) const noexcept {
        if (row.is_null(first + static_cast<std::size_t>(i))) return std::nullopt;
        return int64(i);
    }
};

/// Reads one layer into `rows` (a vector or a model::Table) on `connection`
/// (inside its transaction, if one is open) as one binary COPY: no cursor
/// round trips, no text parsing. Every row, or those whose id is in `ids`.
template <class Row, class Rows>
void read_rows_on(detail::PgConnection& connection, const detail::Table<Row>& table, Rows& rows,
                  const Progress& progress, const std::optional<std::vector<std::int64_t>>& ids = std::nullopt) {
    using detail::quote_identifier;
    const std::string name(to_string(table.layer));
    std::size_t total = 0;
    if (ids) {
        total = ids->size();
    } else {
        const std::vector<detail::PgParam> table_name{{quote_identifier(name)}};
        // The planner's estimate: counting would read the whole table.
        const std::int64_t estimate =
            connection.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = $1::regclass", table_name)
                .text_int(0, 0);
        total = static_cast<std::size_t>(std::max<std::int64_t>(0, estimate));
    }
    if constexpr (requires { rows.reserve(total); }) rows.reserve(rows.size() + total);

    constexpr bool has_geometry = detail::geometry_kind<Row> != detail::GeometryKind::none;
    const std::string fid_column = quote_identifier(detail::fid_column<Row>);
    std::string sql = "COPY (SELECT " + fid_column;
    if constexpr (has_geometry) sql += ", ST_AsBinary(" + quote_identifier(detail::geometry_column) + ", 'NDR')";
    for (const detail::Column<Row>& column : table.columns) sql += ", " + detail::select_expression(column);
    sql += " FROM " + quote_identifier(name);
    if (ids) {
        // COPY takes no parameters; the literal is made of integers only.
        sql += " WHERE " + fid_column + " = ANY('" + detail::bigint_array(*ids) + "'::bigint[])";
    }
    sql += " ORDER BY " + fid_column + ") TO STDOUT (FORMAT binary)";
    connection.copy_out_begin(sql);
    const std::size_t first_field = has_geometry ? 2 : 1;
    const std::size_t fields = first_field + table.columns.size();

    std::size_t done = 0;
    detail::PgCopyRow copied;
    while (connection.copy_row(copied)) {
        const std::int64_t fid = detail::binary_int(copied.bytes(0));
        const auto fail = [&](const std::string& why) -> void {
            throw StoreError(name + " row " + std::to_string(fid) + " " + why);
        };
        if (copied.size() != fields) fail("has " + std::to_string(copied.size()) + " fields, not " + std::to_string(fields));
        Row& row = rows.emplace_back();  // filled in place: a row is never moved
        if constexpr (detail::has_id<Row>) row.id = fid;
        if constexpr (has_geometry) {
            const std::string_view wkb = copied.bytes(1);
            detail::read_geometry(row, {reinterpret_cast<const unsigned char*>(wkb.data()), wkb.size()}, fail);
        }
        detail::read_columns(row, table, PgColumns{copied, first_field}, fail);
        if (++done % progress_rows == 0 && progress) progress(name, done, std::max(total, done));
    }
    if (progress && done % progress_rows != 0) progress(name, done, done);
}

/// Reads one layer on a connection of its own; in the exported database
/// snapshot `snapshot` when one is given (load_tables_at_change()).
template <class Row, class Rows>
void read_rows(const std::string& uri, const detail::Table<Row>& table, Rows& rows, const Progress& progress,
               const std::string& snapshot = {}) {
    detail::PgConnection connection(uri);
    detail::PgTransaction transaction(connection);  // the snapshot is that of a transaction
    if (!snapshot.empty()) {
        (void)connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        (void)connection.execute("SET TRANSACTION SNAPSHOT '" + snapshot + "'");
    }
    read_rows_on(connection, table, rows, progress);
    transaction.commit();
}

template <class Data>
Data read_rows_of(const std::string& uri, std::span<const Layer> layers, const Progress& progress,
                  const std::string& snapshot = {}) {
    return detail::read_layers_into<Data>(layers, progress,
                                          [&uri, &snapshot](const auto& table, auto& rows, const Progress& p) {
                                              read_rows(uri, table, rows, p, snapshot);
                                          });
}

/// 16 random hex digits: the change table's origin of one open store.
std::string random_origin() {
    std::random_device random;
    std::uniform_int_distribution<std::uint64_t> bits;
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(bits(random)));
    return text;
}

}  // namespace

PostgisStore::PostgisStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgisStore::~PostgisStore() = default;

std::unique_ptr<PostgisStore> PostgisStore::create(std::string_view location) {
    auto impl = std::unique_ptr<Impl>(new Impl{std::string(location), detail::PgConnection(std::string(location))});
    detail::create_schema(impl->connection);
    impl->schema_version = detail::postgis_schema_version();
    impl->writable = true;
    impl->origin = random_origin();
    return std::unique_ptr<PostgisStore>(new PostgisStore(std::move(impl)));
}

bool PostgisStore::exists(std::string_view location) {
    detail::PgConnection connection{std::string(location)};
    return detail::has_store(connection);
}

std::unique_ptr<PostgisStore> PostgisStore::open(std::string_view location, bool writable) {
    auto impl = std::unique_ptr<Impl>(new Impl{std::string(location), detail::PgConnection(std::string(location))});
    impl->schema_version = detail::open_schema(impl->connection, detail::migrations());
    impl->writable = writable;
    impl->origin = random_origin();
    // A read-only store's connection refuses writes itself too.
    if (!writable) impl->connection.on_connect("SET default_transaction_read_only = on");
    return std::unique_ptr<PostgisStore>(new PostgisStore(std::move(impl)));
}

std::string PostgisStore::location() const { return impl_->connection.location(); }

int PostgisStore::schema_version() const { return impl_->schema_version; }

void PostgisStore::require_writable() const {
    if (!impl_->writable) throw StoreError(location() + " was opened read-only");
}

model::Dataset PostgisStore::read_layers(std::span<const Layer> layers, const Progress& progress) const {
    return read_rows_of<model::Dataset>(impl_->uri, layers, progress);
}

model::Tables PostgisStore::load_tables() const { return load_tables_at_change().tables; }

TablesAtChange PostgisStore::load_tables_at_change() const {
    // The layers are read on connections of their own, in parallel, all in the
    // snapshot this transaction exports (as pg_dump does), so the last change
    // read here is exactly the last one the tables include.
    detail::PgConnection coordinator(impl_->uri);
    detail::PgTransaction transaction(coordinator);
    (void)coordinator.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    const detail::PgResult exported =
        coordinator.execute("SELECT pg_export_snapshot(), coalesce((SELECT max(seq) FROM changes), 0)");
    const std::string snapshot(exported.bytes(0, 0));
    TablesAtChange loaded{read_rows_of<model::Tables>(impl_->uri, all_layers, {}, snapshot), exported.text_int(0, 1)};
    transaction.commit();
    return loaded;
}

model::Dataset PostgisStore::read_changed(std::span<const LayerChange> changes) const {
    detail::PgConnection& connection = impl_->connection;
    std::optional<detail::PgTransaction> transaction;  // a cursor lives in a transaction: the batch's, if open
    if (!connection.in_transaction()) transaction.emplace(connection);
    model::Dataset data;
    for (const LayerChange& change : changes) {
        detail::with_table(change.layer, [&](const auto& table) {
            read_rows_on(connection, table, detail::rows(data, table), {}, change.ids);
        });
    }
    if (transaction) transaction->commit();
    return data;
}

std::string PostgisStore::change_origin() const { return impl_->origin; }

namespace detail {

AssignedIds write_rows(PgConnection& connection, const model::Dataset& added, const model::Dataset& replaced,
                       const Progress& progress, ChangeLog& log) {
    AssignedIds assigned;
    for (const Layer layer : all_layers) {
        with_table(layer, [&](const auto& table) {
            using Row = typename std::decay_t<decltype(table)>::row_type;
            constexpr bool has_geometry = geometry_kind<Row> != GeometryKind::none;
            if constexpr (has_id<Row>) {
                const auto& rows = detail::rows(replaced, table);
                for (std::size_t i = 0; i < rows.size(); ++i) check_storable(rows[i], i, layer);
                if constexpr (has_geometry) {
                    // Where the replaced rows were: a map reloads the tiles there too.
                    std::vector<std::int64_t> ids;
                    ids.reserve(rows.size());
                    for (const Row& row : rows) ids.push_back(row.id);
                    log.cover_stored<Row>(connection, ids);
                }
                for (const Row& row : rows) {
                    if (!update_row(connection, row)) {
                        throw StoreError(std::string(to_string(layer)) + " has no row with id " +
                                         std::to_string(row.id) + " to update");
                    }
                    log.add(layer, row.id);
                    if constexpr (has_geometry) log.cover(layer, row_bounds(row));
                }
            }
            const auto& rows = detail::rows(added, table);
            if (rows.empty()) return;
            for (std::size_t i = 0; i < rows.size(); ++i) check_storable(rows[i], i, layer);
            std::vector<std::int64_t> ids = append_rows(connection, rows);
            if constexpr (has_geometry) {
                for (const Row& row : rows) log.cover(layer, row_bounds(row));
            }
            if constexpr (has_id<Row>) {
                std::vector<std::int64_t> listed = ids;
                for (std::size_t i = 0; i < rows.size(); ++i) {
                    if (rows[i].id != 0) listed[i] = rows[i].id;
                }
                log.add(layer, listed);
            } else {
                log.add_layer(layer);
            }
            assigned.emplace_back(layer, std::move(ids));
            if (progress) progress(to_string(layer), rows.size(), rows.size());
        });
    }
    return assigned;
}

void insert_audit_row(PgConnection& connection, auth::AuditEntry& entry) {
    static const std::string sql =
        "INSERT INTO audit_log (at, user_id, user_name, action, collection, record_ids, client, outcome, detail) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    // The GeoPackage audit log's row format (auth/audit_table.hpp): record ids as a JSON array.
    std::optional<std::string> user_id;
    if (entry.user_id) user_id = std::to_string(*entry.user_id);
    const std::vector<PgParam> params = params_of({time_text(entry.at), user_id, entry.user_name, entry.action,
                                                   entry.collection, nlohmann::json(entry.record_ids).dump(),
                                                   entry.client, std::string(auth::to_string(entry.outcome)),
                                                   entry.detail});
    entry.id = connection.execute(sql, params).text_int(0, 0);
}

}  // namespace detail

void PostgisStore::upsert(model::Dataset& added, const model::Dataset& replaced, std::vector<auth::AuditEntry>& audit,
                          const Progress& progress) {
    require_writable();
    detail::AssignedIds assigned;
    std::vector<std::int64_t> audit_ids;
    {
        detail::PgTransaction transaction(impl_->connection);
        detail::ChangeLog changes;
        assigned = detail::write_rows(impl_->connection, added, replaced, progress, changes);
        for (auth::AuditEntry entry : audit) {
            detail::insert_audit_row(impl_->connection, entry);
            audit_ids.push_back(entry.id);
        }
        (void)changes.write(impl_->connection, impl_->origin);  // last: the change lock is held until COMMIT
        transaction.commit();
    }
    // Only now that the rows are stored do their new ids become true.
    detail::set_assigned_ids(added, assigned);
    for (std::size_t i = 0; i < audit.size(); ++i) audit[i].id = audit_ids[i];
}

std::unique_ptr<Batch> PostgisStore::begin_batch() {
    require_writable();
    return std::make_unique<PostgisBatch>(*impl_);
}

void PostgisStore::prepare_audit_log() { require_writable(); }

}  // namespace wangge::store
