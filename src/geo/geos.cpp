#include "wangge/geo/geos.hpp"

#include <geos_c.h>

#include <utility>

namespace wangge::geo::geos {

struct Context::State {
    GEOSContextHandle_t handle = nullptr;
    std::string message;  // last error reported by GEOS on this context

    State() : handle(GEOS_init_r()) {
        if (handle == nullptr) throw GeosError("GEOS_init_r failed");
        GEOSContext_setErrorMessageHandler_r(handle, &State::capture, this);
        // Notices (e.g. "Self-intersection at ...") duplicate what isValidDetail reports.
        GEOSContext_setNoticeMessageHandler_r(handle, nullptr, nullptr);
    }
    ~State() { GEOS_finish_r(handle); }
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    static void capture(const char* text, void* user) {
        static_cast<State*>(user)->message = text != nullptr ? text : "";
    }

    [[noreturn]] void fail(std::string_view operation) {
        std::string text = "GEOS " + std::string(operation) + " failed";
        if (!message.empty()) text += ": " + message;
        message.clear();
        throw GeosError(text);
    }

    Geometry adopt(GEOSGeometry* raw, std::string_view operation) {
        if (raw == nullptr) fail(operation);
        return Geometry(*this, raw);
    }

    bool predicate(char result, std::string_view operation) {
        if (result == 2) fail(operation);
        return result == 1;
    }

    GEOSCoordSequence* sequence_of(std::span<const Point> points) {
        // Point is two packed doubles, the XY buffer layout GEOS copies from.
        GEOSCoordSequence* sequence =
            points.empty() ? GEOSCoordSeq_create_r(handle, 0, 2)
                           : GEOSCoordSeq_copyFromBuffer_r(handle, &points.front().x,
                                                           static_cast<unsigned>(points.size()), 0, 0);
        if (sequence == nullptr) fail("coordinate sequence");
        return sequence;
    }

    GEOSGeometry* ring(const Ring& points) {
        GEOSGeometry* result = GEOSGeom_createLinearRing_r(handle, sequence_of(points));
        if (result == nullptr) fail("linear ring");
        return result;
    }

    GEOSGeometry* polygon(const Polygon& polygon) {
        if (polygon.rings.empty()) {
            GEOSGeometry* empty = GEOSGeom_createEmptyPolygon_r(handle);
            if (empty == nullptr) fail("empty polygon");
            return empty;
        }
        GEOSGeometry* shell = ring(polygon.rings.front());
        std::vector<GEOSGeometry*> holes;
        holes.reserve(polygon.rings.size() - 1);
        try {
            for (std::size_t i = 1; i < polygon.rings.size(); ++i) holes.push_back(ring(polygon.rings[i]));
        } catch (...) {
            GEOSGeom_destroy_r(handle, shell);
            for (GEOSGeometry* hole : holes) GEOSGeom_destroy_r(handle, hole);
            throw;
        }
        GEOSGeometry* result =
            GEOSGeom_createPolygon_r(handle, shell, holes.data(), static_cast<unsigned>(holes.size()));
        if (result == nullptr) fail("polygon");
        return result;
    }

    std::vector<Point> coordinates(const GEOSGeometry* geometry) {
        const GEOSCoordSequence* sequence = GEOSGeom_getCoordSeq_r(handle, geometry);
        if (sequence == nullptr) fail("coordinate access");
        unsigned size = 0;
        if (GEOSCoordSeq_getSize_r(handle, sequence, &size) == 0) fail("coordinate count");
        std::vector<Point> points(size);
        if (size > 0 && GEOSCoordSeq_copyToBuffer_r(handle, sequence, &points.front().x, 0, 0) == 0) {
            fail("coordinate copy");
        }
        return points;
    }

    void collect_polygons(const GEOSGeometry* geometry, MultiPolygon& out) {
        const int type = GEOSGeomTypeId_r(handle, geometry);
        if (type == GEOS_POLYGON) {
            if (GEOSisEmpty_r(handle, geometry) == 1) return;
            Polygon polygon;
            polygon.rings.push_back(coordinates(GEOSGetExteriorRing_r(handle, geometry)));
            const int holes = GEOSGetNumInteriorRings_r(handle, geometry);
            for (int i = 0; i < holes; ++i) polygon.rings.push_back(coordinates(GEOSGetInteriorRingN_r(handle, geometry, i)));
            out.polygons.push_back(std::move(polygon));
        } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
            const int parts = GEOSGetNumGeometries_r(handle, geometry);
            for (int i = 0; i < parts; ++i) collect_polygons(GEOSGetGeometryN_r(handle, geometry, i), out);
        } else if (type < 0) {
            fail("geometry type");
        }
    }
};

// ---- Context ----

Context::Context() : state_(std::make_unique<State>()) {}
Context::~Context() = default;
Context::Context(Context&&) noexcept = default;
Context& Context::operator=(Context&&) noexcept = default;

Geometry Context::polygon(const Polygon& polygon) { return state_->adopt(state_->polygon(polygon), "polygon"); }

Geometry Context::multipolygon(const MultiPolygon& multi) {
    std::vector<GEOSGeometry*> parts;
    parts.reserve(multi.polygons.size());
    try {
        for (const Polygon& polygon : multi.polygons) parts.push_back(state_->polygon(polygon));
    } catch (...) {
        for (GEOSGeometry* part : parts) GEOSGeom_destroy_r(state_->handle, part);
        throw;
    }
    return state_->adopt(GEOSGeom_createCollection_r(state_->handle, GEOS_MULTIPOLYGON, parts.data(),
                                                     static_cast<unsigned>(parts.size())),
                         "multipolygon");
}

Geometry Context::point(const Point& point) {
    return state_->adopt(GEOSGeom_createPointFromXY_r(state_->handle, point.x, point.y), "point");
}

Geometry Context::line(std::span<const Point> points) {
    return state_->adopt(GEOSGeom_createLineString_r(state_->handle, state_->sequence_of(points)), "line");
}

namespace {

struct WkbReaderDeleter {
    GEOSContextHandle_t context;
    void operator()(GEOSWKBReader* reader) const noexcept { GEOSWKBReader_destroy_r(context, reader); }
};
struct WkbWriterDeleter {
    GEOSContextHandle_t context;
    void operator()(GEOSWKBWriter* writer) const noexcept { GEOSWKBWriter_destroy_r(context, writer); }
};
struct BufferDeleter {
    GEOSContextHandle_t context;
    void operator()(unsigned char* buffer) const noexcept { GEOSFree_r(context, buffer); }
};

}  // namespace

Geometry Context::from_wkb(std::span<const std::uint8_t> wkb) {
    std::unique_ptr<GEOSWKBReader, WkbReaderDeleter> reader(GEOSWKBReader_create_r(state_->handle),
                                                            WkbReaderDeleter{state_->handle});
    if (!reader) state_->fail("WKB reader");
    return state_->adopt(GEOSWKBReader_read_r(state_->handle, reader.get(), wkb.data(), wkb.size()), "WKB read");
}

std::vector<std::uint8_t> Context::to_wkb(const Geometry& geometry) {
    std::unique_ptr<GEOSWKBWriter, WkbWriterDeleter> writer(GEOSWKBWriter_create_r(state_->handle),
                                                            WkbWriterDeleter{state_->handle});
    if (!writer) state_->fail("WKB writer");
    std::size_t size = 0;
    std::unique_ptr<unsigned char, BufferDeleter> bytes(
        GEOSWKBWriter_write_r(state_->handle, writer.get(), geometry.raw(), &size), BufferDeleter{state_->handle});
    if (!bytes) state_->fail("WKB write");
    return {bytes.get(), bytes.get() + size};
}

Geometry Context::collection(std::vector<Geometry> parts) {
    std::vector<GEOSGeometry*> raw;
    raw.reserve(parts.size());
    for (Geometry& part : parts) raw.push_back(part.release());
    return state_->adopt(GEOSGeom_createCollection_r(state_->handle, GEOS_GEOMETRYCOLLECTION, raw.data(),
                                                     static_cast<unsigned>(raw.size())),
                         "collection");
}

Geometry Context::union_all(std::vector<Geometry> parts) {
    if (parts.empty()) return state_->adopt(GEOSGeom_createEmptyPolygon_r(state_->handle), "empty polygon");
    const Geometry all = collection(std::move(parts));
    return state_->adopt(GEOSUnaryUnion_r(state_->handle, all.raw()), "union");
}

Geometry Context::coverage_union(std::vector<Geometry> parts) {
    if (parts.empty()) return state_->adopt(GEOSGeom_createEmptyPolygon_r(state_->handle), "empty polygon");
    const Geometry all = collection(std::move(parts));
    return state_->adopt(GEOSCoverageUnion_r(state_->handle, all.raw()), "coverage union");
}

Geometry Context::polygonize(const Geometry& lines) {
    const GEOSGeometry* const input[] = {lines.raw()};
    return state_->adopt(GEOSPolygonize_r(state_->handle, input, 1), "polygonize");
}

// ---- Geometry ----

void Geometry::Deleter::operator()(GEOSGeom_t* geometry) const noexcept { GEOSGeom_destroy_r(context, geometry); }

Geometry::Geometry(Context::State& state, GEOSGeom_t* raw) noexcept
    : state_(&state), owned_(raw, Deleter{state.handle}) {}
Geometry::~Geometry() = default;
Geometry::Geometry(Geometry&&) noexcept = default;
Geometry& Geometry::operator=(Geometry&&) noexcept = default;

Geometry Geometry::clone() const { return state_->adopt(GEOSGeom_clone_r(state_->handle, raw()), "clone"); }

bool Geometry::empty() const { return state_->predicate(GEOSisEmpty_r(state_->handle, raw()), "isEmpty"); }

double Geometry::area() const {
    double value = 0.0;
    if (GEOSArea_r(state_->handle, raw(), &value) == 0) state_->fail("area");
    return value;
}

double Geometry::length() const {
    double value = 0.0;
    if (GEOSLength_r(state_->handle, raw(), &value) == 0) state_->fail("length");
    return value;
}

Box Geometry::box() const {
    if (empty()) return {};
    Box box;
    if (GEOSGeom_getXMin_r(state_->handle, raw(), &box.min_x) == 0 ||
        GEOSGeom_getYMin_r(state_->handle, raw(), &box.min_y) == 0 ||
        GEOSGeom_getXMax_r(state_->handle, raw(), &box.max_x) == 0 ||
        GEOSGeom_getYMax_r(state_->handle, raw(), &box.max_y) == 0) {
        state_->fail("extent");
    }
    return box;
}

std::optional<Invalidity> Geometry::invalidity() const {
    char* reason = nullptr;
    GEOSGeometry* location = nullptr;
    const char valid = GEOSisValidDetail_r(state_->handle, raw(), 0, &reason, &location);
    if (valid == 2) state_->fail("isValidDetail");
    if (valid == 1) return std::nullopt;
    Invalidity result;
    if (reason != nullptr) {
        result.reason = reason;
        GEOSFree_r(state_->handle, reason);
    }
    if (location != nullptr) {
        const Geometry where = state_->adopt(location, "invalid location");
        const std::vector<Point> points = where.points();
        if (!points.empty()) result.location = points.front();
    }
    return result;
}

Geometry Geometry::intersection(const Geometry& other) const {
    return state_->adopt(GEOSIntersection_r(state_->handle, raw(), other.raw()), "intersection");
}

Geometry Geometry::difference(const Geometry& other) const {
    return state_->adopt(GEOSDifference_r(state_->handle, raw(), other.raw()), "difference");
}

Geometry Geometry::union_with(const Geometry& other) const {
    return state_->adopt(GEOSUnion_r(state_->handle, raw(), other.raw()), "union");
}

Geometry Geometry::unary_union() const { return state_->adopt(GEOSUnaryUnion_r(state_->handle, raw()), "unary union"); }

Geometry Geometry::buffer(double distance, int quadrant_segments) const {
    return state_->adopt(GEOSBuffer_r(state_->handle, raw(), distance, quadrant_segments), "buffer");
}

Geometry Geometry::boundary() const { return state_->adopt(GEOSBoundary_r(state_->handle, raw()), "boundary"); }

Geometry Geometry::envelope() const { return state_->adopt(GEOSEnvelope_r(state_->handle, raw()), "envelope"); }

Geometry Geometry::make_valid() const { return state_->adopt(GEOSMakeValid_r(state_->handle, raw()), "makeValid"); }

Geometry Geometry::snap_to(const Geometry& reference, double tolerance) const {
    return state_->adopt(GEOSSnap_r(state_->handle, raw(), reference.raw(), tolerance), "snap");
}

Geometry Geometry::point_on_surface() const {
    return state_->adopt(GEOSPointOnSurface_r(state_->handle, raw()), "pointOnSurface");
}

bool Geometry::intersects(const Geometry& other) const {
    return state_->predicate(GEOSIntersects_r(state_->handle, raw(), other.raw()), "intersects");
}

bool Geometry::overlaps(const Geometry& other) const {
    return state_->predicate(GEOSOverlaps_r(state_->handle, raw(), other.raw()), "overlaps");
}

bool Geometry::covers(const Geometry& other) const {
    return state_->predicate(GEOSCovers_r(state_->handle, raw(), other.raw()), "covers");
}

bool Geometry::relate(const Geometry& other, std::string_view pattern) const {
    const std::string text(pattern);
    return state_->predicate(GEOSRelatePattern_r(state_->handle, raw(), other.raw(), text.c_str()), "relatePattern");
}

MultiPolygon Geometry::polygons() const {
    MultiPolygon result;
    state_->collect_polygons(raw(), result);
    return result;
}

std::vector<Point> Geometry::points() const {
    const int type = GEOSGeomTypeId_r(state_->handle, raw());
    if (type == GEOS_POINT) return GEOSisEmpty_r(state_->handle, raw()) == 1 ? std::vector<Point>{} : state_->coordinates(raw());
    if (type != GEOS_MULTIPOINT) throw GeosError("points(): geometry is not a point or multipoint");
    std::vector<Point> result;
    const int parts = GEOSGetNumGeometries_r(state_->handle, raw());
    for (int i = 0; i < parts; ++i) {
        const std::vector<Point> part = state_->coordinates(GEOSGetGeometryN_r(state_->handle, raw(), i));
        result.insert(result.end(), part.begin(), part.end());
    }
    return result;
}

// ---- PreparedGeometry ----

void PreparedGeometry::Deleter::operator()(const GEOSPrepGeom_t* prepared) const noexcept {
    GEOSPreparedGeom_destroy_r(context, prepared);
}

PreparedGeometry::PreparedGeometry(Geometry geometry)
    : geometry_(std::move(geometry)),
      prepared_(GEOSPrepare_r(geometry_.state_->handle, geometry_.raw()), Deleter{geometry_.state_->handle}) {
    if (!prepared_) geometry_.state_->fail("prepare");
}

PreparedGeometry::~PreparedGeometry() = default;
PreparedGeometry::PreparedGeometry(PreparedGeometry&&) noexcept = default;
PreparedGeometry& PreparedGeometry::operator=(PreparedGeometry&&) noexcept = default;

bool PreparedGeometry::intersects(const Geometry& other) const {
    return geometry_.state_->predicate(GEOSPreparedIntersects_r(geometry_.state_->handle, prepared_.get(), other.raw()),
                                       "prepared intersects");
}

bool PreparedGeometry::covers(const Geometry& other) const {
    return geometry_.state_->predicate(GEOSPreparedCovers_r(geometry_.state_->handle, prepared_.get(), other.raw()),
                                       "prepared covers");
}

bool PreparedGeometry::contains_properly(const Geometry& other) const {
    return geometry_.state_->predicate(
        GEOSPreparedContainsProperly_r(geometry_.state_->handle, prepared_.get(), other.raw()),
        "prepared containsProperly");
}

}  // namespace wangge::geo::geos
