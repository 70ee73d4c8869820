#pragma once
// Reading a stored row's columns and geometry into a model row, and the
// checks a row passes before any store writes it. Shared by the GeoPackage
// store's SQLite reads (geopackage.cpp) and the PostGIS store (postgis.cpp),
// which both read plain SQL rows with the geometry as WKB.
//
// Private to the store module. Thread safety: pure functions.

#include <cmath>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "gdal.hpp"
#include "tables.hpp"
#include "wangge/geo/types.hpp"
#include "wangge/model/duty_days.hpp"
#include "wangge/model/text.hpp"

namespace wangge::store::detail {

/// The point of a 2D little-endian WKB Point (what the stores write), without
/// OGR; nullopt for any other WKB, which the caller gives to OGR.
[[nodiscard]] std::optional<geo::Point> plain_wkb_point(std::span<const unsigned char> wkb) noexcept;

/// Any WKB through OGR; null when OGR cannot read it.
[[nodiscard]] std::unique_ptr<OGRGeometry> geometry_from_wkb(std::span<const unsigned char> wkb);

/// Sets the geometry of `row` from `wkb`; calls fail(why) (which throws)
/// when there is none or it is of the wrong kind.
template <class Row, class Fail>
void read_geometry(Row& row, std::span<const unsigned char> wkb, const Fail& fail);

/// Where read_columns() finds a row's values: column i of the table is
/// source.text(i), int32(i), int64(i), time(i) (nullopt for NULL or
/// unreadable), each giving an empty string or 0 for NULL.
template <class Source>
concept ColumnSource = requires(const Source& source, int i) {
    { source.text(i) } -> std::convertible_to<std::string_view>;
    { source.int32(i) } -> std::convertible_to<int>;
    { source.int64(i) } -> std::convertible_to<std::int64_t>;
    { source.time(i) } -> std::convertible_to<std::optional<model::Timestamp>>;
};

/// Fills every column of `row` from `source`; fail(why) for a required time
/// that is missing, StoreError for an enum text this build does not know.
template <class Row, ColumnSource Source, class Fail>
void read_columns(Row& row, const Table<Row>& table, const Source& source, const Fail& fail);

/// Refuses rows a store could not give back unchanged: negative ids,
/// non-finite coordinates, empty geometry, tags that would not split back.
/// `index` counts from 0 and is named from 1.
template <class Row>
void check_storable(const Row& row, std::size_t index, Layer layer);

/// Reads `layers` into a model::Dataset or model::Tables, calling
/// read(table, rows, progress) for each layer's detail::Table and rows: layer
/// by layer when there is a progress line to print, else every layer at once,
/// each on a thread of its own filling its own member of the result (a
/// server start). Rethrows the first failure.
template <class Data, class ReadLayer>
Data read_layers_into(std::span<const Layer> layers, const Progress& progress, const ReadLayer& read);

// ---- implementation ----

template <class Row, class Fail>
void read_geometry(Row& row, std::span<const unsigned char> wkb, const Fail& fail) {
    std::optional<geo::Point> point;
    std::unique_ptr<OGRGeometry> geometry;
    if constexpr (geometry_kind<Row> == GeometryKind::point) point = plain_wkb_point(wkb);
    if (!point && !wkb.empty()) geometry = geometry_from_wkb(wkb);
    if (!point && !geometry) fail("has no geometry");
    if constexpr (geometry_kind<Row> == GeometryKind::point) {
        if (!point) {
            if (wkbFlatten(geometry->getGeometryType()) != wkbPoint) fail("is not a point");
            const OGRPoint* p = geometry->toPoint();
            point = geo::Point{p->getX(), p->getY()};
        }
        row.location = *point;
    } else {
        row.geometry = multipolygon_from_ogr(*geometry);
    }
}

template <class Row, ColumnSource Source, class Fail>
void read_columns(Row& row, const Table<Row>& table, const Source& source, const Fail& fail) {
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        const int c = static_cast<int>(i);
        const char* column = table.columns[i].name;
        std::visit(Overloaded{
                       [&](std::string Row::*m) { row.*m = source.text(c); },
                       [&](int Row::*m) { row.*m = source.int32(c); },
                       [&](std::int64_t Row::*m) { row.*m = source.int64(c); },
                       [&](TimeMember<Row> m) {
                           const std::optional<model::Timestamp> t = source.time(c);
                           if (!t) fail(std::string("has no valid time in ") + column);
                           row.*(m.member) = *t;
                       },
                       [&](std::optional<model::Timestamp> Row::*m) { row.*m = source.time(c); },
                       [&](std::vector<std::string> Row::*m) { row.*m = split_tags(source.text(c)); },
                       [&](model::GridLevel Row::*m) {
                           const auto level = model::parse_grid_level(source.text(c));
                           if (!level) throw StoreError(std::string("bad grid level in field ") + column);
                           row.*m = *level;
                       },
                       [&](model::Duty Row::*m) {
                           const auto duty = model::parse_duty(source.text(c));
                           if (!duty) throw StoreError(std::string("bad duty in field ") + column);
                           row.*m = *duty;
                       },
                       [&](DutyDaysMember<Row> m) {
                           const auto days = model::parse_duty_days(source.text(c));
                           if (!days) throw StoreError(std::string("bad duty days in field ") + column);
                           row.*(m.member) = *days;
                       }},
                   table.columns[i].member);
    }
}

template <class Row>
void check_storable(const Row& row, std::size_t index, Layer layer) {
    const auto fail = [&](const std::string& why) {
        throw StoreError(std::string(to_string(layer)) + " row " + std::to_string(index + 1) + ": " + why);
    };
    if constexpr (has_id<Row>) {
        if (row.id < 0) fail("negative id");
    }
    if constexpr (geometry_kind<Row> == GeometryKind::point) {
        if (!std::isfinite(row.location.x) || !std::isfinite(row.location.y)) fail("non-finite location");
    }
    if constexpr (geometry_kind<Row> == GeometryKind::multipolygon) {
        if (row.geometry.empty()) fail("empty geometry");
        for (const geo::Polygon& polygon : row.geometry.polygons) {
            for (const geo::Ring& ring : polygon.rings) {
                for (const geo::Point& p : ring) {
                    if (!std::isfinite(p.x) || !std::isfinite(p.y)) fail("non-finite coordinate");
                }
            }
        }
    }
    if constexpr (std::is_same_v<Row, model::Household>) {
        for (const std::string& tag : row.tags) {
            if (tag.empty() || tag.find(tag_separator) != std::string::npos || model::trim_blanks(tag) != tag) {
                fail("tag '" + tag + "' is empty, has blanks around it or contains '" + tag_separator + "'");
            }
        }
    }
}

template <class Data, class ReadLayer>
Data read_layers_into(std::span<const Layer> layers, const Progress& progress, const ReadLayer& read) {
    Data data;
    if (progress) {
        for (const Layer layer : layers) {
            with_table(layer, [&](const auto& table) { read(table, rows(data, table), progress); });
        }
        return data;
    }
    std::vector<std::future<void>> loads;
    for (const Layer layer : layers) {
        loads.push_back(std::async(std::launch::async, [&read, layer, &data] {
            with_table(layer, [&](const auto& table) { read(table, rows(data, table), Progress{}); });
        }));
    }
    for (std::future<void>& load : loads) load.get();
    return data;
}

}  // namespace wangge::store::detail
