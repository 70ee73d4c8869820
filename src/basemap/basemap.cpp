#include "wangge/basemap/basemap.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>
#include <numeric>
#include <set>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>

#include "wangge/basemap/tile_archive.hpp"
#include "wangge/geo/convex_hull.hpp"
#include "wangge/http/compression.hpp"
#include "wangge/tiles/clip.hpp"
#include "wangge/tiles/mvt_writer.hpp"

namespace wangge::basemap {

namespace {

// --- compounds and buildings from households ---------------------------------

constexpr double building_link_m = 40.0;   // households of one 楼栋 stand closer than this
constexpr double compound_link_m = 300.0;  // buildings of one 小区 stand closer than this (the sample: 255 m)
constexpr double building_margin_m = 5.0;  // a slab reaches past its entrance points
constexpr double building_min_width_m = 12.0;
constexpr double building_min_depth_m = 10.0;
constexpr double compound_margin_m = 10.0;

/// Equirectangular metres around an origin: accurate enough for outlines a
/// few hundred metres across.
class Metres {
public:
    explicit Metres(const geo::Point& origin) noexcept
        : origin_(origin), per_lon_(111'319.49 * std::cos(origin.y * std::numbers::pi / 180.0)), per_lat_(111'132.95) {}
    [[nodiscard]] geo::Point to_metres(const geo::Point& lonlat) const noexcept {
        return {(lonlat.x - origin_.x) * per_lon_, (lonlat.y - origin_.y) * per_lat_};
    }
    [[nodiscard]] geo::Point to_lonlat(const geo::Point& metres) const noexcept {
        const auto round7 = [](double v) { return std::round(v * 1e7) / 1e7; };
        return {round7(origin_.x + metres.x / per_lon_), round7(origin_.y + metres.y / per_lat_)};
    }

private:
    geo::Point origin_;
    double per_lon_;
    double per_lat_;
};

/// Single-link clusters of points (metres): points closer than `link` end in
/// one cluster. Sorted by x, each point is compared only with those less than
/// `link` further east.
std::vector<std::vector<std::size_t>> clusters(std::span<const geo::Point> points, double link) {
    std::vector<std::size_t> parent(points.size());
    std::iota(parent.begin(), parent.end(), 0);
    const auto root = [&](std::size_t i) {
        while (parent[i] != i) i = parent[i] = parent[parent[i]];
        return i;
    };
    std::vector<std::size_t> order(points.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return points[a].x < points[b].x; });
    for (std::size_t i = 0; i < order.size(); ++i) {
        const geo::Point& p = points[order[i]];
        for (std::size_t j = i + 1; j < order.size() && points[order[j]].x - p.x < link; ++j) {
            const geo::Point& q = points[order[j]];
            if (std::hypot(q.x - p.x, q.y - p.y) < link) parent[root(order[i])] = root(order[j]);
        }
    }
    std::map<std::size_t, std::vector<std::size_t>> by_root;  // ordered: the output does not depend on hashing
    for (std::size_t i = 0; i < points.size(); ++i) by_root[root(i)].push_back(i);
    std::vector<std::vector<std::size_t>> out;
    out.reserve(by_root.size());
    for (auto& [_, members] : by_root) out.push_back(std::move(members));
    return out;
}

/// An open ring in metres to a closed lon/lat ring.
geo::Ring to_closed_lonlat(const Metres& frame, std::span<const geo::Point> ring) {
    geo::Ring out;
    out.reserve(ring.size() + 1);
    for (const geo::Point& p : ring) out.push_back(frame.to_lonlat(p));
    out.push_back(out.front());
    return out;
}

/// A building: its outline in the metres of `frame`, for the compound's hull.
struct Slab {
    std::string compound;
    std::string name;
    geo::Point centre;  // lon/lat
    geo::Box box;       // metres around the centre
};

Slab slab_of(const model::Household& first, std::span<const geo::Point> lonlats) {
    geo::Box box;
    geo::Point sum;
    for (const geo::Point& p : lonlats) {
        sum.x += p.x;
        sum.y += p.y;
    }
    const geo::Point centre{sum.x / static_cast<double>(lonlats.size()), sum.y / static_cast<double>(lonlats.size())};
    const Metres frame(centre);
    for (const geo::Point& p : lonlats) box.expand(frame.to_metres(p));
    const auto grow = [](double& low, double& high, double margin, double least) {
        low -= margin;
        high += margin;
        if (high - low < least) {
            const double middle = (low + high) / 2.0;
            low = middle - least / 2.0;
            high = middle + least / 2.0;
        }
    };
    grow(box.min_x, box.max_x, building_margin_m, building_min_width_m);
    grow(box.min_y, box.max_y, building_margin_m, building_min_depth_m);
    return {first.compound, first.building, centre, box};
}

std::array<geo::Point, 4> corners(const geo::Box& box) {
    return {geo::Point{box.min_x, box.min_y}, {box.max_x, box.min_y}, {box.max_x, box.max_y}, {box.min_x, box.max_y}};
}

}  // namespace

Basemap areas_from_households(std::span<const model::Household> households) {
    // Households by compound and building name (ordered, so that the output is reproducible).
    std::map<std::pair<std::string_view, std::string_view>, std::vector<std::size_t>> by_building;
    for (std::size_t i = 0; i < households.size(); ++i) {
        if (households[i].compound.empty()) continue;
        by_building[{households[i].compound, households[i].building}].push_back(i);
    }
    Basemap out;
    std::vector<Slab> slabs;
    std::vector<geo::Point> metres;
    std::vector<geo::Point> lonlats;
    for (const auto& [_, members] : by_building) {
        // Buildings of the same name in different compounds of that name are far apart: split them.
        const Metres frame(households[members.front()].location);
        metres.clear();
        for (const std::size_t i : members) metres.push_back(frame.to_metres(households[i].location));
        for (const auto& cluster : clusters(metres, building_link_m)) {
            lonlats.clear();
            for (const std::size_t c : cluster) lonlats.push_back(households[members[c]].location);
            slabs.push_back(slab_of(households[members[cluster.front()]], lonlats));
        }
    }
    std::map<std::string_view, std::vector<std::size_t>> by_compound;
    for (std::size_t s = 0; s < slabs.size(); ++s) {
        const Slab& slab = slabs[s];
        const Metres frame(slab.centre);
        out.buildings.push_back({slab.name, slab.compound, to_closed_lonlat(frame, corners(slab.box))});
        by_compound[slab.compound].push_back(s);
    }
    for (const auto& [name, members] : by_compound) {
        const Metres frame(slabs[members.front()].centre);
        metres.clear();
        for (const std::size_t s : members) metres.push_back(frame.to_metres(slabs[s].centre));
        for (const auto& cluster : clusters(metres, compound_link_m)) {
            std::vector<geo::Point> points;
            for (const std::size_t c : cluster) {
                const Slab& slab = slabs[members[c]];
                const geo::Point offset = frame.to_metres(slab.centre);
                geo::Box grown = slab.box;
                grown.min_x += offset.x - compound_margin_m;
                grown.max_x += offset.x + compound_margin_m;
                grown.min_y += offset.y - compound_margin_m;
                grown.max_y += offset.y + compound_margin_m;
                for (const geo::Point& corner : corners(grown)) points.push_back(corner);
            }
            out.compounds.push_back({std::string(name), std::string(name), to_closed_lonlat(frame, geo::convex_hull(points))});
        }
    }
    return out;
}

std::vector<Street> streets_from_grids(std::span<const model::Grid> grids) {
    using Segment = std::array<double, 4>;
    const auto key = [](const geo::Point& a, const geo::Point& b) {
        return std::tie(a.x, a.y) < std::tie(b.x, b.y) ? Segment{a.x, a.y, b.x, b.y} : Segment{b.x, b.y, a.x, a.y};
    };
    const auto rings_of = [&](auto visit) {
        for (const model::Grid& grid : grids) {
            if (!grid.current()) continue;
            for (const geo::Polygon& polygon : grid.geometry.polygons) {
                for (const geo::Ring& ring : polygon.rings) visit(grid, ring);
            }
        }
    };
    std::set<Segment> main_segments;
    rings_of([&](const model::Grid& grid, const geo::Ring& ring) {
        if (grid.level != model::GridLevel::community && grid.level != model::GridLevel::street) return;
        for (std::size_t i = 1; i < ring.size(); ++i) main_segments.insert(key(ring[i - 1], ring[i]));
    });
    Street main{"", "main", {}};
    Street minor{"", "minor", {}};
    std::set<Segment> drawn;
    rings_of([&](const model::Grid&, const geo::Ring& ring) {
        // Runs of consecutive segments not drawn yet, of one kind, become one line.
        Street* current = nullptr;
        for (std::size_t i = 1; i < ring.size(); ++i) {
            const Segment segment = key(ring[i - 1], ring[i]);
            if (!drawn.insert(segment).second) {
                current = nullptr;
                continue;
            }
            Street* kind = main_segments.contains(segment) ? &main : &minor;
            if (kind != current) {
                kind->lines.push_back({ring[i - 1]});
                current = kind;
            }
            current->lines.back().push_back(ring[i]);
        }
    });
    std::vector<Street> out;
    for (Street* street : {&main, &minor}) {
        if (!street->lines.empty()) out.push_back(std::move(*street));
    }
    return out;
}

namespace {

// --- tiling ------------------------------------------------------------------

enum class LayerId : std::uint8_t { streets, compounds, buildings };

constexpr std::array<tiles::FieldSpec, 2> street_fields{{{"name", "String"}, {"kind", "String"}}};
constexpr std::array<tiles::FieldSpec, 1> compound_fields{{{"name", "String"}}};
constexpr std::array<tiles::FieldSpec, 2> building_fields{{{"name", "String"}, {"compound", "String"}}};

/// A feature's geometry in world coordinates (tile_math.hpp) and its bounds.
struct WorldShape {
    std::vector<std::vector<geo::Point>> parts;  // lines, or one open ring
    geo::Box box;
};

WorldShape to_world(std::span<const std::vector<geo::Point>> parts, bool drop_closing) {
    WorldShape shape;
    for (const auto& part : parts) {
        auto& out = shape.parts.emplace_back();
        const std::size_t n = drop_closing && part.size() > 1 && part.front() == part.back() ? part.size() - 1 : part.size();
        for (std::size_t i = 0; i < n; ++i) {
            out.push_back(tiles::lonlat_to_world(part[i]));
            shape.box.expand(out.back());
        }
    }
    return shape;
}

struct Prepared {
    std::vector<WorldShape> streets;
    std::vector<WorldShape> compounds;
    std::vector<WorldShape> buildings;
    geo::Box lonlat_bounds;
};

Prepared prepare(const Basemap& basemap) {
    Prepared prepared;
    for (const Street& street : basemap.streets) prepared.streets.push_back(to_world(street.lines, false));
    for (const Area& area : basemap.compounds) prepared.compounds.push_back(to_world(std::span(&area.ring, 1), true));
    for (const Area& area : basemap.buildings) prepared.buildings.push_back(to_world(std::span(&area.ring, 1), true));
    for (const auto* shapes : {&prepared.streets, &prepared.compounds, &prepared.buildings}) {
        for (const WorldShape& shape : *shapes) {
            if (shape.box.empty()) continue;
            prepared.lonlat_bounds.expand(tiles::world_to_lonlat({shape.box.min_x, shape.box.max_y}));
            prepared.lonlat_bounds.expand(tiles::world_to_lonlat({shape.box.max_x, shape.box.min_y}));
        }
    }
    return prepared;
}

/// A feature in a tile: the tile (x, y at the zoom), the layer, the feature's index.
struct Entry {
    std::uint32_t x;
    std::uint32_t y;
    LayerId layer;
    std::uint32_t index;
    friend bool operator<(const Entry& a, const Entry& b) noexcept {
        return std::tie(a.y, a.x, a.layer, a.index) < std::tie(b.y, b.x, b.layer, b.index);
    }
};

/// Every (tile, feature) pair of zoom z whose buffered tile meets the feature's bounds.
std::vector<Entry> entries_at(const Prepared& prepared, int z, const TilingOptions& options) {
    const double tiles_per_world = std::ldexp(1.0, z);
    const double buffer = static_cast<double>(tiles::tile_buffer) / tiles::tile_extent / tiles_per_world;
    const auto last = static_cast<std::int64_t>(tiles_per_world) - 1;
    const auto tile_of = [&](double v) {
        return static_cast<std::uint32_t>(std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(v * tiles_per_world)), 0, last));
    };
    std::vector<Entry> entries;
    const auto add = [&](const std::vector<WorldShape>& shapes, LayerId layer) {
        for (std::size_t i = 0; i < shapes.size(); ++i) {
            const geo::Box& box = shapes[i].box;
            if (box.empty()) continue;
            for (std::uint32_t y = tile_of(box.min_y - buffer); y <= tile_of(box.max_y + buffer); ++y) {
                for (std::uint32_t x = tile_of(box.min_x - buffer); x <= tile_of(box.max_x + buffer); ++x) {
                    entries.push_back({x, y, layer, static_cast<std::uint32_t>(i)});
                }
            }
        }
    };
    add(prepared.streets, LayerId::streets);
    if (z >= options.compound_min_zoom) add(prepared.compounds, LayerId::compounds);
    if (z >= options.building_min_zoom) add(prepared.buildings, LayerId::buildings);
    std::sort(entries.begin(), entries.end());
    return entries;
}

/// Encodes one tile's features; empty when nothing is left after clipping.
class TileEncoder {
public:
    TileEncoder(const Basemap& basemap, const Prepared& prepared) : basemap_(basemap), prepared_(prepared) {}

    std::string encode(const tiles::TileId& tile, std::span<const Entry> entries) {
        const tiles::TileTransform transform(tile);
        constexpr double low = -tiles::tile_buffer;
        constexpr double high = tiles::tile_extent + tiles::tile_buffer;
        const geo::Box box{low, low, high, high};
        tiles::LayerBuilder streets("streets", street_fields);
        tiles::LayerBuilder compounds("compounds", compound_fields);
        tiles::LayerBuilder buildings("buildings", building_fields);
        for (const Entry& entry : entries) {
            switch (entry.layer) {
                case LayerId::streets: {
                    const Street& street = basemap_.streets[entry.index];
                    if (!clip_lines(prepared_.streets[entry.index], transform, box)) break;
                    const std::array<tiles::Property, 2> properties{{{0, std::string_view(street.name)},
                                                                     {1, std::string_view(street.kind)}}};
                    streets.add_lines(pixel_lines_, street.name.empty() ? std::span(properties).subspan(1) : properties);
                    break;
                }
                case LayerId::compounds: {
                    const Area& area = basemap_.compounds[entry.index];
                    if (!clip_ring(prepared_.compounds[entry.index], transform, box)) break;
                    const std::array<tiles::Property, 1> properties{{{0, std::string_view(area.name)}}};
                    compounds.add_polygon(std::span(&pixel_ring_, 1), properties);
                    break;
                }
                case LayerId::buildings: {
                    const Area& area = basemap_.buildings[entry.index];
                    if (!clip_ring(prepared_.buildings[entry.index], transform, box)) break;
                    const std::array<tiles::Property, 2> properties{{{0, std::string_view(area.name)},
                                                                     {1, std::string_view(area.compound)}}};
                    buildings.add_polygon(std::span(&pixel_ring_, 1), properties);
                    break;
                }
            }
        }
        std::string bytes;
        // Drawn bottom to top by the style anyway; this order only keeps tiles reproducible.
        compounds.append_to(bytes);
        buildings.append_to(bytes);
        streets.append_to(bytes);
        return bytes;
    }

private:
    /// The shape's lines clipped and snapped into pixel_lines_; false when none is left.
    bool clip_lines(const WorldShape& shape, const tiles::TileTransform& transform, const geo::Box& box) {
        pixel_lines_.clear();
        for (const auto& part : shape.parts) {
            pixels_.clear();
            for (const geo::Point& p : part) pixels_.push_back(transform.to_pixel(p));
            pieces_.clear();
            tiles::clip_line(pixels_, box, pieces_);
            for (const auto& piece : pieces_) {
                tiles::PixelLine line;
                tiles::snap_line(piece, line);
                if (!line.empty()) pixel_lines_.push_back(std::move(line));
            }
        }
        return !pixel_lines_.empty();
    }

    /// The shape's ring clipped, snapped and oriented (MVT exterior: positive area) into pixel_ring_.
    bool clip_ring(const WorldShape& shape, const tiles::TileTransform& transform, const geo::Box& box) {
        pixels_.clear();
        for (const geo::Point& p : shape.parts.front()) pixels_.push_back(transform.to_pixel(p));
        tiles::RingClipper clipper(box);
        tiles::snap_ring(clipper.clip(pixels_), pixel_ring_);
        if (pixel_ring_.empty()) return false;
        if (tiles::twice_signed_area(pixel_ring_) < 0) std::reverse(pixel_ring_.begin(), pixel_ring_.end());
        return true;
    }

    const Basemap& basemap_;
    const Prepared& prepared_;
    std::vector<geo::Point> pixels_;
    std::vector<std::vector<geo::Point>> pieces_;
    std::vector<tiles::PixelLine> pixel_lines_;
    tiles::PixelRing pixel_ring_;
};

nlohmann::json vector_layers(const TilingOptions& options) {
    const auto layer = [&](std::string_view id, std::span<const tiles::FieldSpec> fields, int min_zoom,
                           std::string_view description) {
        nlohmann::json spec = nlohmann::json::object();
        for (const tiles::FieldSpec& field : fields) spec[std::string(field.name)] = field.type;
        return nlohmann::json{{"id", id}, {"fields", spec}, {"minzoom", min_zoom}, {"maxzoom", options.max_zoom},
                              {"description", description}};
    };
    return nlohmann::json::array({
        layer("compounds", compound_fields, std::max(options.min_zoom, options.compound_min_zoom), "小区"),
        layer("buildings", building_fields, std::max(options.min_zoom, options.building_min_zoom), "楼栋"),
        layer("streets", street_fields, options.min_zoom, "街巷"),
    });
}

MbtilesMetadata metadata_of(const Prepared& prepared, const TilingOptions& options) {
    const geo::Box& b = prepared.lonlat_bounds;
    const auto number = [](double v) { return nlohmann::json(std::round(v * 1e7) / 1e7).dump(); };
    MbtilesMetadata metadata;
    metadata.values = {
        {"name", options.name},
        {"format", "pbf"},
        {"type", "baselayer"},
        {"version", "1"},
        {"minzoom", std::to_string(options.min_zoom)},
        {"maxzoom", std::to_string(options.max_zoom)},
        {"json", nlohmann::json{{"vector_layers", vector_layers(options)}}.dump()},
    };
    if (!b.empty()) {
        metadata.values["bounds"] = number(b.min_x) + "," + number(b.min_y) + "," + number(b.max_x) + "," + number(b.max_y);
        metadata.values["center"] = number((b.min_x + b.max_x) / 2) + "," + number((b.min_y + b.max_y) / 2) + "," +
                                    std::to_string(std::min(options.max_zoom, std::max(options.min_zoom, 14)));
    }
    if (!options.attribution.empty()) metadata.values["attribution"] = options.attribution;
    if (!options.description.empty()) metadata.values["description"] = options.description;
    return metadata;
}

}  // namespace

TilingReport write_tiles(const Basemap& basemap, const std::filesystem::path& path, const TilingOptions& options) {
    if (options.min_zoom < 0 || options.max_zoom > tiles::max_zoom || options.min_zoom > options.max_zoom) {
        throw InputError("basemap zooms must satisfy 0 <= min <= max <= " + std::to_string(tiles::max_zoom));
    }
    const Prepared prepared = prepare(basemap);
    const std::unique_ptr<TileArchiveWriter> writer = create_tile_archive(path, metadata_of(prepared, options));
    const unsigned threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    TilingReport report;
    for (int z = options.min_zoom; z <= options.max_zoom; ++z) {
        const std::vector<Entry> entries = entries_at(prepared, z, options);
        // The runs of entries of one tile.
        std::vector<std::size_t> starts;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            if (i == 0 || entries[i].x != entries[i - 1].x || entries[i].y != entries[i - 1].y) starts.push_back(i);
        }
        starts.push_back(entries.size());
        const std::size_t tile_count = starts.size() - 1;
        // Tiles are encoded and gzip'd in parallel; the writer takes them on this thread afterwards.
        std::vector<std::string> encoded(tile_count);
        std::atomic<std::size_t> next{0};
        std::exception_ptr failure;
        std::mutex failure_mutex;
        const auto work = [&] {
            try {
                TileEncoder encoder(basemap, prepared);
                for (std::size_t t = next++; t < tile_count; t = next++) {
                    const Entry& first = entries[starts[t]];
                    const std::string bytes = encoder.encode(
                        {z, first.x, first.y}, std::span(entries).subspan(starts[t], starts[t + 1] - starts[t]));
                    if (!bytes.empty()) encoded[t] = http::gzip(bytes);
                }
            } catch (...) {
                const std::lock_guard lock(failure_mutex);
                failure = std::current_exception();
            }
        };
        {
            std::vector<std::jthread> pool;
            for (unsigned i = 1; i < std::min<std::size_t>(threads, std::max<std::size_t>(1, tile_count)); ++i) {
                pool.emplace_back(work);
            }
            work();
        }
        if (failure) std::rethrow_exception(failure);
        for (std::size_t t = 0; t < tile_count; ++t) {
            if (encoded[t].empty()) continue;
            const Entry& first = entries[starts[t]];
            writer->put({z, first.x, first.y}, encoded[t]);
            ++report.tiles;
            report.bytes += encoded[t].size();
        }
    }
    writer->finish();
    return report;
}

}  // namespace wangge::basemap
