#include "options.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace wangge::cli {

std::optional<po::variables_map> parse_options(const Args& args, const po::options_description& options,
                                               std::string* positional) {
    po::options_description all;
    all.add(options);
    po::positional_options_description positions;
    if (positional != nullptr) {
        // Hidden from --help: the usage line names the positional argument.
        all.add_options()("positional-argument", po::value(positional));
        positions.add("positional-argument", 1);
    }
    po::variables_map values;
    po::store(po::command_line_parser(args).options(all).positional(positions).run(), values);
    po::notify(values);
    if (values.count("help") != 0) {
        std::cout << options;
        return std::nullopt;
    }
    return values;
}

}  // namespace wangge::cli
