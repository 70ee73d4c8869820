#include "wangge/store/importer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "gdal.hpp"
#include "tables.hpp"
#include "wangge/geo/chinese_offsets.hpp"
#include "wangge/model/snapshot.hpp"

namespace wangge::store {

using detail::Overloaded;
using detail::TimeMember;

namespace {

constexpr std::size_t progress_step = 1 << 14;
constexpr std::array default_lon_columns{"lon", "lng", "longitude", "x"};
constexpr std::array default_lat_columns{"lat", "latitude", "y"};
constexpr std::array triage_values{"general", "coordination", "urgent"};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

std::string describe(const geo::Point& p) {
    return "(" + std::to_string(p.x) + ", " + std::to_string(p.y) + ")";
}

/// Converts source coordinates to lon/lat CGCS2000.
class CoordinateConverter {
public:
    CoordinateConverter(const std::string& crs, const OGRSpatialReference* declared, const std::string& where) {
        if (equal_ignoring_case(crs, "gcj02")) {
            offset_ = Offset::gcj02;
            return;
        }
        if (equal_ignoring_case(crs, "bd09")) {
            offset_ = Offset::bd09;
            return;
        }
        OGRSpatialReference given;
        const OGRSpatialReference* source = declared;
        if (!crs.empty()) {
            if (given.SetFromUserInput(crs.c_str()) != OGRERR_NONE) {
                throw ImportError(where + ": unknown CRS '" + crs + "' (use EPSG:xxxx, gcj02 or bd09)");
            }
            given.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
            source = &given;
        }
        if (source == nullptr) return;
        const OGRSpatialReference target = detail::cgcs2000();
        if (source->IsSame(&target)) return;
        transform_.reset(OGRCreateCoordinateTransformation(source, &target));
        if (!transform_) {
            throw ImportError(where + ": no transformation from its CRS to EPSG:4490: " + detail::last_gdal_error());
        }
    }

    /// nullopt when the point cannot be converted.
    [[nodiscard]] std::optional<geo::Point> operator()(geo::Point p) const {
        if (!std::isfinite(p.x) || !std::isfinite(p.y)) return std::nullopt;
        switch (offset_) {
            case Offset::gcj02: return geo::gcj02_to_wgs84(p);
            case Offset::bd09: return geo::bd09_to_wgs84(p);
            case Offset::none: break;
        }
        if (transform_ && !transform_->Transform(1, &p.x, &p.y)) return std::nullopt;
        if (!std::isfinite(p.x) || !std::isfinite(p.y)) return std::nullopt;
        return p;
    }

private:
    enum class Offset { none, gcj02, bd09 };
    Offset offset_ = Offset::none;
    detail::CoordinateTransformationPtr transform_;
};

/// Where a model field comes from in the source layer.
struct SourceField {
    int index = -1;  ///< -1: the source has no such column
    OGRFieldType type = OFTString;
};

/// The failure of one row, before the file and row are known.
class FieldError : public std::runtime_error {
public:
    FieldError(std::string field, const std::string& why) : std::runtime_error(why), field_(std::move(field)) {}
    [[nodiscard]] const std::string& field() const noexcept { return field_; }

private:
    std::string field_;
};

/// Reads and checks the rows of one source layer as `Row`s.
template <class Row>
class RowReader {
public:
    RowReader(OGRLayer& layer, const ImportOptions& options, const std::string& where)
        : table_(detail::table<Row>()), options_(options), where_(where),
          convert_(options.crs, layer.GetSpatialRef(), where) {
        OGRFeatureDefn& defn = *layer.GetLayerDefn();
        check_mapping_keys();
        for (const detail::Column<Row>& column : table_.columns) fields_.push_back(source_field(defn, column.name));
        if constexpr (detail::has_id<Row>) {
            id_ = source_field(defn, "id");
            // GeoPackages (a wangge store among them) may keep the id as their FID column.
            const auto mapped = options.columns.find("id");
            id_from_fid_ = id_.index < 0 && equal_ignoring_case(layer.GetFIDColumn(),
                                                                mapped != options.columns.end() ? mapped->second : "id");
        }
        if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::point) {
            const bool mapped = options.columns.contains("lon") || options.columns.contains("lat");
            if (mapped || defn.GetGeomFieldCount() == 0) {
                lon_ = coordinate_field(defn, "lon", default_lon_columns);
                lat_ = coordinate_field(defn, "lat", default_lat_columns);
            }
        } else if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::multipolygon) {
            if (defn.GetGeomFieldCount() == 0) throw ImportError(where + ": has no geometry");
        }
    }

    /// Reads one row; throws FieldError naming the field at fault.
    [[nodiscard]] Row read(const OGRFeature& feature) const {
        Row row;
        if constexpr (detail::has_id<Row>) {
            if (id_from_fid_) {
                row.id = feature.GetFID();
            } else if (const auto text = value(feature, id_)) {
                row.id = parse_integer<std::int64_t>("id", *text);
                if (row.id <= 0) throw FieldError("id", "must be a positive integer, not " + *text);
            }
        }
        for (std::size_t i = 0; i < table_.columns.size(); ++i) read_column(feature, table_.columns[i], fields_[i], row);
        if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::point) {
            row.location = read_point(feature);
        } else if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::multipolygon) {
            row.geometry = read_polygons(feature);
        }
        if constexpr (std::is_same_v<Row, model::Incident>) {
            if (std::ranges::find(triage_values, row.triage) == triage_values.end()) {
                throw FieldError("triage", "unknown triage '" + row.triage + "' (general, coordination or urgent)");
            }
        }
        return row;
    }

private:
    void check_mapping_keys() const {
        for (const auto& [field, column] : options_.columns) {
            const bool known = std::ranges::any_of(table_.columns, [&](const auto& c) { return field == c.name; }) ||
                               (detail::has_id<Row> && field == "id") ||
                               (detail::geometry_kind<Row> == detail::GeometryKind::point &&
                                (field == "lon" || field == "lat"));
            if (!known) {
                throw ImportError("--map " + field + "=" + column + ": " + std::string(to_string(table_.layer)) +
                                  " has no field " + field);
            }
        }
    }

    /// The column for `field`: the mapped one (which must exist) or the same-named one.
    SourceField source_field(OGRFeatureDefn& defn, const std::string& field) const {
        const auto mapped = options_.columns.find(field);
        const std::string& name = mapped != options_.columns.end() ? mapped->second : field;
        SourceField result;
        result.index = defn.GetFieldIndex(name.c_str());
        if (result.index < 0 && mapped != options_.columns.end()) {
            throw ImportError(where_ + ": has no column '" + name + "' (mapped to field " + field + ")");
        }
        if (result.index >= 0) result.type = defn.GetFieldDefn(result.index)->GetType();
        return result;
    }

    template <std::size_t N>
    SourceField coordinate_field(OGRFeatureDefn& defn, const std::string& field,
                                 const std::array<const char*, N>& defaults) const {
        if (options_.columns.contains(field)) return source_field(defn, field);
        for (const char* name : defaults) {
            for (int i = 0; i < defn.GetFieldCount(); ++i) {
                if (equal_ignoring_case(defn.GetFieldDefn(i)->GetNameRef(), name)) {
                    return {i, defn.GetFieldDefn(i)->GetType()};
                }
            }
        }
        throw ImportError(where_ + ": has neither geometry nor a " + field + " column");
    }

    /// The trimmed text of a field; nullopt when absent, null or blank.
    static std::optional<std::string> value(const OGRFeature& feature, const SourceField& source) {
        if (source.index < 0 || !feature.IsFieldSetAndNotNull(source.index)) return std::nullopt;
        const std::string_view text = detail::trim(feature.GetFieldAsString(source.index));
        if (text.empty()) return std::nullopt;
        return std::string(text);
    }

    template <class Integer>
    static Integer parse_integer(const std::string& field, const std::string& text) {
        Integer result{};
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
        // Spreadsheets and GeoJSON writers turn 3 into "3.0".
        if (error == std::errc{} && std::string_view(end, text.data() + text.size()) == ".0") end += 2;
        if (error != std::errc{} || end != text.data() + text.size()) {
            throw FieldError(field, "not an integer: '" + text + "'");
        }
        return result;
    }

    static double parse_number(const std::string& field, const std::string& text) {
        double result = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
        if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(result)) {
            throw FieldError(field, "not a finite number: '" + text + "'");
        }
        return result;
    }

    static model::Timestamp parse_time(const OGRFeature& feature, const SourceField& source, const std::string& field,
                                       const std::string& text) {
        // Drivers that recognise dates (GeoJSON, GeoPackage) hand them over already parsed.
        if (source.type == OFTDateTime || source.type == OFTDate) return detail::time_field(feature, source.index);
        const auto time = model::parse_iso8601(text);
        if (!time) throw FieldError(field, "not an ISO 8601 time: '" + text + "'");
        return *time;
    }

    void read_column(const OGRFeature& feature, const detail::Column<Row>& column, const SourceField& source,
                     Row& row) const {
        const std::string name = column.name;
        const std::optional<std::string> text = value(feature, source);
        if (!text && column.required) {
            throw FieldError(name, source.index < 0 ? "missing (the source has no such column)" : "missing");
        }
        std::visit(Overloaded{[&](std::string Row::*m) { row.*m = text.value_or(""); },
                              [&](int Row::*m) {
                                  if (text) row.*m = parse_integer<int>(name, *text);
                              },
                              [&](std::int64_t Row::*m) {
                                  if (text) row.*m = parse_integer<std::int64_t>(name, *text);
                              },
                              [&](TimeMember<Row> m) {
                                  row.*(m.member) = text ? parse_time(feature, source, name, *text) : options_.now;
                              },
                              [&](std::optional<model::Timestamp> Row::*m) {
                                  if (text) row.*m = parse_time(feature, source, name, *text);
                              },
                              [&](std::vector<std::string> Row::*m) {
                                  if (text) row.*m = detail::split_tags(*text);
                              },
                              [&](model::GridLevel Row::*m) {
                                  const auto level = model::parse_grid_level(*text);
                                  if (!level) {
                                      throw FieldError(name, "unknown level '" + *text +
                                                                 "' (street, community, grid or subgrid)");
                                  }
                                  row.*m = *level;
                              },
                              [&](model::Duty Row::*m) {
                                  const auto duty = model::parse_duty(*text);
                                  if (!duty) throw FieldError(name, "unknown duty '" + *text + "' (A or B)");
                                  row.*m = *duty;
                              }},
                   column.member);
    }

    geo::Point read_point(const OGRFeature& feature) const {
        geo::Point p;
        if (lon_.index >= 0) {
            const auto lon = value(feature, lon_);
            const auto lat = value(feature, lat_);
            if (!lon) throw FieldError("lon", "missing");
            if (!lat) throw FieldError("lat", "missing");
            p = {parse_number("lon", *lon), parse_number("lat", *lat)};
        } else {
            const OGRGeometry* geometry = feature.GetGeometryRef();
            if (geometry == nullptr || geometry->IsEmpty()) throw FieldError("geometry", "missing");
            if (wkbFlatten(geometry->getGeometryType()) != wkbPoint) {
                throw FieldError("geometry", std::string("expected a Point, got ") + geometry->getGeometryName());
            }
            p = {geometry->toPoint()->getX(), geometry->toPoint()->getY()};
        }
        const auto converted = convert_(p);
        if (!converted) throw FieldError("geometry", "cannot convert the coordinates " + describe(p));
        return *converted;
    }

    geo::MultiPolygon read_polygons(const OGRFeature& feature) const {
        const OGRGeometry* geometry = feature.GetGeometryRef();
        if (geometry == nullptr || geometry->IsEmpty()) throw FieldError("geometry", "missing");
        geo::MultiPolygon multi;
        try {
            multi = detail::multipolygon_from_ogr(*geometry);
        } catch (const InputError& e) {
            throw FieldError("geometry", e.what());
        }
        for (geo::Polygon& polygon : multi.polygons) {
            for (geo::Ring& ring : polygon.rings) {
                if (ring.size() < 4 || ring.front() != ring.back()) {
                    throw FieldError("geometry", "a ring needs at least four positions, the last equal to the first");
                }
                for (geo::Point& p : ring) {
                    const auto converted = convert_(p);
                    if (!converted) throw FieldError("geometry", "cannot convert the coordinates " + describe(p));
                    p = *converted;
                }
            }
        }
        return multi;
    }

    const detail::Table<Row>& table_;
    const ImportOptions& options_;
    const std::string& where_;
    CoordinateConverter convert_;
    std::vector<SourceField> fields_;
    SourceField id_;
    bool id_from_fid_ = false;
    SourceField lon_;
    SourceField lat_;
};

/// The layer to read: the one named like the target layer, or the only one.
OGRLayer& source_layer(GDALDataset& dataset, Layer layer, const std::string& where) {
    if (OGRLayer* named = dataset.GetLayerByName(std::string(to_string(layer)).c_str())) return *named;
    if (dataset.GetLayerCount() != 1) {
        throw ImportError(where + ": has " + std::to_string(dataset.GetLayerCount()) + " layers and none is named " +
                          std::string(to_string(layer)));
    }
    return *dataset.GetLayer(0);
}

/// Fills or checks grid_code against the current grids.
template <class Row>
void assign_grid(Row& row, const model::Snapshot& grids, ImportSummary& summary) {
    if constexpr (requires { row.grid_code; }) {
        if (!row.grid_code.empty()) {
            if (grids.current_grid(row.grid_code) == nullptr) {
                throw FieldError("grid_code", "no current grid has the code '" + row.grid_code + "'");
            }
            return;
        }
        if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::point) {
            const auto found = grids.lookup(row.location);
            if constexpr (std::is_same_v<Row, model::Household>) {
                // A household belongs to a grid worker's grid, not to a street or community in a coverage gap.
                const bool in_grid = found && (found->grid().level == model::GridLevel::grid ||
                                               found->grid().level == model::GridLevel::subgrid);
                if (!in_grid) {
                    throw FieldError("geometry",
                                     "the household at " + describe(row.location) + " lies in no current grid");
                }
            }
            if (found) {
                row.grid_code = found->grid().code;
            } else {
                ++summary.outside_grids;
            }
        }
    }
}

template <class Row>
ImportSummary import_rows(GeoPackageStore& store, OGRLayer& layer, const std::string& where,
                          const ImportOptions& options, const Progress& progress) {
    const RowReader<Row> reader(layer, options, where);
    std::shared_ptr<const model::Snapshot> grids;
    if constexpr (requires(Row row) { row.grid_code; }) {
        const std::array grid_layer{Layer::grids};
        grids = model::Snapshot::build(store.load(grid_layer), 0);
    }
    ImportSummary summary;
    model::Dataset data;
    auto& rows = detail::rows(data, detail::table<Row>());
    const auto total = static_cast<std::size_t>(std::max<GIntBig>(0, layer.GetFeatureCount()));
    const std::string reading = "read " + std::string(to_string(options.layer));
    rows.reserve(total);
    std::unordered_set<std::int64_t> ids;
    layer.ResetReading();
    while (OGRFeatureUniquePtr feature{layer.GetNextFeature()}) {
        const std::size_t row_number = rows.size() + 1;
        try {
            Row& row = rows.emplace_back(reader.read(*feature));
            if constexpr (detail::has_id<Row>) {
                if (row.id != 0 && !ids.insert(row.id).second) {
                    throw FieldError("id", "id " + std::to_string(row.id) + " appears twice");
                }
            }
            if (grids) assign_grid(row, *grids, summary);
        } catch (const FieldError& e) {
            throw ImportError(where + ": row " + std::to_string(row_number) + ": field " + e.field() + ": " + e.what());
        }
        if (progress && row_number % progress_step == 0) progress(reading, row_number, total);
    }
    if (rows.empty()) throw ImportError(where + ": has no rows");
    if (progress) progress(reading, rows.size(), rows.size());
    summary.rows = rows.size();
    store.append(data, progress);
    return summary;
}

}  // namespace

ImportSummary import_file(GeoPackageStore& store, const std::filesystem::path& source, const ImportOptions& options,
                          const Progress& progress) {
    const std::string where = source.string();
    const detail::QuietGdalErrors quiet;
    if (!std::filesystem::exists(source)) throw ImportError(where + ": no such file");
    GDALDatasetUniquePtr dataset = detail::open_vector(source, false);
    if (!dataset) throw ImportError(where + ": not a readable vector source: " + detail::last_gdal_error());
    OGRLayer& layer = source_layer(*dataset, options.layer, where);
    return detail::with_table(options.layer, [&](const auto& table) {
        using Row = typename std::decay_t<decltype(table)>::row_type;
        return import_rows<Row>(store, layer, where, options, progress);
    });
}

}  // namespace wangge::store
