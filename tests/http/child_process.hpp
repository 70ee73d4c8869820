#pragma once
// The real `wangge` executable as a child process: stdin text, stdout on a
// pipe, killed and reaped with the object; `wangge serve` on an ephemeral port.

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

namespace wangge::http::test {

inline const std::string wangge_binary = WANGGE_BINARY_DIR "/src/cli/wangge";

/// A child process with `input` on its stdin (then closed) and its stdout on a pipe.
class Child {
public:
    explicit Child(std::vector<std::string> args, const std::string& input = {});
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    Child(Child&& other) noexcept;
    Child& operator=(Child&&) = delete;

    /// The next line of stdout; empty at end of file.
    std::string read_line();
    /// The rest of stdout, up to end of file.
    std::string read_all();
    void signal(int number) const;
    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    /// The exit status, or -1 when killed by a signal.
    int wait();

private:
    pid_t pid_ = -1;
    FILE* out_ = nullptr;
};

/// `wangge serve ARGS…` once it has printed the port it listens on.
class ServeProcess {
public:
    /// Throws std::runtime_error when the server does not start.
    explicit ServeProcess(const std::vector<std::string>& args);

    [[nodiscard]] unsigned short port() const noexcept { return port_; }
    /// The process, to signal it (SIGTERM for a graceful stop) and wait for its exit.
    [[nodiscard]] Child& child() noexcept { return child_; }

private:
    Child child_;
    unsigned short port_ = 0;
};

/// `wangge user add` with the password on stdin; throws when it fails.
void add_user(const std::string& store, const std::string& name, const std::string& role,
              const std::string& password);

}  // namespace wangge::http::test
