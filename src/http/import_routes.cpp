#include "wangge/http/import_routes.hpp"

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "wangge/store/importer.hpp"

namespace wangge::http {

namespace {

/// Extensions GDAL opens from one file (a shapefile needs its .dbf and .shx beside it).
constexpr std::array uploadable{".csv", ".xlsx", ".geojson", ".json", ".kml", ".dxf", ".gpkg", ".fgb"};

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

}  // namespace

void add_import_routes(Router& router, const State& state, Writer& writer, const AuthGate& gate) {
    router.post(
        "/import/{layer}",
        [&state, &writer, &gate](const Request& request) {
            const auth::Principal who = gate.require(request, auth::Action::import_data);
            const Query& query = request.query();
            query.allow_only({"filename", "dry_run", "skip_bad", "update", "crs", "encoding"});
            if (request.param("layer") != "households") {
                throw ClientError(ErrorKind::bad_request, "unsupported_layer",
                                  "only households can be uploaded (grids change through drafts, other layers "
                                  "with `wangge import`)",
                                  "目前只能上传住户名单；网格请通过草案修改，其他图层请用 wangge import 命令导入");
            }
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
                                      "': upload .csv, .xlsx, .geojson, .kml, .dxf, .gpkg or .fgb",
                                  "不支持该文件格式，请上传 .csv、.xlsx、.geojson、.kml、.dxf、.gpkg 或 .fgb 文件");
            }
            if (request.body().empty()) {
                throw ClientError(ErrorKind::bad_request, "empty_body", "the upload is empty", "上传的文件是空的");
            }
            store::ImportOptions options;
            options.layer = store::Layer::households;
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

            if (options.dry_run) {
                const auto view = state.view();
                return Response::json(
                    report(store::plan_household_import(upload.path(), name, options, view->snapshot()).summary, true));
            }
            try {
                const store::ImportPlan stored = writer.import_households(
                    [&](const model::Snapshot& current) {
                        store::ImportPlan plan = store::plan_household_import(upload.path(), name, options, current);
                        if (plan.summary.refused > 0 && !options.skip_bad) throw store::ImportRefused(plan.summary);
                        return plan;
                    },
                    [&](const store::ImportPlan& plan) {
                        return gate.audit_entry(request, who, "import", "households", {}, auth::Outcome::ok,
                                                store::import_audit_entry(options, plan.summary).detail);
                    });
                store::ImportSummary summary = stored.summary;
                summary.written = true;
                return Response::json(report(summary, false));
            } catch (const store::ImportRefused& refused) {
                gate.audit(request, who, "import", "households", {}, auth::Outcome::denied,
                           store::import_audit_entry(options, refused.summary()).detail);
                nlohmann::json body = {
                    {"error",
                     {{"code", "bad_rows"},
                      {"message", std::to_string(refused.summary().refused) + " bad rows, nothing imported"},
                      {"message_zh", "有 " + std::to_string(refused.summary().refused) + " 行数据有误，未导入任何数据"}}},
                    {"report", report(refused.summary(), false)}};
                return Response::json(body, status_of(ErrorKind::unprocessable));
            }
        },
        Execution::write, Bodies::file);
}

}  // namespace wangge::http
