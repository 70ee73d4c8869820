#pragma once

#include <filesystem>
#include <fstream>
#include <string_view>

namespace wangge::store::testing {

inline std::filesystem::path write_file(const std::filesystem::path& path, std::string_view content) {
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

}  // namespace wangge::store::testing
