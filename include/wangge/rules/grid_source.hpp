#pragma once
// Reads a grid layout from any OGR source (GeoJSON, GeoPackage such as a
// store's `grids` layer, Shapefile, FlatGeobuf…) for validation.
//
// Thread safety: reentrant; each call opens its own dataset.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "wangge/error.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/rules/validator.hpp"

namespace wangge::rules {

/// The source cannot be opened or a feature cannot be read; what() names it.
class GridSourceError : public InputError {
public:
    using InputError::InputError;
};

struct GridFile {
    std::vector<model::Grid> grids;
    /// Households per grid code, when the source also has a `households`
    /// layer with a grid_code field (as a store does).
    std::optional<std::unordered_map<std::string, int>> households;
    /// Residents (sum of members) per grid code, when that layer has a members field.
    std::optional<std::unordered_map<std::string, int>> residents;
    /// Buildings per grid code, when that layer has a compound field.
    std::optional<std::unordered_map<std::string, std::vector<Building>>> buildings;
    /// A岗 staff per grid code, when the source also has a `staff_grids` layer with rows.
    std::optional<std::unordered_map<std::string, int>> primary_staff;
};

/// Reads polygons with the properties code, name, level (street, community,
/// grid, subgrid; derived from the code length when absent) and parent_code.
/// `layer` empty: the layer named "grids" if there is one, else the first.
/// Rows with a valid_to (closed versions in a store) are skipped. Projected
/// sources are transformed to lon/lat.
[[nodiscard]] GridFile read_grid_file(const std::filesystem::path& path, std::string_view layer = {});

struct FeatureLimits {
    std::size_t max_features = 20'000;
    std::size_t max_vertices = 2'000'000;  ///< over all features
    /// A grid of a few hundred households never needs more; the cap bounds the
    /// time one polygon costs the rules (buffering a 1e6-vertex ring takes minutes).
    std::size_t max_vertices_per_feature = 100'000;
};

/// The same properties from a GeoJSON FeatureCollection (lon/lat). Throws
/// GridSourceError naming the feature for anything malformed, and
/// TooLargeError beyond `limits`.
[[nodiscard]] std::vector<model::Grid> grids_from_geojson(const nlohmann::json& collection,
                                                          const FeatureLimits& limits = {});

/// More features or vertices than the limits allow.
class TooLargeError : public GridSourceError {
public:
    using GridSourceError::GridSourceError;
};

/// The level named by `text`, or derived from the code length when `text` is
/// empty (9 street, 12 community, 15 grid, 18 sub-grid). Throws GridSourceError.
[[nodiscard]] model::GridLevel grid_level(std::string_view text, std::string_view code, std::string_view where);

}  // namespace wangge::rules
