#pragma once
// Printable grid maps and contact cards (网格化图谱, 联系卡, 公示牌; issue #16
// item 4), drawn server-side with Cairo and Pango (docs/printing.md says why
// not MapLibre Native: not packaged for Debian 12).
//
// A page shows the area's boundary on the basemap (map_features.hpp) with its
// neighbours of the same level drawn lightly and labelled with their codes,
// the area's name and code as title, the public contact card as a table (role,
// name, work phone, A/B duty: DESIGN §6, nothing personal), a north arrow, a
// scale bar of a round metric length, the date in Beijing time, the
// basemap's attribution and the QR code of the grid's public page
// (http/public_routes.hpp). Pages are A4 or A3, portrait or landscape,
// whichever fits the area's shape better.
//
//   grid       one page: the grid
//   community  the community with its grids labelled (and a table of each
//              grid's staff), then one page per grid
//   street     the street with its communities and grids, then one page per community
//
// PDF is vector with the Noto CJK font subset embedded by Cairo; PNG is the
// first page at png_dpi.
//
// Thread safety: print() keeps no state between calls; concurrent calls on
// different threads are fine (each has its own Pango font map).

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "wangge/basemap/tile_archive.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/model/time.hpp"

namespace wangge::print {

enum class Paper { a4, a3 };
enum class Format { pdf, png };
enum class Scope { grid, community, street };

/// "A4"/"a4" or "A3"/"a3"; nullopt otherwise.
[[nodiscard]] std::optional<Paper> parse_paper(std::string_view text) noexcept;

/// PNG pages are rendered at this resolution (a sharp print at A4 and A3).
inline constexpr double png_dpi = 150.0;

/// Width and height of a PNG page in pixels.
[[nodiscard]] std::pair<int, int> png_size(Paper paper, bool landscape) noexcept;

struct PrintOptions {
    Paper paper = Paper::a4;
    Format format = Format::pdf;
    /// The date printed on the page (shown as its day in Beijing time).
    model::Timestamp printed_at = 0;
    /// The server's public base URL: QR codes encode public_page_url(base, code).
    std::string public_base_url = "http://localhost:8080";
    /// A vector or PNG-raster basemap (MBTiles or PMTiles); null: derived from the store.
    const basemap::TileArchive* basemap = nullptr;
};

/// The document of `code` at `scope`. Throws ClientError not_found
/// "unknown_grid" when no current grid of that level has the code.
[[nodiscard]] std::string print(const model::Snapshot& snapshot, Scope scope, std::string_view code,
                                const PrintOptions& options);

}  // namespace wangge::print
