#pragma once
// The monthly assessment workbook for the monthly meeting (DESIGN §5):
// one sheet per level — 网格, 网格员, 社区 (and 部门 for 吹哨报到) — one row per unit, written with
// GDAL's XLSX driver. Codes are text cells (15-digit codes would lose digits
// as numbers); rates are percentages; undefined values are empty cells.
//
// Thread safety: reentrant; writes only the given file.

#include <filesystem>
#include <span>
#include <string>

#include "wangge/error.hpp"
#include "wangge/service/circles.hpp"
#include "wangge/workflow/assessment.hpp"
#include "wangge/workflow/departments.hpp"
#include "wangge/workflow/household_changes.hpp"
#include "wangge/workflow/statistics.hpp"

namespace wangge::workflow {

class ReportError : public Error {
public:
    using Error::Error;
};

/// The sheet names, in workbook order.
inline constexpr const char* grid_sheet = "网格";
inline constexpr const char* worker_sheet = "网格员";
inline constexpr const char* community_sheet = "社区";
/// 吹哨报到: per department, when the report is given department statistics.
inline constexpr const char* department_sheet = "部门";
/// 群众诉求分析 of the month: counts by category and source, and per area and category.
inline constexpr const char* demand_sheet = "诉求分类";
inline constexpr const char* demand_area_sheet = "诉求区域";
/// The ranking of the month's quarter (to date) with medals, and the repeated 不称职.
inline constexpr const char* ranking_sheet = "季度排名";
inline constexpr const char* unfit_sheet = "两次不称职";
/// 住户变更: the month's households added, moved out and with changed tags.
inline constexpr const char* household_change_sheet = "住户变更";
/// 15分钟生活圈: per finest-level grid and service kind, households covered (service/circles.hpp).
inline constexpr const char* service_circle_sheet = "15分钟生活圈";

/// What the workbook holds besides the monthly statistics (each sheet only when given).
struct ReportExtras {
    std::span<const DepartmentStatistics> departments{};
    const Demands* demands = nullptr;
    const Ranking* ranking = nullptr;
    /// The month's household changes (新增、迁出、标签变化) of the report's area.
    const MonthlyHouseholdChanges* household_changes = nullptr;
    /// The 15-minute living circles of the report's grids as they stand (service::grid_rows).
    std::span<const service::GridRow> service_circles{};
};

/// Writes the workbook to `path`, replacing an existing file only once the new
/// one is complete. Throws ReportError when GDAL cannot write it.
void write_xlsx_report(const MonthlyStatistics& statistics, const std::filesystem::path& path,
                       const ReportExtras& extras = {});

/// The same workbook as bytes (for HTTP), built in GDAL's /vsimem/. Throws ReportError.
[[nodiscard]] std::string xlsx_report_bytes(const MonthlyStatistics& statistics, const ReportExtras& extras = {});

}  // namespace wangge::workflow
