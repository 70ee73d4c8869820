#include "progress.hpp"

#include <unistd.h>

#include <iostream>
#include <string>

namespace wangge::cli {

store::Progress terminal_progress() {
    if (isatty(STDERR_FILENO) == 0) return {};
    return [](std::string_view layer, std::size_t done, std::size_t total) {
        std::cerr << '\r' << layer << ": " << done << '/' << total << "\x1b[K";
        if (done == total) std::cerr << '\n';
        std::cerr.flush();
    };
}

}  // namespace wangge::cli
