#pragma once
// A synchronous HTTP/1.1 client for the tests (Beast, kept out of this header
// so that the test files compile without Beast).

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

private:
    struct Connection;
    std::unique_ptr<Connection> connection_;
};

}  // namespace wangge::support
