#include "wangge/http/features.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "contact_card.hpp"
#include "wangge/auth/masking.hpp"
#include "wangge/geo/geojson.hpp"
#include "wangge/geo/projection.hpp"
#include "wangge/model/organisations.hpp"
#include "wangge/model/time.hpp"

namespace wangge::http {

namespace {

using nlohmann::json;
using model::Timestamp;

constexpr std::string_view geojson_type = "application/geo+json";
constexpr std::string_view json_type = "application/json";
constexpr std::string_view crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
constexpr std::string_view epsg_prefix = "http://www.opengis.net/def/crs/EPSG/0/";
constexpr std::int64_t max_limit = 10'000;
constexpr std::int64_t default_limit = 100;

struct Collection {
    std::string_view id;
    std::string_view title;
    std::string_view description;
    /// Property filters accepted as query parameters.
    std::vector<std::string_view> filters;
    bool temporal;
    /// What the caller needs to read the collection (auth/policy.hpp).
    auth::Action read_action;
    /// Items have personal fields: the collection takes `reveal`.
    bool personal;
};

const std::array<Collection, 5> collections{{
    {"grids", "网格", "网格边界：街道、社区、网格三级；datetime 选择当时有效的网格版本", {"code", "level", "parent_code"},
     true, auth::Action::read_grid_outlines, false},
    {"households", "户",
     "住户位置与地址；本人负责网格内的住户另含特殊人群标签和脱敏的户主姓名、身份证号、电话"
     "（reveal=true 显示全文并记入审计日志）",
     {"grid_code"}, false, auth::Action::read_households, true},
    {"facilities", "设施与单位", "党群服务中心、卫生服务站、避难场所等设施，以及各类组织（另见 organisations）",
     {"grid_code", "kind", "category", "compound"}, false, auth::Action::read_facilities, false},
    {"organisations", "组织", "网格党支部、党群微家、社会组织、物业、业委会、企业和商铺：类型、所在网格、服务小区与联系人",
     {"grid_code", "kind", "category", "compound"}, false, auth::Action::read_facilities, false},
    {"incidents", "事件", "上报的事件与案卷；datetime 按上报时间筛选",
     {"grid_code", "category", "state", "triage", "source"}, true, auth::Action::read_incidents, false},
}};

const Collection& find_collection(std::string_view id) {
    for (const Collection& collection : collections) {
        if (collection.id == id) return collection;
    }
    throw ClientError(ErrorKind::not_found, "not_found", "no collection '" + std::string(id) + "'",
                      "没有名为 " + std::string(id) + " 的数据集");
}

/// Per snapshot: what listing the collections would otherwise rescan. An
/// edited snapshot (model::Changes) updates the previous version's instead of
/// scanning: the household counts are shared until households or the layout
/// change, the incidents' time extent widens by the changed rows only (a row
/// whose reported_at was rewritten may leave it wider than a fresh scan).
struct FeatureStats {
    using HouseholdCounts = std::unordered_map<std::string_view, std::size_t>;
    /// Households per current grid code, counted into every ancestor too.
    std::shared_ptr<const HouseholdCounts> household_count;
    std::optional<Timestamp> grids_begin;
    std::optional<Timestamp> grids_end;  ///< nullopt while some grid is in force
    std::optional<Timestamp> incidents_begin;
    std::optional<Timestamp> incidents_end;

    FeatureStats(const model::Snapshot& snapshot, const FeatureStats* previous, std::uint64_t previous_version) {
        const model::Tables& data = snapshot.data();
        const model::Changes& changes = snapshot.changes();
        const bool edited = previous != nullptr && !changes.rebuilt && changes.from_version == previous_version;
        household_count = edited && !changes.layout && changes.households.empty() ? previous->household_count
                                                                                  : count_households(snapshot);
        bool open_ended = false;
        for (const model::Grid& grid : data.grids) {
            grids_begin = std::min(grids_begin.value_or(grid.valid_from), grid.valid_from);
            if (grid.valid_to) grids_end = std::max(grids_end.value_or(*grid.valid_to), *grid.valid_to);
            open_ended = open_ended || grid.current();
        }
        if (open_ended) grids_end.reset();
        const auto widen = [this](const model::Incident& incident) {
            incidents_begin = std::min(incidents_begin.value_or(incident.reported_at), incident.reported_at);
            incidents_end = std::max(incidents_end.value_or(incident.reported_at), incident.reported_at);
        };
        if (edited) {
            incidents_begin = previous->incidents_begin;
            incidents_end = previous->incidents_end;
            for (const std::size_t position : changes.incidents) widen(data.incidents[position]);
        } else {
            for (const model::Incident& incident : data.incidents) widen(incident);
        }
    }

    static std::shared_ptr<const HouseholdCounts> count_households(const model::Snapshot& snapshot) {
        auto counts = std::make_shared<HouseholdCounts>();
        std::unordered_map<std::string_view, std::size_t> direct;
        for (const model::Household& household : snapshot.data().households) {
            if (household.resident()) ++direct[household.grid_code];
        }
        for (const auto& [code, count] : direct) {
            // Walk up the current tree; a cycle in bad data cannot loop forever.
            const model::Grid* grid = snapshot.current_grid(code);
            for (std::size_t depth = 0; grid != nullptr && depth < 16; ++depth) {
                (*counts)[grid->code] += count;
                grid = grid->parent_code.empty() ? nullptr : snapshot.current_grid(grid->parent_code);
            }
        }
        // Households keep their base grid; a dedicated grid counts those inside it.
        const auto& households = snapshot.data().households;
        for (const model::Grid* grid : snapshot.current_grids()) {
            if (!grid->dedicated()) continue;
            std::size_t& inside = (*counts)[grid->code];
            snapshot.household_index().query(geo::bounds(grid->geometry), [&](std::size_t position) {
                const model::Household& household = households[position];
                if (household.resident() && geo::contains(grid->geometry, household.location)) ++inside;
                return true;
            });
        }
        return counts;
    }
};

// ---------------------------------------------------------------- parameters

/// Accepts f=json / f=geojson only: no HTML pages are served.
void check_format(const Query& query) {
    const auto f = query.get("f");
    if (f && *f != "json" && *f != "geojson") {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter",
                        "parameter 'f' is '" + std::string(*f) + "', expected json or geojson",
                        "参数 f 的值 " + std::string(*f) + " 无效，应为 json 或 geojson");
    }
}

struct Interval {
    std::optional<Timestamp> begin;  ///< nullopt: open
    std::optional<Timestamp> end;
    bool instant = false;

    [[nodiscard]] bool contains(Timestamp t) const noexcept {
        return (!begin || *begin <= t) && (!end || t <= *end);
    }
};

Interval parse_datetime(std::string_view text) {
    const auto invalid = [text] {
        return ClientError(ErrorKind::bad_request, "invalid_parameter",
                         "parameter 'datetime' is '" + std::string(text) +
                             "', expected an ISO 8601 instant or interval start/end ('..' for open)",
                         "参数 datetime 的值 " + std::string(text) + " 无效，应为时间或时间区间（ISO 8601）");
    };
    const auto bound = [&invalid](std::string_view part) -> std::optional<Timestamp> {
        if (part.empty() || part == "..") return std::nullopt;
        const auto t = model::parse_iso8601(part);
        if (!t) throw invalid();
        return t;
    };
    const std::size_t slash = text.find('/');
    if (slash == std::string_view::npos) {
        const auto t = model::parse_iso8601(text);
        if (!t) throw invalid();
        return {t, t, true};
    }
    Interval interval{bound(text.substr(0, slash)), bound(text.substr(slash + 1)), false};
    if (interval.begin && interval.end && *interval.begin > *interval.end) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter",
                        "parameter 'datetime' has its start after its end: " + std::string(text),
                        "参数 datetime 的开始时间晚于结束时间：" + std::string(text));
    }
    return interval;
}

geo::Box parse_bbox(std::string_view text) {
    std::vector<double> numbers;
    while (true) {
        const std::size_t comma = text.find(',');
        numbers.push_back(parse_double(text.substr(0, comma), "bbox", -1e9, 1e9));
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    if (numbers.size() != 4 && numbers.size() != 6) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter",
                        "parameter 'bbox' needs 4 or 6 numbers, got " + std::to_string(numbers.size()),
                        "参数 bbox 应为 4 个或 6 个数，收到 " + std::to_string(numbers.size()) + " 个");
    }
    const std::size_t half = numbers.size() / 2;  // 6 numbers: minx,miny,minz,maxx,maxy,maxz
    const geo::Box box{numbers[0], numbers[1], numbers[half], numbers[half + 1]};
    if (box.min_x > box.max_x || box.min_y > box.max_y || (half == 3 && numbers[2] > numbers[5])) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter", "parameter 'bbox' has a minimum above its maximum",
                          "参数 bbox 的最小值大于最大值");
    }
    return box;
}

// ---------------------------------------------------------------- coordinate reference systems

/// A CRS a client may ask for (OGC API Features Part 2, `crs` and
/// `bbox-crs`): CRS84, which is what is stored (EPSG:4490 in lon/lat order),
/// or an EPSG code PROJ transforms to.
struct OutputCrs {
    int epsg = 0;  ///< 0: CRS84

    [[nodiscard]] std::string uri() const {
        return epsg == 0 ? std::string(crs84) : std::string(epsg_prefix) + std::to_string(epsg);
    }
};

constexpr int storage_epsg = 4490;
/// The CGCS2000 Gauss–Krüger zones: 6° zones 13–23 and 3° zones 25–45, each
/// with and without the zone number before the easting. Every district in
/// China lies in one of each kind.
constexpr int first_gauss_kruger = 4491;
constexpr int last_gauss_kruger = 4554;

bool supported_crs(int epsg) noexcept {
    return epsg == 0 || epsg == storage_epsg || epsg == 3857 ||
           (epsg >= first_gauss_kruger && epsg <= last_gauss_kruger);
}

json supported_crs_uris() {
    json list = json::array({crs84, OutputCrs{storage_epsg}.uri(), OutputCrs{3857}.uri()});
    for (int epsg = first_gauss_kruger; epsg <= last_gauss_kruger; ++epsg) list.push_back(OutputCrs{epsg}.uri());
    return list;
}

/// The URIs of Part 2 and their safe CURIEs ([EPSG:3857], [OGC:CRS84]).
OutputCrs parse_crs(std::string_view text, std::string_view name) {
    std::optional<int> epsg;
    if (text == crs84 || text == "[OGC:CRS84]") {
        epsg = 0;
    } else {
        std::string_view digits;
        if (text.starts_with(epsg_prefix)) digits = text.substr(epsg_prefix.size());
        if (text.starts_with("[EPSG:") && text.ends_with(']')) digits = text.substr(6, text.size() - 7);
        int code = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code);
        if (!digits.empty() && ec == std::errc{} && end == digits.data() + digits.size()) epsg = code;
    }
    if (!epsg || !supported_crs(*epsg)) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter",
                          "parameter '" + std::string(name) + "' is '" + std::string(text) +
                              "', not a supported CRS (CRS84, EPSG:4490, EPSG:3857, EPSG:4491-4554 as " +
                              std::string(epsg_prefix) + "N URIs; see the collection's crs list)",
                          "参数 " + std::string(name) + " 的坐标参考系 " + std::string(text) +
                              " 不受支持，可用 CRS84、EPSG:4490、EPSG:3857 和国家2000高斯-克吕格投影 EPSG:4491–4554");
    }
    return {*epsg};
}

/// Rewrites the coordinates of a rendered GeoJSON geometry into the
/// transform's CRS, all positions in one PROJ call.
void reproject(json& geometry, const geo::CrsTransform& transform) {
    std::vector<json*> positions;
    const auto gather = [&positions](auto& self, json& array) -> void {
        if (!array.is_array() || array.empty()) return;
        if (array[0].is_number()) {
            positions.push_back(&array);
            return;
        }
        for (json& element : array) self(self, element);
    };
    gather(gather, geometry["coordinates"]);
    std::vector<geo::Point> points;
    points.reserve(positions.size());
    for (const json* position : positions) points.push_back({(*position)[0].get<double>(), (*position)[1].get<double>()});
    transform.forward(points);
    for (std::size_t i = 0; i < points.size(); ++i) {
        (*positions[i])[0] = points[i].x;
        (*positions[i])[1] = points[i].y;
    }
}

/// The features of a response in the CRS asked for, and the header saying which.
class CrsOutput {
public:
    CrsOutput() = default;
    CrsOutput(OutputCrs crs, geo::CrsPipelines& pipelines) : crs_(crs) {
        if (crs.epsg != 0) transform_.emplace(pipelines.transform(crs.epsg));
    }

    void operator()(json& feature) const {
        if (transform_ && feature["geometry"].is_object()) reproject(feature["geometry"], *transform_);
    }
    void label(Response& response) const { response.set_header("Content-Crs", "<" + crs_.uri() + ">"); }

private:
    OutputCrs crs_;
    std::optional<geo::CrsTransform> transform_;
};

/// PROJ fails only on coordinates its projection cannot reach (a bbox far
/// outside the zone asked for): the client's mistake, not the server's.
template <class Work>
auto in_client_crs(std::string_view what, Work&& work) {
    try {
        return work();
    } catch (const geo::ProjectionError& error) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter",
                          std::string(what) + " cannot be transformed: " + error.what(),
                          "坐标无法在所请求的坐标参考系中换算（" + std::string(what) + "）");
    }
}

struct ItemsQuery {
    std::optional<geo::Box> bbox;  ///< lon/lat, whatever bbox-crs the client gave it in
    CrsOutput output;              ///< the crs asked for
    std::optional<Interval> datetime;
    std::size_t limit = default_limit;
    std::size_t offset = 0;
    std::vector<std::pair<std::string_view, std::string_view>> filters;
    bool reveal = false;  ///< the explicit ask for unmasked personal fields
};

ItemsQuery parse_items_query(const Query& query, const Collection& collection, geo::CrsPipelines& pipelines) {
    check_format(query);
    ItemsQuery items;
    OutputCrs crs;
    OutputCrs bbox_crs;
    for (const auto& [name, value] : query.items()) {
        if (name == "f") continue;
        if (name == "bbox") {
            items.bbox = parse_bbox(value);
        } else if (name == "bbox-crs") {
            bbox_crs = parse_crs(value, name);
        } else if (name == "crs") {
            crs = parse_crs(value, name);
        } else if (name == "limit") {
            items.limit = static_cast<std::size_t>(parse_int(value, "limit", 1, max_limit));
        } else if (name == "offset") {
            items.offset = static_cast<std::size_t>(parse_int(value, "offset", 0, INT64_MAX));
        } else if (name == "datetime" && collection.temporal) {
            items.datetime = parse_datetime(value);
        } else if (name == "reveal" && collection.personal) {
            items.reveal = parse_bool(value, "reveal");
        } else if (std::ranges::find(collection.filters, std::string_view(name)) != collection.filters.end()) {
            if (name == "level" && !model::parse_grid_level(value)) {
                throw ClientError(ErrorKind::bad_request, "invalid_parameter",
                                "parameter 'level' is '" + value + "', expected street, community, grid, subgrid or dedicated",
                                "参数 level 的值 " + value + " 无效，应为 street、community、grid、subgrid 或 dedicated");
            }
            items.filters.emplace_back(name, value);
        } else {
            std::string allowed = "f, bbox, bbox-crs, crs, limit, offset";
            if (collection.temporal) allowed += ", datetime";
            if (collection.personal) allowed += ", reveal";
            for (const std::string_view filter : collection.filters) allowed += ", " + std::string(filter);
            throw ClientError(ErrorKind::bad_request, "unknown_parameter",
                            "unknown query parameter '" + name + "' for collection " + std::string(collection.id) +
                                " (allowed: " + allowed + ")",
                            "数据集 " + std::string(collection.id) + " 不支持查询参数 " + name + "（可用：" + allowed + "）");
        }
    }
    if (items.bbox && bbox_crs.epsg != 0) {
        items.bbox = in_client_crs("bbox", [&] { return pipelines.transform(bbox_crs.epsg).inverse(*items.bbox); });
    }
    items.output = CrsOutput(crs, pipelines);
    return items;
}

// ---------------------------------------------------------------- filtering

std::string_view filter_field(const model::Grid& grid, std::string_view name) {
    if (name == "code") return grid.code;
    if (name == "level") return model::to_string(grid.level);
    return grid.parent_code;
}
std::string_view filter_field(const model::Household& household, std::string_view) { return household.grid_code; }
std::string_view filter_field(const model::Facility& facility, std::string_view name) {
    if (name == "kind") return facility.kind;
    if (name == "compound") return facility.compound;
    if (name == "category") return model::organisation_category(facility.kind).value_or(std::string_view());
    return facility.grid_code;
}
std::string_view filter_field(const model::Incident& incident, std::string_view name) {
    if (name == "category") return incident.category;
    if (name == "state") return incident.state;
    if (name == "triage") return incident.triage;
    if (name == "source") return incident.source;
    return incident.grid_code;
}

template <class Item>
bool passes_filters(const Item& item, const ItemsQuery& query) {
    return std::ranges::all_of(query.filters, [&item](const auto& filter) {
        return filter_field(item, filter.first) == filter.second;
    });
}

bool segments_cross(geo::Point a, geo::Point b, geo::Point c, geo::Point d) noexcept {
    const auto orient = [](geo::Point p, geo::Point q, geo::Point r) {
        const double v = (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x);
        return (v > 0) - (v < 0);
    };
    const auto within = [](geo::Point p, geo::Point q, geo::Point r) {  // r on segment pq, given collinear
        return std::min(p.x, q.x) <= r.x && r.x <= std::max(p.x, q.x) && std::min(p.y, q.y) <= r.y &&
               r.y <= std::max(p.y, q.y);
    };
    const int o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
    if (o1 != o2 && o3 != o4) return true;
    return (o1 == 0 && within(a, b, c)) || (o2 == 0 && within(a, b, d)) || (o3 == 0 && within(c, d, a)) ||
           (o4 == 0 && within(c, d, b));
}

/// Exact polygon/box intersection: a vertex inside the box, a box corner
/// inside the polygon, or crossing edges. Bounding boxes alone would match
/// L-shaped grids far from the box.
bool intersects(const geo::MultiPolygon& multi, const geo::Box& box) {
    if (!geo::bounds(multi).intersects(box)) return false;
    const std::array<geo::Point, 4> corners{{{box.min_x, box.min_y},
                                             {box.max_x, box.min_y},
                                             {box.max_x, box.max_y},
                                             {box.min_x, box.max_y}}};
    for (const geo::Point& corner : corners) {
        if (geo::contains(multi, corner)) return true;
    }
    for (const geo::Polygon& polygon : multi.polygons) {
        for (const geo::Ring& ring : polygon.rings) {
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                if (box.contains(ring[i])) return true;
                for (std::size_t k = 0; k < 4; ++k) {
                    if (segments_cross(ring[i], ring[i + 1], corners[k], corners[(k + 1) % 4])) return true;
                }
            }
        }
    }
    return false;
}

/// Positions of the index's items whose boxes meet `box`, in stored order so that pages are stable.
template <class Index>
std::vector<std::size_t> sorted_hits(const Index& index, const geo::Box& box) {
    std::vector<std::size_t> positions;
    index.query(box, [&positions](std::size_t i) {
        positions.push_back(i);
        return true;
    });
    std::ranges::sort(positions);
    return positions;
}

/// One page of matches plus the total count.
template <class Item>
struct Page {
    std::vector<const Item*> items;
    std::size_t matched = 0;

    void offer(const Item& item, const ItemsQuery& query) {
        if (matched >= query.offset && items.size() < query.limit) items.push_back(&item);
        ++matched;
    }
};

/// Points: candidates from the index when a bbox is given, in stored order either way.
template <class Item, class Extra>
Page<Item> select_points(const model::Table<Item>& all, const model::PointSearch& index, const ItemsQuery& query,
                         Extra&& extra) {
    Page<Item> page;
    const auto passes = [&](const Item& item) { return passes_filters(item, query) && extra(item); };
    if (!query.bbox) {
        for (const Item& item : all) {
            if (passes(item)) page.offer(item, query);
        }
        return page;
    }
    // Every hit is counted, but only the page's are put in stored order (a
    // partial sort): a dense bbox holds thousands of points, a page 10.
    std::vector<std::size_t> passing;
    index.query(*query.bbox, [&](std::size_t i) {
        if (passes(all[i])) passing.push_back(i);
        return true;
    });
    page.matched = passing.size();
    const std::size_t end = std::min(passing.size(), query.offset + query.limit);  // offset < 2^63: no overflow
    if (query.offset >= end) return page;
    std::partial_sort(passing.begin(), passing.begin() + static_cast<std::ptrdiff_t>(end), passing.end());
    for (std::size_t i = query.offset; i < end; ++i) page.items.push_back(&all[passing[i]]);
    return page;
}

Page<model::Grid> select_grids(const model::Snapshot& snapshot, const ItemsQuery& query) {
    std::vector<const model::Grid*> layout;
    if (!query.datetime && query.bbox) {
        // The index covers the current layout only; older layouts are scanned.
        for (const std::size_t i : sorted_hits(snapshot.grid_index(), *query.bbox)) {
            layout.push_back(snapshot.current_grids()[i]);
        }
    } else if (!query.datetime) {
        const auto current = snapshot.current_grids();
        layout.assign(current.begin(), current.end());
    } else if (query.datetime->instant) {
        layout = snapshot.grids_at(*query.datetime->begin);
    } else {
        const Interval& interval = *query.datetime;
        for (const model::Grid& grid : snapshot.data().grids) {
            const bool starts_before_end = !interval.end || grid.valid_from <= *interval.end;
            const bool ends_after_begin = !interval.begin || !grid.valid_to || *grid.valid_to > *interval.begin;
            if (starts_before_end && ends_after_begin) layout.push_back(&grid);
        }
    }
    Page<model::Grid> page;
    for (const model::Grid* grid : layout) {
        if (!passes_filters(*grid, query)) continue;
        if (query.bbox && !intersects(grid->geometry, *query.bbox)) continue;
        page.offer(*grid, query);
    }
    return page;
}

// ---------------------------------------------------------------- rendering

json optional_time(const std::optional<Timestamp>& t) { return t ? json(model::format_iso8601(*t)) : json(nullptr); }

json feature(const model::Grid& grid, const model::Snapshot& snapshot, const FeatureStats& stats) {
    json properties{{"code", grid.code},
                    {"name", grid.name},
                    {"level", model::to_string(grid.level)},
                    {"parent_code", grid.parent_code.empty() ? json(nullptr) : json(grid.parent_code)},
                    {"valid_from", model::format_iso8601(grid.valid_from)},
                    {"valid_to", optional_time(grid.valid_to)},
                    {"version", grid.version}};
    if (grid.dedicated()) properties["purpose"] = grid.purpose;
    if (grid.current()) {
        const auto count = stats.household_count->find(grid.code);
        properties["household_count"] = count == stats.household_count->end() ? 0 : count->second;
        properties["staff"] = detail::contact_card(snapshot, grid.code);
    }
    return {{"type", "Feature"}, {"id", grid.code}, {"geometry", geo::to_geojson(grid.geometry)},
            {"properties", std::move(properties)}};
}


/// Renders households for one caller and remembers which ones carried
/// personal fields, so that the response can be audit-logged.
class HouseholdViewer {
public:
    HouseholdViewer(auth::Principal who, bool reveal) : who_(std::move(who)), reveal_(reveal) {}

    json operator()(const model::Household& household) {
        const auth::PersonalView view = auth::personal_view(who_, household.grid_code, reveal_);
        if (view != auth::PersonalView::none) shown_.push_back(std::to_string(household.id));
        return household_feature(household, view);
    }

    /// Logs the personal data shown and keeps every cache from storing it.
    void finish(const AuthGate& gate, const Request& request, Response& response) && {
        if (shown_.empty()) {
            vary_by_session(response);
            return;
        }
        vary_by_session(response, "no-store");
        gate.audit(request, who_, reveal_ ? "households.reveal" : "households.read", "households", std::move(shown_),
                   auth::Outcome::ok, std::string(request.target()));
    }

private:
    auth::Principal who_;
    bool reveal_;
    std::vector<std::string> shown_;
};

json feature(const model::Facility& facility, const model::Snapshot&, const FeatureStats&) {
    const auto category = model::organisation_category(facility.kind);
    return {{"type", "Feature"},
            {"id", facility.id},
            {"geometry", geo::to_geojson(facility.location)},
            {"properties",
             {{"id", facility.id},
              {"kind", facility.kind},
              {"category", category ? json(*category) : json(nullptr)},
              {"name", facility.name},
              {"grid_code", facility.grid_code},
              {"compound", facility.compound},
              {"contact_name", facility.contact_name},
              {"contact_phone", facility.contact_phone}}}};
}

json feature(const model::Incident& incident, const model::Snapshot&, const FeatureStats&) {
    return {{"type", "Feature"},
            {"id", incident.id},
            {"geometry", geo::to_geojson(incident.location)},
            {"properties",
             {{"id", incident.id},
              {"category", incident.category},
              {"source", incident.source},
              {"triage", incident.triage},
              {"state", incident.state},
              {"description", incident.description},
              {"grid_code", incident.grid_code},
              {"assignee", incident.assignee},
              {"reported_at", model::format_iso8601(incident.reported_at)},
              {"dispatched_at", optional_time(incident.dispatched_at)},
              {"deadline", optional_time(incident.deadline)},
              {"closed_at", optional_time(incident.closed_at)}}}};
}

std::string now_iso8601() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return model::format_iso8601(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

template <class Item, class Render>
Response feature_collection(const Request& request, const ItemsQuery& query, const Page<Item>& page, Render&& render) {
    const CrsOutput& output = query.output;
    json features = json::array();
    for (const Item* item : page.items) {
        features.push_back(render(*item));
        in_client_crs("features", [&] { output(features.back()); });
    }
    const std::string here = request.base_url() + std::string(request.path());
    const auto page_link = [&](std::size_t offset, std::string_view rel) {
        const std::string encoded = request.query().encode(
            {{"offset", offset == 0 ? std::string() : std::to_string(offset)}, {"limit", std::to_string(query.limit)}});
        return ogc_link(here + "?" + encoded, rel, geojson_type);
    };
    json links = json::array({ogc_link(here + (request.query().items().empty() ? "" : "?" + request.query().encode()),
                                   "self", geojson_type)});
    if (query.offset + page.items.size() < page.matched) links.push_back(page_link(query.offset + query.limit, "next"));
    if (query.offset > 0) {
        links.push_back(page_link(query.offset > query.limit ? query.offset - query.limit : 0, "prev"));
    }
    Response response = Response::json({{"type", "FeatureCollection"},
                                        {"numberMatched", page.matched},
                                        {"numberReturned", page.items.size()},
                                        {"timeStamp", now_iso8601()},
                                        {"links", std::move(links)},
                                        {"features", std::move(features)}},
                                       Status::ok, geojson_type);
    output.label(response);
    return response;
}

json collection_json(const Collection& collection, const model::Snapshot& snapshot, const FeatureStats& stats,
                     const std::string& base) {
    geo::Box box;
    if (collection.id == "grids") box = snapshot.extent();
    if (collection.id == "households") box = snapshot.household_index().bounds();
    if (collection.id == "facilities" || collection.id == "organisations") box = snapshot.facility_index().bounds();
    if (collection.id == "incidents") box = snapshot.incident_index().bounds();
    if (box.empty()) box = {-180.0, -90.0, 180.0, 90.0};
    json extent{{"spatial", {{"bbox", json::array({json::array({box.min_x, box.min_y, box.max_x, box.max_y})})},
                             {"crs", crs84}}}};
    const auto temporal = [&extent](const std::optional<Timestamp>& begin, const std::optional<Timestamp>& end) {
        extent["temporal"] = {{"interval", json::array({json::array({optional_time(begin), optional_time(end)})})},
                              {"trs", "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}};
    };
    if (collection.id == "grids") temporal(stats.grids_begin, stats.grids_end);
    if (collection.id == "incidents") temporal(stats.incidents_begin, stats.incidents_end);
    const std::string self = base + "/collections/" + std::string(collection.id);
    // Organisations are drawn from the places layer's tiles, where they carry a category.
    const bool shares_tiles = collection.id == "organisations";
    const std::string tiles = base + "/collections/" + (shares_tiles ? "facilities" : std::string(collection.id)) +
                              "/tiles";
    return {{"id", collection.id},
            {"title", collection.title},
            {"description", collection.description},
            {"itemType", "feature"},
            {"crs", supported_crs_uris()},
            {"storageCrs", OutputCrs{storage_epsg}.uri()},
            {"extent", std::move(extent)},
            {"links", json::array({ogc_link(self, "self", json_type), ogc_link(self + "/items", "items", geojson_type),
                                   ogc_link(tiles, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", json_type,
                                            shares_tiles ? "矢量瓦片：设施与单位图层中 category 非空的要素"
                                                         : "矢量瓦片（OGC API – Tiles）")})}};
}

/// The numeric id of an item path; nullopt for anything else (a 404, not a 400).
std::optional<std::int64_t> item_id(std::string_view text) {
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return id;
}

const model::Grid* find_grid(const model::Snapshot& snapshot, std::string_view code) {
    if (const model::Grid* current = snapshot.current_grid(code)) return current;
    const model::Grid* latest = nullptr;
    for (const model::Grid& grid : snapshot.data().grids) {
        if (grid.code == code && (!latest || grid.version > latest->version)) latest = &grid;
    }
    return latest;
}

Response single_feature(const json& body) { return Response::json(body, Status::ok, geojson_type); }

/// The caller's right to a household's personal fields, for a single item:
/// scoped roles get no record of another grid's residents (403 out_of_scope,
/// logged as denied); roles without personal access get the plain record.
void check_household_access(const AuthGate& gate, const Request& request, const auth::Principal& who,
                            const model::Household& household, bool reveal) {
    const auto check = [&](auth::Action action) {
        const auth::Decision decision = auth::decide(who, action, household.grid_code);
        if (decision == auth::Decision::allowed || decision == auth::Decision::forbidden) return decision;
        gate.audit(request, who, "households.read", "households", {std::to_string(household.id)},
                   auth::Outcome::denied, std::string(auth::to_string(decision)));
        enforce(decision);
        return decision;
    };
    (void)check(auth::Action::read_household_personal);
    if (reveal) enforce(check(auth::Action::reveal_household_identifiers));
}

/// The caller of an items request; 401/403 unless it may read the collection.
/// Grids need no session lookup: their items (with the contact card) are public.
auth::Principal reader(const AuthGate& gate, const Request& request, const Collection& collection) {
    if (collection.id == "grids") {
        gate.permit(request, collection.read_action);
        gate.permit(request, auth::Action::read_contact_cards);
        return {};
    }
    return gate.require(request, collection.read_action);
}

Response items(const AuthGate& gate, const Request& request, const View& view, geo::CrsPipelines& pipelines) {
    const Collection& collection = find_collection(request.param("collection"));
    const auth::Principal who = reader(gate, request, collection);
    const ItemsQuery query = parse_items_query(request.query(), collection, pipelines);
    const model::Snapshot& snapshot = view.snapshot();
    const model::Tables& data = snapshot.data();
    const auto& stats = view.derived<FeatureStats>();
    const auto any = [](const auto&) { return true; };
    const auto plain = [&](const auto& item) { return feature(item, snapshot, stats); };
    if (collection.id == "grids") return feature_collection(request, query, select_grids(snapshot, query), plain);
    if (collection.id == "households") {
        if (query.reveal) enforce(auth::decide(who, auth::Action::reveal_household_identifiers));
        HouseholdViewer viewer(who, query.reveal);
        const auto resident = [](const model::Household& household) { return household.resident(); };
        Response response = feature_collection(
            request, query, select_points(data.households, snapshot.household_index(), query, resident), viewer);
        std::move(viewer).finish(gate, request, response);
        return response;
    }
    Response response = [&] {
        if (collection.id == "facilities") {
            return feature_collection(request, query,
                                      select_points(data.facilities, snapshot.facility_index(), query, any), plain);
        }
        if (collection.id == "organisations") {
            const auto organisation = [](const model::Facility& place) { return model::is_organisation(place); };
            return feature_collection(
                request, query, select_points(data.facilities, snapshot.facility_index(), query, organisation), plain);
        }
        const auto reported_in = [&query](const model::Incident& incident) {
            return !query.datetime || query.datetime->contains(incident.reported_at);
        };
        return feature_collection(request, query,
                                  select_points(data.incidents, snapshot.incident_index(), query, reported_in), plain);
    }();
    vary_by_session(response);
    return response;
}

Response item(const AuthGate& gate, const Request& request, const View& view, geo::CrsPipelines& pipelines) {
    const Collection& collection = find_collection(request.param("collection"));
    const auth::Principal who = reader(gate, request, collection);
    const Query& query = request.query();
    if (collection.personal) {
        query.allow_only({"f", "crs", "reveal"});
    } else {
        query.allow_only({"f", "crs"});
    }
    check_format(query);
    const CrsOutput output =
        query.has("crs") ? CrsOutput(parse_crs(*query.get("crs"), "crs"), pipelines) : CrsOutput();
    const bool reveal = collection.personal && query.has("reveal") && parse_bool(*query.get("reveal"), "reveal");
    const std::string& id = request.param("id");
    const model::Snapshot& snapshot = view.snapshot();
    const auto& stats = view.derived<FeatureStats>();
    const auto link_up = [&](json body) {
        const std::string self = request.base_url() + std::string(request.path());
        body["links"] = json::array({ogc_link(self, "self", geojson_type),
                                     ogc_link(request.base_url() + "/collections/" + std::string(collection.id),
                                          "collection", json_type)});
        in_client_crs("feature", [&] { output(body); });
        Response response = single_feature(body);
        output.label(response);
        return response;
    };
    const auto missing = [&] {
        return ClientError(ErrorKind::not_found, "not_found",
                         "no feature '" + id + "' in collection " + std::string(collection.id),
                         "数据集 " + std::string(collection.id) + " 中没有编号为 " + id + " 的记录");
    };
    const auto render = [&](const auto* found) {
        if (!found) throw missing();
        return link_up(feature(*found, snapshot, stats));
    };
    if (collection.id == "grids") return render(find_grid(snapshot, id));
    if (collection.id == "households") {
        const auto number = item_id(id);
        const model::Household* found = number ? snapshot.household(*number) : nullptr;
        if (!found) throw missing();
        check_household_access(gate, request, who, *found, reveal);
        HouseholdViewer viewer(who, reveal);
        Response response = link_up(viewer(*found));
        std::move(viewer).finish(gate, request, response);
        return response;
    }
    const auto number = item_id(id);
    const auto place = [&]() -> const model::Facility* {
        const model::Facility* found = number ? snapshot.facility(*number) : nullptr;
        const bool wrong_layer = found != nullptr && collection.id == "organisations" && !model::is_organisation(*found);
        return wrong_layer ? nullptr : found;
    };
    Response response = collection.id == "incidents" ? render(number ? snapshot.incident(*number) : nullptr)
                                                     : render(place());
    vary_by_session(response);
    return response;
}

Response landing(const Request& request) {
    const Query& query = request.query();
    query.allow_only({"f"});
    const auto f = query.get("f");
    const bool wants_html = f ? *f == "html" : request.header("Accept").find("text/html") != std::string_view::npos;
    if (wants_html) return Response::redirect("/map/");
    check_format(query);
    const std::string base = request.base_url();
    return Response::json(
        {{"title", "wangge 网格化管理"},
         {"description", "社区网格化管理：网格、住户、设施与事件（OGC API – Features 与 Tiles）"},
         {"links", json::array({ogc_link(base + "/", "self", json_type, "this document"),
                                ogc_link(base + "/conformance", "conformance", json_type, "conformance classes"),
                                ogc_link(base + "/collections", "data", json_type, "feature collections"),
                                ogc_link(base + "/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                                     json_type, "vector tilesets (OGC API - Tiles)"),
                                ogc_link(base + "/tileMatrixSets", "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                                     json_type, "tile matrix sets"),
                                ogc_link(base + "/map/", "alternate", "text/html", "网格地图")})}});
}

Response conformance(const Request& request) {
    request.query().allow_only({"f"});
    check_format(request.query());
    return Response::json({{"conformsTo",
                            json::array({"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                                         "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
                                         "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
                                         // OGC API - Tiles over the MVT layers (tile_routes.hpp)
                                         "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
                                         "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
                                         "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
                                         "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
                                         "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
                                         "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
                                         "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
                                         "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset"})}});
}

}  // namespace

json household_feature(const model::Household& household, auth::PersonalView view) {
    json properties{{"id", household.id},
                    {"compound", household.compound},
                    {"building", household.building},
                    {"unit", household.unit},
                    {"room", household.room},
                    {"grid_code", household.grid_code},
                    {"members", household.members},
                    {"moved_in", household.moved_in ? json(model::format_date(*household.moved_in)) : json(nullptr)},
                    {"moved_out", household.moved_out ? json(model::format_date(*household.moved_out)) : json(nullptr)}};
    if (view != auth::PersonalView::none) {
        model::Household shown = household;
        auth::apply_view(shown, view);
        properties["tags"] = shown.tags;
        properties["head_name"] = shown.head_name;
        properties["id_number"] = shown.id_number;
        properties["phone"] = shown.phone;
    }
    return {{"type", "Feature"},
            {"id", household.id},
            {"geometry", geo::to_geojson(household.location)},
            {"properties", std::move(properties)}};
}

json ogc_link(std::string href, std::string_view rel, std::string_view type, std::string_view title) {
    json result{{"href", std::move(href)}, {"rel", rel}, {"type", type}};
    if (!title.empty()) result["title"] = title;
    return result;
}

void add_feature_routes(Router& router, State& state, const AuthGate& gate) {
    state.derive_incremental<FeatureStats>([](const View& next, const View* previous) {
        return previous == nullptr
                   ? std::make_shared<const FeatureStats>(next.snapshot(), nullptr, 0)
                   : std::make_shared<const FeatureStats>(next.snapshot(), &previous->derived<FeatureStats>(),
                                                          previous->snapshot().version());
    });
    // Shared by the item routes' worker threads (thread-safe).
    const auto pipelines = std::make_shared<geo::CrsPipelines>();
    router.get("/", landing, Execution::io);
    router.get("/conformance", conformance, Execution::io);
    // Lists only the collections the caller may read (anonymous: grids).
    router.get(
        "/collections",
        [&state, &gate](const Request& request) {
            request.query().allow_only({"f"});
            check_format(request.query());
            const auth::Principal who = gate.principal(request);
            const auto view = state.view();
            const std::string base = request.base_url();
            json list = json::array();
            for (const Collection& collection : collections) {
                if (auth::decide(who, collection.read_action) != auth::Decision::allowed) continue;
                list.push_back(collection_json(collection, view->snapshot(), view->derived<FeatureStats>(), base));
            }
            // Part 2: the list names the CRSs once, its collections refer to it.
            for (json& collection : list) collection["crs"] = json::array({"#/crs"});
            Response response =
                Response::json({{"links", json::array({ogc_link(base + "/collections", "self", json_type)})},
                                {"crs", supported_crs_uris()},
                                {"collections", std::move(list)}});
            vary_by_session(response);
            return response;
        },
        Execution::worker);
    router.get(
        "/collections/{collection}",
        [&state, &gate](const Request& request) {
            const Collection& collection = find_collection(request.param("collection"));
            // crs is taken (and checked) because clients such as GDAL send
            // the query of a collection URL with every request; the
            // metadata itself is the same in every CRS.
            request.query().allow_only({"f", "crs"});
            check_format(request.query());
            if (const auto crs = request.query().get("crs")) (void)parse_crs(*crs, "crs");
            gate.permit(request, collection.read_action);
            const auto view = state.view();
            Response response = Response::json(
                collection_json(collection, view->snapshot(), view->derived<FeatureStats>(), request.base_url()));
            if (!auth::is_public(collection.read_action)) vary_by_session(response);
            return response;
        },
        Execution::worker);
    // Session lookups and audit writes touch the auth store: off the I/O threads.
    router.get(
        "/collections/{collection}/items",
        [&state, &gate, pipelines](const Request& request) {
            return items(gate, request, *state.view(), *pipelines);
        },
        Execution::worker);
    router.get(
        "/collections/{collection}/items/{id}",
        [&state, &gate, pipelines](const Request& request) {
            return item(gate, request, *state.view(), *pipelines);
        },
        Execution::worker);
}

}  // namespace wangge::http
