// wangge_load: drives a running `wangge serve` with mixed traffic and prints
// a JSON report (load.hpp). Exit 0 when the run stayed within --max-errors
// and --max-hwm-mb, 1 when not, 2 when it could not run.

#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "load.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
    try {
        wangge::load::LoadOptions options;
        double seconds = 10;
        std::string user;
        bool password_stdin = false;
        std::size_t max_errors = 0;
        double max_hwm_mb = 0;
        po::options_description description(
            "usage: wangge_load --port PORT [options]   (JSON report on stdout, summary on stderr)\n\noptions");
        description.add_options()
            ("help,h", "show this help")
            ("host", po::value(&options.endpoint.host)->default_value(options.endpoint.host), "server address")
            ("port", po::value(&options.endpoint.port)->required(), "server port")
            ("connections,c", po::value(&options.connections)->default_value(options.connections),
             "concurrent keep-alive connections")
            ("duration,d", po::value(&seconds)->default_value(seconds)->value_name("SECONDS"), "length of the run")
            ("user", po::value(&user), "sign in as this user first (POST /auth/login)")
            ("password-stdin", po::bool_switch(&password_stdin), "read the user's password from stdin")
            ("token", po::value(&options.token), "a session token to send instead of signing in")
            ("writes", po::value(&options.write_percent)->default_value(options.write_percent)->value_name("PERCENT"),
             "share of requests that are POST /incidents (0 for read-only)")
            ("category", po::value<std::string>()->default_value("环境卫生"), "category of the incidents reported")
            ("seed", po::value(&options.seed)->default_value(options.seed), "random seed of the request mix")
            ("server-pid", po::value(&options.server_pid)->default_value(0)->value_name("PID"),
             "the server process, for its memory (VmRSS, VmHWM)")
            ("max-errors", po::value(&max_errors)->default_value(0), "errors tolerated before exit status 1")
            ("max-hwm-mb", po::value(&max_hwm_mb)->default_value(0)->value_name("MIB"),
             "peak server memory tolerated before exit status 1; 0: no limit");
        po::variables_map values;
        po::store(po::parse_command_line(argc, argv, description), values);
        if (values.count("help") != 0) {
            std::cout << description;
            return 0;
        }
        po::notify(values);
        if (seconds <= 0 || seconds > 24 * 3600) throw po::error("--duration must be from 0 to 86400 seconds");
        if (options.connections == 0 || options.connections > 10'000) throw po::error("--connections must be 1 to 10000");
        if (options.write_percent > 100) throw po::error("--writes is a percentage");
        if (max_hwm_mb > 0 && options.server_pid <= 0) throw po::error("--max-hwm-mb needs --server-pid");
        options.duration = std::chrono::milliseconds(static_cast<long long>(seconds * 1000));

        if (!user.empty()) {
            std::string password;
            if (!password_stdin || !std::getline(std::cin, password)) {
                throw po::error("--user needs --password-stdin and the password on stdin");
            }
            options.token = wangge::load::sign_in(options.endpoint, user, password);
        }
        wangge::load::Workload workload = wangge::load::discover(options.endpoint, options.token);
        workload.category = values["category"].as<std::string>();

        const wangge::load::LoadReport report = wangge::load::run_load(options, workload);
        std::cout << report.to_json().dump(2) << '\n';
        std::cerr << "wangge_load: " << report.requests << " requests in " << report.seconds << " s ("
                  << static_cast<long long>(report.requests_per_second()) << "/s), " << report.errors
                  << " errors, p50 " << report.all.p50_ms << " ms, p99 " << report.all.p99_ms << " ms";
        if (report.hwm_mb >= 0) std::cerr << ", server peak RSS " << report.hwm_mb << " MiB";
        std::cerr << '\n';
        for (const std::string& sample : report.error_samples) std::cerr << "wangge_load: error " << sample << '\n';
        const bool within = report.errors <= max_errors && (max_hwm_mb <= 0 || report.hwm_mb <= max_hwm_mb);
        return within ? 0 : 1;
    } catch (const po::error& e) {
        std::cerr << "wangge_load: " << e.what() << " (see --help)\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "wangge_load: " << e.what() << '\n';
        return 2;
    }
}
