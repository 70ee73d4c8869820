#pragma once
// A synchronous HTTP/1.1 client for the tests (Beast, kept out of this header
// so that the test files compile without Beast).

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/http/router.hpp"

namespace wangge::support {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Reply {
    unsigned status = 0;
    std::string body;
    Headers headers;

    [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(body); }
    /// The header's value (name case-insensitive); empty when absent.
    [[nodiscard]] std::string header(std::string_view name) const;
};

/// One keep-alive connection to 127.0.0.1.
class Client {
public:
    /// Throws std::system_error when the connection is refused.
    explicit Client(unsigned short port);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    Reply request(http::Method method, const std::string& target, const Headers& headers = {}, std::string body = {});
    Reply get(const std::string& target, const Headers& headers = {}) {
        return request(http::Method::get, target, headers);
    }
    /// Writes raw bytes (pipelining, malformed requests) and reads `count` responses.
    std::vector<Reply> raw(const std::string& bytes, std::size_t count);
    /// True when the server has closed the connection.
    bool closed_by_server();
    /// The connection's own (ephemeral) port.
    [[nodiscard]] unsigned short local_port() const;

private:
    struct Connection;
    std::unique_ptr<Connection> connection_;
};

/// Waits until the server listening on `server_port` has read every byte `client` sent so far:
/// its end of the connection has nothing left in the kernel's receive queue (/proc/net/tcp).
/// For tests that need a partly sent request to be in the server's hands, not only on the way.
/// False when that did not happen within `timeout`.
bool wait_until_server_read(unsigned short server_port, const Client& client,
                            std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace wangge::support
