#pragma once
// Reading back a workbook the server or CLI wrote, with GDAL's XLSX driver.

#include <filesystem>
#include <map>
#include <string>

namespace wangge::support {

/// A sheet: key column → row (column → cell text).
using Sheet = std::map<std::string, std::map<std::string, std::string>>;

/// Throws std::runtime_error when the file or the sheet cannot be read.
[[nodiscard]] Sheet read_sheet(const std::filesystem::path& workbook, const char* sheet, const char* key_column);

}  // namespace wangge::support
