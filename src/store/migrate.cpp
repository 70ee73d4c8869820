// `wangge migrate`: a GeoPackage store copied into a new PostGIS store in one
// transaction (migrate.hpp).

#include "wangge/store/migrate.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "pg.hpp"
#include "postgis_batch.hpp"
#include "postgis_rows.hpp"
#include "postgis_schema.hpp"
#include "sqlite.hpp"
#include "wangge/model/time.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store {

namespace {

using detail::PgConnection;
using detail::quote_identifier;

/// How a column of a side table is stored in the file, where it differs from the database.
enum class Form {
    same,        ///< integer, real, text or blob as in the database
    epoch,       ///< seconds since 1970 in the file, timestamptz in the database
    flag,        ///< 0/1 in the file, boolean in the database
    comma_list,  ///< "a,b" in the file, text[] in the database
};

struct SideColumn {
    const char* name;
    Form form = Form::same;
};

struct SideTable {
    const char* name;
    std::vector<SideColumn> columns;
    bool identity = true;  ///< an "id" column with a sequence
    /// The schema gives it its first rows (the revocation counter's 0): the
    /// file's rows replace them, and a file without the table keeps them.
    bool seeded = false;
};

/// The tables beside the layers, as the file stores them (auth/auth_store.cpp,
/// photos.cpp, household_versions.cpp, department_store.cpp); same names in the database.
std::vector<SideTable> side_tables() {
    return {
        {"users",
         {{"id"}, {"name"}, {"role"}, {"grid_codes", Form::comma_list}, {"staff_id"}, {"disabled", Form::flag},
          {"password_hash"}, {"created_at", Form::epoch}, {"updated_at", Form::epoch}}},
        {"sessions",
         {{"id"}, {"token_hash"}, {"user_id"}, {"created_at", Form::epoch}, {"expires_at", Form::epoch}, {"client"}}},
        {"audit_log",
         {{"id"}, {"at", Form::epoch}, {"user_id"}, {"user_name"}, {"action"}, {"collection"}, {"record_ids"},
          {"client"}, {"outcome"}, {"detail"}}},
        {"departments",
         {{"code"}, {"name"}, {"acknowledge_hours"}, {"hours_general"}, {"hours_coordination"}, {"hours_urgent"}},
         false},
        // The counter every server polls to drop cached sessions: restarting it
        // at 0 would let a server that saw a higher value miss revocations.
        {"auth_revocations", {{"generation"}}, false, true},
        {"incident_photos",
         {{"id"}, {"incident_id"}, {"stage"}, {"at", Form::epoch}, {"uploader"}, {"content_type"}, {"width"},
          {"height"}, {"size"}, {"lon"}, {"lat"}, {"bytes"}}},
        {"household_versions",
         {{"id"}, {"household_id"}, {"kind"}, {"at", Form::epoch}, {"user"}, {"source"}, {"grid_code"}, {"before"},
          {"after"}}},
    };
}

bool file_has_table(const detail::ReadConnection& file, const std::string& name) {
    detail::Statement found = file.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + name + "'");
    return found.step();
}

std::int64_t file_count(const detail::ReadConnection& file, const std::string& name) {
    if (!file_has_table(file, name)) return 0;
    detail::Statement counted = file.prepare("SELECT count(*) FROM " + quote_identifier(name));
    (void)counted.step();
    return counted.int64(0);
}

/// Appends the value in COPY's text format.
void append_value(std::string& line, const detail::Statement& row, int i, Form form) {
    if (row.is_null(i)) {
        line += "\\N";
        return;
    }
    switch (form) {
        case Form::epoch: line += model::format_iso8601(row.int64(i)); return;
        case Form::flag: line += row.int64(i) != 0 ? "t" : "f"; return;
        case Form::comma_list: {
            // An array literal with every element quoted: {"110105001","110105002"}.
            std::string array = "{";
            const std::string_view text = row.text(i);
            std::size_t start = 0;
            while (start < text.size()) {
                const std::size_t comma = std::min(text.find(',', start), text.size());
                if (array.size() > 1) array += ',';
                array += '"';
                for (const char c : text.substr(start, comma - start)) {
                    if (c == '"' || c == '\\') array += '\\';
                    array += c;
                }
                array += '"';
                start = comma + 1;
            }
            detail::append_copy_field(line, array + "}");
            return;
        }
        case Form::same: break;
    }
    switch (row.type(i)) {
        case SQLITE_INTEGER: line += std::to_string(row.int64(i)); return;
        case SQLITE_FLOAT: {
            char digits[32];
            const auto end = std::to_chars(std::begin(digits), std::end(digits), row.real(i)).ptr;
            line.append(digits, end);  // shortest text that reads back as the same double
            return;
        }
        case SQLITE_BLOB: {
            // bytea's hex input, its backslash escaped for COPY.
            static constexpr char hex[] = "0123456789abcdef";
            line += "\\\\x";
            for (const unsigned char byte : row.blob(i)) {
                line += hex[byte >> 4];
                line += hex[byte & 0xf];
            }
            return;
        }
        default: detail::append_copy_field(line, row.text(i));
    }
}

/// Copies one side table by COPY, in pieces; moves its sequence past the highest id.
void copy_side_table(const detail::ReadConnection& file, PgConnection& database, const SideTable& table) {
    std::string columns;
    for (const SideColumn& column : table.columns) {
        columns += (columns.empty() ? "" : ", ") + quote_identifier(column.name);
    }
    const std::string name = quote_identifier(table.name);
    if (table.seeded) (void)database.execute("DELETE FROM " + name);
    detail::Statement rows = file.prepare("SELECT " + columns + " FROM " + name);
    detail::copy_lines(database, "COPY " + name + " (" + columns + ") FROM STDIN", [&](std::string& data) {
        if (!rows.step()) return false;
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            if (i > 0) data += '\t';
            append_value(data, rows, static_cast<int>(i), table.columns[i].form);
        }
        data += '\n';
        return true;
    });
    if (table.identity) {
        (void)database.execute("SELECT setval(pg_get_serial_sequence('" + name + "', 'id'), max(id)) FROM " + name +
                               " HAVING max(id) IS NOT NULL");
    }
}

}  // namespace

std::vector<TableCount> migrate_to_database(const std::filesystem::path& from, std::string_view to,
                                            const Progress& progress) {
    if (!is_database_location(to)) throw StoreError(std::string(to) + " is not a postgresql:// address");
    if (!std::filesystem::exists(from)) throw StoreError("no store at " + from.string());
    PgConnection database{std::string(to)};
    if (detail::has_store(database)) {
        throw StoreError(database.location() + " already holds a wangge store; migrate moves a deployment into a "
                                               "database without one");
    }
    // Opening checks it is a store (and a schema this build reads).
    model::Dataset data = GeoPackageStore::open(from).load(progress);
    const detail::ReadConnection file(from);

    detail::PgTransaction transaction(database);
    detail::create_schema_tables(database);
    // Rows with ids keep them, and each sequence moves past them (detail::append_rows).
    // A new database: no server follows its change table yet, so nothing is listed there.
    detail::ChangeLog unlisted;
    (void)detail::write_rows(database, data, {}, progress, unlisted);
    std::vector<std::string> tables;
    std::vector<std::string> kept;  // seeded tables the file does not have: the schema's rows stay
    for (const Layer layer : all_layers) tables.emplace_back(to_string(layer));
    for (const SideTable& table : side_tables()) {
        if (file_has_table(file, table.name)) {
            copy_side_table(file, database, table);
        } else if (table.seeded) {
            kept.emplace_back(table.name);
        }
        tables.emplace_back(table.name);
    }

    std::vector<TableCount> counts;
    std::string differing;
    for (const std::string& table : tables) {
        TableCount& count = counts.emplace_back();
        count.table = table;
        count.target = database.execute("SELECT count(*) FROM " + quote_identifier(table)).text_int(0, 0);
        count.source = std::find(kept.begin(), kept.end(), table) != kept.end() ? count.target : file_count(file, table);
        if (count.source != count.target) {
            differing += (differing.empty() ? "" : ", ") + table + " " + std::to_string(count.source) + " in the file, " +
                         std::to_string(count.target) + " in the database";
        }
    }
    if (!differing.empty()) throw StoreError("the copy is not whole (" + differing + "); nothing was stored");
    transaction.commit();
    return counts;
}

}  // namespace wangge::store
