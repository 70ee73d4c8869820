// The server's tables in the PostGIS store's database (postgis_tables.hpp).

#include "wangge/store/postgis_tables.hpp"

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "household_json.hpp"
#include "pg.hpp"
#include "pg_pool.hpp"
#include "photo_row.hpp"
#include "postgis_batch.hpp"
#include "postgis_rows.hpp"
#include "postgis_schema.hpp"

namespace wangge::store {

namespace {

using detail::params_of;
using detail::PgConnection;
using detail::PgPool;
using detail::PgResult;
using detail::PgTransaction;
using detail::time_text;

/// Connections for concurrent calls: a few, since each call is short and
/// the snapshot, not these tables, answers most requests.
constexpr std::size_t pool_limit = 4;

/// `location`, once the store's schema there is brought up to date (before
/// the pool's connections take settings such as read-only).
std::string with_schema_open(std::string_view location) {
    PgConnection connection{std::string(location)};
    (void)detail::open_schema(connection, detail::migrations());
    return std::string(location);
}

/// A pool of connections to the store at `location`.
struct Shared {
    explicit Shared(std::string_view location, std::size_t limit = pool_limit, PgPool::Prepare prepare = {})
        : pool(with_schema_open(location), limit, std::move(prepare)) {}
    mutable PgPool pool;
};

/// Columns `first`… of a text-format row.
struct TextRow {
    const PgResult& result;
    int row;
    int first = 0;
    [[nodiscard]] std::int64_t int64(int c) const { return result.text_int(row, first + c); }
    [[nodiscard]] std::string_view text(int c) const { return result.bytes(row, first + c); }
    [[nodiscard]] bool is_null(int c) const { return result.is_null(row, first + c); }
    /// A double sent as text (extra_float_digits = 3: the digits that read back to the same double).
    [[nodiscard]] double real(int c) const { return std::stod(std::string(text(c))); }
};

std::string epoch(std::string_view column) { return "extract(epoch FROM " + std::string(column) + ")::bigint"; }

// ---- users, sessions, audit ----

const std::string user_columns = "u.id, u.name, u.role, array_to_json(u.grid_codes), u.staff_id, u.disabled, " +
                                 epoch("u.created_at") + ", " + epoch("u.updated_at");
constexpr int user_column_count = 8;

auth::User user_of(const TextRow& row) {
    auth::User user;
    user.id = row.int64(0);
    user.name = std::string(row.text(1));
    const auto role = auth::parse_role(row.text(2));
    if (!role) throw auth::AuthStoreError("user " + user.name + " has an unknown role '" + std::string(row.text(2)) + "'");
    user.role = *role;
    user.grid_codes = nlohmann::json::parse(row.text(3)).get<std::vector<std::string>>();
    if (!row.is_null(4)) user.staff_id = row.int64(4);
    user.disabled = row.text(5) == "t";
    user.created_at = row.int64(6);
    user.updated_at = row.int64(7);
    return user;
}

/// Inside a transaction: moves the revocation counter on; returns its new value.
std::int64_t bump_generation(PgConnection& connection) {
    return connection.execute("UPDATE auth_revocations SET generation = generation + 1 RETURNING generation")
        .text_int(0, 0);
}

auth::AuditEntry audit_of(const TextRow& row) {
    auth::AuditEntry entry;
    entry.id = row.int64(0);
    entry.at = row.int64(1);
    if (!row.is_null(2)) entry.user_id = row.int64(2);
    entry.user_name = std::string(row.text(3));
    entry.action = std::string(row.text(4));
    entry.collection = std::string(row.text(5));
    const auto ids = nlohmann::json::parse(row.text(6), nullptr, false);
    if (ids.is_array()) {
        for (const auto& id : ids) {
            if (id.is_string()) entry.record_ids.push_back(id.get<std::string>());
        }
    }
    entry.client = std::string(row.text(7));
    entry.outcome = auth::parse_outcome(row.text(8)).value_or(auth::Outcome::error);
    entry.detail = std::string(row.text(9));
    return entry;
}

}  // namespace

struct PostgisAuthStore::Impl : Shared {
    using Shared::Shared;

    /// Changes one user row (`assignment`, with $2 its value) in a transaction,
    /// deleting the user's sessions when `revoke_sessions`. Every account
    /// change revokes; returns the generation it moved to.
    std::int64_t update_user(std::int64_t user_id, const std::string& assignment, std::string value,
                             model::Timestamp now, bool revoke_sessions) {
        const PgPool::Lease lease = pool.checkout();
        PgConnection& connection = *lease;
        PgTransaction transaction(connection);
        const std::string id = std::to_string(user_id);
        const PgResult updated = connection.execute(
            "UPDATE users SET " + assignment + ", updated_at = $3 WHERE id = $1",
            params_of({id, std::move(value), time_text(now)}));
        if (updated.affected() == 0) throw InputError("no user with id " + id);
        if (revoke_sessions) (void)connection.execute("DELETE FROM sessions WHERE user_id = $1", params_of({id}));
        const std::int64_t moved_to = bump_generation(connection);
        transaction.commit();
        return moved_to;
    }
};

PostgisAuthStore::PostgisAuthStore(std::string_view location) : impl_(std::make_unique<Impl>(location)) {}
PostgisAuthStore::~PostgisAuthStore() = default;

auth::User PostgisAuthStore::insert_user(auth::User user, std::string_view password_hash) {
    std::optional<std::string> staff;
    if (user.staff_id) staff = std::to_string(*user.staff_id);
    const PgPool::Lease lease = impl_->pool.checkout();
    PgConnection& connection = *lease;
    const PgResult inserted = connection.execute(
        "INSERT INTO users (name, role, grid_codes, staff_id, disabled, password_hash, created_at, updated_at) "
        "VALUES ($1, $2, ARRAY(SELECT json_array_elements_text($3::json)), $4, $5, $6, $7, $8) "
        "ON CONFLICT (name) DO NOTHING RETURNING id",
        params_of({user.name, std::string(auth::to_string(user.role)), nlohmann::json(user.grid_codes).dump(), staff,
                   user.disabled ? "true" : "false", std::string(password_hash), time_text(user.created_at),
                   time_text(user.updated_at)}));
    if (inserted.rows() == 0) throw InputError("user '" + user.name + "' exists");
    user.id = inserted.text_int(0, 0);
    return user;
}

std::optional<auth::Credentials> PostgisAuthStore::find_credentials(std::string_view name) const {
    const PgPool::Lease lease = impl_->pool.checkout();
    PgConnection& connection = *lease;
    const PgResult rows = connection.execute(
        "SELECT " + user_columns + ", u.password_hash FROM users u WHERE u.name = $1", params_of({std::string(name)}));
    if (rows.rows() == 0) return std::nullopt;
    return auth::Credentials{user_of(TextRow{rows, 0}), std::string(rows.bytes(0, user_column_count))};
}

std::vector<auth::User> PostgisAuthStore::users() const {
    const PgPool::Lease lease = impl_->pool.checkout();
    PgConnection& connection = *lease;
    // COLLATE "C": byte order, as the GeoPackage store's SQLite sorts.
    const PgResult rows = connection.execute("SELECT " + user_columns + " FROM users u ORDER BY u.name COLLATE \"C\"");
    std::vector<auth::User> users;
    for (int r = 0; r < rows.rows(); ++r) users.push_back(user_of(TextRow{rows, r}));
    return users;
}

std::int64_t PostgisAuthStore::set_password_hash(std::int64_t user_id, std::string_view password_hash,
                                                 model::Timestamp now) {
    return impl_->update_user(user_id, "password_hash = $2", std::string(password_hash), now, true);
}

std::int64_t PostgisAuthStore::set_disabled(std::int64_t user_id, bool disabled, model::Timestamp now) {
    return impl_->update_user(user_id, "disabled = $2", disabled ? "true" : "false", now, disabled);
}

void PostgisAuthStore::insert_session(const auth::SessionRecord& session, model::Timestamp now) {
    const PgPool::Lease lease = impl_->pool.checkout();
    PgConnection& connection = *lease;
    PgTransaction transaction(connection);
    (void)connection.execute("DELETE FROM sessions WHERE expires_at <= $1", params_of({time_text(now)}));
    (void)connection.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, client) VALUES ($1, $2, $3, $4, $5)",
        params_of({session.token_hash, std::to_string(session.user_id), time_text(session.created_at),
                   time_text(session.expires_at), session.client}));
    transaction.commit();
}

std::optional<auth::ActiveSession> PostgisAuthStore::session_user(std::string_view token_hash,
                                                                  model::Timestamp now) const {
    const PgPool::Lease lease = impl_->pool.checkout();
    PgConnection& connection = *lease;
    const PgResult rows = connection.execute(
        "SELECT " + user_columns + ", " + epoch("s.expires_at") +
            " FROM sessions s JOIN users u ON u.id = s.user_id"
            " WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
        params_of({std::string(token_hash), time_text(now)}));
    if (rows.rows() == 0) return std::nullopt;
    return auth::ActiveSession{user_of(TextRow{rows, 0}), rows.text_int(0, user_column_count)};
}

std::optional<auth::EndedSession> PostgisAuthStore::delete_session(std::string_view token_hash) {
    const PgPool::Lease lease = impl_->pool.checkout();
    PgConnection& connection = *lease;
    PgTransaction transaction(connection);
    const PgResult deleted =
        connection.execute("DELETE FROM sessions s USING users u WHERE s.token_hash = $1 AND u.id = s.user_id "
                           "RETURNING " + user_columns,
                           params_of({std::string(token_hash)}));
    if (deleted.rows() == 0) return std::nullopt;
    auth::User owner = user_of(TextRow{deleted, 0});
    const std::int64_t moved_to = bump_generation(connection);
    transaction.commit();
    return auth::EndedSession{std::move(owner), moved_to};
}

std::int64_t PostgisAuthStore::revocation_generation() const {
    const PgPool::Lease lease = impl_->pool.checkout();
    PgConnection& connection = *lease;
    const PgResult row = connection.execute("SELECT generation FROM auth_revocations");
    if (row.rows() != 1) throw auth::AuthStoreError("table auth_revocations does not have one row");
    return row.text_int(0, 0);
}

void PostgisAuthStore::append_audit(std::span<auth::AuditEntry> entries) {
    std::vector<std::int64_t> ids;
    ids.reserve(entries.size());
    {
        const PgPool::Lease lease = impl_->pool.checkout();
        PgConnection& connection = *lease;
        PgTransaction transaction(connection);
        for (auth::AuditEntry entry : entries) {  // a copy: ids are true only once committed
            detail::insert_audit_row(connection, entry);
            ids.push_back(entry.id);
        }
        transaction.commit();
    }
    for (std::size_t i = 0; i < entries.size(); ++i) entries[i].id = ids[i];
}

auth::AuditPage PostgisAuthStore::query_audit(const auth::AuditQuery& query) const {
    auth::check_audit_query(query);
    std::vector<std::optional<std::string>> values;
    std::string where = " WHERE true";
    const auto filter = [&](const char* condition, std::string value) {
        values.push_back(std::move(value));
        where += std::string(" AND ") + condition + " $" + std::to_string(values.size());
    };
    if (query.user_name) filter("user_name =", *query.user_name);
    if (query.action) filter("action =", *query.action);
    if (query.from) filter("at >=", time_text(*query.from));
    if (query.to) filter("at <", time_text(*query.to));

    const PgPool::Lease lease = impl_->pool.checkout();
    PgConnection& connection = *lease;
    auth::AuditPage page;
    page.total = static_cast<std::size_t>(
        connection.execute("SELECT count(*) FROM audit_log" + where, params_of(values)).text_int(0, 0));
    const PgResult rows = connection.execute(
        "SELECT id, " + epoch("at") +
            ", user_id, user_name, action, collection, record_ids, client, outcome, detail FROM audit_log" + where +
            " ORDER BY at DESC, id DESC LIMIT " + std::to_string(query.limit) + " OFFSET " +
            std::to_string(query.offset),
        params_of(values));
    for (int r = 0; r < rows.rows(); ++r) page.entries.push_back(audit_of(TextRow{rows, r}));
    return page;
}

// ---- photos and household versions ----

namespace {

const std::string photo_columns = "id, incident_id, stage, " + epoch("at") +
                                  ", uploader, content_type, width, height, size, lon, lat";

}  // namespace

struct PostgisRecords::Impl : Shared {
    explicit Impl(std::string_view location)
        : Shared(location, pool_limit, [](PgConnection& connection) {
              connection.on_connect("SET default_transaction_read_only = on");
              // Coordinates in text that reads back to the same double.
              connection.on_connect("SET extra_float_digits = 3");
          }) {}

    std::vector<workflow::HouseholdChange> versions(const std::string& where, std::vector<std::optional<std::string>> values) {
        const PgResult rows = pool.checkout()->execute(
            "SELECT id, household_id, kind, " + epoch("at") +
                ", \"user\", source, before, after FROM household_versions WHERE " + where + " ORDER BY at, id",
            params_of(std::move(values)));
        std::vector<workflow::HouseholdChange> changes;
        for (int r = 0; r < rows.rows(); ++r) changes.push_back(detail::household_change_of(TextRow{rows, r}));
        return changes;
    }
};

PostgisRecords::PostgisRecords(std::string_view location) : impl_(std::make_unique<Impl>(location)) {}
PostgisRecords::~PostgisRecords() = default;

std::vector<PhotoInfo> PostgisRecords::list_photos(std::int64_t incident_id) const {
    const PgPool::Lease lease = impl_->pool.checkout();
    PgConnection& connection = *lease;
    const PgResult rows = connection.execute(
        "SELECT " + photo_columns + " FROM incident_photos WHERE incident_id = $1 ORDER BY at, id",
        params_of({std::to_string(incident_id)}));
    std::vector<PhotoInfo> photos;
    for (int r = 0; r < rows.rows(); ++r) photos.push_back(detail::photo_info_of(TextRow{rows, r}));
    return photos;
}

std::optional<Photo> PostgisRecords::read_photo(std::int64_t incident_id, std::int64_t photo_id) const {
    const PgPool::Lease lease = impl_->pool.checkout();
    PgConnection& connection = *lease;
    const PgResult row = connection.execute(
        "SELECT " + photo_columns + " FROM incident_photos WHERE id = $1 AND incident_id = $2",
        params_of({std::to_string(photo_id), std::to_string(incident_id)}));
    if (row.rows() == 0) return std::nullopt;
    // The bytes in binary: bytea as text would be hex, twice the size.
    const PgResult bytes = connection.execute("SELECT bytes FROM incident_photos WHERE id = $1",
                                                     params_of({std::to_string(photo_id)}), true);
    if (bytes.rows() == 0) return std::nullopt;
    return Photo{detail::photo_info_of(TextRow{row, 0}), std::string(bytes.bytes(0, 0))};
}

std::vector<workflow::HouseholdChange> PostgisRecords::household_history(std::int64_t household_id) const {
    return impl_->versions("household_id = $1", {std::to_string(household_id)});
}

std::vector<workflow::HouseholdChange> PostgisRecords::household_versions_between(model::Timestamp from,
                                                                                  model::Timestamp until) const {
    return impl_->versions("at >= $1 AND at < $2", {time_text(from), time_text(until)});
}

// ---- departments ----

namespace {

constexpr const char* upsert_department =
    "INSERT INTO departments (code, name, acknowledge_hours, hours_general, hours_coordination, hours_urgent) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET name = $2, acknowledge_hours = $3, "
    "hours_general = $4, hours_coordination = $5, hours_urgent = $6 RETURNING (xmax = 0)";

/// Stores the department; true when it was new.
bool write_department(PgConnection& connection, const workflow::Department& department) {
    std::vector<std::optional<std::string>> values{department.code, department.name,
                                                   std::to_string(department.acknowledge_hours)};
    for (const auto hours : department.deadline_hours) values.emplace_back(std::to_string(hours));
    // xmax is 0 on a row this statement inserted, set on one it updated.
    return connection.execute(upsert_department, params_of(std::move(values))).bytes(0, 0) == "t";
}

}  // namespace

/// One connection: DepartmentStore makes one call at a time.
struct PostgisDepartmentTable::Impl : Shared {
    explicit Impl(std::string_view location) : Shared(location, 1) {}
};

PostgisDepartmentTable::PostgisDepartmentTable(std::string_view location) : impl_(std::make_unique<Impl>(location)) {
    const PgPool::Lease lease = impl_->pool.checkout();
    PgConnection& connection = *lease;
    PgTransaction transaction(connection);
    // Two servers starting at once fill it once: the second waits, then finds rows.
    (void)connection.execute("LOCK TABLE departments IN SHARE ROW EXCLUSIVE MODE");
    if (connection.execute("SELECT count(*) FROM departments").text_int(0, 0) == 0) {
        for (const workflow::Department& department : workflow::default_departments()) {
            (void)write_department(connection, department);
        }
    }
    transaction.commit();
}

PostgisDepartmentTable::~PostgisDepartmentTable() = default;

std::vector<workflow::Department> PostgisDepartmentTable::read_all() const {
    const PgResult rows = impl_->pool.checkout()->execute(
        "SELECT code, name, acknowledge_hours, hours_general, hours_coordination, hours_urgent FROM departments "
        "ORDER BY code COLLATE \"C\"");
    std::vector<workflow::Department> loaded;
    for (int r = 0; r < rows.rows(); ++r) {
        workflow::Department& department = loaded.emplace_back();
        department.code = std::string(rows.bytes(r, 0));
        department.name = std::string(rows.bytes(r, 1));
        department.acknowledge_hours = rows.text_int(r, 2);
        for (int i = 0; i < 3; ++i) department.deadline_hours[static_cast<std::size_t>(i)] = rows.text_int(r, 3 + i);
    }
    return loaded;
}

bool PostgisDepartmentTable::write(const workflow::Department& department, const DepartmentAudit& audit) {
    const PgPool::Lease lease = impl_->pool.checkout();
    PgTransaction transaction(*lease);
    const bool added = write_department(*lease, department);
    auth::AuditEntry entry = audit(added);
    detail::insert_audit_row(*lease, entry);
    transaction.commit();
    return added;
}

}  // namespace wangge::store
