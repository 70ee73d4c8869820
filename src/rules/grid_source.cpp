#include "wangge/rules/grid_source.hpp"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "wangge/geo/geojson.hpp"

namespace wangge::rules {

namespace {

struct DatasetCloser {
    void operator()(void* dataset) const noexcept { GDALClose(dataset); }
};
struct FeatureDestroyer {
    void operator()(OGRFeatureH feature) const noexcept { OGR_F_Destroy(feature); }
};
struct SpatialReferenceReleaser {
    void operator()(OGRSpatialReferenceH srs) const noexcept { OSRRelease(srs); }
};
struct TransformDestroyer {
    void operator()(OGRCoordinateTransformationH transform) const noexcept { OCTDestroyCoordinateTransformation(transform); }
};
using Dataset = std::unique_ptr<void, DatasetCloser>;
using Feature = std::unique_ptr<std::remove_pointer_t<OGRFeatureH>, FeatureDestroyer>;
using SpatialReference = std::unique_ptr<std::remove_pointer_t<OGRSpatialReferenceH>, SpatialReferenceReleaser>;
using Transform = std::unique_ptr<std::remove_pointer_t<OGRCoordinateTransformationH>, TransformDestroyer>;

/// GDAL's error handler stack is per thread; keep GDAL from printing while we read.
class QuietGdal {
public:
    QuietGdal() { CPLPushErrorHandler(CPLQuietErrorHandler); }
    ~QuietGdal() { CPLPopErrorHandler(); }
    QuietGdal(const QuietGdal&) = delete;
    QuietGdal& operator=(const QuietGdal&) = delete;
};

std::string last_gdal_error() {
    const char* message = CPLGetLastErrorMsg();
    return message != nullptr && *message != '\0' ? message : "unknown GDAL error";
}

std::string text_field(OGRFeatureH feature, const char* name) {
    const int index = OGR_F_GetFieldIndex(feature, name);
    if (index < 0 || !OGR_F_IsFieldSetAndNotNull(feature, index)) return {};
    return OGR_F_GetFieldAsString(feature, index);
}

geo::Ring ring_of(OGRGeometryH ring) {
    const int count = OGR_G_GetPointCount(ring);
    geo::Ring points(static_cast<std::size_t>(count));
    if (count > 0) {
        OGR_G_GetPoints(ring, &points.front().x, sizeof(geo::Point), &points.front().y, sizeof(geo::Point), nullptr, 0);
    }
    return points;
}

geo::Polygon polygon_of(OGRGeometryH polygon) {
    geo::Polygon out;
    const int rings = OGR_G_GetGeometryCount(polygon);
    for (int r = 0; r < rings; ++r) out.rings.push_back(ring_of(OGR_G_GetGeometryRef(polygon, r)));
    return out;
}

geo::MultiPolygon polygons_of(OGRGeometryH geometry, const std::string& where) {
    geo::MultiPolygon out;
    if (geometry == nullptr) throw GridSourceError(where + " has no geometry");
    switch (wkbFlatten(OGR_G_GetGeometryType(geometry))) {
        case wkbPolygon:
            if (!OGR_G_IsEmpty(geometry)) out.polygons.push_back(polygon_of(geometry));
            break;
        case wkbMultiPolygon:
            for (int i = 0; i < OGR_G_GetGeometryCount(geometry); ++i) {
                out.polygons.push_back(polygon_of(OGR_G_GetGeometryRef(geometry, i)));
            }
            break;
        default:
            throw GridSourceError(where + " is a " + OGR_G_GetGeometryName(geometry) + ", not a polygon");
    }
    return out;
}

/// A transform to lon/lat for projected layers; none when already geographic.
Transform lonlat_transform(OGRLayerH layer) {
    OGRSpatialReferenceH source = OGR_L_GetSpatialRef(layer);
    if (source == nullptr || OSRIsGeographic(source)) return nullptr;
    SpatialReference target(OSRNewSpatialReference(nullptr));
    if (OSRImportFromEPSG(target.get(), 4490) != OGRERR_NONE) throw GridSourceError("EPSG:4490 is unknown to PROJ");
    OSRSetAxisMappingStrategy(target.get(), OAMS_TRADITIONAL_GIS_ORDER);
    SpatialReference source_copy(OSRClone(source));
    OSRSetAxisMappingStrategy(source_copy.get(), OAMS_TRADITIONAL_GIS_ORDER);
    Transform transform(OCTNewCoordinateTransformation(source_copy.get(), target.get()));
    if (!transform) throw GridSourceError("cannot transform the layer's CRS to lon/lat: " + last_gdal_error());
    return transform;
}

/// Households, residents and buildings per grid code, when the source has a
/// households layer with a grid_code field (members, compound and building
/// are each used when present).
void read_household_facts(void* dataset, GridFile& file) {
    OGRLayerH layer = GDALDatasetGetLayerByName(dataset, "households");
    if (layer == nullptr) return;
    OGRFeatureDefnH definition = OGR_L_GetLayerDefn(layer);
    const int field = OGR_FD_GetFieldIndex(definition, "grid_code");
    if (field < 0) return;
    const int members = OGR_FD_GetFieldIndex(definition, "members");
    const int compound = OGR_FD_GetFieldIndex(definition, "compound");
    const int building = OGR_FD_GetFieldIndex(definition, "building");
    // Households that moved out stay in a store for their history; they are not counted.
    const int moved_out = OGR_FD_GetFieldIndex(definition, "moved_out");
    const auto text = [](OGRFeatureH feature, int index) {
        return index >= 0 && OGR_F_IsFieldSetAndNotNull(feature, index) ? std::string(OGR_F_GetFieldAsString(feature, index))
                                                                       : std::string();
    };
    std::unordered_map<std::string, int> counts;
    std::unordered_map<std::string, int> residents;
    std::unordered_map<std::string, std::set<Building>> buildings;
    OGR_L_ResetReading(layer);
    while (Feature feature{OGR_L_GetNextFeature(layer)}) {
        if (!OGR_F_IsFieldSetAndNotNull(feature.get(), field)) continue;
        if (moved_out >= 0 && OGR_F_IsFieldSetAndNotNull(feature.get(), moved_out)) continue;
        const std::string code = OGR_F_GetFieldAsString(feature.get(), field);
        ++counts[code];
        if (members >= 0) residents[code] += OGR_F_GetFieldAsInteger(feature.get(), members);
        if (std::string name = text(feature.get(), compound); !name.empty()) {
            buildings[code].insert(Building{std::move(name), text(feature.get(), building)});
        }
    }
    file.households = std::move(counts);
    if (members >= 0) file.residents = std::move(residents);
    if (compound >= 0) {
        file.buildings.emplace();
        for (auto& [code, set] : buildings) (*file.buildings)[code].assign(set.begin(), set.end());
    }
}

/// A岗 links per grid code, when the source has a staff_grids layer with rows
/// (a store that manages staffing).
std::optional<std::unordered_map<std::string, int>> primary_staff_counts(void* dataset) {
    OGRLayerH layer = GDALDatasetGetLayerByName(dataset, "staff_grids");
    if (layer == nullptr) return std::nullopt;
    OGRFeatureDefnH definition = OGR_L_GetLayerDefn(layer);
    const int code = OGR_FD_GetFieldIndex(definition, "grid_code");
    const int duty = OGR_FD_GetFieldIndex(definition, "duty");
    if (code < 0 || duty < 0) return std::nullopt;
    std::unordered_map<std::string, int> counts;
    bool any = false;
    OGR_L_ResetReading(layer);
    while (Feature feature{OGR_L_GetNextFeature(layer)}) {
        any = true;
        if (std::string_view(OGR_F_GetFieldAsString(feature.get(), duty)) == "A") {
            ++counts[OGR_F_GetFieldAsString(feature.get(), code)];
        }
    }
    if (!any) return std::nullopt;
    return counts;
}

std::string property_text(const nlohmann::json& properties, const char* name, const std::string& where) {
    const auto found = properties.find(name);
    if (found == properties.end() || found->is_null()) return {};
    if (found->is_string()) return found->get<std::string>();
    if (found->is_number_integer()) return std::to_string(found->get<std::int64_t>());
    throw GridSourceError(where + ": property '" + name + "' must be a string");
}

}  // namespace

model::GridLevel grid_level(std::string_view text, std::string_view code, std::string_view where) {
    if (text.empty()) {
        switch (code.size()) {
            case 9: return model::GridLevel::street;
            case 12: return model::GridLevel::community;
            case 18: return model::GridLevel::subgrid;
            default: return model::GridLevel::grid;
        }
    }
    const auto level = model::parse_grid_level(text);
    if (!level) {
        throw GridSourceError(std::string(where) + ": level '" + std::string(text) +
                              "' is not street, community, grid, subgrid or dedicated");
    }
    return *level;
}

std::vector<model::Grid> grids_from_geojson(const nlohmann::json& collection, const FeatureLimits& limits) {
    if (!geo::has_type(collection, "FeatureCollection")) {
        throw GridSourceError("the body must be a GeoJSON FeatureCollection");
    }
    if (!collection.contains("features") || !collection["features"].is_array()) {
        throw GridSourceError("the FeatureCollection has no 'features' array");
    }
    const nlohmann::json& features = collection["features"];
    if (features.size() > limits.max_features) {
        throw TooLargeError(std::to_string(features.size()) + " features exceed the limit of " +
                            std::to_string(limits.max_features));
    }
    std::vector<model::Grid> grids;
    grids.reserve(features.size());
    std::size_t vertices = 0;
    for (std::size_t i = 0; i < features.size(); ++i) {
        const nlohmann::json& feature = features[i];
        std::string where = "feature " + std::to_string(i);
        if (!geo::has_type(feature, "Feature")) throw GridSourceError(where + " is not a Feature");
        const auto properties = feature.find("properties");
        if (properties == feature.end() || !properties->is_object()) throw GridSourceError(where + " has no properties");
        model::Grid grid;
        grid.code = property_text(*properties, "code", where);
        if (grid.code.empty()) throw GridSourceError(where + " has no code");
        where += " (code " + grid.code + ")";
        grid.name = property_text(*properties, "name", where);
        grid.parent_code = property_text(*properties, "parent_code", where);
        grid.level = grid_level(property_text(*properties, "level", where), grid.code, where);
        grid.purpose = property_text(*properties, "purpose", where);
        const auto geometry = feature.find("geometry");
        if (geometry == feature.end() || geometry->is_null()) throw GridSourceError(where + " has no geometry");
        const std::size_t remaining = limits.max_vertices - vertices;
        geo::GeoJsonLimits geometry_limits;
        geometry_limits.max_vertices = std::min(remaining, limits.max_vertices_per_feature);
        try {
            grid.geometry = geo::polygons_from_geojson(*geometry, geometry_limits);
        } catch (const geo::GeoJsonError& e) {
            if (std::string_view(e.what()).find("too many vertices") != std::string_view::npos) {
                throw TooLargeError(remaining <= limits.max_vertices_per_feature
                                        ? where + ": more than " + std::to_string(limits.max_vertices) + " vertices in all"
                                        : where + ": more than " + std::to_string(limits.max_vertices_per_feature) +
                                              " vertices in one grid");
            }
            throw GridSourceError(where + ": " + e.what());
        }
        vertices += geo::vertex_count(grid.geometry);
        grids.push_back(std::move(grid));
    }
    return grids;
}

GridFile read_grid_file(const std::filesystem::path& path, std::string_view layer_name) {
    GDALAllRegister();
    const QuietGdal quiet;
    const std::string name = path.string();
    Dataset dataset(GDALOpenEx(name.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, nullptr, nullptr, nullptr));
    if (!dataset) throw GridSourceError("cannot open " + name + ": " + last_gdal_error());
    OGRLayerH layer = nullptr;
    if (!layer_name.empty()) {
        layer = GDALDatasetGetLayerByName(dataset.get(), std::string(layer_name).c_str());
        if (layer == nullptr) throw GridSourceError(name + " has no layer '" + std::string(layer_name) + "'");
    } else {
        layer = GDALDatasetGetLayerByName(dataset.get(), "grids");
        if (layer == nullptr && GDALDatasetGetLayerCount(dataset.get()) > 0) layer = GDALDatasetGetLayer(dataset.get(), 0);
        if (layer == nullptr) throw GridSourceError(name + " has no vector layer");
    }
    const std::string layer_label = name + " layer " + OGR_L_GetName(layer);
    if (OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), "code") < 0) {
        throw GridSourceError(layer_label + " has no 'code' field");
    }
    const Transform transform = lonlat_transform(layer);

    GridFile file;
    OGR_L_ResetReading(layer);
    std::size_t row = 0;
    while (Feature feature{OGR_L_GetNextFeature(layer)}) {
        ++row;
        if (!text_field(feature.get(), "valid_to").empty()) continue;
        model::Grid grid;
        grid.code = text_field(feature.get(), "code");
        const std::string where = layer_label + " feature " + std::to_string(row) +
                                  (grid.code.empty() ? "" : " (code " + grid.code + ")");
        if (grid.code.empty()) throw GridSourceError(where + " has no code");
        grid.name = text_field(feature.get(), "name");
        grid.parent_code = text_field(feature.get(), "parent_code");
        grid.level = grid_level(text_field(feature.get(), "level"), grid.code, where);
        grid.purpose = text_field(feature.get(), "purpose");
        OGRGeometryH geometry = OGR_F_GetGeometryRef(feature.get());
        if (transform && geometry != nullptr && OGR_G_Transform(geometry, transform.get()) != OGRERR_NONE) {
            throw GridSourceError(where + ": cannot transform to lon/lat");
        }
        grid.geometry = polygons_of(geometry, where);
        file.grids.push_back(std::move(grid));
    }
    read_household_facts(dataset.get(), file);
    file.primary_staff = primary_staff_counts(dataset.get());
    return file;
}

}  // namespace wangge::rules
