// `wangge user`: manage the accounts of the HTTP API (DESIGN §3, §6).

#include <ctime>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "options.hpp"
#include "wangge/auth/service.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/model/time.hpp"
#include "wangge/store/store.hpp"

namespace wangge::cli {

namespace {

/// One line from stdin, without its line end: passwords never appear in argv,
/// where other users could read them from the process list.
std::string read_password() {
    std::string password;
    if (!std::getline(std::cin, password)) throw InputError("no password on stdin");
    if (!password.empty() && password.back() == '\r') password.pop_back();
    return password;
}

void print_users(const std::vector<auth::User>& users) {
    std::cout << std::left << std::setw(6) << "id" << std::setw(20) << "name" << std::setw(13) << "role"
              << std::setw(9) << "staff" << std::setw(10) << "disabled" << "grids\n";
    for (const auth::User& user : users) {
        std::string grids;
        for (const std::string& code : user.grid_codes) grids += (grids.empty() ? "" : ",") + code;
        std::cout << std::setw(6) << user.id << std::setw(20) << user.name << std::setw(13)
                  << auth::to_string(user.role) << std::setw(9)
                  << (user.staff_id ? std::to_string(*user.staff_id) : "-") << std::setw(10)
                  << (user.disabled ? "yes" : "no") << grids << '\n';
    }
}

}  // namespace

int user_command(const Args& args) {
    namespace po = boost::program_options;
    std::string action;
    std::string store_path;
    std::string name;
    std::string role_name;
    std::string grids;
    std::int64_t staff_id = 0;
    bool password_stdin = false;

    po::options_description description(
        "usage: wangge user add|passwd|disable|enable|list --store STORE [options]\n\n"
        "  add      --name NAME --role ROLE [--grids CODE,…] [--staff-id N] --password-stdin\n"
        "  passwd   --name NAME --password-stdin     (ends the user's sessions)\n"
        "  disable  --name NAME                      (ends the user's sessions)\n"
        "  enable   --name NAME\n"
        "  list\n\n"
        "Roles: admin, planner, supervisor (scope: community or street codes), grid_worker (scope: grid codes),\n"
        "department (吹哨报到; scope: its one department code, e.g. --grids chengguan).\n"
        "Passwords have at least 8 characters and are read from the first line of stdin.\n\noptions");
    description.add_options()
        ("help,h", "show this help")
        ("store", po::value(&store_path)->value_name("STORE"),
         "store (GeoPackage file or postgresql:// address; required)")
        ("name", po::value(&name)->value_name("NAME"), "user name")
        ("role", po::value(&role_name)->value_name("ROLE"), "admin, planner, supervisor, grid_worker or department")
        ("grids", po::value(&grids)->value_name("CODE,…"), "grid codes the user is scoped to")
        ("staff-id", po::value(&staff_id)->value_name("N"), "the user's staff record")
        ("password-stdin", po::bool_switch(&password_stdin), "read the password from stdin");
    const auto values = parse_options(args, description, &action);
    if (!values) return 0;
    if (action.empty() || store_path.empty()) throw InputError("an action and --store are required (see --help)");
    if (action != "add" && action != "passwd" && action != "disable" && action != "enable" && action != "list") {
        throw InputError("unknown action '" + action + "' (see --help)");
    }
    const bool adding = action == "add";
    if (!adding && (values->count("role") != 0 || values->count("grids") != 0 || values->count("staff-id") != 0)) {
        throw InputError("--role, --grids and --staff-id only go with 'add'");
    }
    const bool needs_password = adding || action == "passwd";
    if (needs_password && !password_stdin) {
        throw InputError("'" + action + "' reads the password from stdin: add --password-stdin");
    }
    if (!needs_password && password_stdin) throw InputError("'" + action + "' takes no password");
    if (action == "list") {
        if (!name.empty()) throw InputError("'list' takes no --name");
    } else if (name.empty()) {
        throw InputError("--name is required for '" + action + "'");
    }

    std::optional<auth::NewUser> new_user;
    if (adding) {
        if (role_name.empty()) throw InputError("--role is required for 'add'");
        const auto role = auth::parse_role(role_name);
        if (!role) throw InputError("unknown role '" + role_name + "' (admin, planner, supervisor, grid_worker)");
        new_user = auth::NewUser{name, *role, grids.empty() ? std::vector<std::string>{} : auth::parse_grid_codes(grids),
                                 values->count("staff-id") != 0 ? std::optional<std::int64_t>(staff_id) : std::nullopt};
        auth::check_user_name(name);
        auth::check_scope(new_user->role, new_user->grid_codes);
    }
    const std::string password = needs_password ? read_password() : std::string();

    auth::AuthService service(store::open_auth_store(store_path));
    const model::Timestamp now = std::time(nullptr);
    if (adding) {
        const auth::User user = service.add_user(*new_user, password, cli_actor(), now);
        std::cerr << "wangge user: added " << user.name << " (" << auth::to_string(user.role) << ", id " << user.id
                  << ")\n";
    } else if (action == "passwd") {
        service.change_password(name, password, cli_actor(), now);
        std::cerr << "wangge user: new password for " << name << "; their sessions ended\n";
    } else if (action == "disable" || action == "enable") {
        service.set_disabled(name, action == "disable", cli_actor(), now);
        std::cerr << "wangge user: " << action << "d " << name << '\n';
    } else {
        print_users(service.users());
    }
    return 0;
}

}  // namespace wangge::cli
