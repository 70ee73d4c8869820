#include "wangge/workflow/xlsx_report.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include "../support/temp_dir.hpp"
#include "fixture.hpp"

using namespace wangge;
using namespace wangge::workflow;
using namespace wangge::workflow::test;

namespace {

using wangge::support::TempDir;

MonthlyStatistics october() {
    const auto snapshot = community_snapshot(assessment_dataset());
    return monthly_statistics(*snapshot, Month::parse("2026-10"));
}

/// Reads the workbook back with GDAL, independently of the writer.
GDALDatasetUniquePtr open_workbook(const std::filesystem::path& path) {
    GDALAllRegister();
    const char* drivers[] = {"XLSX", nullptr};
    const char* options[] = {"HEADERS=FORCE", nullptr};
    return GDALDatasetUniquePtr(GDALDataset::FromHandle(
        GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, options, nullptr)));
}

}  // namespace

TEST(XlsxReport, WritesOneSheetPerLevelAndReadsBack) {
    const TempDir dir;
    const auto path = dir.path() / "report.xlsx";
    write_xlsx_report(october(), path);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "report.partial.xlsx"));

    const GDALDatasetUniquePtr workbook = open_workbook(path);
    ASSERT_TRUE(workbook);
    ASSERT_EQ(workbook->GetLayerCount(), 3);
    EXPECT_STREQ(workbook->GetLayer(0)->GetName(), "网格");
    EXPECT_STREQ(workbook->GetLayer(1)->GetName(), "网格员");
    EXPECT_STREQ(workbook->GetLayer(2)->GetName(), "社区");

    OGRLayer* grids = workbook->GetLayerByName("网格");
    EXPECT_EQ(grids->GetFeatureCount(), 2);
    grids->ResetReading();
    const OGRFeatureUniquePtr first(grids->GetNextFeature());
    ASSERT_TRUE(first);
    EXPECT_STREQ(first->GetFieldAsString("网格编码"), grid1_code);  // 15 digits kept as text
    EXPECT_STREQ(first->GetFieldAsString("网格名称"), "第一网格");
    EXPECT_EQ(first->GetFieldAsInteger("上报数"), 2);
    EXPECT_EQ(first->GetFieldAsInteger("居民上报"), 1);
    EXPECT_EQ(first->GetFieldAsInteger("热线"), 0);
    EXPECT_DOUBLE_EQ(first->GetFieldAsDouble("按期结案率(%)"), 50.0);
    EXPECT_DOUBLE_EQ(first->GetFieldAsDouble("平均结案时长(小时)"), 39.0);
    EXPECT_DOUBLE_EQ(first->GetFieldAsDouble("得分"), 47.3);
    EXPECT_STREQ(first->GetFieldAsString("等级"), "不称职");

    OGRLayer* workers = workbook->GetLayerByName("网格员");
    EXPECT_EQ(workers->GetFeatureCount(), 3);
    OGRLayer* communities = workbook->GetLayerByName("社区");
    communities->ResetReading();
    const OGRFeatureUniquePtr community(communities->GetNextFeature());
    ASSERT_TRUE(community);
    EXPECT_STREQ(community->GetFieldAsString("社区编码"), community_code);
    EXPECT_DOUBLE_EQ(community->GetFieldAsDouble("平均结案时长(小时)"), 58.3);
    EXPECT_DOUBLE_EQ(community->GetFieldAsDouble("特殊人群覆盖率(%)"), 75.0);
}

TEST(XlsxReport, EmptyCellsForUndefinedRates) {
    const TempDir dir;
    const auto path = dir.path() / "report.xlsx";
    write_xlsx_report(october(), path);
    const GDALDatasetUniquePtr workbook = open_workbook(path);
    ASSERT_TRUE(workbook);
    OGRLayer* workers = workbook->GetLayerByName("网格员");
    workers->SetAttributeFilter("\"人员编号\" = '3'");
    const OGRFeatureUniquePtr wang(workers->GetNextFeature());
    ASSERT_TRUE(wang);
    EXPECT_FALSE(wang->IsFieldSetAndNotNull(wang->GetFieldIndex("按期结案率(%)")));
    EXPECT_TRUE(wang->IsFieldSetAndNotNull(wang->GetFieldIndex("得分")));
}

TEST(XlsxReport, ReplacesAnExistingFile) {
    const TempDir dir;
    const auto path = dir.path() / "report.xlsx";
    std::ofstream(path) << "not a workbook";
    write_xlsx_report(october(), path);
    EXPECT_TRUE(open_workbook(path));
}

TEST(XlsxReport, UnwritablePathIsAReportError) {
    EXPECT_THROW(write_xlsx_report(october(), "/nonexistent/dir/report.xlsx"), ReportError);
}

TEST(XlsxReport, TheSameWorkbookAsBytes) {
    const std::string bytes = xlsx_report_bytes(october());
    ASSERT_GT(bytes.size(), 4U);
    EXPECT_EQ(bytes.substr(0, 4), std::string("PK\x03\x04", 4));  // a zip, as every .xlsx
    const TempDir dir;
    const auto path = dir.path() / "downloaded.xlsx";
    std::ofstream(path, std::ios::binary) << bytes;
    const GDALDatasetUniquePtr workbook = open_workbook(path);
    ASSERT_TRUE(workbook);
    ASSERT_EQ(workbook->GetLayerCount(), 3);
    OGRLayer* grids = workbook->GetLayerByName("网格");
    ASSERT_NE(grids, nullptr);
    EXPECT_EQ(grids->GetFeatureCount(), 2);
    grids->SetAttributeFilter("\"网格编码\" = '110105001001002'");
    const OGRFeatureUniquePtr second(grids->GetNextFeature());
    ASSERT_TRUE(second);
    EXPECT_DOUBLE_EQ(second->GetFieldAsDouble("得分"), 81.3);
    // Nothing is left behind in GDAL's memory file system.
    EXPECT_EQ(xlsx_report_bytes(october()).size(), bytes.size());
}

TEST(XlsxReport, DepartmentsDemandsAndRankingSheets) {
    const TempDir dir;
    const auto path = dir.path() / "report.xlsx";
    const auto snapshot = community_snapshot(assessment_dataset());
    const std::vector<DepartmentStatistics> departments{{"chengguan", "城管执法", 3, 2, 2, 1, 1}};
    const Demands demands = workflow::demands(*snapshot, Month::parse("2026-10"));
    const Ranking ranking = workflow::ranking(*snapshot, Period::parse("2026-Q4"), {}, {});
    write_xlsx_report(october(), path, {.departments = departments, .demands = &demands, .ranking = &ranking});

    const GDALDatasetUniquePtr workbook = open_workbook(path);
    ASSERT_TRUE(workbook);
    ASSERT_EQ(workbook->GetLayerCount(), 8);
    OGRLayer* sheet = workbook->GetLayerByName(department_sheet);
    ASSERT_NE(sheet, nullptr);
    sheet->ResetReading();
    OGRFeatureUniquePtr row(sheet->GetNextFeature());
    ASSERT_TRUE(row);
    EXPECT_STREQ(row->GetFieldAsString("部门名称"), "城管执法");
    EXPECT_EQ(row->GetFieldAsInteger("当前超期数"), 1);
    EXPECT_NEAR(row->GetFieldAsDouble("按期办结率(%)"), 33.3, 1e-9);

    sheet = workbook->GetLayerByName(demand_sheet);
    ASSERT_NE(sheet, nullptr);
    sheet->ResetReading();
    row.reset(sheet->GetNextFeature());
    ASSERT_TRUE(row);
    EXPECT_STREQ(row->GetFieldAsString("维度"), "合计");
    EXPECT_EQ(row->GetFieldAsInteger("件数"), 3);
    sheet = workbook->GetLayerByName(demand_area_sheet);
    ASSERT_NE(sheet, nullptr);
    sheet->ResetReading();
    row.reset(sheet->GetNextFeature());
    ASSERT_TRUE(row);
    EXPECT_STREQ(row->GetFieldAsString("层级"), "街道");
    EXPECT_STREQ(row->GetFieldAsString("编码"), street_code);

    sheet = workbook->GetLayerByName(ranking_sheet);
    ASSERT_NE(sheet, nullptr);
    EXPECT_EQ(sheet->GetFeatureCount(), 2);  // one street, one community
    sheet->ResetReading();
    row.reset(sheet->GetNextFeature());
    ASSERT_TRUE(row);
    EXPECT_STREQ(row->GetFieldAsString("期间"), "2026-Q4");
    EXPECT_STREQ(row->GetFieldAsString("奖牌"), "铜");
    EXPECT_EQ(row->GetFieldAsInteger("名次"), 1);
    EXPECT_NE(workbook->GetLayerByName(unfit_sheet), nullptr);
}
