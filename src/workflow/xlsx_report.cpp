#include "wangge/workflow/xlsx_report.hpp"

#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_feature.h>
#include <ogrsf_frmts.h>

#include "wangge/workflow/state_machine.hpp"

namespace wangge::workflow {

namespace {

struct VsiFree {
    void operator()(GByte* buffer) const noexcept { VSIFree(buffer); }
};

void register_drivers() {
    [[maybe_unused]] static const bool registered = [] {
        GDALAllRegister();
        return true;
    }();
}

[[noreturn]] void fail(const std::string& what) {
    const char* detail = CPLGetLastErrorMsg();
    throw ReportError(what + (detail != nullptr && *detail != '\0' ? std::string(": ") + detail : std::string()));
}

/// Percent with one decimal, so the sheet shows 85.7 rather than 0.857142857.
std::optional<double> percent(const std::optional<double>& fraction) {
    if (!fraction) return std::nullopt;
    return std::round(*fraction * 1000.0) / 10.0;
}

std::optional<double> rounded(const std::optional<double>& value) {
    if (!value) return std::nullopt;
    return std::round(*value * 10.0) / 10.0;
}

/// A column: its header, type, and how to get the cell from a unit (an empty
/// optional leaves the cell empty).
struct Column {
    std::string header;
    OGRFieldType type;
    std::function<std::optional<double>(const UnitStatistics&)> number;
};

std::vector<Column> metric_columns() {
    std::vector<Column> columns;
    const auto count = [&](std::string header, int Metrics::*member) {
        columns.push_back({std::move(header), OFTInteger, [member](const UnitStatistics& u) {
                               return std::optional<double>(u.metrics.*member);
                           }});
    };
    const auto real = [&](std::string header, std::function<std::optional<double>(const UnitStatistics&)> get) {
        columns.push_back({std::move(header), OFTReal, std::move(get)});
    };
    count("上报数", &Metrics::reported);
    for (const std::string_view source : incident_sources()) {
        const std::string key(source);
        columns.push_back({key, OFTInteger, [key](const UnitStatistics& u) {
                               const auto found = u.metrics.reported_by_source.find(key);
                               return std::optional<double>(found == u.metrics.reported_by_source.end() ? 0 : found->second);
                           }});
    }
    count("结案数", &Metrics::closed);
    count("按期结案数", &Metrics::closed_on_time);
    real("按期结案率(%)", [](const UnitStatistics& u) { return percent(u.metrics.on_time_rate()); });
    count("返工数", &Metrics::reworked);
    real("返工率(%)", [](const UnitStatistics& u) { return percent(u.metrics.rework_rate()); });
    real("平均结案时长(小时)", [](const UnitStatistics& u) { return rounded(u.metrics.mean_close_hours()); });
    count("走访户数", &Metrics::visits_done);
    count("走访任务", &Metrics::visit_quota);
    count("特殊人群户数", &Metrics::special_households);
    count("已走访特殊人群户数", &Metrics::special_visited);
    real("特殊人群覆盖率(%)", [](const UnitStatistics& u) { return percent(u.metrics.special_coverage()); });
    count("评价数", &Metrics::rated);
    real("平均满意度(分)", [](const UnitStatistics& u) { return rounded(u.metrics.mean_rating()); });
    real("得分", [](const UnitStatistics& u) { return rounded(u.score); });
    return columns;
}

void add_field(OGRLayer& layer, const std::string& name, OGRFieldType type) {
    OGRFieldDefn field(name.c_str(), type);
    if (layer.CreateField(&field) != OGRERR_NONE) fail("cannot create column " + name);
}

void write_sheet(GDALDataset& dataset, const char* sheet, const char* key_header, const char* name_header,
                 const std::vector<UnitStatistics>& units, const std::vector<Column>& columns) {
    OGRLayer* layer = dataset.CreateLayer(sheet, nullptr, wkbNone, nullptr);
    if (layer == nullptr) fail(std::string("cannot create sheet ") + sheet);
    add_field(*layer, key_header, OFTString);
    add_field(*layer, name_header, OFTString);
    for (const Column& column : columns) add_field(*layer, column.header, column.type);
    add_field(*layer, "等级", OFTString);

    for (const UnitStatistics& unit : units) {
        const OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
        feature->SetField(0, unit.key.c_str());
        feature->SetField(1, unit.name.c_str());
        int index = 2;
        for (const Column& column : columns) {
            if (const auto value = column.number(unit)) {
                if (column.type == OFTInteger) {
                    feature->SetField(index, static_cast<int>(*value));
                } else {
                    feature->SetField(index, *value);
                }
            }
            ++index;
        }
        if (!unit.grade.empty()) feature->SetField(index, unit.grade.c_str());
        if (layer->CreateFeature(feature.get()) != OGRERR_NONE) fail(std::string("cannot write a row of ") + sheet);
    }
}

/// The 吹哨报到 sheet: one row per department.
void write_department_sheet(GDALDataset& dataset, std::span<const DepartmentStatistics> departments) {
    OGRLayer* layer = dataset.CreateLayer(department_sheet, nullptr, wkbNone, nullptr);
    if (layer == nullptr) fail(std::string("cannot create sheet ") + department_sheet);
    add_field(*layer, "部门编码", OFTString);
    add_field(*layer, "部门名称", OFTString);
    using Count = int DepartmentStatistics::*;
    static const std::pair<const char*, Count> counts[] = {
        {"派遣数", &DepartmentStatistics::dispatched},
        {"按时报到数", &DepartmentStatistics::acknowledged_on_time},
        {"反馈数", &DepartmentStatistics::resolved},
        {"按期办结数", &DepartmentStatistics::resolved_on_time},
        {"当前超期数", &DepartmentStatistics::overdue_now},
    };
    for (const auto& [header, member] : counts) add_field(*layer, header, OFTInteger);
    add_field(*layer, "按期办结率(%)", OFTReal);
    for (const DepartmentStatistics& row : departments) {
        const OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
        feature->SetField(0, row.code.c_str());
        feature->SetField(1, row.name.c_str());
        int index = 2;
        for (const auto& [header, member] : counts) feature->SetField(index++, row.*member);
        if (const auto rate = percent(row.dispatched > 0 ? std::optional<double>(
                                                               static_cast<double>(row.resolved_on_time) / row.dispatched)
                                                         : std::nullopt)) {
            feature->SetField(index, *rate);
        }
        if (layer->CreateFeature(feature.get()) != OGRERR_NONE) fail(std::string("cannot write a row of ") + department_sheet);
    }
}

OGRLayer& create_sheet(GDALDataset& dataset, const char* sheet,
                       std::initializer_list<std::pair<const char*, OGRFieldType>> fields) {
    OGRLayer* layer = dataset.CreateLayer(sheet, nullptr, wkbNone, nullptr);
    if (layer == nullptr) fail(std::string("cannot create sheet ") + sheet);
    for (const auto& [name, type] : fields) add_field(*layer, name, type);
    return *layer;
}

/// One row of text and number cells, in field order; nullopt numbers stay empty.
void write_row(OGRLayer& layer, const char* sheet, std::initializer_list<std::string> texts,
               std::initializer_list<std::optional<double>> numbers) {
    const OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(layer.GetLayerDefn()));
    int index = 0;
    for (const std::string& text : texts) feature->SetField(index++, text.c_str());
    for (const std::optional<double>& number : numbers) {
        if (number) {
            if (feature->GetFieldDefnRef(index)->GetType() == OFTInteger) {
                feature->SetField(index, static_cast<int>(*number));
            } else {
                feature->SetField(index, *number);
            }
        }
        ++index;
    }
    if (layer.CreateFeature(feature.get()) != OGRERR_NONE) fail(std::string("cannot write a row of ") + sheet);
}

void write_demand_sheets(GDALDataset& dataset, const Demands& demands) {
    OGRLayer& counts = create_sheet(dataset, demand_sheet, {{"维度", OFTString}, {"名称", OFTString}, {"件数", OFTInteger}});
    write_row(counts, demand_sheet, {"合计", demands.month.to_string()}, {demands.total});
    for (const auto& [category, count] : demands.by_category) write_row(counts, demand_sheet, {"类别", category}, {count});
    for (const auto& [source, count] : demands.by_source) write_row(counts, demand_sheet, {"来源", source}, {count});
    OGRLayer& areas = create_sheet(dataset, demand_area_sheet,
                                   {{"层级", OFTString}, {"编码", OFTString}, {"名称", OFTString}, {"类别", OFTString},
                                    {"件数", OFTInteger}});
    const std::pair<const char*, const std::vector<AreaDemands>*> levels[] = {
        {"街道", &demands.streets}, {"社区", &demands.communities}, {"网格", &demands.grids}};
    for (const auto& [level, list] : levels) {
        for (const AreaDemands& area : *list) {
            write_row(areas, demand_area_sheet, {level, area.code, area.name, "合计"}, {area.total});
            for (const auto& [category, count] : area.by_category) {
                write_row(areas, demand_area_sheet, {level, area.code, area.name, category}, {count});
            }
        }
    }
}

void write_ranking_sheets(GDALDataset& dataset, const Ranking& ranking) {
    OGRLayer& ranked = create_sheet(dataset, ranking_sheet,
                                    {{"期间", OFTString}, {"层级", OFTString}, {"编码", OFTString}, {"名称", OFTString},
                                     {"奖牌", OFTString}, {"得分", OFTReal}, {"名次", OFTInteger}, {"计分月数", OFTInteger}});
    const std::pair<const char*, const std::vector<RankedUnit>*> levels[] = {{"街道", &ranking.streets},
                                                                             {"社区", &ranking.communities}};
    for (const auto& [level, list] : levels) {
        for (const RankedUnit& unit : *list) {
            write_row(ranked, ranking_sheet,
                      {ranking.period.to_string(), level, unit.key, unit.name, std::string(label_zh(unit.medal))},
                      {rounded(unit.score), unit.rank > 0 ? std::optional<double>(unit.rank) : std::nullopt,
                       unit.months_scored});
        }
    }
    OGRLayer& unfit = create_sheet(dataset, unfit_sheet,
                                   {{"层级", OFTString}, {"编码", OFTString}, {"名称", OFTString}, {"不称职月份", OFTString}});
    for (const RepeatedUnfit& entry : ranking.flagged) {
        std::string months;
        for (const std::string& month : entry.months) months += (months.empty() ? "" : "、") + month;
        write_row(unfit, unfit_sheet, {entry.level, entry.key, entry.name, months}, {});
    }
}

std::string joined_tags(const std::vector<std::string>& tags) {
    std::string text;
    for (const std::string& tag : tags) text += (text.empty() ? "" : "、") + tag;
    return text;
}

/// 住户变更: one row per household the month added, moved out or re-tagged.
/// Address, members and tags; no names, ID numbers or phones.
void write_household_change_sheet(GDALDataset& dataset, const MonthlyHouseholdChanges& changes) {
    OGRLayer& sheet = create_sheet(dataset, household_change_sheet,
                                   {{"变更类型", OFTString}, {"住户编号", OFTString}, {"网格编码", OFTString},
                                    {"小区", OFTString}, {"楼栋", OFTString}, {"单元", OFTString}, {"室", OFTString},
                                    {"标签", OFTString}, {"新增标签", OFTString}, {"移除标签", OFTString},
                                    {"变更日期", OFTString}, {"登记人", OFTString}, {"人数", OFTInteger}});
    const std::pair<const char*, const std::vector<MonthlyHouseholdChanges::Line>*> kinds[] = {
        {"新增", &changes.added}, {"迁出", &changes.moved_out}, {"标签变化", &changes.tags_changed}};
    for (const auto& [kind, lines] : kinds) {
        for (const MonthlyHouseholdChanges::Line& line : *lines) {
            const model::Household& household = line.last->after;
            write_row(sheet, household_change_sheet,
                      {kind, std::to_string(household.id), household.grid_code, household.compound, household.building,
                       household.unit, household.room, joined_tags(household.tags), joined_tags(line.tags.added),
                       joined_tags(line.tags.removed), model::format_date(line.last->at), line.last->user},
                      {household.members});
        }
    }
}

/// 15分钟生活圈: one row per grid and service kind, with how its distances were walked; shares in percent.
void write_service_circle_sheet(GDALDataset& dataset, std::span<const service::GridRow> rows) {
    OGRLayer& sheet = create_sheet(dataset, service_circle_sheet,
                                   {{"网格编码", OFTString}, {"网格名称", OFTString}, {"服务类型", OFTString},
                                    {"距离计算", OFTString}, {"户数", OFTInteger}, {"覆盖户数", OFTInteger},
                                    {"覆盖率(%)", OFTReal}, {"未覆盖面积(平方米)", OFTReal}});
    for (const service::GridRow& row : rows) {
        write_row(sheet, service_circle_sheet, {row.grid_code, row.grid_name, row.kind, service::method_name(row.method)},
                  {static_cast<double>(row.tally.households), static_cast<double>(row.tally.covered),
                   percent(row.tally.share()), std::round(row.uncovered_m2)});
    }
}

/// Creates the workbook at `gdal_path` (a file or /vsimem/ name ending in
/// ".xlsx" only once, or GDAL's /vsizip/ splits it wrongly); removes what it
/// wrote when it fails.
void write_workbook(const MonthlyStatistics& statistics, const ReportExtras& extras, const std::string& gdal_path) {
    register_drivers();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("XLSX");
    if (driver == nullptr) throw ReportError("GDAL has no XLSX driver");
    VSIUnlink(gdal_path.c_str());
    GDALDatasetUniquePtr dataset(driver->Create(gdal_path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!dataset) fail("cannot create " + gdal_path);
    const std::vector<Column> columns = metric_columns();
    try {
        write_sheet(*dataset, grid_sheet, "网格编码", "网格名称", statistics.grids, columns);
        write_sheet(*dataset, worker_sheet, "人员编号", "姓名", statistics.workers, columns);
        write_sheet(*dataset, community_sheet, "社区编码", "社区名称", statistics.communities, columns);
        if (!extras.departments.empty()) write_department_sheet(*dataset, extras.departments);
        if (extras.demands != nullptr) write_demand_sheets(*dataset, *extras.demands);
        if (extras.ranking != nullptr) write_ranking_sheets(*dataset, *extras.ranking);
        if (extras.household_changes != nullptr) write_household_change_sheet(*dataset, *extras.household_changes);
        if (!extras.service_circles.empty()) write_service_circle_sheet(*dataset, extras.service_circles);
    } catch (...) {
        dataset.reset();
        VSIUnlink(gdal_path.c_str());
        throw;
    }
    // Closing writes the zip; GDAL 3.6 reports a failure only through the error state.
    CPLErrorReset();
    dataset.reset();
    VSIStatBufL stat;
    if (CPLGetLastErrorType() >= CE_Failure || VSIStatL(gdal_path.c_str(), &stat) != 0) {
        VSIUnlink(gdal_path.c_str());
        fail("cannot write " + gdal_path);
    }
}

}  // namespace

void write_xlsx_report(const MonthlyStatistics& statistics, const std::filesystem::path& path,
                       const ReportExtras& extras) {
    // Write next to the target and rename, so a failure never leaves half a workbook at `path`.
    const std::filesystem::path partial = path.parent_path() / (path.stem().string() + ".partial.xlsx");
    write_workbook(statistics, extras, partial.string());
    std::error_code error;
    std::filesystem::rename(partial, path, error);
    if (error) {
        std::error_code ignored;
        std::filesystem::remove(partial, ignored);
        throw ReportError("cannot move the workbook to " + path.string() + ": " + error.message());
    }
}

std::string xlsx_report_bytes(const MonthlyStatistics& statistics, const ReportExtras& extras) {
    // One name per thread: calls on one thread never overlap, and the file is gone on return.
    std::ostringstream name;
    name << "/vsimem/wangge_report_" << std::this_thread::get_id() << ".xlsx";
    const std::string path = name.str();
    write_workbook(statistics, extras, path);
    vsi_l_offset length = 0;
    // TRUE: the buffer becomes ours and the /vsimem/ file is unlinked.
    const std::unique_ptr<GByte, VsiFree> data(VSIGetMemFileBuffer(path.c_str(), &length, TRUE));
    if (!data) throw ReportError("cannot read back " + path);
    return {reinterpret_cast<const char*>(data.get()), static_cast<std::size_t>(length)};
}

}  // namespace wangge::workflow
