#pragma once
// The functional departments of 吹哨报到 (workflow/departments.hpp), kept in
// the store's GeoPackage file as the attribute table `departments` (code,
// name, acknowledge_hours, hours_general, hours_coordination, hours_urgent),
// created with workflow::default_departments() when missing, so every store
// starts with the usual set.
//
// The table is a few rows that change rarely (an admin adds or edits a
// department), so it has its own connection rather than the Writer's model
// tables: a change commits with synchronous = FULL before add() returns (it
// survives SIGKILL like the Writer's writes), and the list is cached and read
// again when a code is asked that the cache lacks (another process, `wangge`
// on the same file, may have added it).
//
// Thread safety: all members may be called concurrently (one mutex).

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "wangge/workflow/departments.hpp"

namespace wangge::store {

class DepartmentStore {
public:
    /// Opens the GeoPackage at `gpkg` and creates the table when missing.
    /// Throws StoreError when the file cannot be opened or written.
    explicit DepartmentStore(const std::filesystem::path& gpkg);
    ~DepartmentStore();
    DepartmentStore(const DepartmentStore&) = delete;
    DepartmentStore& operator=(const DepartmentStore&) = delete;

    /// Every department, by code.
    [[nodiscard]] std::vector<workflow::Department> list() const;
    /// The department with that code; nullopt for none.
    [[nodiscard]] std::optional<workflow::Department> find(std::string_view code) const;
    /// Stores a new department or replaces the one with its code; returns
    /// true when it was new. Throws WorkflowError "invalid_department" for a
    /// bad one (nothing stored) and StoreError when the file cannot be written.
    bool put(const workflow::Department& department);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    mutable std::mutex mutex_;
    mutable std::vector<workflow::Department> cache_;

    void reload() const;  // with mutex_ held
};

}  // namespace wangge::store
