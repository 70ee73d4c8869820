#include "child_process.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <regex>
#include <stdexcept>
#include <system_error>
#include <utility>

extern char** environ;

namespace wangge::http::test {

Child::Child(std::vector<std::string> args, const std::string& input) {
    int out_fds[2];
    int in_fds[2];
    if (pipe(out_fds) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    if (pipe(in_fds) != 0) {
        close(out_fds[0]);
        close(out_fds[1]);
        throw std::system_error(errno, std::generic_category(), "pipe");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, in_fds[0], STDIN_FILENO);
    posix_spawn_file_actions_addclose(&actions, out_fds[0]);
    posix_spawn_file_actions_addclose(&actions, in_fds[1]);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int error = posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out_fds[1]);
    close(in_fds[0]);
    if (error != 0) {
        close(out_fds[0]);
        close(in_fds[1]);
        pid_ = -1;
        throw std::system_error(error, std::generic_category(), "posix_spawn " + args[0]);
    }
    // Small inputs (a password) fit in the pipe buffer, so this cannot block on the child.
    if (!input.empty() && write(in_fds[1], input.data(), input.size()) < 0) {
        close(in_fds[1]);
        throw std::system_error(errno, std::generic_category(), "write to " + args[0]);
    }
    close(in_fds[1]);
    out_ = fdopen(out_fds[0], "r");
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), out_(std::exchange(other.out_, nullptr)) {}

Child::~Child() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        wait();
    }
    if (out_ != nullptr) std::fclose(out_);
}

std::string Child::read_line() {
    std::array<char, 512> buffer{};
    return std::fgets(buffer.data(), buffer.size(), out_) != nullptr ? std::string(buffer.data()) : std::string();
}

std::string Child::read_all() {
    std::string text;
    std::array<char, 4096> buffer{};
    std::size_t got = 0;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), out_)) > 0) text.append(buffer.data(), got);
    return text;
}

void Child::signal(int number) const { kill(pid_, number); }

int Child::wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

namespace {

std::vector<std::string> serve_args(const std::vector<std::string>& args) {
    std::vector<std::string> all{wangge_binary, "serve"};
    all.insert(all.end(), args.begin(), args.end());
    return all;
}

}  // namespace

ServeProcess::ServeProcess(const std::vector<std::string>& args) : child_(serve_args(args)) {
    const std::string line = child_.read_line();
    std::smatch match;
    if (!std::regex_search(line, match, std::regex(R"(^wangge: serving \d+ grids on http://127\.0\.0\.1:(\d+)\n$)"))) {
        throw std::runtime_error("wangge serve did not start: '" + line + "'");
    }
    port_ = static_cast<unsigned short>(std::stoi(match[1]));
}

void add_user(const std::string& store, const std::string& name, const std::string& role,
              const std::string& password) {
    Child child({wangge_binary, "user", "add", "--store", store, "--name", name, "--role", role, "--password-stdin"},
                password + "\n");
    if (child.wait() != 0) throw std::runtime_error("wangge user add " + name + " failed");
}

}  // namespace wangge::http::test
