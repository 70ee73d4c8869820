#include "wangge/geo/projection.hpp"

#include <proj.h>

#include <cmath>
#include <cstdio>

namespace wangge::geo {

struct ContextDeleter {
    void operator()(PJ_CONTEXT* ctx) const noexcept { proj_context_destroy(ctx); }
};
struct PjDeleter {
    void operator()(PJ* pj) const noexcept { proj_destroy(pj); }
};

struct LocalProjection::Handles {
    std::unique_ptr<PJ_CONTEXT, ContextDeleter> context;
    std::unique_ptr<PJ, PjDeleter> transform;
};

namespace {

void transform_points(PJ* pj, PJ_DIRECTION direction, std::span<Point> points) {
    if (points.empty()) return;
    // Point is two packed doubles, so PROJ can walk the array with a stride.
    const std::size_t moved = proj_trans_generic(pj, direction, &points[0].x, sizeof(Point), points.size(),
                                                 &points[0].y, sizeof(Point), points.size(), nullptr, 0, 0,
                                                 nullptr, 0, 0);
    if (moved != points.size()) throw ProjectionError("PROJ could not transform all points");
    for (const Point& p : points) {
        if (!std::isfinite(p.x) || !std::isfinite(p.y)) throw ProjectionError("PROJ returned a non-finite coordinate");
    }
}

MultiPolygon transformed(const LocalProjection& projection, const MultiPolygon& input, bool forward) {
    MultiPolygon output = input;
    for (Polygon& polygon : output.polygons) {
        for (Ring& ring : polygon.rings) {
            if (forward) {
                projection.forward(ring);
            } else {
                projection.inverse(ring);
            }
        }
    }
    return output;
}

}  // namespace

LocalProjection::LocalProjection(const Box& lonlat_extent) : handles_(std::make_unique<Handles>()) {
    if (lonlat_extent.empty() || !std::isfinite(lonlat_extent.min_x) || !std::isfinite(lonlat_extent.max_y)) {
        throw ProjectionError("cannot choose a local projection for an empty extent");
    }
    const double lon0 = (lonlat_extent.min_x + lonlat_extent.max_x) / 2.0;
    const double lat0 = (lonlat_extent.min_y + lonlat_extent.max_y) / 2.0;
    if (lon0 < -180.0 || lon0 > 180.0 || lat0 < -90.0 || lat0 > 90.0) {
        throw ProjectionError("extent is not in longitude/latitude degrees");
    }
    char target[160];
    std::snprintf(target, sizeof target, "+proj=tmerc +lat_0=%.9f +lon_0=%.9f +k=1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs",
                  lat0, lon0);
    definition_ = target;

    handles_->context.reset(proj_context_create());
    if (!handles_->context) throw ProjectionError("proj_context_create failed");
    PJ_CONTEXT* ctx = handles_->context.get();
    std::unique_ptr<PJ, PjDeleter> raw(proj_create_crs_to_crs(ctx, "EPSG:4490", target, nullptr));
    if (!raw) throw ProjectionError(std::string("PROJ: ") + proj_context_errno_string(ctx, proj_context_errno(ctx)));
    // Normalise so that input is always lon/lat order whatever the EPSG axis order says.
    handles_->transform.reset(proj_normalize_for_visualization(ctx, raw.get()));
    if (!handles_->transform) throw ProjectionError("PROJ could not normalise the axis order");
}

LocalProjection::~LocalProjection() = default;
LocalProjection::LocalProjection(LocalProjection&&) noexcept = default;
LocalProjection& LocalProjection::operator=(LocalProjection&&) noexcept = default;

Point LocalProjection::forward(const Point& lonlat) const {
    Point p = lonlat;
    forward(std::span<Point>(&p, 1));
    return p;
}

Point LocalProjection::inverse(const Point& metres) const {
    Point p = metres;
    inverse(std::span<Point>(&p, 1));
    return p;
}

void LocalProjection::forward(std::span<Point> points) const {
    transform_points(handles_->transform.get(), PJ_FWD, points);
}

void LocalProjection::inverse(std::span<Point> points) const {
    transform_points(handles_->transform.get(), PJ_INV, points);
}

MultiPolygon LocalProjection::forward(const MultiPolygon& lonlat) const { return transformed(*this, lonlat, true); }
MultiPolygon LocalProjection::inverse(const MultiPolygon& metres) const { return transformed(*this, metres, false); }

}  // namespace wangge::geo
