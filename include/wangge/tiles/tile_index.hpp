#pragma once
// Vector tiles of one Snapshot: grids, households, facilities, incidents and
// incident heat, encoded as MVT 2.1 (extent 4096, buffer 64).
//
// Built once per snapshot (register it with http::State::derive): grid
// polygons become shared, per-zoom simplified arcs in Web Mercator
// (grid_shapes.hpp), points are sorted along a Morton curve (point_index.hpp)
// and incidents are counted per cell and time (heat_index.hpp), so a tile
// costs work proportional to what it shows, never a scan of the dataset.
//
// Per-tile limits: point layers are clustered into 64-pixel cells below their
// detail zoom (households 14, facilities 13, incidents 14): at most 4356
// features per tile, each with point_count. Heat tiles hold at most 66×66 =
// 4356 cells. Grid tiles hold the grids that touch the tile, simplified to
// 2 px (of 4096) below zoom 18.
//
// Privacy: household features carry address parts down to the building and
// the grid code; special-group tags only with include_tags or for the
// households show_tags accepts; names, ID numbers and phones never.
//
// Thread safety: immutable after construction; render() may run on any number
// of threads at once. The Snapshot must outlive the TileIndex.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/model/snapshot.hpp"
#include "wangge/tiles/grid_shapes.hpp"
#include "wangge/tiles/heat_index.hpp"
#include "wangge/tiles/mvt_writer.hpp"
#include "wangge/tiles/point_index.hpp"
#include "wangge/tiles/tile_math.hpp"
#include "wangge/workflow/history.hpp"

namespace wangge::tiles {

enum class Layer { grids, households, facilities, incidents, heat };

/// Every layer, in enum order: a layer's position (layer_index) indexes per-layer arrays.
inline constexpr Layer all_layers[] = {Layer::grids, Layer::households, Layer::facilities, Layer::incidents,
                                       Layer::heat};
inline constexpr std::size_t layer_count = std::size(all_layers);
[[nodiscard]] constexpr std::size_t layer_index(Layer layer) noexcept { return static_cast<std::size_t>(layer); }

/// "grids", "households", "facilities", "incidents", "heat".
[[nodiscard]] std::string_view to_string(Layer layer) noexcept;
[[nodiscard]] std::optional<Layer> parse_layer(std::string_view name) noexcept;

/// One MVT layer a tile set contains, with its attributes (for TileJSON).
struct VectorLayerSchema {
    std::string_view id;
    std::string_view description;
    std::span<const FieldSpec> fields;
};

/// The MVT layers of a tile set ("grids" has two: grids and grid_labels).
[[nodiscard]] std::span<const VectorLayerSchema> vector_layers(Layer layer) noexcept;
/// The zoom from which a layer's tiles stop gaining detail (TileJSON maxzoom).
[[nodiscard]] int layer_max_zoom(Layer layer) noexcept;

struct TileQuery {
    Layer layer = Layer::grids;
    TileId tile;
    /// Households only: add special-group tags (the caller checked the right to see them).
    bool include_tags = false;
    /// Households only: without include_tags, add the tags of each household
    /// this accepts (called for the households with tags that the tile shows,
    /// on the rendering thread: the caller's right per grid, and its audit log).
    std::function<bool(const model::Household&)> show_tags;
    /// Incidents only: the time the deadline lights (workflow/deadlines.hpp) are computed for.
    model::Timestamp now = 0;
    /// Heat only.
    HeatFilter heat;
};

struct TileChanges;

class TileIndex {
public:
    explicit TileIndex(const model::Snapshot& snapshot);
    /// The index of `snapshot` given the index of an earlier version: when
    /// `snapshot` was edited from that version (Snapshot::changes()), it shares
    /// every part the edit did not touch and updates the others by the changed
    /// rows (an incident write costs microseconds, not a rebuild); otherwise it
    /// is built anew. Renders exactly what TileIndex(snapshot) would.
    TileIndex(const model::Snapshot& snapshot, const TileIndex& previous);

    [[nodiscard]] const model::Snapshot& snapshot() const noexcept { return *snapshot_; }
    [[nodiscard]] std::uint64_t version() const noexcept { return snapshot_->version(); }

    /// Blocks until a background rebuild of the point layers, if one runs, is
    /// done, so the next version adopts it (tests use it to be deterministic).
    void wait_for_rebuild() const { points_.wait_for_rebuild(); }

    /// The uncompressed MVT bytes of one tile (empty when nothing is in it).
    [[nodiscard]] std::string render(const TileQuery& query) const;

    /// TileJSON 3.0 for a layer; `tiles_url` is the {z}/{x}/{y} URL template.
    [[nodiscard]] nlohmann::json tilejson(Layer layer, std::string_view tiles_url) const;

private:
    /// Compare what two indexes render (tile_changes.hpp).
    friend TileChanges changed_areas(const TileIndex& before, const TileIndex& after);
    friend void changed_grids(const TileIndex& before, const TileIndex& after, std::vector<geo::Box>& grid_boxes);

    /// What the grid tiles of one layout show, shared by the versions until the next publish.
    struct GridLayer {
        explicit GridLayer(const model::Snapshot& snapshot);
        GridShapes shapes;
        std::vector<geo::Point> labels;                 // world position of each current grid's label
        std::vector<std::string> staff;                 // staff names of each current grid, A岗 first
        std::vector<std::optional<std::uint64_t>> ids;  // feature id of each current grid (numeric codes only)
    };

    /// The point layers, updated from each version's delta and rebuilt in
    /// the background once their overlays grow (model/live_indexes.hpp).
    struct PointLayers {
        static PointLayers build(const model::Tables& rows);
        [[nodiscard]] PointLayers rebuild(const model::Tables& rows) const;
        [[nodiscard]] PointLayers next(const model::Tables& before, const model::Tables& after,
                                       const model::Changes& changes) const;
        [[nodiscard]] std::size_t overlay_size() const noexcept;

        PointIndex households;
        PointIndex facilities;
        PointIndex incidents;
        HeatIndex heat;
        workflow::IncidentHistories histories;  // for the deadline clocks

    private:
        /// build() when `kept` is null, else rebuild() of `kept`.
        static PointLayers make(const model::Tables& rows, const PointLayers* kept);
    };

    void build_all();

    void render_grids(const TileId& tile, std::string& out) const;
    void render_households(const TileQuery& query, std::string& out) const;
    void render_facilities(const TileId& tile, std::string& out) const;
    void render_incidents(const TileId& tile, model::Timestamp now, std::string& out) const;
    void render_heat(const TileId& tile, const HeatFilter& filter, std::string& out) const;

    const model::Snapshot* snapshot_;
    std::shared_ptr<const GridLayer> grids_;
    /// Households in each current grid and its descendants.
    std::shared_ptr<const std::vector<std::int64_t>> grid_households_;
    model::LiveIndexes<PointLayers> points_;
};

/// A point well inside a polygon for its label: the middle of the widest
/// stretch inside the polygon on the horizontal line through the middle of its
/// bounding box. Works in any planar coordinates; empty polygon → (0, 0).
[[nodiscard]] geo::Point label_point(const geo::Polygon& polygon) noexcept;

}  // namespace wangge::tiles
