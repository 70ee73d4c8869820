#include "wangge/print/map_features.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include <protozero/pbf_message.hpp>

#include "wangge/error.hpp"

namespace wangge::print {

namespace {

// Field numbers of the Mapbox Vector Tile 2.1 protobuf schema.
enum class TileTag : protozero::pbf_tag_type { layers = 3 };
enum class LayerTag : protozero::pbf_tag_type { name = 1, features = 2, keys = 3, values = 4, extent = 5 };
enum class FeatureTag : protozero::pbf_tag_type { tags = 2, type = 3, geometry = 4 };
enum class ValueTag : protozero::pbf_tag_type { string_value = 1 };
enum class GeomType : std::uint32_t { point = 1, linestring = 2, polygon = 3 };

enum class Layer { streets, compounds, buildings, other };

std::string_view text_of(const protozero::data_view& view) { return {view.data(), view.size()}; }

Layer layer_of(std::string_view name) {
    if (name == "streets") return Layer::streets;
    if (name == "compounds") return Layer::compounds;
    if (name == "buildings") return Layer::buildings;
    return Layer::other;
}

/// The geometry commands of one feature as lon/lat paths: each MoveTo starts
/// one; a ClosePath closes it (rings).
std::vector<std::vector<geo::Point>> decode_paths(protozero::iterator_range<protozero::pbf_reader::const_uint32_iterator> commands,
                                                  const tiles::TileId& tile, double extent) {
    std::vector<std::vector<geo::Point>> paths;
    const double tiles_per_world = std::ldexp(1.0, tile.z);
    std::int64_t x = 0;
    std::int64_t y = 0;
    const auto lonlat = [&] {
        return tiles::world_to_lonlat({(tile.x + static_cast<double>(x) / extent) / tiles_per_world,
                                       (tile.y + static_cast<double>(y) / extent) / tiles_per_world});
    };
    for (auto it = commands.begin(); it != commands.end();) {
        const std::uint32_t command = *it++;
        const std::uint32_t id = command & 0x7U;
        const std::uint32_t count = command >> 3U;
        if (id == 7) {  // ClosePath
            if (paths.empty() || paths.back().empty()) throw InputError("vector tile: ClosePath without a path");
            paths.back().push_back(paths.back().front());
            continue;
        }
        if (id != 1 && id != 2) throw InputError("vector tile: unknown geometry command " + std::to_string(id));
        for (std::uint32_t i = 0; i < count; ++i) {
            if (it == commands.end()) throw InputError("vector tile: geometry ends inside a command");
            x += protozero::decode_zigzag32(*it++);
            if (it == commands.end()) throw InputError("vector tile: geometry ends inside a command");
            y += protozero::decode_zigzag32(*it++);
            if (id == 1) paths.emplace_back();
            if (paths.empty()) throw InputError("vector tile: LineTo before MoveTo");
            paths.back().push_back(lonlat());
        }
    }
    return paths;
}

void decode_layer(protozero::pbf_message<LayerTag> layer, const tiles::TileId& tile, basemap::Basemap& out) {
    Layer kind = Layer::other;
    std::vector<std::string_view> keys;
    std::vector<std::string> values;
    std::vector<protozero::data_view> features;
    double extent = tiles::tile_extent;
    while (layer.next()) {
        switch (layer.tag()) {
            case LayerTag::name: kind = layer_of(text_of(layer.get_view())); break;
            case LayerTag::features: features.push_back(layer.get_view()); break;
            case LayerTag::keys: keys.push_back(text_of(layer.get_view())); break;
            case LayerTag::values: {
                // Our layers' attributes are all strings; other values stay empty.
                protozero::pbf_message<ValueTag> value(layer.get_view());
                std::string text;
                while (value.next()) {
                    if (value.tag() == ValueTag::string_value) {
                        text = value.get_string();
                    } else {
                        value.skip();
                    }
                }
                values.push_back(std::move(text));
                break;
            }
            case LayerTag::extent: extent = layer.get_uint32(); break;
            default: layer.skip();
        }
    }
    if (kind == Layer::other || extent <= 0) return;
    for (const protozero::data_view& bytes : features) {
        protozero::pbf_message<FeatureTag> feature(bytes);
        std::string name;
        std::string street_kind;
        std::string compound;
        std::vector<std::vector<geo::Point>> paths;
        GeomType type = GeomType::point;
        while (feature.next()) {
            switch (feature.tag()) {
                case FeatureTag::tags: {
                    const auto tags = feature.get_packed_uint32();
                    for (auto it = tags.begin(); it != tags.end();) {
                        const std::uint32_t key = *it++;
                        if (it == tags.end()) throw InputError("vector tile: odd number of tags");
                        const std::uint32_t value = *it++;
                        if (key >= keys.size() || value >= values.size()) throw InputError("vector tile: tag out of range");
                        if (keys[key] == "name") name = values[value];
                        if (keys[key] == "kind") street_kind = values[value];
                        if (keys[key] == "compound") compound = values[value];
                    }
                    break;
                }
                case FeatureTag::type: type = static_cast<GeomType>(feature.get_enum()); break;
                case FeatureTag::geometry: paths = decode_paths(feature.get_packed_uint32(), tile, extent); break;
                default: feature.skip();
            }
        }
        if (kind == Layer::streets && type == GeomType::linestring) {
            out.streets.push_back({std::move(name), std::move(street_kind), std::move(paths)});
        } else if (kind != Layer::streets && type == GeomType::polygon) {
            // Each ring on its own: holes are rare in outlines and filled over anyway.
            auto& areas = kind == Layer::compounds ? out.compounds : out.buildings;
            for (auto& ring : paths) areas.push_back({name, compound, std::move(ring)});
        }
    }
}

std::uint64_t tile_key(const tiles::TileId& tile) {
    return (static_cast<std::uint64_t>(tile.z) << 58U) | (static_cast<std::uint64_t>(tile.x) << 29U) | tile.y;
}

/// Households and grids this far beyond the view still shape what lies in it
/// (a compound's hull joins buildings up to 300 m apart: basemap.hpp).
constexpr double derive_margin_degrees = 0.004;

}  // namespace

basemap::Basemap decode_basemap_tile(std::string_view bytes, const tiles::TileId& tile) {
    std::string inflated;
    if (basemap::is_gzip(bytes)) {
        inflated = basemap::gunzip(bytes, "(tile)");
        bytes = inflated;
    }
    basemap::Basemap out;
    try {
        protozero::pbf_message<TileTag> message(bytes.data(), bytes.size());
        while (message.next()) {
            if (message.tag() == TileTag::layers) {
                decode_layer(message.get_message(), tile, out);
            } else {
                message.skip();
            }
        }
    } catch (const protozero::exception& e) {
        throw InputError(std::string("vector tile: ") + e.what());
    }
    return out;
}

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
                    if (const auto bytes = tiles_->tile(tile)) features = decode_basemap_tile(*bytes, tile);
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
