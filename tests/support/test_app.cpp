#include "support/test_app.hpp"

#include <fstream>
#include <string_view>
#include <utility>

#include "wangge/store/store.hpp"

namespace wangge::support {

namespace {

void write_file(const std::filesystem::path& path, std::string_view text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

Headers with_account(Accounts& accounts, const std::optional<Account>& who, const std::string& body,
                     Headers headers) {
    for (auto& header : accounts.bearer(who)) headers.push_back(std::move(header));
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return headers;
}

}  // namespace

workflow::WorkflowConfig categories() {
    return workflow::WorkflowConfig::load(std::filesystem::path(WANGGE_SOURCE_DIR) / "data/categories.json");
}

TestApp::TestApp(TestAppOptions options) {
    write_file(dir() / "web-map/index.html", "<!doctype html><title>网格地图</title>");
    write_file(dir() / "web-map/js/app.mjs", "export const map = 1;\n");
    write_file(dir() / "web-map/app.css", "body{margin:0}");
    write_file(dir() / "styles/grids.json", R"({"version":8})");
    write_file(dir() / "secret.txt", "outside the web root");
    std::filesystem::create_symlink(dir() / "secret.txt", dir() / "web-map/escape.txt");
    store_location_ = options.store.value_or(store_path().string());
    if (!store::store_exists(store_location_)) store::create_store(store_location_)->append(options.data);
    app::AppConfig config{.store = store_location_,
                          .web_dir = dir() / "web-map",
                          .styles_dir = dir() / "styles",
                          .basemap = std::move(options.basemap),
                          .open311_clients = std::move(options.open311_clients),
                          .tile_cache_bytes = options.tile_cache_bytes,
                          .max_anonymous_streams = options.max_anonymous_streams,
                          .gate = std::move(options.gate),
                          .rules = options.rules,
                          .validate_limits = options.validate_limits,
                          .first_version = options.first_version,
                          .follower = std::move(options.follower)};
    if (options.workflow) config.workflow = categories();
    app_ = app::App::open(std::move(config));
    accounts_.emplace(app_->gate());
}

TestApp::~TestApp() { stop(); }

http::Response TestApp::handle(http::Method method, std::string target, Headers headers, std::string body) const {
    http::Request request(method, std::move(target), std::move(headers), std::move(body));
    return handle(request);
}

http::Response TestApp::handle(http::Request& request) const { return app_->router().handle(request); }

http::Response TestApp::handle_as(const std::optional<Account>& who, http::Method method, std::string target,
                                  std::string body, Headers headers) {
    headers = with_account(*accounts_, who, body, std::move(headers));
    return handle(method, std::move(target), std::move(headers), std::move(body));
}

unsigned short TestApp::serve(const http::ServerOptions& options,
                              const std::function<void(http::Router&)>& extra_routes) {
    stop();
    http::Router router = app_->router();
    if (extra_routes) extra_routes(router);
    server_ = std::make_unique<http::Server>(std::move(router), options);
    port_ = server_->listen();
    thread_ = std::thread([this] { server_->run(); });
    return port_;
}

Reply TestApp::get_as(const Account& user, const std::string& target, Headers headers) {
    return get(target, with_account(*accounts_, user, {}, std::move(headers)));
}

Reply TestApp::call(const std::optional<Account>& who, http::Method method, const std::string& target,
                    std::string body, Headers headers) {
    headers = with_account(*accounts_, who, body, std::move(headers));
    return Client(port_).request(method, target, headers, std::move(body));
}

void TestApp::stop() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
}

model::Dataset TestApp::stored_data() {
    stop();
    server_.reset();
    accounts_.reset();
    app_.reset();
    return store::open_store(store_location_)->load();
}

http::ServerOptions TestApp::quiet_options() {
    http::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.access_log = false;
    // Tests fire requests back to back from one address; the limit has its own tests.
    options.rate_limit = 0;
    return options;
}

}  // namespace wangge::support
