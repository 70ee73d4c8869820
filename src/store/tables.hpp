#pragma once
// How each entity maps to columns. The store, the importer and the exporter all
// read this one description, so a field is named and typed in exactly one place.
//
// Private to the store module.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wangge/model/entities.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store::detail {

/// Timestamps are int64 like ids; the wrapper tells the two apart in a column.
template <class Row>
struct TimeMember {
    model::Timestamp Row::*member;
};

/// Weekday sets are small integers in the model and Chinese text in stores
/// and files (model/duty_days.hpp), which people read and type.
template <class Row>
struct DutyDaysMember {
    std::uint8_t Row::*member;
};

template <class Row>
using Member = std::variant<std::string Row::*, int Row::*, std::int64_t Row::*, TimeMember<Row>,
                            std::optional<model::Timestamp> Row::*, std::vector<std::string> Row::*,
                            model::GridLevel Row::*, model::Duty Row::*, DutyDaysMember<Row>>;

template <class Row>
struct Column {
    const char* name;
    Member<Row> member;
    /// An imported row must give a non-empty value. Optional numbers keep the
    /// model's default; an optional valid_from becomes the import time.
    bool required;
};

enum class GeometryKind { none, point, multipolygon };

template <class Row>
struct Table {
    using row_type = Row;
    Layer layer;
    /// Every column except the model id, which is the layer's FID column "id".
    std::vector<Column<Row>> columns;
};

template <class Row>
inline constexpr bool has_id = requires(Row row) { row.id; };

template <class Row>
inline constexpr GeometryKind geometry_kind = requires(Row row) { row.location; }   ? GeometryKind::point
                                              : requires(Row row) { row.geometry; } ? GeometryKind::multipolygon
                                                                                    : GeometryKind::none;

/// Name of the FID column.
template <class Row>
inline constexpr const char* fid_column = has_id<Row> ? "id" : "fid";

inline constexpr const char* geometry_column = "geom";
/// Joins Household::tags in one text column; a tag may not contain it.
inline constexpr char tag_separator = ';';

template <class Row>
const Table<Row>& table();

template <> const Table<model::Grid>& table<model::Grid>();
template <> const Table<model::Staff>& table<model::Staff>();
template <> const Table<model::StaffGrid>& table<model::StaffGrid>();
template <> const Table<model::Household>& table<model::Household>();
template <> const Table<model::Facility>& table<model::Facility>();
template <> const Table<model::Incident>& table<model::Incident>();
template <> const Table<model::IncidentEvent>& table<model::IncidentEvent>();
template <> const Table<model::Visit>& table<model::Visit>();

/// The rows of one layer inside a model::Dataset (vectors) or model::Tables,
/// which name their members alike.
template <class Data> auto& rows(Data& d, const Table<model::Grid>&) { return d.grids; }
template <class Data> auto& rows(Data& d, const Table<model::Staff>&) { return d.staff; }
template <class Data> auto& rows(Data& d, const Table<model::StaffGrid>&) { return d.staff_grids; }
template <class Data> auto& rows(Data& d, const Table<model::Household>&) { return d.households; }
template <class Data> auto& rows(Data& d, const Table<model::Facility>&) { return d.facilities; }
template <class Data> auto& rows(Data& d, const Table<model::Incident>&) { return d.incidents; }
template <class Data> auto& rows(Data& d, const Table<model::IncidentEvent>&) { return d.incident_events; }
template <class Data> auto& rows(Data& d, const Table<model::Visit>&) { return d.visits; }

/// Calls f(table<Row>()) for the entity type of `layer`.
template <class F>
decltype(auto) with_table(Layer layer, F&& f) {
    switch (layer) {
        case Layer::grids: return f(table<model::Grid>());
        case Layer::staff: return f(table<model::Staff>());
        case Layer::staff_grids: return f(table<model::StaffGrid>());
        case Layer::households: return f(table<model::Household>());
        case Layer::facilities: return f(table<model::Facility>());
        case Layer::incidents: return f(table<model::Incident>());
        case Layer::incident_events: return f(table<model::IncidentEvent>());
        case Layer::visits: break;
    }
    return f(table<model::Visit>());
}

/// std::visit helper: one lambda per alternative.
template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};

/// Tags joined with tag_separator, and split back (pieces trimmed, empty ones dropped).
[[nodiscard]] std::string join_tags(const std::vector<std::string>& tags);
[[nodiscard]] std::vector<std::string> split_tags(std::string_view text);

}  // namespace wangge::store::detail
