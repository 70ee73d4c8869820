#pragma once
// Local metric projection for areas, lengths and tolerances in metres.

#include <memory>
#include <span>
#include <string>

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

}  // namespace wangge::geo
