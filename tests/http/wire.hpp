#pragma once
// A plain client socket for the HTTP tests that watch bytes arrive as they
// come (streamed responses, server-sent events): the Beast client of
// support/client.hpp reads whole responses only.

#include <chrono>
#include <functional>
#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace wangge::http::test {

/// A plain socket, to watch a stream's bytes arrive (the Beast client reads whole responses)
/// and to check the framing independently of Beast.
class Wire {
public:
    /// How long a read waits for what should come: long enough for a loaded machine, it only bounds a hang.
    static constexpr std::chrono::milliseconds default_timeout{20'000};

    explicit Wire(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd_ < 0 || ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
            throw std::system_error(errno, std::generic_category(), "connect");
        }
    }
    ~Wire() { close(); }
    Wire(const Wire&) = delete;
    Wire& operator=(const Wire&) = delete;

    void write(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) throw std::system_error(errno, std::generic_category(), "send");
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    /// Reads until `text` has arrived (anywhere in what was received) or the server closed; false after `timeout`.
    bool read_until(std::string_view text, std::chrono::milliseconds timeout = default_timeout) {
        return read_until([text](const std::string& received) { return received.find(text) != std::string::npos; },
                          timeout);
    }
    /// Reads until `done(received())` holds or the server closed; false after `timeout`.
    bool read_until(const std::function<bool(const std::string&)>& done,
                    std::chrono::milliseconds timeout = default_timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done(received_)) {
            if (closed_ || !read_some(deadline)) return false;
        }
        return true;
    }
    /// Reads until the server closes; false after `timeout`.
    bool read_to_close(std::chrono::milliseconds timeout = default_timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!closed_) {
            if (!read_some(deadline)) return false;
        }
        return true;
    }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    [[nodiscard]] const std::string& received() const noexcept { return received_; }
    [[nodiscard]] bool closed() const noexcept { return closed_; }

private:
    bool read_some(std::chrono::steady_clock::time_point deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd poll_fd{fd_, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) return false;
        char buffer[16384];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) {
            closed_ = true;
        } else {
            received_.append(buffer, static_cast<std::size_t>(n));
        }
        return true;
    }

    int fd_;
    std::string received_;
    bool closed_ = false;
};

}  // namespace wangge::http::test
