#pragma once
// The server as `wangge serve` builds it (app::App::open), over a dataset
// stored in a GeoPackage in a temp dir, for every test that needs routes:
// in process through the router, or served on 127.0.0.1 on an ephemeral port.
//
//     TestServer server;                                   // sample_dataset(), served
//     const Reply reply = server.get_as(users::worker, "/collections/households/items");
//
//     TestApp app({.data = layout::dataset()});             // in process, no socket
//     const http::Response response = app.handle(http::Method::get, "/health");
//
// The temp dir also holds web-map/ (index.html, js/app.mjs, app.css, and
// escape.txt: a link to secret.txt outside it) and styles/grids.json.
//
// Thread safety: one test thread drives it; the server's threads run the handlers.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "support/accounts.hpp"
#include "support/client.hpp"
#include "support/datasets.hpp"
#include "support/temp_dir.hpp"
#include "wangge/app/app.hpp"
#include "wangge/http/server.hpp"

namespace wangge::support {

struct TestAppOptions {
    model::Dataset data = sample_dataset();
    /// The store to serve (e.g. a postgresql:// address) instead of a new
    /// GeoPackage file in the temp dir; `data` is stored there first unless
    /// it holds a store already (a second server on the same database).
    std::optional<std::string> store{};
    /// Load data/categories.json, as `wangge serve` does: the workflow routes are on.
    bool workflow = true;
    std::optional<http::Open311Clients> open311_clients{};
    /// The session checks' clock (the system clock unless set) and proxy trust.
    http::AuthGateOptions gate{};
    std::uint64_t first_version = 1;
    std::size_t tile_cache_bytes = tiles::TileCache::default_budget_bytes;
    std::size_t max_anonymous_streams = app::AppConfig{}.max_anonymous_streams;
    /// The one set of rule options (POST /validate, drafts, GET /rules).
    rules::Options rules{};
    rules::FeatureLimits validate_limits{};
    /// The basemap served under /basemap (none by default).
    basemap::BasemapSource basemap{};
    /// On a database store: the change table's follower (pruning, log).
    http::FollowerOptions follower{};
};

/// The workflow's category table of the repository (data/categories.json).
[[nodiscard]] workflow::WorkflowConfig categories();

class TestApp {
public:
    explicit TestApp(TestAppOptions options = {});
    ~TestApp();
    TestApp(const TestApp&) = delete;
    TestApp& operator=(const TestApp&) = delete;

    [[nodiscard]] app::App& app() { return *app_; }
    [[nodiscard]] http::State& state() { return app_->state(); }
    [[nodiscard]] http::Writer& writer() { return app_->writer(); }
    [[nodiscard]] const http::AuthGate& gate() const { return app_->gate(); }
    [[nodiscard]] Accounts& accounts() { return *accounts_; }
    [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_.path(); }
    /// The GeoPackage file in the temp dir (the default store).
    [[nodiscard]] std::filesystem::path store_path() const { return dir_.path() / "city.gpkg"; }
    /// Where the served store is: store_path() unless TestAppOptions::store.
    [[nodiscard]] const std::string& store_location() const noexcept { return store_location_; }

    /// A request through the app's router, on this thread (no socket, no gzip, no rate limit).
    http::Response handle(http::Method method, std::string target, Headers headers = {}, std::string body = {}) const;
    /// A request prepared by the test (peer, client address, base URL as the server would set them).
    http::Response handle(http::Request& request) const;
    /// The same as `who` (anonymous when nullopt); a body is sent as application/json.
    http::Response handle_as(const std::optional<Account>& who, http::Method method, std::string target,
                             std::string body = {}, Headers headers = {});

    /// Serves the app's routes (and `extra_routes`, for server tests) on a
    /// thread; returns the port.
    unsigned short serve(const http::ServerOptions& options = quiet_options(),
                         const std::function<void(http::Router&)>& extra_routes = {});
    [[nodiscard]] unsigned short port() const noexcept { return port_; }
    /// GET on a fresh connection.
    Reply get(const std::string& target, const Headers& headers = {}) { return Client(port_).get(target, headers); }
    /// GET as a signed-in user (its account made on first use).
    Reply get_as(const Account& user, const std::string& target, Headers headers = {});
    /// A request on a fresh connection as `who` (anonymous when nullopt); a body is sent as application/json.
    Reply call(const std::optional<Account>& who, http::Method method, const std::string& target,
               std::string body = {}, Headers headers = {});
    /// Stops the server and waits for it; the app stays open.
    void stop();
    /// Stops the server, closes the app (its Writer and auth service) and
    /// reads the store back. Only dir(), store_path() and store_location() are usable afterwards.
    [[nodiscard]] model::Dataset stored_data();

    /// Two I/O threads, no access log, no rate limit, an ephemeral port.
    [[nodiscard]] static http::ServerOptions quiet_options();

private:
    TempDir dir_;
    std::string store_location_;
    std::unique_ptr<app::App> app_;
    std::optional<Accounts> accounts_;
    std::unique_ptr<http::Server> server_;
    unsigned short port_ = 0;
    std::thread thread_;
};

/// A TestApp served from construction on.
class TestServer : public TestApp {
public:
    explicit TestServer(const http::ServerOptions& options = quiet_options(),
                        const std::function<void(http::Router&)>& extra_routes = {}, TestAppOptions app = {})
        : TestApp(std::move(app)) {
        serve(options, extra_routes);
    }
};

}  // namespace wangge::support
