#include "support/workbook.hpp"

#include <stdexcept>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

namespace wangge::support {

Sheet read_sheet(const std::filesystem::path& workbook, const char* sheet, const char* key_column) {
    GDALAllRegister();
    const char* drivers[] = {"XLSX", nullptr};
    const char* options[] = {"HEADERS=FORCE", nullptr};
    const GDALDatasetUniquePtr dataset(GDALDataset::FromHandle(
        GDALOpenEx(workbook.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, options, nullptr)));
    if (!dataset) throw std::runtime_error("GDAL cannot open " + workbook.string());
    OGRLayer* layer = dataset->GetLayerByName(sheet);
    if (layer == nullptr) throw std::runtime_error(std::string("no sheet ") + sheet);
    Sheet rows;
    for (const auto& feature : *layer) {
        std::map<std::string, std::string> row;
        for (int i = 0; i < feature->GetFieldCount(); ++i) {
            row[feature->GetFieldDefnRef(i)->GetNameRef()] =
                feature->IsFieldSetAndNotNull(i) ? feature->GetFieldAsString(i) : "";
        }
        rows[row.at(key_column)] = row;
    }
    return rows;
}

}  // namespace wangge::support
