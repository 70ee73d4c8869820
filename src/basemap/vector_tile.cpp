#include "wangge/basemap/vector_tile.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>

#include <protozero/pbf_message.hpp>

#include "wangge/error.hpp"
#include "wangge/tiles/clip.hpp"

namespace wangge::basemap {

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

void decode_layer(protozero::pbf_message<LayerTag> layer, const tiles::TileId& tile, Basemap& out) {
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


/// The metadata's "bounds" (west,south,east,north); nullopt when absent or malformed.
std::optional<geo::Box> metadata_bounds(const MbtilesMetadata& metadata) {
    std::istringstream in{std::string(metadata.get("bounds"))};
    double values[4];
    char comma = 0;
    if (!(in >> values[0] >> comma >> values[1] >> comma >> values[2] >> comma >> values[3])) return std::nullopt;
    if (!(values[0] <= values[2]) || !(values[1] <= values[3])) return std::nullopt;
    return geo::Box{values[0], values[1], values[2], values[3]};
}

/// Chains the pieces of one street whose ends meet within `tolerance`
/// (world units) where exactly two ends meet: a street cut at tile borders
/// becomes whole again, while its real crossings and forks stay ends.
std::vector<std::vector<geo::Point>> chain_pieces(std::vector<std::vector<geo::Point>> pieces, double tolerance) {
    // Ends clustered on a hash grid of tolerance-wide cells (neighbours searched).
    const auto cell_key = [&](const geo::Point& p) {
        const auto c = static_cast<std::int64_t>(std::floor(p.x / tolerance));
        const auto r = static_cast<std::int64_t>(std::floor(p.y / tolerance));
        return std::pair{c, r};
    };
    const std::size_t ends = pieces.size() * 2;
    const auto end_point = [&](std::size_t e) { return e % 2 == 0 ? pieces[e / 2].front() : pieces[e / 2].back(); };
    std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::size_t>> cells;
    for (std::size_t e = 0; e < ends; ++e) cells[cell_key(end_point(e))].push_back(e);
    // partner[e]: the one other end meeting end e, or npos (none, or several).
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    std::vector<std::size_t> partner(ends, none);
    for (std::size_t e = 0; e < ends; ++e) {
        const geo::Point p = end_point(e);
        const auto [c, r] = cell_key(p);
        std::vector<std::size_t> near;
        for (std::int64_t dc = -1; dc <= 1; ++dc) {
            for (std::int64_t dr = -1; dr <= 1; ++dr) {
                const auto found = cells.find({c + dc, r + dr});
                if (found == cells.end()) continue;
                for (const std::size_t other : found->second) {
                    const geo::Point q = end_point(other);
                    if (other != e && std::hypot(p.x - q.x, p.y - q.y) <= tolerance) near.push_back(other);
                }
            }
        }
        if (near.size() == 1 && near.front() / 2 != e / 2) partner[e] = near.front();
    }
    // Walk each chain from a piece whose start has no partner (then the closed loops left).
    std::vector<bool> used(pieces.size(), false);
    std::vector<std::vector<geo::Point>> out;
    const auto walk = [&](std::size_t first) {
        std::vector<geo::Point> line;
        std::size_t piece = first;
        bool forward = true;  // entering `piece` at its start
        while (!used[piece]) {
            used[piece] = true;
            std::vector<geo::Point>& points = pieces[piece];
            if (!forward) std::reverse(points.begin(), points.end());
            // The joint's two ends differ by the tiles' rounding: keep the first.
            line.insert(line.end(), points.begin() + (line.empty() ? 0 : 1), points.end());
            const std::size_t leaving = piece * 2 + (forward ? 1 : 0);
            const std::size_t next = partner[leaving];
            if (next == none || partner[next] != leaving) break;
            piece = next / 2;
            forward = next % 2 == 0;
        }
        if (line.size() >= 2) out.push_back(std::move(line));
    };
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const std::size_t start = partner[i * 2];
        if (!used[i] && (start == none || partner[start] != i * 2)) walk(i);
    }
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (!used[i]) walk(i);
    }
    return out;
}

}  // namespace

Basemap decode_basemap_tile(std::string_view bytes, const tiles::TileId& tile) {
    std::string inflated;
    if (is_gzip(bytes)) {
        inflated = gunzip(bytes, "(tile)");
        bytes = inflated;
    }
    Basemap out;
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

std::vector<Street> read_streets(const TileArchive& archive) {
    const std::optional<geo::Box> bounds = metadata_bounds(archive.metadata());
    if (!archive.metadata().is_vector() || !bounds) return {};
    const int zoom = archive.max_zoom();
    const tiles::TileId a = tiles::tile_containing({bounds->min_x, bounds->max_y}, zoom);
    const tiles::TileId b = tiles::tile_containing({bounds->max_x, bounds->min_y}, zoom);
    const std::uint64_t count = std::uint64_t{b.x - a.x + 1} * std::uint64_t{b.y - a.y + 1};
    if (count > 250000) {
        throw InputError(archive.path().string() + ": its bounds span " + std::to_string(count) + " tiles at zoom " +
                         std::to_string(zoom) + ", too many to read its streets");
    }
    // Pieces in world coordinates, clipped to their own tile, grouped by street.
    std::map<std::pair<std::string, std::string>, std::vector<std::vector<geo::Point>>> pieces;
    std::vector<geo::Point> world;
    for (std::uint32_t y = a.y; y <= b.y; ++y) {
        for (std::uint32_t x = a.x; x <= b.x; ++x) {
            const tiles::TileId tile{zoom, x, y};
            Basemap features;
            try {
                const auto bytes = archive.tile(tile);
                if (!bytes) continue;
                features = decode_basemap_tile(*bytes, tile);
            } catch (const InputError&) {
                continue;
            }
            const geo::Box square = tiles::tile_world_box(tile);
            for (Street& street : features.streets) {
                auto& group = pieces[{std::move(street.name), std::move(street.kind)}];
                for (const auto& line : street.lines) {
                    world.clear();
                    for (const geo::Point& p : line) world.push_back(tiles::lonlat_to_world(p));
                    tiles::clip_line(world, square, group);
                }
            }
        }
    }
    const double tolerance = 4.0 / (tiles::tile_extent * std::ldexp(1.0, zoom));
    std::vector<Street> out;
    for (auto& [key, group] : pieces) {
        Street street{key.first, key.second, chain_pieces(std::move(group), tolerance)};
        for (auto& line : street.lines) {
            for (geo::Point& p : line) p = tiles::world_to_lonlat(p);
        }
        if (!street.lines.empty()) out.push_back(std::move(street));
    }
    return out;
}

std::vector<std::vector<geo::Point>> street_lines(std::vector<Street> streets) {
    std::vector<std::vector<geo::Point>> out;
    for (Street& street : streets) {
        for (auto& line : street.lines) out.push_back(std::move(line));
    }
    return out;
}

std::vector<std::vector<geo::Point>> read_street_lines(const std::filesystem::path& path) {
    return street_lines(read_streets(*open_tile_archive(path)));
}

}  // namespace wangge::basemap
