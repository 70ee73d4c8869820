// `wangge basemap`: a store's streets (its grid borders), compounds and
// buildings (where its households stand) as an MBTiles or PMTiles basemap
// for `wangge serve --basemap` (docs/basemap.md); or, with --convert, an
// existing MBTiles file as PMTiles or back. `wangge generate` writes its
// city's basemap through write_basemap() below as well.

#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "basemap_output.hpp"
#include "options.hpp"
#include "wangge/basemap/tile_archive.hpp"
#include "wangge/cli/commands.hpp"
#include "wangge/error.hpp"
#include "wangge/model/tables.hpp"
#include "wangge/store/store.hpp"

namespace wangge::cli {

void write_basemap(const basemap::Basemap& basemap, const std::filesystem::path& out, const basemap::TilingOptions& options,
                   std::chrono::steady_clock::time_point start) {
    const basemap::TilingReport report = basemap::write_tiles(basemap, out, options);
    std::cerr << "wangge: basemap of " << basemap.streets.size() << " streets, " << basemap.compounds.size()
              << " compounds, " << basemap.buildings.size() << " buildings -> " << out.string() << " (" << report.tiles
              << " tiles z" << options.min_zoom << "-" << options.max_zoom << ", " << (report.bytes >> 10) << " KiB, "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s)\n";
}

int basemap_command(const Args& args) {
    namespace po = boost::program_options;
    std::string store_path;
    std::string convert;
    std::string out;
    basemap::TilingOptions options;
    options.attribution = "© wangge (社区数据)";
    po::options_description description(
        "usage: wangge basemap --store STORE --out FILE.mbtiles|FILE.pmtiles [options]\n"
        "       wangge basemap --convert IN --out OUT\n\n"
        "Writes a vector basemap for `wangge serve --basemap`: streets along the store's grid borders,\n"
        "compounds (小区) and buildings (楼栋) around the households' places, as gzip'd Mapbox vector\n"
        "tiles in a new PMTiles file when OUT ends in .pmtiles, MBTiles otherwise (see docs/basemap.md).\n"
        "With --convert, copies the tiles and metadata of an MBTiles or PMTiles file into OUT instead.\n\noptions");
    description.add_options()
        ("help,h", "show this help")
        ("store", po::value(&store_path)->value_name("STORE"),
         "store to read: a GeoPackage file or a postgresql:// address (or --convert)")
        ("convert", po::value(&convert)->value_name("IN"), "an MBTiles or PMTiles file to copy into --out")
        ("out", po::value(&out)->value_name("FILE"), "new .mbtiles or .pmtiles file to write (required)")
        ("min-zoom", po::value(&options.min_zoom)->default_value(options.min_zoom), "lowest zoom written")
        ("max-zoom", po::value(&options.max_zoom)->default_value(options.max_zoom), "highest zoom written")
        ("attribution", po::value(&options.attribution)->default_value(options.attribution),
         "the data source the map must credit");
    const auto values = parse_options(args, description);
    if (!values) return 0;
    if (store_path.empty() == convert.empty() || out.empty()) {
        throw InputError("give --store or --convert, and --out (see --help)");
    }
    if (std::filesystem::exists(out)) throw InputError(out + " already exists; write into a new file");
    if (!convert.empty()) {
        const auto start = std::chrono::steady_clock::now();
        const std::size_t count = basemap::copy_tile_archive(*basemap::open_tile_archive(convert), out);
        std::cerr << "wangge: " << count << " tiles " << convert << " -> " << out << " ("
                  << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s)\n";
        return 0;
    }
    const model::Dataset data = model::to_dataset(store::open_store(store_path)->load_tables());
    const auto start = std::chrono::steady_clock::now();
    basemap::Basemap basemap = basemap::areas_from_households(data.households);
    basemap.streets = basemap::streets_from_grids(data.grids);
    options.name = std::filesystem::path(store_path).stem().string() + " basemap";
    write_basemap(basemap, out, options, start);
    return 0;
}

}  // namespace wangge::cli
