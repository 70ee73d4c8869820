#pragma once
// An in-process server on 127.0.0.1:0 over a small hand-built community, and
// a synchronous Beast client, shared by the HTTP tests.

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../auth/accounts.hpp"
#include "wangge/http/api.hpp"
#include "wangge/http/server.hpp"
#include "wangge/model/entities.hpp"

namespace wangge::http::test {

/// One street (110105001) with two communities: 001 split into grids 001001
/// (west) and 001002 (east), 002 with one grid 002001 whose boundary was
/// redrawn on 2026-01-01 (version 1 closed, version 2 current). Eight
/// households, two facilities, three incidents, three staff.
[[nodiscard]] model::Dataset sample_dataset();

/// Users for sample_dataset(): each sees its own slice of it.
namespace users {
inline const auth::testing::Account admin{"admin", auth::Role::admin};
inline const auth::testing::Account planner{"planner", auth::Role::planner};
/// Community 110105001001: grids 001001 and 001002 (households 1–7).
inline const auth::testing::Account supervisor{"supervisor", auth::Role::supervisor, {"110105001001"}};
/// Grid 110105001001001 (households 1–5), as staff 1 (张伟, its A岗).
inline const auth::testing::Account worker{"worker", auth::Role::grid_worker, {"110105001001001"}, 1};
/// Grid 110105001002001 (household 8), as staff 3 (王芳): another grid's worker.
inline const auth::testing::Account outsider{"outsider", auth::Role::grid_worker, {"110105001002001"}, 3};
}  // namespace users

/// A temporary directory removed with the object.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Reply {
    unsigned status = 0;
    std::string body;
    Headers headers;

    [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(body); }
    /// The header's value (name case-insensitive); empty when absent.
    [[nodiscard]] std::string header(std::string_view name) const;
};

/// One keep-alive connection (Beast synchronous client, kept out of this
/// header so that the test files compile without Beast).
class Client {
public:
    /// Throws std::system_error when the connection is refused.
    explicit Client(unsigned short port);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    Reply request(Method method, const std::string& target, const Headers& headers = {}, std::string body = {});
    Reply get(const std::string& target, const Headers& headers = {}) { return request(Method::get, target, headers); }
    /// Writes raw bytes (pipelining, malformed requests) and reads `count` responses.
    std::vector<Reply> raw(const std::string& bytes, std::size_t count);
    /// True when the server has closed the connection.
    bool closed_by_server();

private:
    struct Connection;
    std::unique_ptr<Connection> connection_;
};

/// The full API over sample_dataset() (with /auth/* and sessions kept in a
/// GeoPackage in the temp dir), with web-map and styles directories in a temp dir.
class TestServer {
public:
    explicit TestServer(ServerOptions options = quiet_options(), const std::function<void(Router&)>& extra_routes = {});
    ~TestServer();
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    [[nodiscard]] unsigned short port() const noexcept { return port_; }
    [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_.path(); }
    /// GET on a fresh connection.
    Reply get(const std::string& target, const Headers& headers = {}) { return Client(port_).get(target, headers); }
    /// GET as a signed-in user (its account made on first use).
    Reply get_as(const auth::testing::Account& user, const std::string& target, Headers headers = {}) {
        for (auto& header : accounts_->bearer(user)) headers.push_back(std::move(header));
        return get(target, headers);
    }
    [[nodiscard]] auth::testing::Accounts& accounts() noexcept { return *accounts_; }
    [[nodiscard]] State& state() noexcept { return state_; }
    /// Stops and waits for run() to return.
    void stop();

    static ServerOptions quiet_options() {
        ServerOptions options;
        options.port = 0;
        options.threads = 2;
        options.access_log = false;
        // Tests fire requests back to back from one address; the limit has its own tests.
        options.rate_limit = 0;
        return options;
    }

private:
    TempDir dir_;
    std::unique_ptr<auth::testing::Accounts> accounts_;
    State state_{"geopackage"};
    std::unique_ptr<Server> server_;
    unsigned short port_ = 0;
    std::thread thread_;
};

}  // namespace wangge::http::test
