#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <string>

namespace wangge::cli {

namespace {
constexpr std::size_t bar_width = 30;
}  // namespace

store::Progress terminal_progress() {
    if (isatty(STDERR_FILENO) == 0) return {};
    return [](std::string_view layer, std::size_t done, std::size_t total) {
        // Some sources (CSV, XLSX) cannot count their rows up front: no bar then, only the count.
        std::string bar;
        if (total > 0) {
            const std::size_t filled = std::min(bar_width, done * bar_width / total);
            bar = "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "] " +
                  std::to_string(std::min<std::size_t>(100, done * 100 / total)) + "% ";
        }
        std::cerr << '\r' << bar << layer << ": " << done << '/' << total << "\x1b[K";
        if (done == total) std::cerr << '\n';
        std::cerr.flush();
    };
}

}  // namespace wangge::cli
