// Household versions in the store (store/household_versions.hpp).

#include "wangge/store/household_versions.hpp"

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "household_json.hpp"
#include "sqlite.hpp"
#include "store_impl.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

namespace {

using nlohmann::json;

constexpr std::string_view version_columns = "id, household_id, kind, at, user, source, before, after";

json optional_time(const std::optional<model::Timestamp>& t) { return t ? json(*t) : json(nullptr); }

std::optional<model::Timestamp> time_of(const json& value) {
    if (value.is_null()) return std::nullopt;
    return value.get<model::Timestamp>();
}

json household_json(const model::Household& household) {
    return {{"id", household.id},
            {"compound", household.compound},
            {"building", household.building},
            {"unit", household.unit},
            {"room", household.room},
            {"lon", household.location.x},
            {"lat", household.location.y},
            {"grid_code", household.grid_code},
            {"members", household.members},
            {"tags", household.tags},
            {"head_name", household.head_name},
            {"id_number", household.id_number},
            {"phone", household.phone},
            {"moved_in", optional_time(household.moved_in)},
            {"moved_out", optional_time(household.moved_out)}};
}


bool has_version_table(const detail::ReadConnection& db) {
    detail::Statement found =
        db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'household_versions'");
    return found.step();
}

std::vector<workflow::HouseholdChange> read_versions(const std::filesystem::path& store, const std::string& where) {
    const detail::ReadConnection db(store);
    std::vector<workflow::HouseholdChange> changes;
    if (!has_version_table(db)) return changes;
    detail::Statement rows =
        db.prepare("SELECT " + std::string(version_columns) + " FROM household_versions WHERE " + where + " ORDER BY at, id");
    while (rows.step()) changes.push_back(detail::household_change_of(rows));
    return changes;
}

}  // namespace

model::Household detail::household_from_version_json(std::string_view text) {
    const json value = json::parse(text);
    model::Household household;
    household.id = value.at("id").get<std::int64_t>();
    household.compound = value.at("compound").get<std::string>();
    household.building = value.at("building").get<std::string>();
    household.unit = value.at("unit").get<std::string>();
    household.room = value.at("room").get<std::string>();
    household.location = {value.at("lon").get<double>(), value.at("lat").get<double>()};
    household.grid_code = value.at("grid_code").get<std::string>();
    household.members = value.at("members").get<int>();
    household.tags = value.at("tags").get<std::vector<std::string>>();
    household.head_name = value.at("head_name").get<std::string>();
    household.id_number = value.at("id_number").get<std::string>();
    household.phone = value.at("phone").get<std::string>();
    household.moved_in = time_of(value.at("moved_in"));
    household.moved_out = time_of(value.at("moved_out"));
    return household;
}

std::string detail::household_version_json(const model::Household& household) {
    return household_json(household).dump(-1, ' ', false, json::error_handler_t::replace);
}

void detail::write_household_row(Batch& batch, workflow::HouseholdChange& change) {
    const bool adding = change.kind == workflow::HouseholdChangeKind::added;
    model::Dataset added;
    model::Dataset replaced;
    (adding ? added : replaced).households.push_back(change.after);
    batch.upsert(added, replaced);
    if (adding) change.after.id = added.households.front().id;
}

void GeoPackageBatch::write_household(workflow::HouseholdChange& change) {
    detail::write_household_row(*this, change);
    static constexpr std::string_view schema =
        "CREATE TABLE IF NOT EXISTS household_versions (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "household_id INTEGER NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL, user TEXT NOT NULL, "
        "source TEXT NOT NULL, grid_code TEXT NOT NULL, before TEXT, after TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS household_versions_household ON household_versions (household_id);"
        "CREATE INDEX IF NOT EXISTS household_versions_at ON household_versions (at)";
    static constexpr std::string_view sql =
        "INSERT INTO household_versions (household_id, kind, at, user, source, grid_code, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    detail::WriteStatement insert(dataset(), schema, sql, "the household version");
    insert.bind(1, change.after.id);
    insert.bind(2, workflow::to_string(change.kind));
    insert.bind(3, change.at);
    insert.bind(4, change.user);
    insert.bind(5, change.source);
    insert.bind(6, change.after.grid_code);
    if (change.before) insert.bind(7, detail::household_version_json(*change.before));
    insert.bind(8, detail::household_version_json(change.after));
    change.id = insert.insert();
}

std::vector<workflow::HouseholdChange> household_history(const std::filesystem::path& store,
                                                         std::int64_t household_id) {
    return read_versions(store, "household_id = " + std::to_string(household_id));
}

std::vector<workflow::HouseholdChange> household_versions_between(const std::filesystem::path& store,
                                                                  model::Timestamp from, model::Timestamp until) {
    return read_versions(store, "at >= " + std::to_string(from) + " AND at < " + std::to_string(until));
}

}  // namespace wangge::store
