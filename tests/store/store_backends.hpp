#pragma once
// The stores the contract suite (store_contract_test.cpp) runs on: a fresh
// GeoPackage file, and a fresh PostgreSQL database per test made from a
// template database with PostGIS (a file copy: well under a second), at
// WANGGE_TEST_PG.
// Each backend also reads what the Store interface does not (audit rows,
// table counts) straight from the store, as an independent reader.

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/temp_dir.hpp"
#include "pg.hpp"
#include "wangge/auth/audit.hpp"
#include "wangge/auth/auth_store.hpp"
#include "wangge/store/store.hpp"

namespace wangge::store::testing {

/// WANGGE_TEST_PG, or nullopt when unset.
inline std::optional<std::string> test_pg() {
    const char* uri = std::getenv("WANGGE_TEST_PG");
    if (uri == nullptr || *uri == '\0') return std::nullopt;
    return std::string(uri);
}

/// `uri` naming database `name` instead of its own.
inline std::string with_database(const std::string& uri, const std::string& name) {
    const std::size_t query = uri.find('?');
    const std::size_t slash = uri.rfind('/', query == std::string::npos ? uri.size() : query);
    return uri.substr(0, slash + 1) + name + (query == std::string::npos ? "" : uri.substr(query));
}

/// A database of its own for one test, dropped afterwards.
class PgDatabase {
public:
    /// Made from the template (PostGIS created once per server) unless `with_postgis` is false.
    explicit PgDatabase(bool with_postgis = true) : admin_(*test_pg()) {
        static std::atomic<int> counter{0};
        name_ = "wangge_t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        if (with_postgis) {
            ensure_template();
            // FILE_COPY: for a small database faster than copying through the WAL.
            (void)admin_.execute("CREATE DATABASE " + name_ + " TEMPLATE " + template_name() + " STRATEGY FILE_COPY");
        } else {
            (void)admin_.execute("CREATE DATABASE " + name_);
        }
    }
    ~PgDatabase() {
        try {
            (void)admin_.execute("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        } catch (...) {  // left for the server's teardown
        }
    }
    PgDatabase(const PgDatabase&) = delete;
    PgDatabase& operator=(const PgDatabase&) = delete;

    [[nodiscard]] std::string uri() const { return with_database(*test_pg(), name_); }

private:
    static const char* template_name() { return "wangge_contract_template"; }
    /// Made once per server: ctest runs each test in a process of its own,
    /// several at a time, so the first to come makes it under an advisory lock
    /// and nobody drops it (scripts/test throws the server away).
    void ensure_template() {
        static bool made = false;
        if (made) return;
        const std::string exists =
            std::string("SELECT count(*) FROM pg_database WHERE datname = '") + template_name() + "'";
        (void)admin_.execute("SELECT pg_advisory_lock(4490)");
        try {
            if (admin_.execute(exists).bytes(0, 0) == "0") {
                (void)admin_.execute(std::string("CREATE DATABASE ") + template_name());
                detail::PgConnection(with_database(*test_pg(), template_name())).execute("CREATE EXTENSION postgis");
            }
        } catch (...) {
            (void)admin_.execute("SELECT pg_advisory_unlock(4490)");
            throw;
        }
        (void)admin_.execute("SELECT pg_advisory_unlock(4490)");
        made = true;
    }
    detail::PgConnection admin_;
    std::string name_;
};

/// One kind of store for the contract suite.
class Backend {
public:
    virtual ~Backend() = default;
    /// Where a new store may be created.
    [[nodiscard]] virtual std::string location() const = 0;
    /// The audit rows, oldest first: action, record ids, client.
    [[nodiscard]] virtual std::vector<auth::AuditEntry> audit() const = 0;
    /// Rows in a table (0 when the table does not exist).
    [[nodiscard]] virtual std::int64_t count(const std::string& table) const = 0;
    /// Runs a statement; false when the store refuses it.
    [[nodiscard]] virtual bool try_sql(const std::string& sql) const = 0;
};

class GeoPackageBackend final : public Backend {
public:
    [[nodiscard]] std::string location() const override { return (dir_ / "store.gpkg").string(); }
    [[nodiscard]] std::vector<auth::AuditEntry> audit() const override {
        std::vector<auth::AuditEntry> entries = open_auth_store(location())->query_audit({}).entries;
        std::reverse(entries.begin(), entries.end());
        return entries;
    }
    [[nodiscard]] std::int64_t count(const std::string& table) const override {
        const GDALDatasetUniquePtr dataset = open(false);
        OGRLayer* result = dataset->ExecuteSQL(("SELECT count(*) FROM " + table).c_str(), nullptr, "SQLITE");
        if (result == nullptr) return 0;
        OGRFeatureUniquePtr row{result->GetNextFeature()};
        const std::int64_t n = row ? row->GetFieldAsInteger64(0) : 0;
        dataset->ReleaseResultSet(result);
        return n;
    }
    [[nodiscard]] bool try_sql(const std::string& sql) const override {
        const GDALDatasetUniquePtr dataset = open(true);
        CPLPushErrorHandler(CPLQuietErrorHandler);
        CPLErrorReset();
        OGRLayer* result = dataset->ExecuteSQL(sql.c_str(), nullptr, "SQLITE");
        if (result != nullptr) dataset->ReleaseResultSet(result);
        const bool ok = CPLGetLastErrorType() < CE_Failure;
        CPLPopErrorHandler();
        return ok;
    }

private:
    [[nodiscard]] GDALDatasetUniquePtr open(bool update) const {
        GDALAllRegister();
        return GDALDatasetUniquePtr(GDALDataset::Open(location().c_str(), GDAL_OF_VECTOR | (update ? GDAL_OF_UPDATE : 0)));
    }
    support::TempDir dir_;
};

class PostgisBackend final : public Backend {
public:
    [[nodiscard]] std::string location() const override { return database_.uri(); }
    [[nodiscard]] std::vector<auth::AuditEntry> audit() const override {
        detail::PgConnection connection(location());
        const detail::PgResult rows =
            connection.execute("SELECT action, record_ids, client, detail FROM audit_log ORDER BY id");
        std::vector<auth::AuditEntry> entries;
        for (int r = 0; r < rows.rows(); ++r) {
            auth::AuditEntry& entry = entries.emplace_back();
            entry.action = rows.bytes(r, 0);
            entry.record_ids = nlohmann::json::parse(rows.bytes(r, 1)).get<std::vector<std::string>>();
            entry.client = rows.bytes(r, 2);
            entry.detail = rows.bytes(r, 3);
        }
        return entries;
    }
    [[nodiscard]] std::int64_t count(const std::string& table) const override {
        detail::PgConnection connection(location());
        if (connection.execute("SELECT to_regclass('" + table + "') IS NULL").bytes(0, 0) == "t") return 0;
        return connection.execute("SELECT count(*) FROM " + table).text_int(0, 0);
    }
    [[nodiscard]] bool try_sql(const std::string& sql) const override {
        try {
            detail::PgConnection(location()).execute(sql);
            return true;
        } catch (const StoreError&) {
            return false;
        }
    }

private:
    PgDatabase database_;
};

}  // namespace wangge::store::testing
