// The print module: pages of the sample community (data/, imported into a
// GeoPackage as scripts/load-sample does) checked with Poppler's tools as an
// independent reader (pdftoppm rasterises, pdftotext extracts the text,
// pdfinfo counts pages); the MVT decoder against GDAL's; the /print routes
// through the composition root.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gdal_mvt.hpp"
#include "support/datasets.hpp"
#include "support/images.hpp"
#include "support/temp_dir.hpp"
#include "support/test_app.hpp"
#include "wangge/basemap/basemap.hpp"
#include "wangge/basemap/vector_tile.hpp"
#include "wangge/basemap/mbtiles.hpp"
#include "wangge/client_error.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/model/time.hpp"
#include "wangge/print/map_features.hpp"
#include "wangge/print/sheet.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/store/importer.hpp"

using namespace wangge;

namespace {

using support::TempDir;

std::string run(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
    std::string output;
    std::array<char, 4096> buffer{};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) output.append(buffer.data(), n);
    return output;
}

void write(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int pages_of(const std::filesystem::path& pdf) {
    const std::string info = run("pdfinfo " + pdf.string());
    const auto at = info.find("Pages:");
    return at == std::string::npos ? -1 : std::stoi(info.substr(at + 6));
}

/// Width and height from a PNG's IHDR chunk.
std::pair<int, int> png_dimensions(const std::string& png) {
    if (png.size() < 24 || png.compare(1, 3, "PNG") != 0) return {0, 0};
    const auto be32 = [&](std::size_t at) {
        return (static_cast<unsigned char>(png[at]) << 24) | (static_cast<unsigned char>(png[at + 1]) << 16) |
               (static_cast<unsigned char>(png[at + 2]) << 8) | static_cast<unsigned char>(png[at + 3]);
    };
    return {be32(16), be32(20)};
}

/// Share of pixels that are not white in page 1 rasterised by pdftoppm (grey PGM).
double inked_share(const std::filesystem::path& pdf, const std::filesystem::path& dir) {
    run("pdftoppm -r 30 -gray -f 1 -l 1 -singlefile " + pdf.string() + " " + (dir / "raster").string());
    const std::string pgm = read(dir / "raster.pgm");
    // "P5\nW H\n255\n" then one byte per pixel.
    std::size_t at = 0;
    for (int lines = 0; lines < 3 && at < pgm.size(); ++at) {
        if (pgm[at] == '\n') ++lines;
    }
    if (pgm.rfind("P5", 0) != 0 || at >= pgm.size()) return 0;
    const auto inked = std::count_if(pgm.begin() + static_cast<std::ptrdiff_t>(at), pgm.end(),
                                     [](char c) { return static_cast<unsigned char>(c) < 250; });
    return static_cast<double>(inked) / static_cast<double>(pgm.size() - at);
}

constexpr const char* sample_grid = "110105031001001";
constexpr const char* sample_community = "110105031001";
constexpr const char* sample_street = "110105031";

/// The sample community of data/ in a GeoPackage (as scripts/load-sample
/// loads it) and its basemap written by the basemap module.
class SamplePrint : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir;
        const std::filesystem::path store_path = dir_->path() / "sample.gpkg";
        {
            store::GeoPackageStore store = store::GeoPackageStore::create(store_path);
            const std::filesystem::path data = std::filesystem::path(WANGGE_SOURCE_DIR) / "data";
            for (const auto& [layer, file] : {std::pair{store::Layer::grids, "grids.geojson"},
                                               {store::Layer::grids, "dedicated_grids.geojson"},
                                               {store::Layer::staff, "staff.csv"},
                                               {store::Layer::staff_grids, "staff_grids.csv"},
                                               {store::Layer::households, "households.csv"}}) {
                store::ImportOptions options;
                options.layer = layer;
                options.now = *model::parse_iso8601("2026-02-01");
                store::import_file(store, data / file, options);
            }
        }
        model::Dataset data = store::GeoPackageStore::open(store_path).load();
        basemap::Basemap features = basemap::areas_from_households(data.households);
        features.streets = basemap::streets_from_grids(data.grids);
        basemap::TilingOptions tiling;
        tiling.attribution = "© 测试底图";
        basemap::write_tiles(features, dir_->path() / "sample.mbtiles", tiling);
        snapshot_ = new std::shared_ptr<const model::Snapshot>(model::Snapshot::build(std::move(data), 1));
        tiles_ = new basemap::MbtilesReader(dir_->path() / "sample.mbtiles");
    }
    static void TearDownTestSuite() {
        delete tiles_;
        delete snapshot_;
        delete dir_;
    }

    static const model::Snapshot& snapshot() { return **snapshot_; }
    static std::filesystem::path dir() { return dir_->path(); }

    static print::PrintOptions options(print::Format format = print::Format::pdf, bool with_basemap = true) {
        print::PrintOptions options;
        options.format = format;
        options.printed_at = *model::parse_iso8601("2026-12-05T23:30:00Z");  // Beijing: 12月6日
        options.basemap = with_basemap ? tiles_ : nullptr;
        return options;
    }

    static inline TempDir* dir_ = nullptr;
    static inline std::shared_ptr<const model::Snapshot>* snapshot_ = nullptr;
    static inline basemap::MbtilesReader* tiles_ = nullptr;
};

TEST_F(SamplePrint, AGridPdfRastersWithInkAndHasItsCodeStaffAndTheDate) {
    for (const bool with_basemap : {true, false}) {
        const std::filesystem::path pdf = dir() / (with_basemap ? "grid.pdf" : "grid-derived.pdf");
        write(pdf, print::print(snapshot(), print::Scope::grid, sample_grid, options(print::Format::pdf, with_basemap)));
        EXPECT_EQ(pages_of(pdf), 1);
        EXPECT_GT(inked_share(pdf, dir()), 0.05) << "a page with a map is not blank";
        const std::string text = run("pdftotext -enc UTF-8 " + pdf.string() + " -");
        EXPECT_NE(text.find(sample_grid), std::string::npos) << text;
        EXPECT_NE(text.find("网格"), std::string::npos);
        EXPECT_NE(text.find("2026年12月6日"), std::string::npos) << "the date in Beijing time";
        EXPECT_NE(text.find(with_basemap ? "© 测试底图" : "社区数据"), std::string::npos) << "the basemap's credit";
        ASSERT_FALSE(snapshot().staff_of(sample_grid).empty());
        for (const model::GridStaff& link : snapshot().staff_of(sample_grid)) {
            EXPECT_NE(text.find(link.staff->name), std::string::npos) << link.staff->name;
            EXPECT_NE(text.find(link.staff->phone), std::string::npos) << link.staff->phone;
        }
        // The 公示牌's duty days (值班安排): the sample's 专职 A岗 is on duty on weekdays.
        EXPECT_NE(text.find("值班日"), std::string::npos);
        EXPECT_NE(text.find("周一至周五"), std::string::npos);
        // Neighbouring grids are labelled with their codes.
        EXPECT_NE(text.find("110105031001002"), std::string::npos);
        // The Chinese font travels with the file (a subset), so any printer shows it.
        const std::string fonts = run("pdffonts " + pdf.string());
        EXPECT_NE(fonts.find("NotoSansCJK"), std::string::npos) << fonts;
        EXPECT_EQ(fonts.find(" no  "), std::string::npos) << "every font embedded:\n" << fonts;
    }
}

TEST_F(SamplePrint, ADedicatedGridPrintsItsOwnStaffCard) {
    const std::string market = "110105031001901";
    const std::filesystem::path pdf = dir() / "dedicated.pdf";
    write(pdf, print::print(snapshot(), print::Scope::grid, market, options()));
    const std::string text = run("pdftotext -enc UTF-8 " + pdf.string() + " -");
    EXPECT_NE(text.find("网格责任人联系卡"), std::string::npos) << text;
    ASSERT_FALSE(snapshot().staff_of(market).empty());
    const model::GridStaff& primary = snapshot().staff_of(market).front();
    EXPECT_NE(text.find(primary.staff->name), std::string::npos);
    EXPECT_NE(text.find("周一至周五"), std::string::npos);
}

TEST_F(SamplePrint, ACommunityHasAnOverviewAndOnePagePerGrid) {
    const auto start = std::chrono::steady_clock::now();
    const std::filesystem::path pdf = dir() / "community.pdf";
    write(pdf, print::print(snapshot(), print::Scope::community, sample_community, options()));
    std::cout << "[ print    ] sample community: "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s\n";
    const auto grids = snapshot().children(sample_community);
    ASSERT_EQ(grids.size(), 9U);  // 8 grids and the market's dedicated grid, each with its page
    EXPECT_EQ(pages_of(pdf), 1 + static_cast<int>(grids.size()));
    const std::string text = run("pdftotext -enc UTF-8 " + pdf.string() + " -");
    for (const model::Grid* grid : grids) EXPECT_NE(text.find(grid->name), std::string::npos) << grid->name;
}

TEST_F(SamplePrint, AStreetHasAnOverviewAndOnePagePerCommunityOnA3) {
    const std::filesystem::path pdf = dir() / "street.pdf";
    print::PrintOptions a3 = options();
    a3.paper = print::Paper::a3;
    write(pdf, print::print(snapshot(), print::Scope::street, sample_street, a3));
    EXPECT_EQ(pages_of(pdf), 1 + static_cast<int>(snapshot().children(sample_street).size()));
    EXPECT_NE(run("pdfinfo " + pdf.string()).find("(A3)"), std::string::npos);
}

TEST_F(SamplePrint, PngsHaveThePaperSizeAt150Dpi) {
    for (const print::Paper paper : {print::Paper::a4, print::Paper::a3}) {
        print::PrintOptions png = options(print::Format::png);
        png.paper = paper;
        const auto size = png_dimensions(print::print(snapshot(), print::Scope::grid, sample_grid, png));
        const auto portrait = print::png_size(paper, false);
        EXPECT_TRUE(size == portrait || size == print::png_size(paper, true)) << size.first << "x" << size.second;
    }
    EXPECT_EQ(print::png_size(print::Paper::a4, false), (std::pair{1240, 1754}));
    EXPECT_EQ(print::png_size(print::Paper::a3, true), (std::pair{2480, 1754}));
}

TEST_F(SamplePrint, UnknownCodesAndCodesOfAnotherLevelAreNotFound) {
    for (const auto& [scope, code] : {std::pair{print::Scope::grid, "110105031999999"},
                                      {print::Scope::grid, sample_community},
                                      {print::Scope::community, sample_grid},
                                      {print::Scope::street, sample_community}}) {
        try {
            (void)print::print(snapshot(), scope, code, options());
            ADD_FAILURE() << code;
        } catch (const ClientError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::not_found);
            EXPECT_NE(e.message_zh().find(code), std::string::npos);
        }
    }
}

/// Our decoder against GDAL's MVT driver on every tile of the sample's basemap.
TEST_F(SamplePrint, TheTileDecoderAgreesWithGdal) {
    int tiles = 0;
    for (int z = tiles_->min_zoom(); z <= tiles_->max_zoom(); ++z) {
        const tiles::TileId corner = tiles::tile_containing({116.45, 39.93}, z);
        for (std::uint32_t x = corner.x - 1; x <= corner.x + 1; ++x) {
            for (std::uint32_t y = corner.y - 1; y <= corner.y + 1; ++y) {
                const tiles::TileId tile{z, x, y};
                const auto bytes = tiles_->tile(tile);
                if (!bytes) continue;
                ++tiles;
                const basemap::Basemap ours = basemap::decode_basemap_tile(*bytes, tile);
                std::size_t streets = 0;
                std::size_t compounds = 0;
                std::size_t buildings = 0;
                std::set<std::string> building_names;
                for (const auto& feature : tiles::test::decode_with_gdal(basemap::gunzip(*bytes, "tile"), tile)) {
                    if (feature.layer == "streets") ++streets;
                    if (feature.layer == "compounds") compounds += feature.polygons.size();
                    if (feature.layer == "buildings") {
                        buildings += feature.polygons.size();
                        building_names.insert(feature.fields.at("compound") + feature.fields.at("name"));
                    }
                }
                EXPECT_EQ(ours.streets.size(), streets) << z << "/" << x << "/" << y;
                EXPECT_EQ(ours.compounds.size(), compounds) << z << "/" << x << "/" << y;
                EXPECT_EQ(ours.buildings.size(), buildings) << z << "/" << x << "/" << y;
                for (const basemap::Area& b : ours.buildings) {
                    EXPECT_TRUE(building_names.contains(b.compound + b.name)) << b.compound << b.name;
                    const geo::Box box = geo::bounds(b.ring);
                    EXPECT_TRUE(tiles::tile_lonlat_box(tile, 80).intersects(box)) << "decoded in place";
                }
            }
        }
    }
    EXPECT_GT(tiles, 5);
    EXPECT_THROW((void)basemap::decode_basemap_tile(std::string("\x1a\x05\x0a\x03", 4), {14, 0, 0}), InputError);
}

/// A raster (PNG) MBTiles is drawn as images: Poppler's pdfimages finds them in the PDF.
TEST_F(SamplePrint, ARasterBasemapIsDrawnAsImages) {
    basemap::MbtilesMetadata metadata;
    metadata.values = {{"name", "raster"}, {"format", "png"}, {"minzoom", "14"}, {"maxzoom", "16"},
                       {"attribution", "© 栅格测试"}};
    const std::filesystem::path path = dir() / "raster.mbtiles";
    {
        basemap::MbtilesWriter writer(path, metadata);
        const std::string png = support::png_bytes(256, 256);
        const geo::Box area = geo::bounds(snapshot().current_grid(sample_grid)->geometry);
        for (int z = 14; z <= 16; ++z) {
            // The grid's tiles and a ring of neighbours: the page shows a margin around it.
            const tiles::TileId a = tiles::tile_containing({area.min_x, area.max_y}, z);
            const tiles::TileId b = tiles::tile_containing({area.max_x, area.min_y}, z);
            for (std::uint32_t x = a.x - 1; x <= b.x + 1; ++x) {
                for (std::uint32_t y = a.y - 1; y <= b.y + 1; ++y) writer.put({z, x, y}, png);
            }
        }
        writer.finish();
    }
    const basemap::MbtilesReader raster(path);
    print::PrintOptions with_raster = options();
    with_raster.basemap = &raster;
    const std::filesystem::path pdf = dir() / "raster.pdf";
    write(pdf, print::print(snapshot(), print::Scope::grid, sample_grid, with_raster));
    const auto images = [](const std::filesystem::path& file) {
        const std::string list = run("pdfimages -list " + file.string());
        return std::count(list.begin(), list.end(), '\n') - 2;  // two header lines
    };
    EXPECT_GE(images(pdf), 1) << run("pdfimages -list " + pdf.string());
    EXPECT_NE(run("pdftotext -enc UTF-8 " + pdf.string() + " -").find("© 栅格测试"), std::string::npos);
    const std::filesystem::path vector_pdf = dir() / "grid.pdf";
    write(vector_pdf, print::print(snapshot(), print::Scope::grid, sample_grid, options()));
    EXPECT_EQ(images(vector_pdf), 0) << "a vector basemap and the QR code are paths";
}

TEST(PrintZoom, OneTilePixelPerPointWithinTheFilesZooms) {
    // A view 1/2^16 of the world drawn 256 points wide: zoom 16.
    EXPECT_EQ(print::print_zoom(1.0 / 65536, 256, 12, 16), 16);
    EXPECT_EQ(print::print_zoom(1.0 / 16384, 512, 12, 16), 15);
    EXPECT_EQ(print::print_zoom(0.5, 500, 12, 16), 12);
    EXPECT_EQ(print::print_zoom(1e-9, 500, 12, 16), 16);
}

TEST(PrintPaper, A4AndA3Only) {
    EXPECT_EQ(print::parse_paper("A4"), print::Paper::a4);
    EXPECT_EQ(print::parse_paper("a3"), print::Paper::a3);
    EXPECT_FALSE(print::parse_paper("B5"));
    EXPECT_FALSE(print::parse_paper(""));
}

/// The routes on support::sample_dataset(), anonymous: the pages carry only the public card.
TEST(PrintRoutes, PdfPngErrorsAndBatches) {
    support::TestApp app;
    const auto get = [&](const std::string& target) { return app.handle(http::Method::get, target); };
    const http::Response pdf = get("/print/grids/110105001001001.pdf");
    ASSERT_EQ(pdf.status(), http::Status::ok) << pdf.body();
    EXPECT_EQ(pdf.header("Content-Type"), "application/pdf");
    EXPECT_EQ(pdf.body().rfind("%PDF-", 0), 0U);
    const http::Response png = get("/print/grids/110105001001001.png?size=A3");
    ASSERT_EQ(png.status(), http::Status::ok) << png.body();
    EXPECT_EQ(png.header("Content-Type"), "image/png");
    const auto size = png_dimensions(png.body());
    EXPECT_TRUE(size == print::png_size(print::Paper::a3, false) || size == print::png_size(print::Paper::a3, true));

    const TempDir dir;
    const http::Response community = get("/print/communities/110105001001.pdf?size=a4");
    ASSERT_EQ(community.status(), http::Status::ok) << community.body();
    write(dir.path() / "community.pdf", community.body());
    EXPECT_EQ(pages_of(dir.path() / "community.pdf"), 3) << "the community and its two grids";
    const http::Response street = get("/print/streets/110105001.pdf");
    ASSERT_EQ(street.status(), http::Status::ok) << street.body();
    write(dir.path() / "street.pdf", street.body());
    EXPECT_EQ(pages_of(dir.path() / "street.pdf"), 3) << "the street and its two communities";

    for (const char* target : {"/print/grids/110105001009009.pdf", "/print/communities/110105001001001.pdf",
                               "/print/streets/nope.pdf"}) {
        const http::Response missing = get(target);
        EXPECT_EQ(missing.status(), http::Status::not_found) << target;
        const auto body = nlohmann::json::parse(missing.body());
        EXPECT_EQ(body["error"]["code"], "unknown_grid") << target;
        EXPECT_FALSE(body["error"]["message_zh"].get<std::string>().empty());
    }
    for (const char* target : {"/print/grids/110105001001001.pdf?size=B5", "/print/grids/110105001001001.pdf?scale=2"}) {
        const http::Response bad = get(target);
        EXPECT_EQ(bad.status(), http::Status::bad_request) << target;
        EXPECT_NE(nlohmann::json::parse(bad.body())["error"]["message_zh"].get<std::string>(), "") << target;
    }
}

}  // namespace
