#include "config.hpp"

#include <fstream>

#include "wangge/error.hpp"

namespace po = boost::program_options;

namespace wangge::cli {

void apply_config_file(const std::filesystem::path& path, const po::options_description& options,
                       po::variables_map& values) {
    std::ifstream in(path);
    if (!in) throw InputError("cannot read the config file " + path.string());
    try {
        // po::store never overwrites a value stored earlier unless it was a default.
        po::store(po::parse_config_file(in, options), values);
        po::notify(values);
    } catch (const po::error& e) {
        throw InputError("config file " + path.string() + ": " + e.what());
    }
}

}  // namespace wangge::cli
