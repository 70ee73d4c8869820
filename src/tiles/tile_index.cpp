#include "wangge/tiles/tile_index.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <future>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "wangge/model/organisations.hpp"
#include "wangge/tiles/clip.hpp"
#include "wangge/workflow/deadlines.hpp"

namespace wangge::tiles {
namespace {

// Layer schemas: the order of the fields is the order of the layer keys, and
// the key constants below index into them.
// purpose: a dedicated grid's (专属类型), absent on the base levels.
constexpr FieldSpec grid_fields[] = {{"code", "String"},        {"name", "String"},
                                     {"level", "String"},       {"parent_code", "String"},
                                     {"household_count", "Number"}, {"staff", "String"},
                                     {"purpose", "String"}};
enum GridKey : std::uint32_t { grid_code, grid_name, grid_level, grid_parent, grid_households, grid_staff, grid_purpose };

constexpr FieldSpec label_fields[] = {{"code", "String"}, {"name", "String"}, {"level", "String"}};

constexpr FieldSpec household_fields[] = {{"grid_code", "String"}, {"compound", "String"}, {"building", "String"},
                                          {"point_count", "Number"}, {"tags", "String"}};
enum HouseholdKey : std::uint32_t { household_grid, household_compound, household_building, household_count, household_tags };

// category: an organisation's (model/organisations.hpp), absent on facilities;
// compound: the compound an organisation serves, when it names one.
constexpr FieldSpec facility_fields[] = {{"kind", "String"},        {"name", "String"},
                                         {"grid_code", "String"},   {"point_count", "Number"},
                                         {"category", "String"},    {"compound", "String"}};
enum FacilityKey : std::uint32_t { facility_kind, facility_name, facility_grid, facility_count, facility_category, facility_compound };

constexpr FieldSpec incident_fields[] = {{"category", "String"}, {"state", "String"}, {"triage", "String"},
                                         {"light", "String"}, {"grid_code", "String"}, {"point_count", "Number"}};
enum IncidentKey : std::uint32_t { incident_category, incident_state, incident_triage, incident_light, incident_grid, incident_count };

constexpr FieldSpec heat_fields[] = {{"count", "Number"}};

constexpr VectorLayerSchema grid_layers[] = {
    {"grids", "网格边界", grid_fields}, {"grid_labels", "网格标注点", label_fields}};
constexpr VectorLayerSchema household_layers[] = {{"households", "住户（按楼栋）", household_fields}};
constexpr VectorLayerSchema facility_layers[] = {{"facilities", "设施与单位", facility_fields}};
constexpr VectorLayerSchema incident_layers[] = {{"incidents", "事件", incident_fields}};
constexpr VectorLayerSchema heat_layers[] = {{"heat", "事件热力（格网计数）", heat_fields}};

constexpr int household_detail_zoom = 14;
constexpr int facility_detail_zoom = 13;
constexpr int incident_detail_zoom = 14;

/// Calls render(row, count, world) for the points of a tile, in two passes:
/// the index's points first, then their rows, fetched a few points ahead.
/// The rows lie in id order, scattered against the tile's Morton order, so
/// each would otherwise stall on a cache miss, and then on another for its
/// first string (a Chinese name is longer than std::string's inline buffer);
/// fetched ahead, the misses overlap.
template <class Rows, class Render>
void visit_rows(const PointIndex& index, const TileId& tile, int detail_zoom, const Rows& rows, Render&& render) {
    struct Point {
        std::size_t item;
        std::size_t count;
        geo::Point world;
    };
    std::vector<Point> points;
    index.visit(tile, detail_zoom, [&points](std::size_t item, std::size_t count, const geo::Point& world) {
        points.push_back({item, count, world});
    });
    constexpr std::size_t row_ahead = 16;
    constexpr std::size_t text_ahead = 8;
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (i + row_ahead < points.size()) __builtin_prefetch(&rows[points[i + row_ahead].item]);
        if (i + text_ahead < points.size()) __builtin_prefetch(rows[points[i + text_ahead].item].grid_code.data());
        render(rows[points[i].item], points[i].count, points[i].world);
    }
}

constexpr geo::Box buffered_pixels{-tile_buffer, -tile_buffer, tile_extent + tile_buffer, tile_extent + tile_buffer};

/// A numeric grid code doubles as the feature id (for MapLibre feature state).
std::optional<std::uint64_t> numeric_id(std::string_view code) {
    std::uint64_t id = 0;
    const auto [end, error] = std::from_chars(code.data(), code.data() + code.size(), id);
    if (error != std::errc{} || end != code.data() + code.size()) return std::nullopt;
    return id;
}

std::optional<std::uint64_t> positive_id(std::int64_t id) {
    if (id < 0) return std::nullopt;
    return static_cast<std::uint64_t>(id);
}

/// Whether a row is drawn: households that moved out are not.
bool drawn(const model::Household& household) noexcept { return household.resident(); }
template <class Row>
bool drawn(const Row& /*row*/) noexcept {
    return true;
}

/// The point index of the drawn rows of a table.
template <class Rows>
PointIndex index_points(const Rows& rows) {
    std::vector<geo::Point> points;
    std::vector<std::uint32_t> items;
    points.reserve(rows.size());
    items.reserve(rows.size());
    for (auto it = rows.begin(); it != rows.end(); ++it) {
        if (!drawn(*it)) continue;
        points.push_back(it->location);
        items.push_back(static_cast<std::uint32_t>(it.position()));
    }
    return PointIndex(points, items);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string joined;
    for (const std::string& part : parts) {
        if (!joined.empty()) joined += separator;
        joined += part;
    }
    return joined;
}

/// Households per current grid, counting each household in its grid and in every ancestor.
std::vector<std::int64_t> household_counts(const model::Snapshot& snapshot) {
    std::unordered_map<std::string_view, std::size_t> position;
    const auto grids = snapshot.current_grids();
    for (std::size_t i = 0; i < grids.size(); ++i) position.emplace(grids[i]->code, i);
    std::vector<std::int64_t> counts(grids.size(), 0);
    std::unordered_map<std::string_view, std::int64_t> direct;
    for (const model::Household& household : snapshot.data().households) {
        if (household.resident()) ++direct[household.grid_code];
    }
    for (const auto& [code, count] : direct) {
        // Walk up the tree; the step bound guards against a parent cycle in bad data.
        std::string_view current = code;
        for (std::size_t step = 0; step <= grids.size(); ++step) {
            const auto found = position.find(current);
            if (found == position.end()) break;
            counts[found->second] += count;
            current = grids[found->second]->parent_code;
        }
    }
    return counts;
}

}  // namespace

std::string_view to_string(Layer layer) noexcept {
    switch (layer) {
        case Layer::grids: return "grids";
        case Layer::households: return "households";
        case Layer::facilities: return "facilities";
        case Layer::incidents: return "incidents";
        case Layer::heat: return "heat";
    }
    return "grids";
}

std::optional<Layer> parse_layer(std::string_view name) noexcept {
    for (const Layer layer : all_layers) {
        if (to_string(layer) == name) return layer;
    }
    return std::nullopt;
}

std::span<const VectorLayerSchema> vector_layers(Layer layer) noexcept {
    switch (layer) {
        case Layer::grids: return grid_layers;
        case Layer::households: return household_layers;
        case Layer::facilities: return facility_layers;
        case Layer::incidents: return incident_layers;
        case Layer::heat: return heat_layers;
    }
    return grid_layers;
}

int layer_max_zoom(Layer layer) noexcept {
    if (layer == Layer::grids) return GridShapes::detail_zoom;
    if (layer == Layer::heat) return HeatIndex::max_level - HeatIndex::cell_shift;
    return 18;
}

geo::Point label_point(const geo::Polygon& polygon) noexcept {
    if (polygon.rings.empty() || polygon.rings.front().empty()) return {};
    const geo::Box box = geo::bounds(polygon);
    const double y = (box.min_y + box.max_y) / 2.0;
    std::vector<double> crossings;
    for (const geo::Ring& ring : polygon.rings) {
        for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
            const geo::Point& a = ring[i];
            const geo::Point& b = ring[i + 1];
            if ((a.y > y) != (b.y > y)) crossings.push_back(a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y));
        }
    }
    std::sort(crossings.begin(), crossings.end());
    double best_width = -1.0;
    geo::Point best = polygon.rings.front().front();
    for (std::size_t i = 0; i + 1 < crossings.size(); i += 2) {
        if (crossings[i + 1] - crossings[i] > best_width) {
            best_width = crossings[i + 1] - crossings[i];
            best = {(crossings[i] + crossings[i + 1]) / 2.0, y};
        }
    }
    return best;
}

TileIndex::GridLayer::GridLayer(const model::Snapshot& snapshot) : shapes(snapshot.current_grids()) {
    for (const model::Grid* grid : snapshot.current_grids()) {
        const geo::Polygon* largest = nullptr;
        for (const geo::Polygon& polygon : grid->geometry.polygons) {
            if (polygon.rings.empty()) continue;
            if (!largest || std::abs(geo::signed_area(polygon.rings.front())) >
                                std::abs(geo::signed_area(largest->rings.front()))) {
                largest = &polygon;
            }
        }
        labels.push_back(lonlat_to_world(largest ? label_point(*largest) : geo::Point{}));
        std::vector<std::string> names;
        for (const model::GridStaff& link : snapshot.staff_of(grid->code)) names.push_back(link.staff->name);
        staff.push_back(join(names, "、"));
        ids.push_back(numeric_id(grid->code));
    }
}

TileIndex::TileIndex(const model::Snapshot& snapshot) : snapshot_(&snapshot) { build_all(); }

void TileIndex::build_all() {
    const model::Snapshot& snapshot = *snapshot_;
    // The grid layer is built on a thread of its own meanwhile; each side sets members of its own.
    std::future<void> grids = std::async(std::launch::async, [this, &snapshot] {
        grids_ = std::make_shared<const GridLayer>(snapshot);
        grid_households_ = std::make_shared<const std::vector<std::int64_t>>(household_counts(snapshot));
    });
    points_ = model::LiveIndexes<PointLayers>(snapshot.data(), snapshot.rebuild_after());
    grids.get();  // rethrows its failure
}

TileIndex::PointLayers TileIndex::PointLayers::build(const model::Tables& rows) { return make(rows, nullptr); }

TileIndex::PointLayers TileIndex::PointLayers::rebuild(const model::Tables& rows) const { return make(rows, this); }

TileIndex::PointLayers TileIndex::PointLayers::make(const model::Tables& rows, const PointLayers* kept) {
    using model::kept_or_built;
    // The heat pyramid and the incidents' points, each about as much work as
    // the rest, are built on threads of their own meanwhile.
    std::future<HeatIndex> heat = std::async(std::launch::async, [&rows, kept] {
        return kept_or_built(kept, &PointLayers::heat, [&] { return HeatIndex(rows.incidents); });
    });
    std::future<PointIndex> incidents = std::async(std::launch::async, [&rows, kept] {
        return kept_or_built(kept, &PointLayers::incidents, [&] { return index_points(rows.incidents); });
    });
    PointLayers layers{
        kept_or_built(kept, &PointLayers::households, [&] { return index_points(rows.households); }),
        kept_or_built(kept, &PointLayers::facilities, [&] { return index_points(rows.facilities); }),
        PointIndex(), HeatIndex(),
        kept_or_built(kept, &PointLayers::histories,
                      [&] { return workflow::IncidentHistories::for_clocks(rows.incident_events); })};
    layers.incidents = incidents.get();  // rethrows its failure
    layers.heat = heat.get();
    return layers;
}

namespace {

/// The point index after the rows at `changed` positions were written.
template <class Row>
PointIndex next_points(const PointIndex& index, const model::Table<Row>& before, const model::Table<Row>& after,
                       std::span<const std::size_t> changed) {
    if (changed.empty()) return index;
    std::vector<PointIndex::Move> moves;
    moves.reserve(changed.size());
    for (const std::size_t position : changed) {
        PointIndex::Move move{static_cast<std::uint32_t>(position), std::nullopt, std::nullopt};
        if (position < before.size() && drawn(before[position])) move.before = before[position].location;
        if (drawn(after[position])) move.after = after[position].location;
        moves.push_back(move);
    }
    return index.next(moves);
}

}  // namespace

TileIndex::PointLayers TileIndex::PointLayers::next(const model::Tables& before, const model::Tables& after,
                                                    const model::Changes& changes) const {
    PointLayers layers{next_points(households, before.households, after.households, changes.households),
                       next_points(facilities, before.facilities, after.facilities, changes.facilities),
                       next_points(incidents, before.incidents, after.incidents, changes.incidents), heat,
                       histories};
    if (!changes.incidents.empty()) {
        std::vector<HeatIndex::Change> heat_changes;
        heat_changes.reserve(changes.incidents.size());
        for (const std::size_t position : changes.incidents) {
            heat_changes.push_back({static_cast<std::uint32_t>(position),
                                    position < before.incidents.size() ? &before.incidents[position] : nullptr,
                                    &after.incidents[position]});
        }
        layers.heat = heat.next(heat_changes);
    }
    if (changes.events_before < after.incident_events.size()) {
        std::vector<model::IncidentEvent> appended(
            after.incident_events.begin() + static_cast<std::ptrdiff_t>(changes.events_before),
            after.incident_events.end());
        layers.histories = histories.with(appended);
    }
    return layers;
}

std::size_t TileIndex::PointLayers::overlay_size() const noexcept {
    return std::max({households.overlay_size(), facilities.overlay_size(), incidents.overlay_size(),
                     heat.overlay_size(), histories.overlay_size()});
}

TileIndex::TileIndex(const model::Snapshot& snapshot, const TileIndex& previous) : snapshot_(&snapshot) {
    const model::Changes& changes = snapshot.changes();
    if (changes.rebuilt || changes.from_version != previous.version()) {
        build_all();
        return;
    }
    // Grid tiles name the grid's staff.
    grids_ = changes.layout || changes.staff ? std::make_shared<const GridLayer>(snapshot) : previous.grids_;
    grid_households_ = changes.layout || !changes.households.empty()
                           ? std::make_shared<const std::vector<std::int64_t>>(household_counts(snapshot))
                           : previous.grid_households_;
    points_ = previous.points_.next(previous.snapshot().data(), snapshot.data(), changes);
}

std::string TileIndex::render(const TileQuery& query) const {
    std::string out;
    switch (query.layer) {
        case Layer::grids: render_grids(query.tile, out); break;
        case Layer::households: render_households(query, out); break;
        case Layer::facilities: render_facilities(query.tile, out); break;
        case Layer::incidents: render_incidents(query.tile, query.now, out); break;
        case Layer::heat: render_heat(query.tile, query.heat, out); break;
    }
    return out;
}

void TileIndex::render_grids(const TileId& tile, std::string& out) const {
    LayerBuilder polygons(grid_layers[0].id, grid_fields);
    LayerBuilder labels(grid_layers[1].id, label_fields);
    const TileTransform transform(tile);
    std::vector<std::size_t> candidates;
    snapshot_->grid_index().query(tile_lonlat_box(tile, tile_buffer), [&](std::size_t i) {
        candidates.push_back(i);
        return true;
    });
    std::sort(candidates.begin(), candidates.end());
    polygons.reserve_values(candidates.size() * std::size(grid_fields));  // an upper bound

    std::vector<geo::Point> ring;
    RingClipper clipper(buffered_pixels);
    std::vector<PixelRing> rings;  // the first `used` hold the current grid's rings
    std::size_t used = 0;
    const auto grids = snapshot_->current_grids();
    const GridLayer& layer = *grids_;
    const std::vector<std::int64_t>& households = *grid_households_;
    for (const std::size_t i : candidates) {
        const model::Grid& grid = *grids[i];
        used = 0;
        for (std::size_t p = 0; p < layer.shapes.polygon_count(i); ++p) {
            for (std::size_t r = 0; r < layer.shapes.ring_count(i, p); ++r) {
                layer.shapes.ring(i, p, r, transform, tile.z, ring);
                if (used == rings.size()) rings.emplace_back();
                PixelRing& pixels = rings[used];
                snap_ring(clipper.clip(ring), pixels);
                if (pixels.empty()) {
                    if (r == 0) break;  // no exterior, no polygon
                    continue;
                }
                // MVT: exterior rings clockwise on screen (positive area), holes the other way.
                if ((r == 0) != (twice_signed_area(pixels) > 0)) std::reverse(pixels.begin(), pixels.end());
                ++used;
            }
        }
        const std::string_view level = model::to_string(grid.level);
        if (used > 0) {
            std::array<Property, std::size(grid_fields)> properties{
                {{grid_code, grid.code}, {grid_name, grid.name}, {grid_level, level}, {grid_households, households[i]}}};
            std::size_t count = 4;
            if (!grid.parent_code.empty()) properties[count++] = {grid_parent, grid.parent_code};
            if (!layer.staff[i].empty()) properties[count++] = {grid_staff, std::string_view(layer.staff[i])};
            if (grid.dedicated()) properties[count++] = {grid_purpose, grid.purpose};
            polygons.add_polygon(std::span(rings.data(), used), std::span(properties.data(), count), layer.ids[i]);
        }
        const geo::Point label = transform.to_pixel(layer.labels[i]);
        if (in_buffered_tile(label, tile_extent, tile_buffer)) {
            const Property properties[] = {{0, grid.code}, {1, grid.name}, {2, level}};
            labels.add_point(snap(label), properties, layer.ids[i]);
        }
    }
    polygons.append_to(out);
    labels.append_to(out);
}

void TileIndex::render_households(const TileQuery& query, std::string& out) const {
    LayerBuilder layer(household_layers[0].id, household_fields);
    const TileTransform transform(query.tile);
    const auto& households = snapshot_->data().households;
    std::string tags;
    visit_rows(points_->households, query.tile, household_detail_zoom, households,
               [&](const model::Household& household, std::size_t count, const geo::Point& world) {
        // All five set, the tags to a stand-in: leaving one to value-initialisation
        // zeroed the array with a slow `rep stos` per feature.
        Property properties[] = {{household_grid, household.grid_code},
                                 {household_compound, household.compound},
                                 {household_building, household.building},
                                 {household_count, static_cast<std::int64_t>(count)},
                                 {household_tags, std::string_view()}};
        std::size_t used = 4;
        if (!household.tags.empty() && (query.include_tags || (query.show_tags && query.show_tags(household)))) {
            tags = join(household.tags, ",");
            properties[used++] = {household_tags, std::string_view(tags)};
        }
        layer.add_point(snap(transform.to_pixel(world)), std::span(properties, used), positive_id(household.id));
    });
    layer.append_to(out);
}

void TileIndex::render_facilities(const TileId& tile, std::string& out) const {
    LayerBuilder layer(facility_layers[0].id, facility_fields);
    const TileTransform transform(tile);
    const auto& facilities = snapshot_->data().facilities;
    visit_rows(points_->facilities, tile, facility_detail_zoom, facilities,
               [&](const model::Facility& facility, std::size_t count, const geo::Point& world) {
        Property properties[6] = {{facility_kind, facility.kind},
                                  {facility_name, facility.name},
                                  {facility_grid, facility.grid_code},
                                  {facility_count, static_cast<std::int64_t>(count)}};
        std::size_t used = 4;
        if (const auto category = model::organisation_category(facility.kind)) {
            properties[used++] = {facility_category, *category};
        }
        if (!facility.compound.empty()) properties[used++] = {facility_compound, std::string_view(facility.compound)};
        layer.add_point(snap(transform.to_pixel(world)), std::span(properties, used), positive_id(facility.id));
    });
    layer.append_to(out);
}

void TileIndex::render_incidents(const TileId& tile, model::Timestamp now, std::string& out) const {
    LayerBuilder layer(incident_layers[0].id, incident_fields);
    const TileTransform transform(tile);
    const auto& incidents = snapshot_->data().incidents;
    visit_rows(points_->incidents, tile, incident_detail_zoom, incidents,
               [&](const model::Incident& incident, std::size_t count, const geo::Point& world) {
        std::array<Property, std::size(incident_fields)> properties{{{incident_category, incident.category},
                                                                     {incident_state, incident.state},
                                                                     {incident_triage, incident.triage},
                                                                     {incident_grid, incident.grid_code},
                                                                     {incident_count, static_cast<std::int64_t>(count)}}};
        std::size_t used = 5;
        if (const auto clock = workflow::clock_at(incident, points_->histories.of(incident.id), now)) {
            properties[used++] = {incident_light, workflow::to_string(clock->light())};
        }
        layer.add_point(snap(transform.to_pixel(world)), std::span(properties.data(), used), positive_id(incident.id));
    });
    layer.append_to(out);
}

void TileIndex::render_heat(const TileId& tile, const HeatFilter& filter, std::string& out) const {
    LayerBuilder layer(heat_layers[0].id, heat_fields);
    const TileTransform transform(tile);
    for (const HeatCell& cell : points_->heat.cells(tile, filter)) {
        const double size = std::ldexp(1.0, -cell.level);
        const geo::Point centre{(cell.column + 0.5) * size, (cell.row + 0.5) * size};
        const Property properties[] = {{0, std::int64_t{cell.count}}};
        layer.add_point(snap(transform.to_pixel(centre)), properties);
    }
    layer.append_to(out);
}

nlohmann::json TileIndex::tilejson(Layer layer, std::string_view tiles_url) const {
    nlohmann::json layers = nlohmann::json::array();
    for (const VectorLayerSchema& schema : vector_layers(layer)) {
        nlohmann::json fields = nlohmann::json::object();
        for (const FieldSpec& field : schema.fields) fields[std::string(field.name)] = field.type;
        layers.push_back({{"id", schema.id}, {"description", schema.description}, {"fields", fields}});
    }
    geo::Box box = snapshot_->extent();
    if (box.empty()) box = {-180.0, -max_latitude, 180.0, max_latitude};
    return {{"tilejson", "3.0.0"},
            {"name", to_string(layer)},
            {"version", std::to_string(version()) + ".0.0"},
            {"scheme", "xyz"},
            {"tiles", {tiles_url}},
            {"minzoom", 0},
            {"maxzoom", layer_max_zoom(layer)},
            {"bounds", {box.min_x, box.min_y, box.max_x, box.max_y}},
            {"center", {(box.min_x + box.max_x) / 2.0, (box.min_y + box.max_y) / 2.0, 12}},
            {"vector_layers", layers}};
}

}  // namespace wangge::tiles
