#include "wangge/store/departments.hpp"

#include <algorithm>
#include <string>

#include "sqlite.hpp"
#include "wangge/auth/audit_table.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

namespace {

using Connection = std::unique_ptr<sqlite3, detail::SqliteCloser>;
using Prepared = std::unique_ptr<sqlite3_stmt, detail::StatementFinalizer>;

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw StoreError(what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

void execute(sqlite3* db, const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db, std::string("cannot run '") + sql + "'");
}

Prepared prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) fail(db, std::string("cannot prepare '") + sql + "'");
    return Prepared(statement);
}

void bind_text(sqlite3_stmt* statement, int index, const std::string& text) {
    sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void step_done(sqlite3* db, sqlite3_stmt* statement, const std::string& what) {
    if (sqlite3_step(statement) != SQLITE_DONE) fail(db, what);
}

/// Rolled back unless committed (IMMEDIATE: takes the write lock at once, waiting busy_timeout).
class Transaction {
public:
    explicit Transaction(sqlite3* db) : db_(db) { execute(db_, "BEGIN IMMEDIATE"); }
    ~Transaction() {
        if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
        execute(db_, "COMMIT");
        open_ = false;
    }

private:
    sqlite3* db_;
    bool open_ = true;
};

constexpr const char* create_table =
    "CREATE TABLE departments (code TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, "
    "acknowledge_hours INTEGER NOT NULL, hours_general INTEGER NOT NULL, "
    "hours_coordination INTEGER NOT NULL, hours_urgent INTEGER NOT NULL)";
constexpr const char* upsert =
    "INSERT INTO departments (code, name, acknowledge_hours, hours_general, hours_coordination, hours_urgent) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(code) DO UPDATE SET name = ?2, acknowledge_hours = ?3, "
    "hours_general = ?4, hours_coordination = ?5, hours_urgent = ?6";

void write_row(sqlite3* db, sqlite3_stmt* statement, const workflow::Department& department) {
    sqlite3_reset(statement);
    bind_text(statement, 1, department.code);
    bind_text(statement, 2, department.name);
    sqlite3_bind_int64(statement, 3, department.acknowledge_hours);
    for (int i = 0; i < 3; ++i) sqlite3_bind_int64(statement, 4 + i, department.deadline_hours[static_cast<std::size_t>(i)]);
    step_done(db, statement, ("cannot store department " + department.code).c_str());
}

bool table_exists(sqlite3* db) {
    const Prepared query = prepare(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'departments'");
    const int rc = sqlite3_step(query.get());
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(db, "cannot read the store's tables");
    return rc == SQLITE_ROW;
}

}  // namespace

struct GeoPackageDepartmentTable::Impl {
    Connection db;
};

GeoPackageDepartmentTable::GeoPackageDepartmentTable(const std::filesystem::path& gpkg)
    : impl_(std::make_unique<Impl>()) {
    if (!std::filesystem::is_regular_file(gpkg)) throw StoreError("no store at " + gpkg.string());
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(gpkg.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    impl_->db.reset(db);
    if (rc != SQLITE_OK) {
        throw StoreError("cannot open " + gpkg.string() + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    }
    sqlite3_busy_timeout(db, 5000);
    // As the Writer's connection: a change acknowledged is on disk.
    execute(db, "PRAGMA synchronous = FULL");
    if (!table_exists(db)) {
        Transaction transaction(db);
        if (!table_exists(db)) {  // another process may have created it meanwhile
            execute(db, create_table);
            const Prepared insert = prepare(db, upsert);
            for (const workflow::Department& department : workflow::default_departments()) {
                write_row(db, insert.get(), department);
            }
        }
        transaction.commit();
    }
}

GeoPackageDepartmentTable::~GeoPackageDepartmentTable() = default;

std::vector<workflow::Department> GeoPackageDepartmentTable::read_all() const {
    sqlite3* db = impl_->db.get();
    const Prepared query = prepare(db,
                                   "SELECT code, name, acknowledge_hours, hours_general, hours_coordination, "
                                   "hours_urgent FROM departments ORDER BY code");
    std::vector<workflow::Department> loaded;
    int rc = 0;
    while ((rc = sqlite3_step(query.get())) == SQLITE_ROW) {
        workflow::Department department;
        const auto text = [&](int column) {
            const auto* value = reinterpret_cast<const char*>(sqlite3_column_text(query.get(), column));
            return value != nullptr ? std::string(value) : std::string();
        };
        department.code = text(0);
        department.name = text(1);
        department.acknowledge_hours = sqlite3_column_int64(query.get(), 2);
        for (int i = 0; i < 3; ++i) {
            department.deadline_hours[static_cast<std::size_t>(i)] = sqlite3_column_int64(query.get(), 3 + i);
        }
        loaded.push_back(std::move(department));
    }
    if (rc != SQLITE_DONE) fail(db, "cannot read the departments");
    return loaded;
}

bool GeoPackageDepartmentTable::write(const workflow::Department& department, const DepartmentAudit& audit) {
    sqlite3* db = impl_->db.get();
    Transaction transaction(db);
    const Prepared exists = prepare(db, "SELECT 1 FROM departments WHERE code = ?1");
    bind_text(exists.get(), 1, department.code);
    const bool is_new = sqlite3_step(exists.get()) != SQLITE_ROW;
    const Prepared statement = prepare(db, upsert);
    write_row(db, statement.get(), department);
    auth::AuditEntry entry = audit(is_new);
    auth::insert_audit_row(db, entry);
    transaction.commit();
    return is_new;
}

DepartmentStore::DepartmentStore(std::unique_ptr<DepartmentTable> table)
    : table_(std::move(table)), cache_(table_->read_all()) {}

std::vector<workflow::Department> DepartmentStore::list() const {
    const std::lock_guard lock(mutex_);
    return cache_;
}

std::optional<workflow::Department> DepartmentStore::find(std::string_view code) const {
    const std::lock_guard lock(mutex_);
    const auto in_cache = [&]() -> std::optional<workflow::Department> {
        const auto found = std::find_if(cache_.begin(), cache_.end(),
                                        [&](const workflow::Department& department) { return department.code == code; });
        return found == cache_.end() ? std::nullopt : std::optional(*found);
    };
    if (auto found = in_cache()) return found;
    cache_ = table_->read_all();
    return in_cache();
}

bool DepartmentStore::put(const workflow::Department& department, const DepartmentAudit& audit) {
    workflow::check_department(department);
    const std::lock_guard lock(mutex_);
    const bool is_new = table_->write(department, audit);
    cache_ = table_->read_all();
    return is_new;
}

}  // namespace wangge::store
