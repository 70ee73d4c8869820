#include "wangge/http/import_routes.hpp"

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "wangge/rules/report.hpp"
#include "wangge/store/importer.hpp"

namespace wangge::http {

namespace {

/// Extensions GDAL opens from one file, and .zip for a zipped shapefile
/// (a shapefile needs its .dbf and .shx beside it).
constexpr std::array uploadable{".csv", ".xlsx", ".geojson", ".json", ".kml", ".dxf", ".gpkg", ".fgb", ".zip"};

/// The layers an upload can go into; the others stay with `wangge import`.
store::Layer upload_layer(const std::string& name) {
    for (const store::Layer layer : {store::Layer::households, store::Layer::facilities, store::Layer::grids}) {
        if (name == store::to_string(layer)) return layer;
    }
    throw ClientError(ErrorKind::bad_request, "unsupported_layer",
                      "cannot upload into '" + name +
                          "': upload households, facilities or grids (a grid file opens a new draft); incidents, "
                          "visits and staff are imported with `wangge import` on the server",
                      "只能上传住户、设施或网格（网格文件会生成新草案）；事件、走访和人员请在服务器上用 wangge import "
                      "命令导入");
}

bool parse_flag(const Query& query, std::string_view name, bool fallback) {
    const auto text = query.get(name);
    return text ? parse_bool(*text, name) : fallback;
}

/// The upload on disk, in a directory of its own, removed with it.
class UploadFile {
public:
    UploadFile(const std::string& body, const std::string& extension) {
        std::string pattern = (std::filesystem::temp_directory_path() / "wangge-upload-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
        }
        directory_ = pattern;
        path_ = directory_ / ("upload" + extension);
        std::ofstream out(path_, std::ios::binary);
        out.write(body.data(), static_cast<std::streamsize>(body.size()));
        if (!out.flush()) throw std::runtime_error("cannot write the upload to " + path_.string());
    }
    ~UploadFile() {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }
    UploadFile(const UploadFile&) = delete;
    UploadFile& operator=(const UploadFile&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path directory_;
    std::filesystem::path path_;
};

nlohmann::json report(const store::ImportSummary& summary, bool dry_run) {
    nlohmann::json json = store::report_json(summary);
    json["dry_run"] = dry_run;
    return json;
}

/// 422 "bad_rows" with the report: a file with bad rows and no skip_bad, refused and on record.
Response refusal(const Request& request, const AuthGate& gate, const auth::Principal& who,
                 const store::ImportOptions& options, const store::ImportSummary& summary) {
    gate.audit(request, who, "import", std::string(store::to_string(options.layer)), {}, auth::Outcome::denied,
               store::import_audit_entry(options, summary).detail);
    nlohmann::json body = {{"error",
                            {{"code", "bad_rows"},
                             {"message", std::to_string(summary.refused) + " bad rows, nothing imported"},
                             {"message_zh", "有 " + std::to_string(summary.refused) + " 行数据有误，未导入任何数据"}}},
                           {"report", report(summary, false)}};
    return Response::json(body, status_of(ErrorKind::unprocessable));
}

/// Households and facilities: the plan made again against the Writer's
/// current snapshot and stored with its audit entries.
Response import_rows(const Request& request, const AuthGate& gate, Writer& writer, const auth::Principal& who,
                     const store::ImportOptions& options, const std::filesystem::path& file, const std::string& name) {
    try {
        const store::ImportPlan stored = writer.import_rows(
            [&](const model::Snapshot& current) {
                store::ImportPlan plan = store::plan_import(file, name, options, current);
                if (plan.summary.refused > 0 && !options.skip_bad) throw store::ImportRefused(plan.summary);
                return plan;
            },
            [&](const store::ImportPlan& plan) {
                return gate.audit_entry(request, who, "import", std::string(store::to_string(options.layer)), {},
                                        auth::Outcome::ok, store::import_audit_entry(options, plan.summary).detail);
            });
        store::ImportSummary summary = stored.summary;
        summary.written = true;
        return Response::json(report(summary, false));
    } catch (const store::ImportRefused& refused) {
        return refusal(request, gate, who, options, refused.summary());
    }
}

/// Grids: a new draft over the current layout, checked and published
/// through the draft routes; the store is not written here.
Response draft_grids(const Request& request, const AuthGate& gate, const State& state,
                     const DraftFromGrids& draft_from_grids, const auth::Principal& who,
                     const store::ImportOptions& options, const std::filesystem::path& file, const std::string& name) {
    const auto view = state.view();
    store::ImportPlan plan = store::plan_import(file, name, options, view->snapshot());
    if (plan.summary.refused > 0 && !options.skip_bad) return refusal(request, gate, who, options, plan.summary);
    if (plan.added.grids.empty()) {
        throw ClientError(ErrorKind::unprocessable, "no_grids", "the file has no grid to put into a draft",
                          "文件中没有可放入草案的网格");
    }
    const UploadedDraft draft = draft_from_grids(view->snapshot(), std::move(plan.added.grids));
    gate.audit(request, who, "import", "grids", {draft.id}, auth::Outcome::ok,
               store::import_audit_entry(options, plan.summary).detail + "; opened as draft " + draft.id);
    nlohmann::json body = report(plan.summary, false);
    body["draft"] = {{"id", draft.id},
                     {"base_version", draft.base_version},
                     {"grids", draft.grids},
                     {"changed", draft.changed},
                     {"valid", draft.report.valid()},
                     {"violations", rules::to_json(draft.report)["violations"]}};
    return Response::json(body);
}

}  // namespace

void add_import_routes(Router& router, const State& state, Writer& writer, const AuthGate& gate,
                       DraftFromGrids draft_from_grids) {
    router.post(
        "/import/{layer}",
        [&state, &writer, &gate, draft_from_grids = std::move(draft_from_grids)](const Request& request) {
            const auth::Principal who = gate.require(request, auth::Action::import_data);
            const Query& query = request.query();
            query.allow_only({"filename", "dry_run", "skip_bad", "update", "crs", "encoding"});
            const store::Layer layer = upload_layer(request.param("layer"));
            const auto filename = query.get("filename");
            if (!filename || filename->empty()) {
                throw ClientError(ErrorKind::bad_request, "missing_parameter",
                                  "parameter 'filename' is required (its extension says the format)",
                                  "缺少参数 filename（文件扩展名决定格式）");
            }
            std::string extension = std::filesystem::path(std::string(*filename)).extension().string();
            for (char& c : extension) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            if (std::ranges::find(uploadable, extension) == uploadable.end()) {
                throw ClientError(ErrorKind::unsupported_media, "unsupported_format",
                                  "cannot import '" + std::string(*filename) +
                                      "': upload .csv, .xlsx, .geojson, .kml, .dxf, .gpkg, .fgb or a zipped shapefile (.zip)",
                                  "不支持该文件格式，请上传 .csv、.xlsx、.geojson、.kml、.dxf、.gpkg、.fgb 文件或压缩成 .zip 的 Shapefile");
            }
            if (request.body().empty()) {
                throw ClientError(ErrorKind::bad_request, "empty_body", "the upload is empty", "上传的文件是空的");
            }
            store::ImportOptions options;
            options.layer = layer;
            options.crs = std::string(query.get("crs").value_or(""));
            options.encoding = std::string(query.get("encoding").value_or(""));
            options.skip_bad = parse_flag(query, "skip_bad", false);
            options.update = parse_flag(query, "update", false);
            options.dry_run = parse_flag(query, "dry_run", true);
            options.now = gate.now();
            options.user_id = who.user->id;
            options.user_name = who.user->name;
            options.client = gate.client(request);
            const std::string name(*filename);
            const UploadFile upload(request.body(), extension);
            try {
                if (options.dry_run) {
                    const auto view = state.view();
                    return Response::json(
                        report(store::plan_import(upload.path(), name, options, view->snapshot()).summary, true));
                }
                if (layer == store::Layer::grids) {
                    return draft_grids(request, gate, state, draft_from_grids, who, options, upload.path(), name);
                }
                return import_rows(request, gate, writer, who, options, upload.path(), name);
            } catch (const store::ArchiveError& e) {
                throw ClientError(ErrorKind::bad_request, "bad_archive", e.what(), e.message_zh());
            }
        },
        Execution::write, Bodies::file);
}

}  // namespace wangge::http
