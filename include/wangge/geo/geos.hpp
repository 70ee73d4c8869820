#pragma once
// RAII over the reentrant GEOS C API (the *_r functions only).
//
// A Context owns one GEOSContextHandle_t whose error handler captures GEOS's
// message, so every failing call throws GeosError carrying it. Geometries and
// prepared geometries are created by a Context and must not outlive it.
//
// Thread safety: a Context and everything it created belong to one thread at
// a time; use one Context per thread. Geometries are never shared across
// contexts. GEOS 3.11 only has a process-wide interrupt callback (per-context
// interruption arrived in 3.14), so long operations are not interruptible here.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/error.hpp"
#include "wangge/geo/types.hpp"

// The opaque GEOS types, declared as geos_c.h does, so this header does not pull it in.
struct GEOSContextHandle_HS;
struct GEOSGeom_t;
struct GEOSPrepGeom_t;

namespace wangge::geo::geos {

/// A GEOS call failed; what() carries GEOS's own message.
class GeosError : public Error {
public:
    using Error::Error;
};

class Geometry;
class PreparedGeometry;

/// Why a geometry is not valid, as GEOS explains it.
struct Invalidity {
    std::string reason;  ///< GEOS's text, e.g. "Self-intersection"
    Point location;      ///< where it happens
};

class Context {
public:
    Context();
    ~Context();
    Context(Context&&) noexcept;
    Context& operator=(Context&&) noexcept;
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    /// Builds a polygon; rings must be closed with at least four points.
    [[nodiscard]] Geometry polygon(const Polygon& polygon);
    [[nodiscard]] Geometry multipolygon(const MultiPolygon& multi);
    [[nodiscard]] Geometry point(const Point& point);
    [[nodiscard]] Geometry line(std::span<const Point> points);
    [[nodiscard]] Geometry from_wkb(std::span<const std::uint8_t> wkb);
    [[nodiscard]] std::vector<std::uint8_t> to_wkb(const Geometry& geometry);

    /// Union of all parts (consumes them). Empty input gives an empty polygon.
    [[nodiscard]] Geometry union_all(std::vector<Geometry> parts);
    /// Fast union for a polygonal coverage whose neighbours share edges vertex
    /// for vertex and do not overlap; the result is undefined otherwise.
    [[nodiscard]] Geometry coverage_union(std::vector<Geometry> parts);
    /// The polygons enclosed by fully noded `lines` (e.g. a unary union of
    /// linework), as a collection.
    [[nodiscard]] Geometry polygonize(const Geometry& lines);

private:
    friend class Geometry;
    friend class PreparedGeometry;
    // Geometries point at the State, which stays put when the Context moves.
    struct State;
    [[nodiscard]] Geometry collection(std::vector<Geometry> parts);
    std::unique_ptr<State> state_;
};

/// An owned GEOS geometry bound to the Context that created it.
class Geometry {
public:
    ~Geometry();
    Geometry(Geometry&&) noexcept;
    Geometry& operator=(Geometry&&) noexcept;
    Geometry(const Geometry&) = delete;
    Geometry& operator=(const Geometry&) = delete;

    [[nodiscard]] Geometry clone() const;

    [[nodiscard]] bool empty() const;
    [[nodiscard]] double area() const;
    [[nodiscard]] double length() const;
    [[nodiscard]] Box box() const;
    [[nodiscard]] std::optional<Invalidity> invalidity() const;

    [[nodiscard]] Geometry intersection(const Geometry& other) const;
    [[nodiscard]] Geometry difference(const Geometry& other) const;
    [[nodiscard]] Geometry union_with(const Geometry& other) const;
    [[nodiscard]] Geometry unary_union() const;
    /// Round joins with `quadrant_segments` segments per quarter circle.
    [[nodiscard]] Geometry buffer(double distance, int quadrant_segments = 8) const;
    [[nodiscard]] Geometry boundary() const;
    [[nodiscard]] Geometry envelope() const;
    [[nodiscard]] Geometry make_valid() const;
    /// This geometry's vertices moved onto `reference`'s vertices within
    /// `tolerance`, and reference vertices inserted into its segments.
    [[nodiscard]] Geometry snap_to(const Geometry& reference, double tolerance) const;
    /// A point guaranteed to lie in the interior of a polygonal geometry.
    [[nodiscard]] Geometry point_on_surface() const;

    [[nodiscard]] bool intersects(const Geometry& other) const;
    [[nodiscard]] bool overlaps(const Geometry& other) const;
    [[nodiscard]] bool covers(const Geometry& other) const;
    /// DE-9IM pattern test, e.g. "2********" for interiors sharing area.
    [[nodiscard]] bool relate(const Geometry& other, std::string_view pattern) const;

    /// The polygonal parts (of a polygon, multipolygon or collection), in order.
    [[nodiscard]] MultiPolygon polygons() const;
    /// The vertices of a Point or MultiPoint; other types are rejected.
    [[nodiscard]] std::vector<Point> points() const;

private:
    friend class Context;
    friend struct Context::State;
    friend class PreparedGeometry;
    struct Deleter {
        GEOSContextHandle_HS* context = nullptr;
        void operator()(GEOSGeom_t* geometry) const noexcept;
    };
    Geometry(Context::State& state, GEOSGeom_t* raw) noexcept;
    [[nodiscard]] const GEOSGeom_t* raw() const noexcept { return owned_.get(); }
    [[nodiscard]] GEOSGeom_t* release() noexcept { return owned_.release(); }
    Context::State* state_;
    std::unique_ptr<GEOSGeom_t, Deleter> owned_;
};

/// A geometry prepared for many repeated predicates against it.
/// Prepared geometries build their index lazily, so this is single-threaded too.
class PreparedGeometry {
public:
    explicit PreparedGeometry(Geometry geometry);
    ~PreparedGeometry();
    PreparedGeometry(PreparedGeometry&&) noexcept;
    PreparedGeometry& operator=(PreparedGeometry&&) noexcept;
    PreparedGeometry(const PreparedGeometry&) = delete;
    PreparedGeometry& operator=(const PreparedGeometry&) = delete;

    [[nodiscard]] const Geometry& geometry() const noexcept { return geometry_; }
    [[nodiscard]] bool intersects(const Geometry& other) const;
    [[nodiscard]] bool covers(const Geometry& other) const;
    [[nodiscard]] bool contains_properly(const Geometry& other) const;

private:
    struct Deleter {
        GEOSContextHandle_HS* context = nullptr;
        void operator()(const GEOSPrepGeom_t* prepared) const noexcept;
    };
    Geometry geometry_;
    std::unique_ptr<const GEOSPrepGeom_t, Deleter> prepared_;
};

}  // namespace wangge::geo::geos
