// `wangge print`: a grid's, a community's or a street's printable map with its
// contact card as PDF or PNG (docs/printing.md), the same pages as
// GET /print/… of the server, without one.

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "options.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/error.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/print/sheet.hpp"
#include "wangge/store/store.hpp"

namespace wangge::cli {

int print_command(const Args& args) {
    namespace po = boost::program_options;
    std::string store_path;
    std::string basemap_path;
    std::string grid;
    std::string community;
    std::string street;
    std::string out;
    std::string size = "A4";
    print::PrintOptions options;
    po::options_description description(
        "usage: wangge print --store STORE [--basemap FILE] --grid CODE|--community CODE|--street CODE\n"
        "                    --out FILE.pdf|FILE.png [--size A4|A3]\n\n"
        "Prints a grid map with its contact card (网格化图谱, 联系卡): a grid on one page; a community\n"
        "on an overview page and one page per grid; a street on an overview page and one page per\n"
        "community. A .png file holds the first page (see docs/printing.md).\n\noptions");
    description.add_options()
        ("help,h", "show this help")
        ("store", po::value(&store_path)->value_name("STORE"),
         "store to read: a GeoPackage file or a postgresql:// address (required)")
        ("basemap", po::value(&basemap_path)->value_name("FILE"),
         "MBTiles or PMTiles basemap to draw under the grids (vector or PNG); without one it is derived from the store")
        ("grid", po::value(&grid)->value_name("CODE"), "print this grid")
        ("community", po::value(&community)->value_name("CODE"), "print this community and each of its grids")
        ("street", po::value(&street)->value_name("CODE"), "print this street and each of its communities")
        ("out", po::value(&out)->value_name("FILE"), "file to write: .pdf or .png (required)")
        ("size", po::value(&size)->default_value(size), "paper: A4 or A3")
        ("public-url", po::value(&options.public_base_url)->default_value(options.public_base_url),
         "the server's public address, which the QR codes link to");
    const auto values = parse_options(args, description);
    if (!values) return 0;
    if (store_path.empty() || out.empty()) throw InputError("--store and --out are required (see --help)");
    const int given = int{!grid.empty()} + int{!community.empty()} + int{!street.empty()};
    if (given != 1) throw InputError("give exactly one of --grid, --community and --street");
    const auto paper = print::parse_paper(size);
    if (!paper) throw InputError("--size must be A4 or A3, not " + size);
    options.paper = *paper;
    const std::string extension = std::filesystem::path(out).extension().string();
    if (extension != ".pdf" && extension != ".png") throw InputError("--out must end in .pdf or .png: " + out);
    options.format = extension == ".pdf" ? print::Format::pdf : print::Format::png;
    options.printed_at =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::shared_ptr<const basemap::TileArchive> tiles;
    if (!basemap_path.empty()) {
        tiles = basemap::open_tile_archive(basemap_path);
        options.basemap = tiles.get();
    }

    // The pages need the layout, its staff and, for a derived basemap, the households.
    constexpr std::array layers{store::Layer::grids, store::Layer::staff, store::Layer::staff_grids,
                                store::Layer::households};
    const auto snapshot = model::Snapshot::build(store::open_store(store_path)->load(layers), 1);
    const auto start = std::chrono::steady_clock::now();
    const print::Scope scope = !grid.empty() ? print::Scope::grid : !community.empty() ? print::Scope::community
                                                                                        : print::Scope::street;
    const std::string bytes = print::print(*snapshot, scope, grid + community + street, options);
    std::ofstream file(out, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.close();
    if (!file) throw InputError("cannot write " + out);
    std::cerr << "wangge: printed " << out << " (" << (bytes.size() >> 10) << " KiB, "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s)\n";
    return 0;
}

}  // namespace wangge::cli
