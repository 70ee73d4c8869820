#pragma once
// Local metric projection for areas, lengths and tolerances in metres, and
// transforms to the EPSG CRSs clients ask for (OGC API Features Part 2).

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

#include "wangge/error.hpp"
#include "wangge/geo/types.hpp"

namespace wangge::geo {

class ProjectionError : public Error {
public:
    using Error::Error;
};

/// Transverse Mercator on the CGCS2000 ellipsoid centred on a lon/lat extent,
/// built by PROJ. Within a district the scale error stays below 1e-5, so areas
/// and distances in metres are as good as the survey data.
///
/// Thread safety: not thread-safe (it owns a PJ_CONTEXT); use one per thread.
class LocalProjection {
public:
    explicit LocalProjection(const Box& lonlat_extent);
    ~LocalProjection();
    LocalProjection(LocalProjection&&) noexcept;
    LocalProjection& operator=(LocalProjection&&) noexcept;
    LocalProjection(const LocalProjection&) = delete;
    LocalProjection& operator=(const LocalProjection&) = delete;

    [[nodiscard]] Point forward(const Point& lonlat) const;
    [[nodiscard]] Point inverse(const Point& metres) const;
    void forward(std::span<Point> points) const;
    void inverse(std::span<Point> points) const;
    [[nodiscard]] MultiPolygon forward(const MultiPolygon& lonlat) const;
    [[nodiscard]] MultiPolygon inverse(const MultiPolygon& metres) const;

    /// The PROJ string of the projected CRS, for reports and logs.
    [[nodiscard]] const std::string& definition() const noexcept { return definition_; }

private:
    struct Handles;
    std::unique_ptr<Handles> handles_;
    std::string definition_;
};

/// From stored lon/lat (EPSG:4490 with the longitude first, as everywhere in
/// wangge) to EPSG:`epsg` in that CRS's own axis order, as OGC API Features
/// Part 2 wants: EPSG:4490 gives lat/lon, the CGCS2000 Gauss–Krüger zones
/// northing/easting, EPSG:3857 easting/northing. CGCS2000 is taken as equal to
/// WGS 84 (PROJ's ballpark step), as the tiles do.
///
/// Thread safety: not thread-safe (it owns a PJ_CONTEXT); use one per thread.
class CrsTransform {
public:
    /// Throws ProjectionError when PROJ knows no such CRS.
    explicit CrsTransform(int epsg);
    /// The transform of a pipeline() of another CrsTransform: no search of
    /// PROJ's database, so it takes microseconds instead of up to 250 ms.
    [[nodiscard]] static CrsTransform from_pipeline(const std::string& pipeline);
    ~CrsTransform();
    CrsTransform(CrsTransform&&) noexcept;
    CrsTransform& operator=(CrsTransform&&) noexcept;
    CrsTransform(const CrsTransform&) = delete;
    CrsTransform& operator=(const CrsTransform&) = delete;

    void forward(std::span<Point> lonlat) const;
    void inverse(std::span<Point> target) const;
    [[nodiscard]] Point forward(const Point& lonlat) const;
    /// The lon/lat bounds of a box given in the target CRS's axis order, its
    /// edges sampled so that a box bent by the projection is still covered.
    [[nodiscard]] Box inverse(const Box& target) const;
    /// The operation as a PROJ pipeline string; empty when PROJ cannot write it as one.
    [[nodiscard]] std::string pipeline() const;

private:
    struct Handles;
    explicit CrsTransform(std::unique_ptr<Handles> handles);
    std::unique_ptr<Handles> handles_;
};

/// Transforms to EPSG codes, each code's operation looked up in PROJ's
/// database once (EPSG:3857 from CGCS2000 takes 250 ms to find) and kept as a
/// pipeline string from which every later transform is made.
///
/// Thread safety: thread-safe; each transform it returns belongs to one thread.
class CrsPipelines {
public:
    /// Throws ProjectionError when PROJ knows no such CRS.
    [[nodiscard]] CrsTransform transform(int epsg);

private:
    std::mutex mutex_;
    std::unordered_map<int, std::string> pipelines_;
};

}  // namespace wangge::geo
