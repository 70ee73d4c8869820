#include "wangge/geo/projection.hpp"

#include <proj.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace wangge::geo {

struct ContextDeleter {
    void operator()(PJ_CONTEXT* ctx) const noexcept { proj_context_destroy(ctx); }
};
struct PjDeleter {
    void operator()(PJ* pj) const noexcept { proj_destroy(pj); }
};

struct ProjHandles {
    std::unique_ptr<PJ_CONTEXT, ContextDeleter> context;
    std::unique_ptr<PJ, PjDeleter> transform;

    explicit ProjHandles(PJ_CONTEXT* created) : context(created) {
        if (!context) throw ProjectionError("proj_context_create failed");
    }

    /// The transform between two CRSs PROJ knows; as the CRSs define their
    /// axes unless `normalise` (then always east/north, lon/lat).
    ProjHandles(const char* source, const char* target, bool normalise) : ProjHandles(proj_context_create()) {
        PJ_CONTEXT* ctx = context.get();
        std::unique_ptr<PJ, PjDeleter> raw(proj_create_crs_to_crs(ctx, source, target, nullptr));
        if (!raw) throw ProjectionError(std::string("PROJ: ") + proj_context_errno_string(ctx, proj_context_errno(ctx)));
        if (!normalise) {
            transform = std::move(raw);
            return;
        }
        transform.reset(proj_normalize_for_visualization(ctx, raw.get()));
        if (!transform) throw ProjectionError("PROJ could not normalise the axis order");
    }
};

struct LocalProjection::Handles : ProjHandles {
    using ProjHandles::ProjHandles;
};
struct CrsTransform::Handles : ProjHandles {
    using ProjHandles::ProjHandles;
    /// From a pipeline string: no CRS lookup.
    explicit Handles(const std::string& pipeline) : ProjHandles(proj_context_create()) {
        transform.reset(proj_create(context.get(), pipeline.c_str()));
        if (!transform) throw ProjectionError("PROJ cannot build the pipeline " + pipeline);
    }
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

LocalProjection::LocalProjection(const Box& lonlat_extent) {
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
    // Normalised so that input is always lon/lat order whatever the EPSG axis order says.
    handles_ = std::make_unique<Handles>("EPSG:4490", target, true);
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

namespace {

/// wangge's lon/lat and EPSG:4490's lat/lon differ by a swap.
void swap_axes(std::span<Point> points) noexcept {
    for (Point& p : points) std::swap(p.x, p.y);
}

}  // namespace

// The source is EPSG:4490 as defined (lat/lon) and the target is not
// normalised, so the output keeps the target's own axis order.
CrsTransform::CrsTransform(int epsg)
    : handles_(std::make_unique<Handles>("EPSG:4490", ("EPSG:" + std::to_string(epsg)).c_str(), false)) {}

CrsTransform::CrsTransform(std::unique_ptr<Handles> handles) : handles_(std::move(handles)) {}

CrsTransform CrsTransform::from_pipeline(const std::string& pipeline) {
    return CrsTransform(std::make_unique<Handles>(pipeline));
}

std::string CrsTransform::pipeline() const {
    const char* text = proj_as_proj_string(handles_->context.get(), handles_->transform.get(), PJ_PROJ_5, nullptr);
    return text != nullptr ? text : "";
}

CrsTransform::~CrsTransform() = default;
CrsTransform::CrsTransform(CrsTransform&&) noexcept = default;
CrsTransform& CrsTransform::operator=(CrsTransform&&) noexcept = default;

void CrsTransform::forward(std::span<Point> lonlat) const {
    swap_axes(lonlat);
    transform_points(handles_->transform.get(), PJ_FWD, lonlat);
}

void CrsTransform::inverse(std::span<Point> target) const {
    transform_points(handles_->transform.get(), PJ_INV, target);
    swap_axes(target);
}

Point CrsTransform::forward(const Point& lonlat) const {
    Point p = lonlat;
    forward(std::span<Point>(&p, 1));
    return p;
}

Box CrsTransform::inverse(const Box& target) const {
    constexpr int steps = 16;  // per edge
    std::vector<Point> edge;
    for (int i = 0; i < steps; ++i) {
        const double t = static_cast<double>(i) / steps;
        const double x = target.min_x + t * (target.max_x - target.min_x);
        const double y = target.min_y + t * (target.max_y - target.min_y);
        edge.push_back({x, target.min_y});
        edge.push_back({target.max_x, y});
        edge.push_back({target.max_x + target.min_x - x, target.max_y});
        edge.push_back({target.min_x, target.max_y + target.min_y - y});
    }
    inverse(edge);
    Box lonlat;
    for (const Point& p : edge) lonlat.expand(p);
    return lonlat;
}

CrsTransform CrsPipelines::transform(int epsg) {
    {
        const std::scoped_lock lock(mutex_);
        const auto known = pipelines_.find(epsg);
        if (known != pipelines_.end()) return CrsTransform::from_pipeline(known->second);
    }
    // Looked up outside the lock: a slow first lookup of one code keeps no other waiting.
    CrsTransform found(epsg);
    std::string pipeline = found.pipeline();
    if (!pipeline.empty()) {
        const std::scoped_lock lock(mutex_);
        pipelines_.emplace(epsg, std::move(pipeline));
    }
    return found;
}

}  // namespace wangge::geo
