#pragma once
// Runs a shell command (GDAL's own tools, as an independent reader) and returns its stdout.

#include <cstdio>
#include <string>

namespace wangge::store::testing {

inline std::string run_command(const std::string& command) {
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return output;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
    pclose(pipe);
    return output;
}

}  // namespace wangge::store::testing
