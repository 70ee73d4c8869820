#include "gdal_mvt.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numbers>
#include <random>
#include <stdexcept>

#include <gdal.h>
#include <ogr_api.h>

namespace wangge::tiles::test {
namespace {

struct DatasetClose {
    void operator()(void* dataset) const noexcept { GDALClose(dataset); }
};
struct FeatureDestroy {
    void operator()(void* feature) const noexcept { OGR_F_Destroy(static_cast<OGRFeatureH>(feature)); }
};

/// Half the Web Mercator world width in metres.
constexpr double half_world = 6378137.0 * std::numbers::pi;

geo::Point to_pixel(const TileTransform& transform, double x, double y) {
    return transform.to_pixel({x / (2.0 * half_world) + 0.5, 0.5 - y / (2.0 * half_world)});
}

std::vector<geo::Point> ring_pixels(const TileTransform& transform, OGRGeometryH ring) {
    std::vector<geo::Point> points;
    for (int i = 0; i < OGR_G_GetPointCount(ring); ++i) {
        points.push_back(to_pixel(transform, OGR_G_GetX(ring, i), OGR_G_GetY(ring, i)));
    }
    return points;
}

std::vector<std::vector<geo::Point>> polygon_pixels(const TileTransform& transform, OGRGeometryH polygon) {
    std::vector<std::vector<geo::Point>> rings;
    for (int i = 0; i < OGR_G_GetGeometryCount(polygon); ++i) {
        rings.push_back(ring_pixels(transform, OGR_G_GetGeometryRef(polygon, i)));
    }
    return rings;
}

}  // namespace

std::vector<GdalFeature> decode_with_gdal(const std::string& bytes, const TileId& tile) {
    GDALAllRegister();
    std::random_device seed;
    const auto dir = std::filesystem::temp_directory_path() / ("wangge-tiles-" + std::to_string(seed()));
    std::filesystem::create_directories(dir);
    const auto path = dir / (std::to_string(tile.z) + "-" + std::to_string(tile.x) + "-" + std::to_string(tile.y) + ".pbf");
    std::ofstream(path, std::ios::binary) << bytes;

    std::vector<GdalFeature> features;
    {
        const char* options[] = {"CLIP=NO", nullptr};
        const std::string name = "MVT:" + path.string();
        const std::unique_ptr<void, DatasetClose> dataset(
            GDALOpenEx(name.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, options, nullptr));
        if (!dataset) throw std::runtime_error("GDAL cannot open " + name);
        const TileTransform transform(tile);
        for (int l = 0; l < GDALDatasetGetLayerCount(dataset.get()); ++l) {
            OGRLayerH layer = GDALDatasetGetLayer(dataset.get(), l);
            OGR_L_ResetReading(layer);
            while (const std::unique_ptr<void, FeatureDestroy> feature{OGR_L_GetNextFeature(layer)}) {
                GdalFeature out;
                out.layer = OGR_L_GetName(layer);
                out.fid = OGR_F_GetFID(feature.get());
                OGRFeatureDefnH definition = OGR_L_GetLayerDefn(layer);
                for (int f = 0; f < OGR_FD_GetFieldCount(definition); ++f) {
                    if (!OGR_F_IsFieldSetAndNotNull(feature.get(), f)) continue;
                    out.fields[OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(definition, f))] =
                        OGR_F_GetFieldAsString(feature.get(), f);
                }
                OGRGeometryH geometry = OGR_F_GetGeometryRef(feature.get());
                if (geometry) {
                    out.geometry_type = OGR_G_GetGeometryName(geometry);
                    const auto type = wkbFlatten(OGR_G_GetGeometryType(geometry));
                    if (type == wkbPoint) {
                        out.point = to_pixel(transform, OGR_G_GetX(geometry, 0), OGR_G_GetY(geometry, 0));
                    } else if (type == wkbPolygon) {
                        out.polygons.push_back(polygon_pixels(transform, geometry));
                    } else if (type == wkbLineString) {
                        out.lines.push_back(ring_pixels(transform, geometry));
                    } else if (type == wkbMultiLineString) {
                        for (int p = 0; p < OGR_G_GetGeometryCount(geometry); ++p) {
                            out.lines.push_back(ring_pixels(transform, OGR_G_GetGeometryRef(geometry, p)));
                        }
                    } else if (type == wkbMultiPolygon) {
                        for (int p = 0; p < OGR_G_GetGeometryCount(geometry); ++p) {
                            out.polygons.push_back(polygon_pixels(transform, OGR_G_GetGeometryRef(geometry, p)));
                        }
                    }
                }
                features.push_back(std::move(out));
            }
        }
    }
    std::filesystem::remove_all(dir);
    return features;
}

}  // namespace wangge::tiles::test
