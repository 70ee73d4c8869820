#include "wangge/auth/auth_store.hpp"

#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "wangge/auth/audit_table.hpp"

#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

namespace wangge::auth {

namespace {

constexpr const char* users_table = "users";
constexpr const char* sessions_table = "sessions";
constexpr const char* audit_table = "audit_log";
constexpr const char* revocations_table = "auth_revocations";

struct Field {
    const char* name;
    OGRFieldType type;
};

struct TableSpec {
    const char* name;
    std::vector<Field> fields;
};

// The FID column of each table is "id".
const std::vector<TableSpec> tables{
    {users_table,
     {{"name", OFTString},
      {"role", OFTString},
      {"grid_codes", OFTString},
      {"staff_id", OFTInteger64},
      {"disabled", OFTInteger},
      {"password_hash", OFTString},
      {"created_at", OFTInteger64},
      {"updated_at", OFTInteger64}}},
    {sessions_table,
     {{"token_hash", OFTString},
      {"user_id", OFTInteger64},
      {"created_at", OFTInteger64},
      {"expires_at", OFTInteger64},
      {"client", OFTString}}},
    {audit_table,
     {{"at", OFTInteger64},
      {"user_id", OFTInteger64},
      {"user_name", OFTString},
      {"action", OFTString},
      {"collection", OFTString},
      {"record_ids", OFTString},
      {"client", OFTString},
      {"outcome", OFTString},
      {"detail", OFTString}}},
    // One row: a counter that every revoking write moves, so that a server
    // learns of another process's revocations with one cheap read.
    {revocations_table, {{"generation", OFTInteger64}}},
};

// Indexes for the lookups below, and the triggers that make audit_log append-only.
const std::vector<std::string> schema_statements{
    "CREATE UNIQUE INDEX IF NOT EXISTS users_name ON users(name)",
    "CREATE UNIQUE INDEX IF NOT EXISTS sessions_token_hash ON sessions(token_hash)",
    "CREATE INDEX IF NOT EXISTS sessions_user_id ON sessions(user_id)",
    "CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at)",
    "INSERT INTO auth_revocations (generation) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM auth_revocations)",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
};

constexpr const char* user_columns =
    "u.id, u.name, u.role, u.grid_codes, u.staff_id, u.disabled, u.created_at, u.updated_at";

void register_gdal() {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
}

/// Keeps GDAL from printing errors while alive; the code throws them instead.
class QuietGdalErrors {
public:
    QuietGdalErrors() {
        CPLPushErrorHandler(CPLQuietErrorHandler);
        CPLErrorReset();
    }
    ~QuietGdalErrors() { CPLPopErrorHandler(); }
    QuietGdalErrors(const QuietGdalErrors&) = delete;
    QuietGdalErrors& operator=(const QuietGdalErrors&) = delete;
};

[[noreturn]] void fail(const std::string& what) {
    const char* message = CPLGetLastErrorMsg();
    throw AuthStoreError(what + ": " + (message != nullptr && *message != '\0' ? message : "unknown GDAL error"));
}

/// A write transaction; rolled back unless committed.
class Transaction {
public:
    explicit Transaction(GDALDataset& dataset) : dataset_(dataset) {
        if (dataset_.StartTransaction() != OGRERR_NONE) fail("cannot start a transaction");
    }
    ~Transaction() {
        if (open_) dataset_.RollbackTransaction();
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit() {
        open_ = false;
        if (dataset_.CommitTransaction() != OGRERR_NONE) {
            dataset_.RollbackTransaction();
            fail("cannot commit");
        }
    }

private:
    GDALDataset& dataset_;
    bool open_ = true;
};

/// The layer of a SELECT, released back to its dataset.
class ResultSet {
public:
    ResultSet(GDALDataset& dataset, const std::string& sql)
        : dataset_(dataset), layer_(dataset.ExecuteSQL(sql.c_str(), nullptr, nullptr)) {
        if (layer_ == nullptr) fail("query failed");
    }
    ~ResultSet() { dataset_.ReleaseResultSet(layer_); }
    ResultSet(const ResultSet&) = delete;
    ResultSet& operator=(const ResultSet&) = delete;

    [[nodiscard]] OGRFeatureUniquePtr next() { return OGRFeatureUniquePtr(layer_->GetNextFeature()); }

private:
    GDALDataset& dataset_;
    OGRLayer* layer_;
};

/// Runs a statement that returns no rows.
void execute(GDALDataset& dataset, const std::string& sql) {
    CPLErrorReset();
    OGRLayer* unexpected = dataset.ExecuteSQL(sql.c_str(), nullptr, nullptr);
    if (unexpected != nullptr) dataset.ReleaseResultSet(unexpected);
    if (CPLGetLastErrorType() >= CE_Failure) fail("statement failed");
}

/// Text with NUL cannot be stored faithfully (SQLite and OGR end it there).
void reject_nul(std::string_view text) {
    if (text.find('\0') != std::string_view::npos) throw InputError("text contains a NUL character");
}

/// A SQL string literal.
std::string quote(std::string_view text) {
    reject_nul(text);
    std::string quoted = "'";
    for (const char c : text) {
        quoted += c;
        if (c == '\'') quoted += '\'';
    }
    return quoted + "'";
}

std::string join(const std::vector<std::string>& items) {
    std::string joined;
    for (const std::string& item : items) {
        if (!joined.empty()) joined += ',';
        joined += item;
    }
    return joined;
}

std::vector<std::string> split(std::string_view text) {
    std::vector<std::string> items;
    while (!text.empty()) {
        const std::size_t comma = text.find(',');
        items.emplace_back(text.substr(0, comma));
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return items;
}

User user_from(const OGRFeature& row) {
    User user;
    user.id = row.GetFID();
    user.name = row.GetFieldAsString("name");
    const auto role = parse_role(row.GetFieldAsString("role"));
    if (!role) throw AuthStoreError("user " + user.name + " has an unknown role '" + row.GetFieldAsString("role") + "'");
    user.role = *role;
    user.grid_codes = split(row.GetFieldAsString("grid_codes"));
    const int staff = row.GetFieldIndex("staff_id");
    if (row.IsFieldSetAndNotNull(staff)) user.staff_id = row.GetFieldAsInteger64(staff);
    user.disabled = row.GetFieldAsInteger("disabled") != 0;
    user.created_at = row.GetFieldAsInteger64("created_at");
    user.updated_at = row.GetFieldAsInteger64("updated_at");
    return user;
}

AuditEntry audit_from(const OGRFeature& row) {
    AuditEntry entry;
    entry.id = row.GetFID();
    entry.at = row.GetFieldAsInteger64("at");
    const int user_id = row.GetFieldIndex("user_id");
    if (row.IsFieldSetAndNotNull(user_id)) entry.user_id = row.GetFieldAsInteger64(user_id);
    entry.user_name = row.GetFieldAsString("user_name");
    entry.action = row.GetFieldAsString("action");
    entry.collection = row.GetFieldAsString("collection");
    const auto ids = nlohmann::json::parse(row.GetFieldAsString("record_ids"), nullptr, false);
    if (ids.is_array()) {
        for (const auto& id : ids) {
            if (id.is_string()) entry.record_ids.push_back(id.get<std::string>());
        }
    }
    entry.client = row.GetFieldAsString("client");
    entry.outcome = parse_outcome(row.GetFieldAsString("outcome")).value_or(Outcome::error);
    entry.detail = row.GetFieldAsString("detail");
    return entry;
}

void create_table(GDALDataset& dataset, const TableSpec& spec) {
    const char* options[] = {"FID=id", nullptr};
    OGRLayer* layer = dataset.CreateLayer(spec.name, nullptr, wkbNone, const_cast<char**>(options));
    if (layer == nullptr) fail(std::string("cannot create table ") + spec.name);
    for (const Field& field : spec.fields) {
        OGRFieldDefn definition(field.name, field.type);
        if (layer->CreateField(&definition) != OGRERR_NONE) {
            fail(std::string("cannot create column ") + spec.name + "." + field.name);
        }
    }
}

}  // namespace

void create_auth_tables(GDALDataset& dataset) {
    const QuietGdalErrors quiet;
    Transaction transaction(dataset);
    for (const TableSpec& spec : tables) {
        // Asked of SQLite, not of GDAL's layer list, which does not see a
        // table another connection created after this one opened the file.
        ResultSet existing(dataset, std::string("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ") +
                                        quote(spec.name));
        if (!existing.next()) create_table(dataset, spec);
    }
    for (const std::string& statement : schema_statements) execute(dataset, statement);
    transaction.commit();
}

void insert_audit_row(GDALDataset& dataset, AuditEntry& entry) {
    // SQLite itself, on GDAL's own connection (so inside its transaction),
    // with bound values: a map of household tiles audits thousands of ids a
    // second, and quoting them into SQL text for GDAL to parse, then reading
    // the row id back through an OGR result layer, cost more than the reads.
    auto* db = static_cast<sqlite3*>(dataset.GetInternalHandle("SQLITE_HANDLE"));
    if (db == nullptr) fail("the store has no SQLite connection for the audit log");
    insert_audit_row(db, entry);
}

void insert_audit_row(sqlite3* db, AuditEntry& entry) {
    static constexpr std::string_view sql =
        "INSERT INTO audit_log (at, user_id, user_name, action, collection, record_ids, client, outcome, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
        fail(std::string("cannot prepare the audit insert: ") + sqlite3_errmsg(db));
    }
    const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw, &sqlite3_finalize);
    const auto text = [&](int column, std::string_view value) {
        reject_nul(value);
        sqlite3_bind_text(raw, column, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    };
    sqlite3_bind_int64(raw, 1, entry.at);
    if (entry.user_id) sqlite3_bind_int64(raw, 2, *entry.user_id);
    text(3, entry.user_name);
    text(4, entry.action);
    text(5, entry.collection);
    text(6, nlohmann::json(entry.record_ids).dump());  // JSON, because record ids may contain any character
    text(7, entry.client);
    text(8, to_string(entry.outcome));
    text(9, entry.detail);
    if (sqlite3_step(raw) != SQLITE_DONE) fail(std::string("cannot write the audit row: ") + sqlite3_errmsg(db));
    entry.id = sqlite3_last_insert_rowid(db);
}

struct GeoPackageAuthStore::Impl {
    mutable std::mutex mutex;
    GDALDatasetUniquePtr dataset;

    OGRLayer& table(const char* name) const {
        OGRLayer* layer = dataset->GetLayerByName(name);
        if (layer == nullptr) throw AuthStoreError(std::string("table ") + name + " is missing");
        return *layer;
    }

    void create_feature(const char* table_name, OGRFeature& feature) {
        if (table(table_name).CreateFeature(&feature) != OGRERR_NONE) fail(std::string("cannot write ") + table_name);
    }

    void delete_sessions_of(std::int64_t user_id) {
        execute(*dataset, "DELETE FROM sessions WHERE user_id = " + std::to_string(user_id));
    }

    std::int64_t generation() const {
        ResultSet result(*dataset, std::string("SELECT generation FROM ") + revocations_table);
        const OGRFeatureUniquePtr row = result.next();
        if (!row) throw AuthStoreError(std::string("table ") + revocations_table + " is empty");
        return row->GetFieldAsInteger64(0);
    }

    /// Inside a write transaction: moves the counter on; returns its new value.
    std::int64_t bump_generation() {
        execute(*dataset, std::string("UPDATE ") + revocations_table + " SET generation = generation + 1");
        return generation();
    }

    /// Changes one user row in a transaction; `also` runs inside it. Every
    /// account change revokes; returns the generation it moved to.
    template <class Change, class Also>
    std::int64_t update_user(std::int64_t user_id, model::Timestamp now, Change change, Also also) {
        OGRLayer& users = table(users_table);
        Transaction transaction(*dataset);
        const OGRFeatureUniquePtr row(users.GetFeature(user_id));
        if (!row) throw InputError("no user with id " + std::to_string(user_id));
        change(*row);
        row->SetField("updated_at", static_cast<GIntBig>(now));
        if (users.SetFeature(row.get()) != OGRERR_NONE) fail("cannot update user " + std::to_string(user_id));
        also();
        const std::int64_t moved_to = bump_generation();
        transaction.commit();
        return moved_to;
    }
};

GeoPackageAuthStore::GeoPackageAuthStore(const std::filesystem::path& gpkg) : impl_(std::make_unique<Impl>()) {
    register_gdal();
    if (!std::filesystem::exists(gpkg)) {
        throw AuthStoreError("no store at " + gpkg.string() + " (create one with `wangge import --create`)");
    }
    const QuietGdalErrors quiet;
    const char* drivers[] = {"GPKG", nullptr};
    impl_->dataset.reset(GDALDataset::FromHandle(
        GDALOpenEx(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, nullptr, nullptr)));
    if (!impl_->dataset) fail("cannot open " + gpkg.string() + " as a GeoPackage for writing");
    // Wait for another process's write instead of failing at once.
    execute(*impl_->dataset, "PRAGMA busy_timeout = 5000");
    // An audit row is acknowledged durable (the read it records is answered
    // only after its commit): sync the log on every commit, as the entity store does.
    execute(*impl_->dataset, "PRAGMA synchronous = FULL");
    create_auth_tables(*impl_->dataset);
}

GeoPackageAuthStore::~GeoPackageAuthStore() = default;

User GeoPackageAuthStore::insert_user(User user, std::string_view password_hash) {
    const std::lock_guard lock(impl_->mutex);
    const QuietGdalErrors quiet;
    Transaction transaction(*impl_->dataset);
    {
        ResultSet existing(*impl_->dataset, "SELECT id FROM users WHERE name = " + quote(user.name));
        if (existing.next()) throw InputError("user '" + user.name + "' exists");
    }
    OGRLayer& users = impl_->table(users_table);
    OGRFeature row(users.GetLayerDefn());
    row.SetField("name", user.name.c_str());
    row.SetField("role", std::string(to_string(user.role)).c_str());
    row.SetField("grid_codes", join(user.grid_codes).c_str());
    if (user.staff_id) row.SetField("staff_id", static_cast<GIntBig>(*user.staff_id));
    row.SetField("disabled", user.disabled ? 1 : 0);
    row.SetField("password_hash", std::string(password_hash).c_str());
    row.SetField("created_at", static_cast<GIntBig>(user.created_at));
    row.SetField("updated_at", static_cast<GIntBig>(user.updated_at));
    impl_->create_feature(users_table, row);
    transaction.commit();
    user.id = row.GetFID();
    return user;
}

std::optional<Credentials> GeoPackageAuthStore::find_credentials(std::string_view name) const {
    const std::lock_guard lock(impl_->mutex);
    const QuietGdalErrors quiet;
    ResultSet result(*impl_->dataset, std::string("SELECT ") + user_columns +
                                          ", u.password_hash FROM users u WHERE u.name = " + quote(name));
    const OGRFeatureUniquePtr row = result.next();
    if (!row) return std::nullopt;
    return Credentials{user_from(*row), row->GetFieldAsString("password_hash")};
}

std::vector<User> GeoPackageAuthStore::users() const {
    const std::lock_guard lock(impl_->mutex);
    const QuietGdalErrors quiet;
    ResultSet result(*impl_->dataset, std::string("SELECT ") + user_columns + " FROM users u ORDER BY u.name");
    std::vector<User> users;
    while (const OGRFeatureUniquePtr row = result.next()) users.push_back(user_from(*row));
    return users;
}

std::int64_t GeoPackageAuthStore::set_password_hash(std::int64_t user_id, std::string_view password_hash,
                                      model::Timestamp now) {
    const std::lock_guard lock(impl_->mutex);
    const QuietGdalErrors quiet;
    return impl_->update_user(
        user_id, now, [&](OGRFeature& row) { row.SetField("password_hash", std::string(password_hash).c_str()); },
        [&] { impl_->delete_sessions_of(user_id); });
}

std::int64_t GeoPackageAuthStore::set_disabled(std::int64_t user_id, bool disabled, model::Timestamp now) {
    const std::lock_guard lock(impl_->mutex);
    const QuietGdalErrors quiet;
    return impl_->update_user(
        user_id, now, [&](OGRFeature& row) { row.SetField("disabled", disabled ? 1 : 0); },
        [&] {
            if (disabled) impl_->delete_sessions_of(user_id);
        });
}

void GeoPackageAuthStore::insert_session(const SessionRecord& session, model::Timestamp now) {
    const std::lock_guard lock(impl_->mutex);
    const QuietGdalErrors quiet;
    Transaction transaction(*impl_->dataset);
    execute(*impl_->dataset, "DELETE FROM sessions WHERE expires_at <= " + std::to_string(now));
    OGRFeature row(impl_->table(sessions_table).GetLayerDefn());
    row.SetField("token_hash", session.token_hash.c_str());
    row.SetField("user_id", static_cast<GIntBig>(session.user_id));
    row.SetField("created_at", static_cast<GIntBig>(session.created_at));
    row.SetField("expires_at", static_cast<GIntBig>(session.expires_at));
    row.SetField("client", session.client.c_str());
    impl_->create_feature(sessions_table, row);
    transaction.commit();
}

std::optional<ActiveSession> GeoPackageAuthStore::session_user(std::string_view token_hash, model::Timestamp now) const {
    const std::lock_guard lock(impl_->mutex);
    const QuietGdalErrors quiet;
    ResultSet result(*impl_->dataset, std::string("SELECT ") + user_columns + ", s.expires_at AS expires_at" +
                                          " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = " +
                                          quote(token_hash) + " AND s.expires_at > " + std::to_string(now) +
                                          " AND u.disabled = 0");
    const OGRFeatureUniquePtr row = result.next();
    if (!row) return std::nullopt;
    return ActiveSession{user_from(*row), row->GetFieldAsInteger64("expires_at")};
}

std::optional<EndedSession> GeoPackageAuthStore::delete_session(std::string_view token_hash) {
    const std::lock_guard lock(impl_->mutex);
    const QuietGdalErrors quiet;
    Transaction transaction(*impl_->dataset);
    std::optional<User> owner;
    {
        ResultSet result(*impl_->dataset, std::string("SELECT ") + user_columns +
                                              " FROM sessions s JOIN users u ON u.id = s.user_id"
                                              " WHERE s.token_hash = " + quote(token_hash));
        if (const OGRFeatureUniquePtr row = result.next()) owner = user_from(*row);
    }
    if (!owner) return std::nullopt;
    execute(*impl_->dataset, "DELETE FROM sessions WHERE token_hash = " + quote(token_hash));
    const std::int64_t moved_to = impl_->bump_generation();
    transaction.commit();
    return EndedSession{std::move(*owner), moved_to};
}

std::int64_t GeoPackageAuthStore::revocation_generation() const {
    const std::lock_guard lock(impl_->mutex);
    const QuietGdalErrors quiet;
    return impl_->generation();
}

void GeoPackageAuthStore::append_audit(std::span<AuditEntry> entries) {
    const std::lock_guard lock(impl_->mutex);
    const QuietGdalErrors quiet;
    Transaction transaction(*impl_->dataset);
    std::vector<std::int64_t> ids;
    ids.reserve(entries.size());
    for (AuditEntry& entry : entries) {
        insert_audit_row(*impl_->dataset, entry);
        ids.push_back(entry.id);
        entry.id = 0;  // true only once committed
    }
    transaction.commit();
    for (std::size_t i = 0; i < entries.size(); ++i) entries[i].id = ids[i];
}

AuditPage GeoPackageAuthStore::query_audit(const AuditQuery& query) const {
    check_audit_query(query);
    std::string where = " WHERE 1 = 1";
    if (query.user_name) where += " AND user_name = " + quote(*query.user_name);
    if (query.action) where += " AND action = " + quote(*query.action);
    if (query.from) where += " AND at >= " + std::to_string(*query.from);
    if (query.to) where += " AND at < " + std::to_string(*query.to);

    const std::lock_guard lock(impl_->mutex);
    const QuietGdalErrors quiet;
    AuditPage page;
    {
        ResultSet count(*impl_->dataset, "SELECT COUNT(*) AS n FROM audit_log" + where);
        if (const OGRFeatureUniquePtr row = count.next()) page.total = static_cast<std::size_t>(row->GetFieldAsInteger64(0));
    }
    ResultSet result(*impl_->dataset, "SELECT * FROM audit_log" + where + " ORDER BY at DESC, id DESC LIMIT " +
                                          std::to_string(query.limit) + " OFFSET " + std::to_string(query.offset));
    while (const OGRFeatureUniquePtr row = result.next()) page.entries.push_back(audit_from(*row));
    return page;
}

}  // namespace wangge::auth
