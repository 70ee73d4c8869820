#pragma once
// Import of outside data into one layer of a store (DESIGN §3 `wangge import`):
// any vector source GDAL reads (GeoJSON, CSV, XLSX, GeoPackage, Shapefile,
// DXF, KML, FlatGeobuf…), columns named like the model fields (data formats
// agreed in data/) or with their Chinese names, coordinates converted to
// lon/lat CGCS2000. docs/import.md is the user's guide.
//
// Thread safety: import_file uses only its arguments; the store it writes to
// is not thread-safe.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/auth/audit.hpp"
#include "wangge/error.hpp"
#include "wangge/model/time.hpp"
#include "wangge/store/store.hpp"

namespace wangge::model {
class Snapshot;
}

namespace wangge::store {

/// The source cannot be imported as a whole (unreadable, no such column,
/// unknown CRS); what() names the file.
class ImportError : public InputError {
public:
    using InputError::InputError;
};

/// A .zip source that is not one zipped shapefile; message_zh() says so in Chinese.
class ArchiveError : public ImportError {
public:
    ArchiveError(const std::string& message, std::string message_zh);
    [[nodiscard]] const std::string& message_zh() const noexcept { return message_zh_; }

private:
    std::string message_zh_;
};

struct ImportOptions {
    Layer layer = Layer::households;
    /// The source's coordinates: empty for the CRS the source declares (lon/lat
    /// CGCS2000 when it declares none); "EPSG:4326" or any definition PROJ
    /// accepts; "gcj02" or "bd09" for lon/lat with the offsets of Chinese web maps.
    std::string crs;
    /// Model field → source column; other fields come from the same-named
    /// column or from a column with one of the field's Chinese names
    /// (column_synonyms.hpp). "lon" and "lat" name the coordinate columns of a
    /// source without geometry (default lon|lng|longitude|x|经度 and lat|latitude|y|纬度).
    std::map<std::string, std::string, std::less<>> columns;
    /// Model field → the value of rows that give none (e.g. level=grid for
    /// the polygons of a CAD drawing, which carry no attributes).
    std::map<std::string, std::string, std::less<>> defaults;
    /// Encoding of the source's text when it is not UTF-8 ("GBK", "CP936",
    /// "GB18030"…): a shapefile's .dbf without .cpg (or with a wrong one), a
    /// CSV saved by Excel. Empty: a shapefile's .cpg, else UTF-8.
    std::string encoding;
    /// Import the good rows when some are bad (which are reported). Without
    /// it one bad row refuses the whole file.
    bool skip_bad = false;
    /// Rows whose id is stored already replace the stored row (fields the
    /// source has no column for keep their stored value); without it such a
    /// row is bad.
    bool update = false;
    /// Check everything, write nothing.
    bool dry_run = false;
    /// valid_from of imported grids that give none, and the audit entries' time.
    model::Timestamp now = 0;
    /// Who imports, for the audit log.
    std::optional<std::int64_t> user_id;
    std::string user_name = "cli";
    std::string client = "local";
};

/// One bad row of the source.
struct RowProblem {
    std::size_t row = 0;    ///< 1 = the first data row (a spreadsheet's second line, after the header)
    std::string column;     ///< the source column, or the model field when the source has none
    std::string value;      ///< the text found, empty when missing
    std::string reason;     ///< English
    std::string reason_zh;  ///< Chinese, for the people who fix the file
};

struct ImportSummary {
    std::string source;        ///< the file name
    std::size_t rows = 0;      ///< data rows read, good and bad
    std::size_t added = 0;     ///< new rows
    std::size_t updated = 0;   ///< stored rows changed (--update)
    std::size_t unchanged = 0; ///< stored rows the source gives again unchanged (--update)
    std::size_t refused = 0;   ///< bad rows, each in `problems`
    /// Households in no current grid (refused), and facilities and incidents
    /// inside none (stored with an empty grid_code).
    std::size_t outside_grids = 0;
    /// New households that gave no coordinates, placed by their compound and building (docs/import.md).
    std::size_t placed_by_address = 0;
    /// Whether the store was written (false for a dry run, a refused file or nothing to write).
    bool written = false;
    std::vector<RowProblem> problems;
};

/// The file had bad rows and skip_bad was not given: nothing was imported.
/// summary() lists every bad row.
class ImportRefused : public ImportError {
public:
    explicit ImportRefused(ImportSummary summary);
    [[nodiscard]] const ImportSummary& summary() const noexcept { return summary_; }

private:
    ImportSummary summary_;
};

/// Reads and checks every row of `source`, derives missing grid codes from
/// the store's current grids, and writes the good rows in one transaction
/// with their audit entries: one "import" entry with the counts, one
/// "import.update" per updated row with its changed fields before and after
/// (an import writes no household versions, unlike the map's edits:
/// docs/households.md; the audit log is its history).
/// Throws ImportRefused (and writes only an audit entry of the refusal) when
/// a row is bad and skip_bad is off, ImportError when the source cannot be
/// read at all. A dry run returns the summary, bad rows included, and writes nothing.
ImportSummary import_file(Store& store, const std::filesystem::path& source, const ImportOptions& options,
                          const Progress& progress = {});

/// What an import would write, checked and not yet written.
struct ImportPlan {
    ImportSummary summary;
    model::Dataset added;     ///< new rows (id 0 where the source gives none: the store assigns one)
    model::Dataset replaced;  ///< stored rows as --update leaves them
    std::vector<auth::AuditEntry> updates;  ///< one "import.update" entry per replaced row (before → after)
};

/// Reads and checks a source of options.layer (called `name` in the report)
/// against a served snapshot without writing: the upload over HTTP
/// (http/import_routes.hpp), which writes the plan through the server's
/// Writer. Households and facilities are checked against its current grids
/// and stored rows (ids, --update); grids come back as read, in
/// `added.grids`, for a draft to check. dry_run and skip_bad are the
/// caller's to apply. Throws ImportError when the source cannot be read at
/// all, or for another layer.
[[nodiscard]] ImportPlan plan_import(const std::filesystem::path& source, const std::string& name,
                                     const ImportOptions& options, const model::Snapshot& current);

/// The audit entry of an import as a whole ("import"): the counts, and
/// outcome denied when bad rows refused the file.
[[nodiscard]] auth::AuditEntry import_audit_entry(const ImportOptions& options, const ImportSummary& summary);

/// The field → column mapping of a JSON file: {"head_name": "户主", "lon": "经度"}.
/// Throws ImportError naming the file when it is not such an object.
[[nodiscard]] std::map<std::string, std::string, std::less<>> read_column_map(const std::filesystem::path& path);

/// The summary as JSON: the counts and {"row","column","value","reason","reason_zh"} per problem.
[[nodiscard]] nlohmann::json report_json(const ImportSummary& summary);
/// Writes the report to `path`: CSV (UTF-8 with BOM, so Excel shows the
/// Chinese) when it ends in .csv, JSON otherwise. Throws ImportError when it cannot.
void write_report(const ImportSummary& summary, const std::filesystem::path& path);

}  // namespace wangge::store
