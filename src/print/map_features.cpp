#include "wangge/print/map_features.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "wangge/basemap/vector_tile.hpp"
#include "wangge/error.hpp"

namespace wangge::print {

namespace {

std::uint64_t tile_key(const tiles::TileId& tile) {
    return (static_cast<std::uint64_t>(tile.z) << 58U) | (static_cast<std::uint64_t>(tile.x) << 29U) | tile.y;
}

/// Households and grids this far beyond the view still shape what lies in it
/// (a compound's hull joins buildings up to 300 m apart: basemap.hpp).
constexpr double derive_margin_degrees = 0.004;

}  // namespace

int print_zoom(double world_width, double points, int min_zoom, int max_zoom) {
    if (!(world_width > 0) || !(points > 0)) return min_zoom;
    const int zoom = static_cast<int>(std::ceil(std::log2(points / (world_width * 256.0))));
    return std::clamp(zoom, min_zoom, max_zoom);
}

std::vector<tiles::TileId> BasemapFeatures::covering(const geo::Box& view, double points) const {
    const geo::Point top_left = tiles::lonlat_to_world({view.min_x, view.max_y});
    const geo::Point bottom_right = tiles::lonlat_to_world({view.max_x, view.min_y});
    int zoom = print_zoom(bottom_right.x - top_left.x, points, tiles_->min_zoom(), std::min(tiles_->max_zoom(), 16));
    // A street's page at a high zoom would read hundreds of tiles: coarser ones do.
    constexpr std::uint64_t max_tiles = 64;
    for (;; --zoom) {
        const tiles::TileId a = tiles::tile_containing({view.min_x, view.max_y}, zoom);
        const tiles::TileId b = tiles::tile_containing({view.max_x, view.min_y}, zoom);
        const std::uint64_t count = std::uint64_t{b.x - a.x + 1} * std::uint64_t{b.y - a.y + 1};
        if (count > max_tiles && zoom > tiles_->min_zoom()) continue;
        std::vector<tiles::TileId> out;
        for (std::uint32_t y = a.y; y <= b.y; ++y) {
            for (std::uint32_t x = a.x; x <= b.x; ++x) out.push_back({zoom, x, y});
        }
        return out;
    }
}

std::vector<BasemapPiece> BasemapFeatures::pieces(const model::Snapshot& snapshot, const geo::Box& view, double points) {
    std::vector<BasemapPiece> out;
    if (tiles_ != nullptr && !tiles_->metadata().is_vector()) return out;
    if (tiles_ != nullptr) {
        for (const tiles::TileId& tile : covering(view, points)) {
            auto found = decoded_.find(tile_key(tile));
            if (found == decoded_.end()) {
                basemap::Basemap features;
                try {
                    if (const auto bytes = tiles_->tile(tile)) features = basemap::decode_basemap_tile(*bytes, tile);
                } catch (const InputError&) {
                    // A corrupt tile leaves a hole in the basemap, not a failed page.
                }
                found = decoded_.emplace(tile_key(tile), std::move(features)).first;
            }
            out.push_back({tiles::tile_lonlat_box(tile), found->second});
        }
        return out;
    }
    geo::Box wide = view;
    wide.expand(geo::Point{view.min_x - derive_margin_degrees, view.min_y - derive_margin_degrees});
    wide.expand(geo::Point{view.max_x + derive_margin_degrees, view.max_y + derive_margin_degrees});
    std::vector<model::Household> households;
    snapshot.household_index().query(wide, [&](std::size_t position) {
        households.push_back(snapshot.data().households[position]);
        return true;
    });
    std::vector<model::Grid> grids;
    snapshot.grid_index().query(wide, [&](std::size_t position) {
        grids.push_back(*snapshot.current_grids()[position]);
        return true;
    });
    BasemapPiece piece{std::nullopt, basemap::areas_from_households(households)};
    piece.features.streets = basemap::streets_from_grids(grids);
    out.push_back(std::move(piece));
    return out;
}

std::vector<std::pair<tiles::TileId, std::string>> BasemapFeatures::raster_tiles(const geo::Box& view, double points) const {
    std::vector<std::pair<tiles::TileId, std::string>> out;
    if (tiles_ == nullptr || tiles_->metadata().format() != "png") return out;
    for (const tiles::TileId& tile : covering(view, points)) {
        if (auto bytes = tiles_->tile(tile)) out.emplace_back(tile, std::move(*bytes));
    }
    return out;
}

std::string BasemapFeatures::attribution() const {
    if (tiles_ != nullptr && !tiles_->metadata().get("attribution").empty()) {
        return std::string(tiles_->metadata().get("attribution"));
    }
    return "底图由本系统社区数据生成";
}

}  // namespace wangge::print
