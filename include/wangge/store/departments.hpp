#pragma once
// The functional departments of 吹哨报到 (workflow/departments.hpp), kept in
// the store (in a GeoPackage file the attribute table `departments`: code,
// name, acknowledge_hours, hours_general, hours_coordination, hours_urgent),
// created with workflow::default_departments() when missing, so every store
// starts with the usual set.
//
// The table is a few rows that change rarely (an admin adds or edits a
// department), so it has its own connection rather than the Writer's model
// tables: a change is durable with its audit row, in one transaction, before
// put() returns (it survives SIGKILL like the Writer's writes, and neither is
// stored without the other), and the list is cached and read
// again when a code is asked that the cache lacks (another process, `wangge`
// on the same file, may have added it).
//
// Thread safety: DepartmentStore's members may be called concurrently (one mutex).

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "wangge/auth/audit.hpp"
#include "wangge/workflow/departments.hpp"

namespace wangge::store {

/// The audit entry of a department write, given whether it added the department.
using DepartmentAudit = std::function<auth::AuditEntry(bool added)>;

/// Where the departments are kept: the store's `departments` table, made
/// with workflow::default_departments() when missing.
///
/// Thread safety: none; DepartmentStore serialises its calls.
class DepartmentTable {
public:
    virtual ~DepartmentTable() = default;
    DepartmentTable(const DepartmentTable&) = delete;
    DepartmentTable& operator=(const DepartmentTable&) = delete;

    /// Every department, by code. Throws StoreError when it cannot be read.
    [[nodiscard]] virtual std::vector<workflow::Department> read_all() const = 0;
    /// Stores `department` or replaces the one with its code, and `audit`'s
    /// entry in the store's audit log, in one transaction durable on return;
    /// true when it was new. Throws StoreError when it cannot (or what
    /// `audit` throws): nothing is stored then.
    virtual bool write(const workflow::Department& department, const DepartmentAudit& audit) = 0;

protected:
    DepartmentTable() = default;
};

/// The table in the GeoPackage file, through a SQLite connection of its own.
class GeoPackageDepartmentTable final : public DepartmentTable {
public:
    /// Opens the file and creates the table when missing. Throws StoreError
    /// when the file cannot be opened or written.
    explicit GeoPackageDepartmentTable(const std::filesystem::path& gpkg);
    ~GeoPackageDepartmentTable() override;

    [[nodiscard]] std::vector<workflow::Department> read_all() const override;
    bool write(const workflow::Department& department, const DepartmentAudit& audit) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The departments table behind the store at `location` (store.hpp's open_store).
[[nodiscard]] std::unique_ptr<DepartmentTable> open_department_table(std::string_view location);

class DepartmentStore {
public:
    /// Reads the departments of `table` (store::open_department_table).
    explicit DepartmentStore(std::unique_ptr<DepartmentTable> table);

    /// Every department, by code.
    [[nodiscard]] std::vector<workflow::Department> list() const;
    /// The department with that code; nullopt for none.
    [[nodiscard]] std::optional<workflow::Department> find(std::string_view code) const;
    /// Stores a new department or replaces the one with its code, with
    /// `audit`'s entry (DepartmentTable::write); returns true when it was new.
    /// Throws WorkflowError "invalid_department" for a bad one (nothing
    /// stored) and StoreError when it cannot be written.
    bool put(const workflow::Department& department, const DepartmentAudit& audit);

private:
    std::unique_ptr<DepartmentTable> table_;
    mutable std::mutex mutex_;
    mutable std::vector<workflow::Department> cache_;  // guarded by mutex_
};

}  // namespace wangge::store
