#pragma once
// A fresh directory under the system temp dir, removed with everything in it
// (the one TempDir of the test suite).

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace wangge::support {

class TempDir {
public:
    TempDir() {
        // mkdtemp picks a name nobody else has, also across test processes run in parallel.
        std::string pattern = (std::filesystem::temp_directory_path() / "wangge-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace wangge::support
