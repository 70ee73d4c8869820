#include "wangge/store/importer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <cpl_string.h>
#include <cpl_vsi.h>

#include "gdal.hpp"
#include "tables.hpp"
#include "wangge/auth/masking.hpp"
#include "wangge/geo/chinese_offsets.hpp"
#include "wangge/model/duty_days.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/model/text.hpp"
#include "wangge/store/column_synonyms.hpp"

namespace wangge::store {

using detail::Overloaded;
using detail::DutyDaysMember;
using detail::TimeMember;

namespace {

constexpr std::size_t progress_step = 1 << 14;
constexpr std::array default_lon_columns{"lon", "lng", "longitude", "x"};
constexpr std::array default_lat_columns{"lat", "latitude", "y"};
/// Problems quoted in the message of ImportRefused; the report has all.
constexpr std::size_t problems_in_message = 5;

/// Chinese values of the enumerated fields, as rosters write them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> chinese_values{{
    {"街道", "street"},
    {"社区", "community"},
    {"网格", "grid"},
    {"微网格", "subgrid"},
    {"专属网格", "dedicated"},
    {"A岗", "A"},
    {"B岗", "B"},
    {"一般", "general"},
    {"协调", "coordination"},
    {"紧急", "urgent"},
}};
constexpr std::array triage_values{"general", "coordination", "urgent"};

std::string_view canonical_value(std::string_view text) {
    for (const auto& [chinese, value] : chinese_values) {
        if (chinese == text) return value;
    }
    return text;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

std::string describe(const geo::Point& p) {
    return "(" + std::to_string(p.x) + ", " + std::to_string(p.y) + ")";
}

/// The failure of one row, before the row number is known.
class FieldError : public std::runtime_error {
public:
    FieldError(std::string field, const std::string& why, std::string why_zh, std::string value = {})
        : std::runtime_error(why), field_(std::move(field)), why_zh_(std::move(why_zh)), value_(std::move(value)) {}
    [[nodiscard]] const std::string& field() const noexcept { return field_; }
    [[nodiscard]] const std::string& why_zh() const noexcept { return why_zh_; }
    [[nodiscard]] const std::string& value() const noexcept { return value_; }

private:
    std::string field_;
    std::string why_zh_;
    std::string value_;
};

/// The EPSG code of the CGCS2000 Gauss–Krüger CRS for an easting with a zone
/// prefix (zone 13–23: 6° zones, EPSG:4491–4501; 25–45: 3° zones,
/// EPSG:4513–4533), and of the same zone without the prefix
/// (EPSG:4502–4512 and 4534–4554). nullopt outside those zones.
struct GaussKrugerCodes {
    int with_prefix;
    int without_prefix;
};
std::optional<GaussKrugerCodes> gauss_kruger_codes(int zone) {
    if (zone >= 13 && zone <= 23) return GaussKrugerCodes{4491 + zone - 13, 4502 + zone - 13};
    if (zone >= 25 && zone <= 45) return GaussKrugerCodes{4513 + zone - 25, 4534 + zone - 25};
    return std::nullopt;
}

/// The CRS option that reads the zone from each easting's prefix.
constexpr std::string_view gauss_kruger_auto = "CGCS2000-GK";

/// Converts source coordinates to lon/lat CGCS2000.
///
/// Thread safety: none (the zone transforms of CGCS2000-GK are made on first use).
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
        if (equal_ignoring_case(crs, gauss_kruger_auto)) {
            zone_from_prefix_ = true;
            return;
        }
        OGRSpatialReference given;
        const OGRSpatialReference* source = declared;
        if (!crs.empty()) {
            if (given.SetFromUserInput(crs.c_str()) != OGRERR_NONE) {
                throw ImportError(where + ": unknown CRS '" + crs + "' (use EPSG:xxxx, " +
                                  std::string(gauss_kruger_auto) + ", gcj02 or bd09)");
            }
            given.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
            source = &given;
        }
        if (source == nullptr) return;
        const OGRSpatialReference target = detail::cgcs2000();
        if (source->IsSame(&target)) return;
        transform_ = make_transform(*source, where);
        if (source->IsProjected() && source->GetAttrValue("PROJECTION") != nullptr &&
            std::string_view(source->GetAttrValue("PROJECTION")) == SRS_PT_TRANSVERSE_MERCATOR) {
            false_easting_ = source->GetProjParm(SRS_PP_FALSE_EASTING);
        }
    }

    /// The point in lon/lat CGCS2000; throws FieldError when it cannot be converted.
    [[nodiscard]] geo::Point operator()(geo::Point p) const {
        const auto fail = [&](const std::string& why, const std::string& why_zh) {
            throw FieldError("geometry", why + " " + describe(p), why_zh + " " + describe(p));
        };
        if (!std::isfinite(p.x) || !std::isfinite(p.y)) fail("cannot convert the coordinates", "无法转换坐标");
        switch (offset_) {
            case Offset::gcj02: return geo::gcj02_to_wgs84(p);
            case Offset::bd09: return geo::bd09_to_wgs84(p);
            case Offset::none: break;
        }
        OGRCoordinateTransformation* transform = transform_.get();
        if (zone_from_prefix_) {
            transform = &zone_transform(p);
        } else if (false_easting_) {
            check_zone_prefix(p);
        }
        if (transform != nullptr && !transform->Transform(1, &p.x, &p.y)) {
            fail("cannot convert the coordinates", "无法转换坐标");
        }
        if (!std::isfinite(p.x) || !std::isfinite(p.y)) fail("cannot convert the coordinates", "无法转换坐标");
        return p;
    }

private:
    static detail::CoordinateTransformationPtr make_transform(const OGRSpatialReference& source,
                                                             const std::string& where) {
        const OGRSpatialReference target = detail::cgcs2000();
        detail::CoordinateTransformationPtr transform(OGRCreateCoordinateTransformation(&source, &target));
        if (!transform) {
            throw ImportError(where + ": no transformation from its CRS to EPSG:4490: " + detail::last_gdal_error());
        }
        return transform;
    }

    static int zone_of(double easting) { return static_cast<int>(std::floor(easting / 1e6)); }

    /// A Gauss–Krüger easting with a zone prefix is zone × 10⁶ + 500 000 ± 350 000
    /// (a 6° zone is at most ~670 km wide at the equator); without one it stays below 10⁶.
    void check_zone_prefix(const geo::Point& p) const {
        const bool crs_has_prefix = *false_easting_ >= 1e6;
        const bool point_has_prefix = p.x >= 1e6;
        const auto codes = gauss_kruger_codes(zone_of(p.x));
        if (point_has_prefix && !crs_has_prefix) {
            const std::string hint = codes ? " (EPSG:" + std::to_string(codes->with_prefix) + " or " +
                                                 std::string(gauss_kruger_auto) + ")"
                                           : "";
            throw FieldError("geometry",
                             "the easting " + std::to_string(p.x) + " carries a zone prefix (zone " +
                                 std::to_string(zone_of(p.x)) + ") but the CRS has none: give the CRS with the prefix" +
                                 hint,
                             "横坐标 " + std::to_string(p.x) + " 带有带号前缀（" + std::to_string(zone_of(p.x)) +
                                 " 带），而坐标系不带带号：请用带带号的坐标系" + hint);
        }
        if (!point_has_prefix && crs_has_prefix) {
            throw FieldError("geometry",
                             "the easting " + std::to_string(p.x) +
                                 " has no zone prefix but the CRS expects one: give the CRS without the prefix",
                             "横坐标 " + std::to_string(p.x) + " 不带带号前缀，而坐标系带带号：请用不带带号的坐标系");
        }
        if (point_has_prefix && zone_of(p.x) != zone_of(*false_easting_)) {
            throw FieldError("geometry",
                             "the easting " + std::to_string(p.x) + " is in zone " + std::to_string(zone_of(p.x)) +
                                 ", the CRS in zone " + std::to_string(zone_of(*false_easting_)),
                             "横坐标 " + std::to_string(p.x) + " 属于第 " + std::to_string(zone_of(p.x)) +
                                 " 带，坐标系却是第 " + std::to_string(zone_of(*false_easting_)) + " 带");
        }
    }

    OGRCoordinateTransformation& zone_transform(const geo::Point& p) const {
        const int zone = zone_of(p.x);
        if (const auto found = zones_.find(zone); found != zones_.end()) return *found->second;
        const auto codes = gauss_kruger_codes(zone);
        if (!codes) {
            throw FieldError("geometry",
                             "the easting " + std::to_string(p.x) +
                                 " has no CGCS2000 Gauss–Krüger zone prefix (13–23 for 6° zones, 25–45 for 3°)",
                             "横坐标 " + std::to_string(p.x) + " 没有有效的 CGCS2000 高斯-克吕格带号前缀（6° 带 13–23，3° 带 25–45）");
        }
        OGRSpatialReference source;
        source.importFromEPSG(codes->with_prefix);
        source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        return *zones_.emplace(zone, make_transform(source, "EPSG:" + std::to_string(codes->with_prefix)))
                    .first->second;
    }

    enum class Offset { none, gcj02, bd09 };
    Offset offset_ = Offset::none;
    detail::CoordinateTransformationPtr transform_;
    /// Set for a Transverse Mercator source CRS: checks the eastings' zone prefix against it.
    std::optional<double> false_easting_;
    bool zone_from_prefix_ = false;
    mutable std::unordered_map<int, detail::CoordinateTransformationPtr> zones_;
};

/// Where a model field comes from in the source layer.
struct SourceField {
    int index = -1;  ///< -1: the source has no such column
    OGRFieldType type = OFTString;
};

/// `text` converted from `encoding` to UTF-8.
std::string recode(const char* text, const std::string& encoding) {
    const std::unique_ptr<char, decltype(&CPLFree)> utf8(CPLRecode(text, encoding.c_str(), CPL_ENC_UTF8), CPLFree);
    return utf8 ? std::string(utf8.get()) : std::string(text);
}

/// One row as read from the source.
template <class Row>
struct SourceRow {
    Row row;
    /// False for a household that gives no position, only an address (placed by AddressIndex).
    bool located = true;
};

/// Reads and checks the rows of one source layer as `Row`s.
template <class Row>
class RowReader {
public:
    /// `recode_from`: the encoding to convert text from, empty when GDAL gives UTF-8.
    RowReader(OGRLayer& layer, const ImportOptions& options, const std::string& where, std::string recode_from)
        : table_(detail::table<Row>()), options_(options), where_(where), recode_from_(std::move(recode_from)),
          convert_(options.crs, layer.GetSpatialRef(), where) {
        OGRFeatureDefn& defn = *layer.GetLayerDefn();
        for (int i = 0; i < defn.GetFieldCount(); ++i) {
            const char* name = defn.GetFieldDefn(i)->GetNameRef();
            headers_.push_back(recode_from_.empty() ? std::string(name) : recode(name, recode_from_));
            types_.push_back(defn.GetFieldDefn(i)->GetType());
            if (!CPLIsUTF8(headers_.back().c_str(), -1)) {
                throw ImportError(where + ": its column names are not UTF-8 text (give the file's encoding, e.g. "
                                          "--encoding GBK)");
            }
        }
        check_mapping_keys();
        for (const detail::Column<Row>& column : table_.columns) fields_.push_back(source_field(column.name));
        if constexpr (detail::has_id<Row>) {
            id_ = source_field("id");
            // GeoPackages (a wangge store among them) may keep the id as their FID column.
            const auto mapped = options.columns.find("id");
            id_from_fid_ = id_.index < 0 && equal_ignoring_case(layer.GetFIDColumn(),
                                                                mapped != options.columns.end() ? mapped->second : "id");
        }
        if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::point) {
            const bool mapped = options.columns.contains("lon") || options.columns.contains("lat");
            if (mapped || defn.GetGeomFieldCount() == 0) {
                lon_ = coordinate_field("lon", default_lon_columns);
                lat_ = coordinate_field("lat", default_lat_columns);
                // A roster with only an address has neither column; one of the two alone is a mistake.
                if (lon_.index < 0 && (lat_.index >= 0 || !places_by_address())) {
                    throw ImportError(where + ": has neither geometry nor a lon column");
                }
                if (lat_.index < 0 && lon_.index >= 0) throw ImportError(where + ": has neither geometry nor a lat column");
            }
        } else if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::multipolygon) {
            if (defn.GetGeomFieldCount() == 0) throw ImportError(where + ": has no geometry");
        }
    }

    /// Reads one row; throws FieldError naming the field at fault.
    [[nodiscard]] SourceRow<Row> read(const OGRFeature& feature) const {
        SourceRow<Row> result;
        Row& row = result.row;
        if constexpr (detail::has_id<Row>) {
            if (id_from_fid_) {
                row.id = feature.GetFID();
            } else if (const auto text = value(feature, id_, "id")) {
                row.id = parse_integer<std::int64_t>("id", *text);
                if (row.id <= 0) {
                    throw FieldError("id", "must be a positive integer, not " + *text, "须为正整数", *text);
                }
            }
        }
        for (std::size_t i = 0; i < table_.columns.size(); ++i) read_column(feature, table_.columns[i], fields_[i], row);
        if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::point) {
            if (const auto point = read_point(feature)) {
                row.location = *point;
            } else if (!places_by_address()) {
                if (lon_.index >= 0) throw FieldError("lon", "missing", "缺少经度（或横坐标）");
                throw FieldError("geometry", "missing", "缺少位置");
            } else {
                if constexpr (std::is_same_v<Row, model::Household>) {
                    if (model::trim_blanks(row.compound).empty()) {
                        throw FieldError("compound", "missing: a row without coordinates is placed by its compound",
                                         "缺少小区：没有坐标的行须按小区（及楼栋）定位");
                    }
                }
                result.located = false;
            }
        } else if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::multipolygon) {
            row.geometry = read_polygons(feature);
        }
        if constexpr (std::is_same_v<Row, model::Incident>) {
            row.triage = std::string(canonical_value(row.triage));
            if (std::ranges::find(triage_values, row.triage) == triage_values.end()) {
                throw FieldError("triage", "unknown triage '" + row.triage + "' (general, coordination or urgent)",
                                 "未知的分级（应为 一般、协调 或 紧急）", row.triage);
            }
        }
        return result;
    }

    /// Whether the source gives `field` (a column, a default or, for grid_code, nothing else derives it).
    [[nodiscard]] bool gives(std::string_view field) const {
        for (std::size_t i = 0; i < table_.columns.size(); ++i) {
            if (table_.columns[i].name == field) return fields_[i].index >= 0 || options_.defaults.contains(field);
        }
        return false;
    }

    /// Whether rows without a position are placed by their address: households
    /// when the source gives their compound (小区).
    [[nodiscard]] bool places_by_address() const {
        return std::is_same_v<Row, model::Household> && gives("compound");
    }

    /// Copies what the source gives (its columns, defaults and geometry) from `from` onto a stored row.
    void overlay(const Row& from, Row& onto) const {
        for (std::size_t i = 0; i < table_.columns.size(); ++i) {
            if (!gives(table_.columns[i].name)) continue;
            std::visit(Overloaded{[&](TimeMember<Row> m) { onto.*(m.member) = from.*(m.member); },
                                  [&](DutyDaysMember<Row> m) { onto.*(m.member) = from.*(m.member); },
                                  [&](auto m) { onto.*m = from.*m; }},
                       table_.columns[i].member);
        }
        if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::point) onto.location = from.location;
        if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::multipolygon) onto.geometry = from.geometry;
    }

    /// The report line of a FieldError in row `row`.
    [[nodiscard]] RowProblem problem(std::size_t row, const FieldError& e) const {
        return {row, column_name(e.field()), e.value(), e.what(), e.why_zh()};
    }

private:
    /// The source column a field is read from, or the field when the source has none.
    [[nodiscard]] std::string column_name(const std::string& field) const {
        const auto name_of = [&](const SourceField& source) {
            return source.index >= 0 ? headers_[static_cast<std::size_t>(source.index)] : field;
        };
        if (field == "id") return name_of(id_);
        if (field == "lon" && lon_.index >= 0) return name_of(lon_);
        if (field == "lat" && lat_.index >= 0) return name_of(lat_);
        for (std::size_t i = 0; i < table_.columns.size(); ++i) {
            if (table_.columns[i].name == field) return name_of(fields_[i]);
        }
        return field;
    }

    void check_mapping_keys() const {
        for (const auto* mapping : {&options_.columns, &options_.defaults}) {
            for (const auto& [field, column] : *mapping) {
                const bool known =
                    std::ranges::any_of(table_.columns, [&](const auto& c) { return field == c.name; }) ||
                    (detail::has_id<Row> && field == "id" && mapping == &options_.columns) ||
                    (detail::geometry_kind<Row> == detail::GeometryKind::point && (field == "lon" || field == "lat") &&
                     mapping == &options_.columns);
                if (!known) {
                    throw ImportError((mapping == &options_.columns ? "--map " : "--default ") + field + "=" + column +
                                      ": " + std::string(to_string(table_.layer)) + " has no field " + field);
                }
            }
        }
    }

    [[nodiscard]] SourceField at(int index) const { return {index, types_[static_cast<std::size_t>(index)]}; }

    /// The column named exactly `name` (ASCII case ignored, as OGR does); -1 when none.
    [[nodiscard]] int find_header(std::string_view name) const {
        for (std::size_t i = 0; i < headers_.size(); ++i) {
            if (equal_ignoring_case(headers_[i], name)) return static_cast<int>(i);
        }
        return -1;
    }

    [[nodiscard]] bool mapped_elsewhere(std::size_t index) const {
        return std::ranges::any_of(options_.columns,
                                   [&](const auto& mapping) { return equal_ignoring_case(mapping.second, headers_[index]); });
    }

    /// The column for `field`: the mapped one (which must exist), the
    /// same-named one, or the first with one of its Chinese names that no
    /// --map claims for another field.
    [[nodiscard]] SourceField source_field(const std::string& field) const {
        if (const auto mapped = options_.columns.find(field); mapped != options_.columns.end()) {
            const int index = find_header(mapped->second);
            if (index < 0) {
                throw ImportError(where_ + ": has no column '" + mapped->second + "' (mapped to field " + field + ")");
            }
            return at(index);
        }
        if (const int index = find_header(field); index >= 0) return at(index);
        for (std::size_t i = 0; i < headers_.size(); ++i) {
            if (field_for_header(table_.layer, headers_[i]) == field && !mapped_elsewhere(i)) {
                return at(static_cast<int>(i));
            }
        }
        return {};
    }

    /// The column of a coordinate; index -1 when the source has none.
    template <std::size_t N>
    SourceField coordinate_field(const std::string& field, const std::array<const char*, N>& defaults) const {
        if (const SourceField found = source_field(field); found.index >= 0) return found;
        for (const char* name : defaults) {
            if (const int index = find_header(name); index >= 0) return at(index);
        }
        return {};
    }

    /// The trimmed UTF-8 text of a field; nullopt when absent, null or blank.
    [[nodiscard]] std::optional<std::string> value(const OGRFeature& feature, const SourceField& source,
                                                   const std::string& field) const {
        if (source.index < 0 || !feature.IsFieldSetAndNotNull(source.index)) return std::nullopt;
        const char* raw = feature.GetFieldAsString(source.index);
        const std::string text = recode_from_.empty() ? std::string(model::trim_blanks(raw))
                                                      : std::string(model::trim_blanks(recode(raw, recode_from_)));
        if (text.empty()) return std::nullopt;
        if (!CPLIsUTF8(text.c_str(), -1)) {
            throw FieldError(field, "not UTF-8 text (give the file's encoding, e.g. --encoding GBK)",
                             "文本不是 UTF-8 编码（请用 --encoding GBK 等指明文件编码）");
        }
        return text;
    }

    template <class Integer>
    static Integer parse_integer(const std::string& field, const std::string& text) {
        Integer result{};
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
        // Spreadsheets and GeoJSON writers turn 3 into "3.0".
        if (error == std::errc{} && std::string_view(end, text.data() + text.size()) == ".0") end += 2;
        if (error != std::errc{} || end != text.data() + text.size()) {
            throw FieldError(field, "not an integer: '" + text + "'", "不是整数", text);
        }
        return result;
    }

    static double parse_number(const std::string& field, const std::string& text) {
        double result = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
        if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(result)) {
            throw FieldError(field, "not a finite number: '" + text + "'", "不是有效的数字", text);
        }
        return result;
    }

    static model::Timestamp parse_time(const OGRFeature& feature, const SourceField& source, const std::string& field,
                                       const std::string& text) {
        // Drivers that recognise dates (GeoJSON, GeoPackage, XLSX) hand them over already parsed.
        if (source.type == OFTDateTime || source.type == OFTDate) return detail::time_field(feature, source.index);
        const auto time = model::parse_iso8601(text);
        if (!time) {
            throw FieldError(field, "not an ISO 8601 time: '" + text + "'",
                             "不是 ISO 8601 格式的时间（如 2026-01-02T08:00:00+08:00）", text);
        }
        return *time;
    }

    void read_column(const OGRFeature& feature, const detail::Column<Row>& column, const SourceField& source,
                     Row& row) const {
        const std::string name = column.name;
        std::optional<std::string> text = value(feature, source, name);
        if (!text) {
            if (const auto fallback = options_.defaults.find(name); fallback != options_.defaults.end()) {
                text = fallback->second;
            }
        }
        if (!text && column.required) {
            if (source.index < 0) {
                throw FieldError(name, "missing (the source has no such column)", "缺少此项（文件没有这一列）");
            }
            throw FieldError(name, "missing", "缺少必填项");
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
                                  const auto level = model::parse_grid_level(canonical_value(*text));
                                  if (!level) {
                                      throw FieldError(name,
                                                       "unknown level '" + *text +
                                                           "' (street, community, grid, subgrid or dedicated)",
                                                       "未知的层级（应为 街道、社区、网格、微网格 或 专属网格）", *text);
                                  }
                                  row.*m = *level;
                              },
                              [&](model::Duty Row::*m) {
                                  const auto duty = model::parse_duty(canonical_value(*text));
                                  if (!duty) {
                                      throw FieldError(name, "unknown duty '" + *text + "' (A or B)",
                                                       "未知的岗位（应为 A岗 或 B岗）", *text);
                                  }
                                  row.*m = *duty;
                              },
                              [&](DutyDaysMember<Row> m) {
                                  if (!text) return;
                                  const auto days = model::parse_duty_days(*text);
                                  if (!days) {
                                      throw FieldError(name, "not weekdays: '" + *text + "' (e.g. 周一至周五, 周二、周四)",
                                                       "值班日无法识别（应如 周一至周五、周二、周四、每天）", *text);
                                  }
                                  row.*(m.member) = *days;
                              }},
                   column.member);
    }

    /// The row's position; nullopt when it gives none at all (no coordinates, no geometry).
    std::optional<geo::Point> read_point(const OGRFeature& feature) const {
        geo::Point p;
        if (lon_.index >= 0 || feature.GetDefnRef()->GetGeomFieldCount() == 0) {
            const auto lon = value(feature, lon_, "lon");
            const auto lat = value(feature, lat_, "lat");
            if (!lon && !lat) return std::nullopt;
            if (!lon) throw FieldError("lon", "missing", "缺少经度（或横坐标）");
            if (!lat) throw FieldError("lat", "missing", "缺少纬度（或纵坐标）");
            p = {parse_number("lon", *lon), parse_number("lat", *lat)};
        } else {
            const OGRGeometry* geometry = feature.GetGeometryRef();
            if (geometry == nullptr || geometry->IsEmpty()) return std::nullopt;
            if (wkbFlatten(geometry->getGeometryType()) != wkbPoint) {
                throw FieldError("geometry", std::string("expected a Point, got ") + geometry->getGeometryName(),
                                 std::string("位置应为点，而不是 ") + geometry->getGeometryName());
            }
            p = {geometry->toPoint()->getX(), geometry->toPoint()->getY()};
        }
        return convert_(p);
    }

    geo::MultiPolygon read_polygons(const OGRFeature& feature) const {
        const OGRGeometry* geometry = feature.GetGeometryRef();
        if (geometry == nullptr || geometry->IsEmpty()) throw FieldError("geometry", "missing", "缺少边界");
        geo::MultiPolygon multi;
        // A CAD drawing's closed polyline (DXF LWPOLYLINE with the closed flag) reaches OGR as a
        // closed line string: its ring is the polygon.
        if (wkbFlatten(geometry->getGeometryType()) == wkbLineString) {
            const OGRLineString& line = *geometry->toLineString();
            if (!line.get_IsClosed()) {
                throw FieldError("geometry", "an open line is no boundary (close the polyline)",
                                 "未闭合的线不能作为边界（请闭合多段线）");
            }
            geo::Ring ring;
            for (int i = 0; i < line.getNumPoints(); ++i) ring.push_back({line.getX(i), line.getY(i)});
            multi.polygons.push_back(geo::Polygon{{std::move(ring)}});
        } else {
            try {
                multi = detail::multipolygon_from_ogr(*geometry);
            } catch (const InputError& e) {
                throw FieldError("geometry", e.what(), std::string("边界应为面，而不是 ") + geometry->getGeometryName());
            }
        }
        for (geo::Polygon& polygon : multi.polygons) {
            for (geo::Ring& ring : polygon.rings) {
                if (ring.size() < 4 || ring.front() != ring.back()) {
                    throw FieldError("geometry", "a ring needs at least four positions, the last equal to the first",
                                     "边界环至少需要四个点，且首尾相同");
                }
                for (geo::Point& p : ring) p = convert_(p);
            }
        }
        return multi;
    }

    const detail::Table<Row>& table_;
    const ImportOptions& options_;
    const std::string& where_;
    std::string recode_from_;
    CoordinateConverter convert_;
    std::vector<std::string> headers_;  ///< the source's column names in UTF-8
    std::vector<OGRFieldType> types_;
    std::vector<SourceField> fields_;
    SourceField id_;
    bool id_from_fid_ = false;
    SourceField lon_;
    SourceField lat_;
};

/// The layer to read: the one named like the target layer, or the first
/// (a DXF's "entities", a KML's folder, a workbook's first sheet).
OGRLayer& source_layer(GDALDataset& dataset, Layer layer, const std::string& where) {
    if (OGRLayer* named = dataset.GetLayerByName(std::string(to_string(layer)).c_str())) return *named;
    if (dataset.GetLayerCount() == 0) throw ImportError(where + ": has no layers");
    if (dataset.GetLayerCount() != 1 && std::string_view(dataset.GetDriverName()) != "XLSX") {
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
                throw FieldError("grid_code", "no current grid has the code '" + row.grid_code + "'",
                                 "没有这个编码的现行网格", row.grid_code);
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
                    ++summary.outside_grids;
                    throw FieldError("geometry",
                                     "the household at " + describe(row.location) + " lies in no current grid",
                                     "该户位置 " + describe(row.location) + " 不在任何现行网格内");
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

/// A field's value as the audit log shows it; personal data masked.
template <class Row>
std::string audit_text(const Row& row, const detail::Column<Row>& column) {
    const std::string_view name = column.name;
    return std::visit(
        Overloaded{[&](std::string Row::*m) {
                       if (name == "id_number") return auth::mask_id_number(row.*m);
                       if (name == "phone" && std::is_same_v<Row, model::Household>) return auth::mask_phone(row.*m);
                       if (name == "head_name") return auth::mask_name(row.*m);
                       return row.*m;
                   },
                   [&](int Row::*m) { return std::to_string(row.*m); },
                   [&](std::int64_t Row::*m) { return std::to_string(row.*m); },
                   [&](TimeMember<Row> m) { return model::format_iso8601(row.*(m.member)); },
                   [&](std::optional<model::Timestamp> Row::*m) {
                       return row.*m ? model::format_iso8601(*(row.*m)) : std::string();
                   },
                   [&](std::vector<std::string> Row::*m) { return detail::join_tags(row.*m); },
                   [&](model::GridLevel Row::*m) { return std::string(model::to_string(row.*m)); },
                   [&](model::Duty Row::*m) { return std::string(model::to_string(row.*m)); },
                   [&](DutyDaysMember<Row> m) { return model::format_duty_days(row.*(m.member)); }},
        column.member);
}

/// "field: before → after; …" for every field that differs.
template <class Row>
std::string describe_change(const Row& before, const Row& after) {
    std::string text;
    const auto add = [&](std::string_view field, const std::string& from, const std::string& to) {
        if (from == to) return;
        if (!text.empty()) text += "; ";
        text += std::string(field) + ": " + from + " → " + to;
    };
    for (const detail::Column<Row>& column : detail::table<Row>().columns) {
        add(column.name, audit_text(before, column), audit_text(after, column));
    }
    if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::point) {
        add("location", describe(before.location), describe(after.location));
    } else if constexpr (detail::geometry_kind<Row> == detail::GeometryKind::multipolygon) {
        if (before.geometry != after.geometry) add("geometry", "old", "new");
    }
    return text;
}

auth::AuditEntry audit_entry(const ImportOptions& options, std::string action, std::string detail) {
    auth::AuditEntry entry;
    entry.at = options.now;
    entry.user_id = options.user_id;
    entry.user_name = options.user_name;
    entry.action = std::move(action);
    entry.collection = std::string(to_string(options.layer));
    entry.client = options.client;
    entry.detail = std::move(detail);
    return entry;
}

std::string refusal_message(const ImportSummary& summary) {
    std::string message = summary.source + ": " + std::to_string(summary.refused) + " bad row" +
                          (summary.refused == 1 ? "" : "s") + ", nothing imported";
    for (std::size_t i = 0; i < std::min(summary.problems.size(), problems_in_message); ++i) {
        const RowProblem& p = summary.problems[i];
        message += "; " + summary.source + ": row " + std::to_string(p.row) + ": field " + p.column + ": " + p.reason;
    }
    if (summary.problems.size() > problems_in_message) message += "; …";
    return message;
}

/// Where the households known so far stand, by address, to place the roster
/// rows that give only an address (issue #17): the mean point of the
/// households of the same compound and building, else of the same compound.
/// The mean, not the first household, because the households of one building
/// are picked at different spots of it: their mean lies near its middle and
/// does not depend on the order of rows. Names match exactly after trimming
/// blanks (the ideographic space too).
///
/// Thread safety: none.
class AddressIndex {
public:
    void add(const model::Household& household) {
        const std::string compound(model::trim_blanks(household.compound));
        if (compound.empty()) return;
        compounds_[compound].add(household.location);
        if (const std::string_view building = model::trim_blanks(household.building); !building.empty()) {
            buildings_[{compound, std::string(building)}].add(household.location);
        }
    }

    /// The position of a household that gives only its address; throws FieldError when it matches nothing.
    [[nodiscard]] geo::Point place(const model::Household& household) const {
        const std::string compound(model::trim_blanks(household.compound));
        if (const auto found = buildings_.find({compound, std::string(model::trim_blanks(household.building))});
            found != buildings_.end()) {
            return found->second.point();
        }
        if (const auto found = compounds_.find(compound); found != compounds_.end()) return found->second.point();
        throw FieldError("compound", "the address matches no compound or building of the store",
                         "地址无法匹配到库中的小区或楼栋", compound);
    }

private:
    struct Mean {
        double x = 0;
        double y = 0;
        std::size_t count = 0;
        void add(const geo::Point& p) {
            x += p.x;
            y += p.y;
            ++count;
        }
        [[nodiscard]] geo::Point point() const {
            return {x / static_cast<double>(count), y / static_cast<double>(count)};
        }
    };
    std::map<std::string, Mean, std::less<>> compounds_;
    std::map<std::pair<std::string, std::string>, Mean> buildings_;
};

/// Reads and checks every row of `layer` against the current `grids` and the
/// `stored` rows (id → row, null when none) into what an import would write.
/// Households that give only an address are placed by `addresses` (the
/// stored households'), which learns the positions of the rows read.
template <class Row, class Stored>
ImportPlan plan_rows(OGRLayer& layer, const std::string& where, const ImportOptions& options, std::string recode_from,
                     const model::Snapshot* grids, const Stored& stored, AddressIndex& addresses,
                     const Progress& progress) {
    const RowReader<Row> reader(layer, options, where, std::move(recode_from));
    const detail::Table<Row>& table = detail::table<Row>();
    if (!detail::has_id<Row> && options.update) {
        throw ImportError("--update: " + std::string(to_string(options.layer)) + " rows have no id to update by");
    }
    ImportPlan plan;
    ImportSummary& summary = plan.summary;
    summary.source = where;
    auto& new_rows = detail::rows(plan.added, table);
    auto& changed_rows = detail::rows(plan.replaced, table);
    std::vector<Row> before;  // the stored row of each changed row
    const auto total = static_cast<std::size_t>(std::max<GIntBig>(0, layer.GetFeatureCount()));
    const std::string reading = "read " + std::string(to_string(options.layer));
    new_rows.reserve(total);
    std::unordered_set<std::int64_t> ids;
    layer.ResetReading();
    std::size_t row_number = 0;
    while (OGRFeatureUniquePtr feature{layer.GetNextFeature()}) {
        ++row_number;
        try {
            SourceRow<Row> source_row = reader.read(*feature);
            Row& row = source_row.row;
            const Row* existing = nullptr;
            if constexpr (detail::has_id<Row>) {
                if (row.id != 0 && !ids.insert(row.id).second) {
                    throw FieldError("id", "id " + std::to_string(row.id) + " appears twice",
                                     "编号在文件中重复出现", std::to_string(row.id));
                }
                existing = row.id != 0 ? stored(row.id) : nullptr;
                if (existing != nullptr) {
                    if (!options.update) {
                        throw FieldError("id", "id " + std::to_string(row.id) + " is stored already (--update changes it)",
                                         "库中已有此编号（更新请加 --update）", std::to_string(row.id));
                    }
                    Row merged = *existing;
                    reader.overlay(row, merged);
                    if constexpr (requires { merged.grid_code; }) {
                        if (!reader.gives("grid_code")) merged.grid_code.clear();
                    }
                    row = std::move(merged);
                }
            }
            if constexpr (std::is_same_v<Row, model::Household>) {
                // A stored household keeps its position rather than take its building's mean.
                if (!source_row.located) row.location = existing != nullptr ? existing->location : addresses.place(row);
            }
            if (grids != nullptr) assign_grid(row, *grids, summary);
            if constexpr (std::is_same_v<Row, model::Household>) {
                if (source_row.located) {
                    addresses.add(row);
                } else if (existing == nullptr) {
                    ++summary.placed_by_address;
                }
            }
            if (existing == nullptr) {
                new_rows.push_back(std::move(row));
            } else if (row == *existing) {
                ++summary.unchanged;
            } else {
                changed_rows.push_back(std::move(row));
                before.push_back(*existing);
            }
        } catch (const FieldError& e) {
            summary.problems.push_back(reader.problem(row_number, e));
        }
        if (progress && row_number % progress_step == 0) progress(reading, row_number, total);
    }
    if (row_number == 0) throw ImportError(where + ": has no rows");
    if (progress) progress(reading, row_number, row_number);
    summary.rows = row_number;
    summary.added = new_rows.size();
    summary.updated = changed_rows.size();
    summary.refused = summary.problems.size();
    if constexpr (detail::has_id<Row>) {
        for (std::size_t i = 0; i < changed_rows.size(); ++i) {
            auth::AuditEntry entry =
                audit_entry(options, "import.update", where + ": " + describe_change(before[i], changed_rows[i]));
            entry.record_ids = {std::to_string(changed_rows[i].id)};
            plan.updates.push_back(std::move(entry));
        }
    }
    return plan;
}

template <class Row>
ImportSummary import_rows(Store& store, OGRLayer& layer, const std::string& where,
                          const ImportOptions& options, std::string recode_from, const Progress& progress) {
    const detail::Table<Row>& table = detail::table<Row>();
    const std::array layers{Layer::grids, options.layer};
    model::Dataset stored_data =
        store.load(std::span(layers).first(options.layer == Layer::grids || !detail::has_id<Row> ? 1 : 2));
    std::shared_ptr<const model::Snapshot> grids;
    if constexpr (requires(Row row) { row.grid_code; }) {
        model::Dataset grid_data;
        grid_data.grids = std::move(stored_data.grids);
        grids = model::Snapshot::build(std::move(grid_data), 0);
    }
    std::unordered_map<std::int64_t, const Row*> by_id;
    AddressIndex addresses;
    if constexpr (detail::has_id<Row>) {
        for (const Row& row : detail::rows(stored_data, table)) {
            by_id.emplace(row.id, &row);
            if constexpr (std::is_same_v<Row, model::Household>) addresses.add(row);
        }
    }
    const auto stored = [&by_id](std::int64_t id) -> const Row* {
        const auto found = by_id.find(id);
        return found != by_id.end() ? found->second : nullptr;
    };
    ImportPlan plan =
        plan_rows<Row>(layer, where, options, std::move(recode_from), grids.get(), stored, addresses, progress);
    ImportSummary& summary = plan.summary;
    if (options.dry_run) return summary;
    if (summary.refused > 0 && !options.skip_bad) {
        // Nothing is imported, but the attempt is on record.
        std::vector<auth::AuditEntry> refusal{import_audit_entry(options, summary)};
        model::Dataset nothing;
        store.upsert(nothing, {}, refusal);
        throw ImportRefused(std::move(summary));
    }
    if (summary.added == 0 && summary.updated == 0) return summary;
    std::vector<auth::AuditEntry> audit = std::move(plan.updates);
    audit.insert(audit.begin(), import_audit_entry(options, summary));
    store.upsert(plan.added, plan.replaced, audit, progress);
    summary.written = true;
    return summary;
}

/// GDAL recodes a shapefile's .dbf itself (from its .cpg or the ENCODING
/// open option); other drivers hand over the bytes as they are.
bool driver_recodes(GDALDataset& dataset) {
    return std::string_view(dataset.GetDriverName()) == "ESRI Shapefile";
}

/// Sets a GDAL config option for this thread while alive (a process-wide one
/// would change what other threads' GDAL calls do).
class ScopedThreadConfig {
public:
    ScopedThreadConfig(const char* key, const char* value) : key_(key) {
        if (const char* old = CPLGetThreadLocalConfigOption(key, nullptr)) old_ = old;
        CPLSetThreadLocalConfigOption(key, value);
    }
    ~ScopedThreadConfig() { CPLSetThreadLocalConfigOption(key_, old_ ? old_->c_str() : nullptr); }
    ScopedThreadConfig(const ScopedThreadConfig&) = delete;
    ScopedThreadConfig& operator=(const ScopedThreadConfig&) = delete;

private:
    const char* key_;
    std::optional<std::string> old_;
};

bool is_utf8_name(const std::string& encoding) {
    return equal_ignoring_case(encoding, "UTF-8") || equal_ignoring_case(encoding, "UTF8");
}

bool has_extension(const std::string& name, std::string_view extension) {
    return name.size() > extension.size() &&
           equal_ignoring_case(std::string_view(name).substr(name.size() - extension.size()), extension);
}

/// The one shapefile inside the .zip `archive`, as a GDAL /vsizip/ path
/// (GDAL reads its .dbf, .shx, .prj and .cpg beside it in the archive).
std::string zipped_shapefile(const std::filesystem::path& archive, const std::string& where) {
    const std::string root = "/vsizip/" + archive.string();
    const std::unique_ptr<char*, decltype(&CSLDestroy)> entries(VSIReadDirRecursive(root.c_str()), CSLDestroy);
    if (entries == nullptr) {
        throw ArchiveError(where + ": not a readable .zip archive", "无法读取该 .zip 压缩包");
    }
    std::vector<std::string> shapefiles;
    for (char** entry = entries.get(); *entry != nullptr; ++entry) {
        if (has_extension(*entry, ".shp")) shapefiles.emplace_back(*entry);
    }
    if (shapefiles.size() != 1) {
        throw ArchiveError(where + ": a .zip must hold exactly one shapefile (.shp with its .shx, .dbf, .prj, .cpg), found " +
                               std::to_string(shapefiles.size()),
                           "压缩包中应恰好有一个 Shapefile（.shp 及其 .shx、.dbf、.prj、.cpg），实际找到 " +
                               std::to_string(shapefiles.size()) + " 个 .shp 文件");
    }
    return root + "/" + shapefiles.front();
}

/// Opens `source` (called `where` in messages; a .zip holding one shapefile
/// is read inside the archive) and calls f(layer, recode_from) with the layer to import.
template <class F>
decltype(auto) with_source(const std::filesystem::path& file, const std::string& where, const ImportOptions& options,
                           F&& f) {
    const detail::QuietGdalErrors quiet;
    if (!std::filesystem::exists(file)) throw ImportError(where + ": no such file");
    const std::filesystem::path source =
        has_extension(file.string(), ".zip") ? std::filesystem::path(zipped_shapefile(file, where)) : file;
    std::vector<std::string> open_options;
    if (!options.encoding.empty()) open_options.push_back("ENCODING=" + options.encoding);
    // A roster's header row is all text like its data rows, which GDAL's guess would take for data.
    // GDAL 3.6 reads this as a config option only, and when it parses the sheet, not at open.
    const ScopedThreadConfig xlsx_headers("OGR_XLSX_HEADERS", "FORCE");
    GDALDatasetUniquePtr dataset = detail::open_vector(source, false, {}, open_options);
    if (!dataset) throw ImportError(where + ": not a readable vector source: " + detail::last_gdal_error());
    const std::string recode_from =
        options.encoding.empty() || is_utf8_name(options.encoding) || driver_recodes(*dataset) ? "" : options.encoding;
    return f(source_layer(*dataset, options.layer, where), recode_from);
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (const char c : text) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + '"';
}

}  // namespace

ArchiveError::ArchiveError(const std::string& message, std::string message_zh)
    : ImportError(message), message_zh_(std::move(message_zh)) {}

ImportRefused::ImportRefused(ImportSummary summary)
    : ImportError(refusal_message(summary)), summary_(std::move(summary)) {}

ImportSummary import_file(Store& store, const std::filesystem::path& source, const ImportOptions& options,
                          const Progress& progress) {
    return with_source(source, source.string(), options, [&](OGRLayer& layer, const std::string& recode_from) {
        return detail::with_table(options.layer, [&](const auto& table) {
            using Row = typename std::decay_t<decltype(table)>::row_type;
            return import_rows<Row>(store, layer, source.string(), options, recode_from, progress);
        });
    });
}

ImportPlan plan_import(const std::filesystem::path& source, const std::string& name, const ImportOptions& options,
                       const model::Snapshot& current) {
    return with_source(source, name, options, [&](OGRLayer& layer, const std::string& recode_from) {
        AddressIndex addresses;
        switch (options.layer) {
            case Layer::households: {
                for (const model::Household& household : current.data().households) addresses.add(household);
                const auto stored = [&current](std::int64_t id) { return current.household(id); };
                return plan_rows<model::Household>(layer, name, options, recode_from, &current, stored, addresses, {});
            }
            case Layer::facilities: {
                const auto stored = [&current](std::int64_t id) { return current.facility(id); };
                return plan_rows<model::Facility>(layer, name, options, recode_from, &current, stored, addresses, {});
            }
            case Layer::grids: {
                // A grid layout is a draft's to check, not this reader's: no grid codes to derive.
                const auto stored = [](std::int64_t) -> const model::Grid* { return nullptr; };
                return plan_rows<model::Grid>(layer, name, options, recode_from, nullptr, stored, addresses, {});
            }
            default:
                throw ImportError("only households, facilities and grids are planned against a snapshot");
        }
    });
}

auth::AuditEntry import_audit_entry(const ImportOptions& options, const ImportSummary& summary) {
    const bool refused = summary.refused > 0 && !options.skip_bad;
    std::string detail = summary.source + ": " + std::to_string(summary.added) + " new, " +
                         std::to_string(summary.updated) + " updated, " + std::to_string(summary.unchanged) +
                         " unchanged, " + std::to_string(summary.refused) + " bad rows" +
                         (refused ? ", nothing imported" : summary.refused > 0 ? " skipped" : "");
    auth::AuditEntry entry = audit_entry(options, "import", std::move(detail));
    if (refused) entry.outcome = auth::Outcome::denied;
    return entry;
}

std::map<std::string, std::string, std::less<>> read_column_map(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw ImportError(path.string() + ": cannot read the mapping file");
    const nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
    if (!json.is_object()) {
        throw ImportError(path.string() + ": a mapping file is a JSON object of field → column, e.g. {\"head_name\": \"户主\"}");
    }
    std::map<std::string, std::string, std::less<>> columns;
    for (const auto& [field, column] : json.items()) {
        if (!column.is_string() || column.get<std::string>().empty()) {
            throw ImportError(path.string() + ": the column of field " + field + " must be a non-empty string");
        }
        columns[field] = column.get<std::string>();
    }
    return columns;
}

nlohmann::json report_json(const ImportSummary& summary) {
    nlohmann::json problems = nlohmann::json::array();
    for (const RowProblem& p : summary.problems) {
        problems.push_back(
            {{"row", p.row}, {"column", p.column}, {"value", p.value}, {"reason", p.reason}, {"reason_zh", p.reason_zh}});
    }
    return {{"source", summary.source},       {"rows", summary.rows},
            {"added", summary.added},         {"updated", summary.updated},
            {"unchanged", summary.unchanged}, {"refused", summary.refused},
            {"outside_grids", summary.outside_grids}, {"placed_by_address", summary.placed_by_address},
            {"written", summary.written},
            {"problems", std::move(problems)}};
}

void write_report(const ImportSummary& summary, const std::filesystem::path& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw ImportError(path.string() + ": cannot write the report");
    if (path.extension() == ".csv") {
        out << "\xEF\xBB\xBF" << "行号 row,列 column,值 value,原因 reason_zh,reason\n";
        for (const RowProblem& p : summary.problems) {
            out << p.row << ',' << csv_field(p.column) << ',' << csv_field(p.value) << ',' << csv_field(p.reason_zh)
                << ',' << csv_field(p.reason) << '\n';
        }
    } else {
        out << report_json(summary).dump(2) << '\n';
    }
    if (!out.flush()) throw ImportError(path.string() + ": cannot write the report");
}

}  // namespace wangge::store
