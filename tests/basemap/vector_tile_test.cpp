// The streets layer read back from a real MBTiles written by write_tiles:
// lines cut at tile borders (and overlapping in the tiles' buffers) come back
// whole, one line per street, as long as they went in.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "wangge/basemap/basemap.hpp"
#include "wangge/basemap/mbtiles.hpp"
#include "wangge/basemap/tile_archive.hpp"
#include "wangge/basemap/vector_tile.hpp"

using namespace wangge;
using namespace wangge::basemap;

namespace {

/// Metres between lon/lat points near Beijing (a plane is exact enough for a few kilometres).
double metres(const geo::Point& a, const geo::Point& b) {
    constexpr double per_degree = 111320.0;
    return std::hypot((b.x - a.x) * per_degree * std::cos((a.y + b.y) / 2 * 3.14159265358979 / 180), (b.y - a.y) * per_degree);
}

double length(const std::vector<geo::Point>& line) {
    double total = 0;
    for (std::size_t i = 1; i < line.size(); ++i) total += metres(line[i - 1], line[i]);
    return total;
}

}  // namespace

TEST(ReadStreets, LinesCutAtTileBordersComeBackWhole) {
    Basemap written;
    // About 3 km east-west with a bend, 2 km north-south crossing it, and an
    // unnamed L: each crosses several z16 tiles (about 470 m wide here).
    written.streets = {
        {"长安街", "main", {{{116.380, 39.9050}, {116.400, 39.9052}, {116.415, 39.9060}}}},
        {"东大街", "minor", {{{116.3950, 39.8950}, {116.3951, 39.9150}}}},
        {"", "minor", {{{116.4050, 39.8980}, {116.4050, 39.9020}, {116.4120, 39.9020}}}},
    };
    const support::TempDir dir;
    const auto path = dir.path() / "streets.mbtiles";
    TilingOptions options;
    options.min_zoom = 14;
    options.max_zoom = 16;
    (void)write_tiles(written, path, options);

    const std::vector<Street> read = read_streets(*open_tile_archive(path));
    ASSERT_EQ(read.size(), written.streets.size());
    for (const Street& original : written.streets) {
        const auto found = std::find_if(read.begin(), read.end(), [&](const Street& s) {
            return s.name == original.name && s.kind == original.kind;
        });
        ASSERT_NE(found, read.end()) << original.name;
        ASSERT_EQ(found->lines.size(), 1U) << original.name << ": one line, not pieces";
        const auto& in = original.lines.front();
        auto out = found->lines.front();
        if (metres(out.front(), in.front()) > metres(out.back(), in.front())) std::reverse(out.begin(), out.end());
        // Tile pixels at z16 are about 0.1 m here.
        EXPECT_LT(metres(out.front(), in.front()), 0.5) << original.name;
        EXPECT_LT(metres(out.back(), in.back()), 0.5) << original.name;
        EXPECT_NEAR(length(out), length(in), 1.0) << original.name;
    }
    EXPECT_EQ(street_lines(read).size(), 3U);
    EXPECT_EQ(read_street_lines(path).size(), 3U);
}

TEST(ReadStreets, NothingFromAnArchiveWithoutBounds) {
    MbtilesMetadata metadata;
    metadata.values = {{"name", "无范围"}, {"format", "pbf"}, {"minzoom", "14"}, {"maxzoom", "14"}};
    const support::TempDir dir;
    const auto path = dir.path() / "bare.mbtiles";
    {
        MbtilesWriter writer(path, metadata);
        writer.finish();
    }
    EXPECT_TRUE(read_streets(*open_tile_archive(path)).empty());
}
