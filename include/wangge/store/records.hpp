#pragma once
// Reads of the tables kept beside the entity layers, which a server answers
// from the store rather than from its snapshot: case photos (photos.hpp) and
// household versions (household_versions.hpp). Their writes go through
// Batch, with the write they belong to.
//
// Thread safety: every implementation's members may be called concurrently.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "wangge/store/household_versions.hpp"
#include "wangge/store/photos.hpp"
#include "wangge/workflow/household_changes.hpp"

namespace wangge::store {

class Records {
public:
    virtual ~Records() = default;
    Records(const Records&) = delete;
    Records& operator=(const Records&) = delete;

    /// The photos of an incident, oldest first.
    [[nodiscard]] virtual std::vector<PhotoInfo> list_photos(std::int64_t incident_id) const = 0;
    /// One photo of an incident with its bytes; nullopt when that incident has no such photo.
    [[nodiscard]] virtual std::optional<Photo> read_photo(std::int64_t incident_id, std::int64_t photo_id) const = 0;
    /// The versions of one household, oldest first.
    [[nodiscard]] virtual std::vector<workflow::HouseholdChange> household_history(std::int64_t household_id) const = 0;
    /// Every household version written in [from, until), oldest first.
    [[nodiscard]] virtual std::vector<workflow::HouseholdChange> household_versions_between(
        model::Timestamp from, model::Timestamp until) const = 0;

protected:
    Records() = default;
};

/// The GeoPackage file's records: a read-only connection per call, which
/// never waits for a writer (WAL) and sees only committed rows.
class GeoPackageRecords final : public Records {
public:
    explicit GeoPackageRecords(std::filesystem::path path) : path_(std::move(path)) {}

    [[nodiscard]] std::vector<PhotoInfo> list_photos(std::int64_t incident_id) const override {
        return store::list_photos(path_, incident_id);
    }
    [[nodiscard]] std::optional<Photo> read_photo(std::int64_t incident_id, std::int64_t photo_id) const override {
        return store::read_photo(path_, incident_id, photo_id);
    }
    [[nodiscard]] std::vector<workflow::HouseholdChange> household_history(std::int64_t household_id) const override {
        return store::household_history(path_, household_id);
    }
    [[nodiscard]] std::vector<workflow::HouseholdChange> household_versions_between(
        model::Timestamp from, model::Timestamp until) const override {
        return store::household_versions_between(path_, from, until);
    }

private:
    std::filesystem::path path_;
};

/// The records of the store at `location` (store.hpp's open_store).
[[nodiscard]] std::unique_ptr<Records> open_records(std::string_view location);

}  // namespace wangge::store
