// `wangge serve`: load the store into a snapshot and serve the HTTP API (DESIGN §3, §6).

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "options.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/auth/service.hpp"
#include "wangge/http/api.hpp"
#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/server.hpp"
#include "wangge/http/draft_routes.hpp"
#include "wangge/http/workflow_routes.hpp"
#include "wangge/http/writer.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/workflow/config.hpp"

namespace wangge::cli {

int serve_command(const Args& args) {
    namespace po = boost::program_options;
    std::string store_path;
    std::string web_dir = "web-map";
    std::string styles_dir = "styles";
    std::string categories_path = "data/categories.json";
    bool quiet = false;
    http::ServerOptions options;
    options.handle_signals = true;

    po::options_description description("usage: wangge serve --store FILE [options]\n\noptions");
    description.add_options()
        ("help,h", "show this help")
        ("store", po::value(&store_path)->value_name("FILE"), "GeoPackage store to serve (required)")
        ("host", po::value(&options.host)->default_value(options.host),
         "address to listen on; 0.0.0.0 serves every interface")
        ("port", po::value(&options.port)->default_value(options.port), "TCP port; 0 picks a free one and prints it")
        ("web", po::value(&web_dir)->default_value(web_dir)->value_name("DIR"),
         "web map files, served under /map/")
        ("styles", po::value(&styles_dir)->default_value(styles_dir)->value_name("DIR"),
         "map styles, served under /styles/")
        ("categories", po::value(&categories_path)->default_value(categories_path)->value_name("FILE"),
         "incident categories and deadlines; without it the workflow routes are off")
        ("threads", po::value(&options.threads)->default_value(0), "I/O threads; 0 means one per core")
        ("body-limit", po::value(&options.body_limit)->default_value(options.body_limit)->value_name("BYTES"),
         "largest accepted request body")
        ("quiet", po::bool_switch(&quiet), "no access log on stderr");
    const auto values = parse_options(args, description);
    if (!values) return 0;
    if (store_path.empty()) throw InputError("--store is required (see --help)");
    if (store_path.starts_with("postgresql://") || store_path.starts_with("postgres://")) {
        throw InputError("PostgreSQL stores are not supported yet; give a GeoPackage file");
    }
    options.access_log = !quiet;

    // The workflow writes need the category table; a missing default file
    // turns them off (read-only serving), a missing named file is an error.
    std::optional<workflow::WorkflowConfig> workflow_config;
    if (!(*values)["categories"].defaulted() || std::filesystem::exists(categories_path)) {
        workflow_config.emplace(workflow::WorkflowConfig::load(categories_path));
    } else {
        std::cerr << "wangge: no " << categories_path << ": /incidents, /visits and /stats are off (see --categories)\n";
    }

    auto snapshot = model::Snapshot::build(store::GeoPackageStore::open(store_path).load(), 1);
    http::State state("geopackage");
    http::Router router;
    http::ApiOptions api_options{web_dir, styles_dir};
    auth::AuthService auth_service(store_path);
    const http::AuthGate gate(auth_service);  // the system clock
    const auto writer = std::make_unique<http::Writer>(store_path, state);
    std::unique_ptr<http::WorkflowServices> workflow_services;
    if (workflow_config) {
        workflow_services = std::make_unique<http::WorkflowServices>(
            http::WorkflowServices{*writer, gate, *workflow_config});
        api_options.workflow = workflow_services.get();
    }
    const http::DraftServices draft_services{*writer, gate};
    api_options.drafts = &draft_services;
    http::add_api_routes(router, state, api_options);
    http::add_auth_routes(router, gate);
    state.publish(snapshot);

    http::Server server(std::move(router), options);
    const unsigned short port = server.listen();
    std::cout << "wangge: serving " << snapshot->current_grids().size() << " grids on http://" << options.host << ':'
              << port << std::endl;
    server.run();
    std::cerr << "wangge: stopped\n";
    return 0;
}

}  // namespace wangge::cli
