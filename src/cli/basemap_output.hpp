#pragma once
// Writing a basemap file from the CLI, with a one-line summary on stderr
// (shared by `wangge basemap` and `wangge generate`).

#include <chrono>
#include <filesystem>

#include "wangge/basemap/basemap.hpp"

namespace wangge::cli {

/// Throws what basemap::write_tiles throws. The time printed counts from
/// `start` (before the features were derived).
void write_basemap(const basemap::Basemap& basemap, const std::filesystem::path& out,
                   const basemap::TilingOptions& options, std::chrono::steady_clock::time_point start);

}  // namespace wangge::cli
