#include "wangge/print/sheet.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numbers>
#include <set>
#include <stdexcept>
#include <vector>

#include <cairo-pdf.h>

#include "cairo.hpp"
#include "wangge/client_error.hpp"
#include "wangge/http/public_routes.hpp"
#include "wangge/model/duty_days.hpp"
#include "wangge/print/map_features.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::print {

namespace {

using namespace detail;

constexpr double points_per_mm = 72.0 / 25.4;
/// Metres along the equator per Web Mercator world unit (WGS 84 semi-major axis × 2π).
constexpr double equator_m = 40075016.686;
constexpr const char* font_family = "Noto Sans CJK SC";

struct Rgb {
    double r, g, b;
};
constexpr Rgb ink{0.13, 0.13, 0.13};
constexpr Rgb grey{0.45, 0.45, 0.45};
constexpr Rgb focus_red{0.78, 0.16, 0.16};
constexpr Rgb child_line{0.33, 0.43, 0.48};
constexpr Rgb neighbour_line{0.55, 0.55, 0.55};
constexpr Rgb land{0.97, 0.96, 0.94};
constexpr Rgb compound_fill{0.93, 0.91, 0.87};
constexpr Rgb compound_line{0.84, 0.81, 0.75};
constexpr Rgb building_fill{0.85, 0.81, 0.75};
constexpr Rgb building_line{0.75, 0.70, 0.61};
constexpr Rgb street_casing{0.80, 0.77, 0.71};
constexpr Rgb white{1.0, 1.0, 1.0};
/// Pale fills that tell a community's grids (or a street's communities) apart.
constexpr std::array<Rgb, 6> palette{{{0.98, 0.86, 0.80}, {0.83, 0.91, 0.98}, {0.87, 0.95, 0.84},
                                      {0.99, 0.94, 0.78}, {0.92, 0.86, 0.97}, {0.82, 0.95, 0.94}}};

void set_colour(cairo_t* cr, const Rgb& c, double alpha = 1.0) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha); }

struct Rect {
    double x = 0, y = 0, w = 0, h = 0;
};

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}

void check(cairo_status_t status, const char* what) {
    if (status != CAIRO_STATUS_SUCCESS) {
        throw std::runtime_error(std::string("cairo: ") + what + ": " + cairo_status_to_string(status));
    }
}

enum class Align { left, centre, right };

/// Text through Pango on one Cairo context, sizes in points.
class Typesetter {
public:
    Typesetter(cairo_t* cr, PangoFontMap* fonts) : cr_(cr), context_(pango_font_map_create_context(fonts)) {}

    /// After the context's transformation changed (a new page).
    void update() { pango_cairo_update_context(cr_, context_.get()); }

    /// Draws `text` with its top edge at y; returns its width and height. A
    /// max_width > 0 ends a longer text with "…". A halo draws a white outline
    /// first, so labels stay readable on the map (the text itself stays text
    /// in the PDF, which pdftotext and screen readers find).
    std::pair<double, double> draw(double x, double y, const std::string& text, double size, const Rgb& colour,
                                   bool bold = false, Align align = Align::left, double max_width = 0, bool halo = false) {
        const Layout layout(pango_layout_new(context_.get()));
        const FontDescription font(pango_font_description_new());
        pango_font_description_set_family(font.get(), font_family);
        pango_font_description_set_absolute_size(font.get(), size * PANGO_SCALE);
        pango_font_description_set_weight(font.get(), bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
        pango_layout_set_font_description(layout.get(), font.get());
        pango_layout_set_text(layout.get(), text.c_str(), static_cast<int>(text.size()));
        if (max_width > 0) {
            pango_layout_set_width(layout.get(), static_cast<int>(max_width * PANGO_SCALE));
            pango_layout_set_ellipsize(layout.get(), PANGO_ELLIPSIZE_END);
        }
        int width = 0;
        int height = 0;
        pango_layout_get_size(layout.get(), &width, &height);
        const double w = static_cast<double>(width) / PANGO_SCALE;
        const double h = static_cast<double>(height) / PANGO_SCALE;
        if (align == Align::centre) x -= w / 2;
        if (align == Align::right) x -= w;
        if (halo) {
            cairo_move_to(cr_, x, y);
            pango_cairo_layout_path(cr_, layout.get());
            set_colour(cr_, white, 0.85);
            cairo_set_line_width(cr_, size * 0.25);
            cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
            cairo_stroke(cr_);
        }
        cairo_move_to(cr_, x, y);
        set_colour(cr_, colour);
        pango_cairo_show_layout(cr_, layout.get());
        return {w, h};
    }

private:
    cairo_t* cr_;
    PangoContextPtr context_;
};

/// Web Mercator world coordinates → page points inside the map frame.
class MapTransform {
public:
    MapTransform(const geo::Box& world, const Rect& frame) : frame_(frame) {
        scale_ = std::min(frame.w / std::max(world.max_x - world.min_x, 1e-12),
                          frame.h / std::max(world.max_y - world.min_y, 1e-12));
        cx_ = (world.min_x + world.max_x) / 2;
        cy_ = (world.min_y + world.max_y) / 2;
    }
    [[nodiscard]] geo::Point page(const geo::Point& lonlat) const { return from_world(tiles::lonlat_to_world(lonlat)); }
    [[nodiscard]] geo::Point from_world(const geo::Point& w) const {
        return {frame_.x + frame_.w / 2 + (w.x - cx_) * scale_, frame_.y + frame_.h / 2 + (w.y - cy_) * scale_};
    }
    [[nodiscard]] geo::Point lonlat(const geo::Point& p) const {
        return tiles::world_to_lonlat({cx_ + (p.x - frame_.x - frame_.w / 2) / scale_, cy_ + (p.y - frame_.y - frame_.h / 2) / scale_});
    }
    /// The frame's extent in lon/lat.
    [[nodiscard]] geo::Box view() const {
        geo::Box box;
        box.expand(lonlat({frame_.x, frame_.y}));
        box.expand(lonlat({frame_.x + frame_.w, frame_.y + frame_.h}));
        return box;
    }
    /// Ground metres per point at the frame's centre.
    [[nodiscard]] double metres_per_point() const {
        const double latitude = tiles::world_to_lonlat({cx_, cy_}).y;
        return equator_m * std::cos(latitude * std::numbers::pi / 180.0) / scale_;
    }
    [[nodiscard]] const Rect& frame() const noexcept { return frame_; }

private:
    Rect frame_;
    double scale_ = 1;
    double cx_ = 0;
    double cy_ = 0;
};

geo::Box world_box(const geo::Box& lonlat) {
    geo::Box box;
    box.expand(tiles::lonlat_to_world({lonlat.min_x, lonlat.min_y}));
    box.expand(tiles::lonlat_to_world({lonlat.max_x, lonlat.max_y}));
    return box;
}

void ring_path(cairo_t* cr, const MapTransform& map, const geo::Ring& ring) {
    bool first = true;
    for (const geo::Point& p : ring) {
        const geo::Point q = map.page(p);
        if (first) {
            cairo_move_to(cr, q.x, q.y);
            first = false;
        } else {
            cairo_line_to(cr, q.x, q.y);
        }
    }
    cairo_close_path(cr);
}

void area_path(cairo_t* cr, const MapTransform& map, const geo::MultiPolygon& area) {
    for (const geo::Polygon& polygon : area.polygons) {
        for (const geo::Ring& ring : polygon.rings) ring_path(cr, map, ring);
    }
}

/// Where a grid's label goes: the centroid of its largest ring when that lies
/// inside it and on the map, else the middle of the part of its box on the map.
geo::Point label_point(const MapTransform& map, const geo::MultiPolygon& area) {
    const geo::Polygon* largest = nullptr;
    double largest_area = 0;
    for (const geo::Polygon& polygon : area.polygons) {
        if (polygon.rings.empty()) continue;
        const double a = std::abs(geo::signed_area(polygon.rings[0]));
        if (largest == nullptr || a > largest_area) {
            largest = &polygon;
            largest_area = a;
        }
    }
    const geo::Box view = map.view();
    if (largest != nullptr && largest_area > 0) {
        const geo::Ring& ring = largest->rings[0];
        double cx = 0;
        double cy = 0;
        double twice_area = 0;
        for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
            const double cross = ring[i].x * ring[i + 1].y - ring[i + 1].x * ring[i].y;
            twice_area += cross;
            cx += (ring[i].x + ring[i + 1].x) * cross;
            cy += (ring[i].y + ring[i + 1].y) * cross;
        }
        const geo::Point centroid{cx / (3 * twice_area), cy / (3 * twice_area)};
        if (geo::contains(*largest, centroid) && view.contains(centroid)) return map.page(centroid);
    }
    const geo::Box box = geo::bounds(area);
    return map.page({(std::max(box.min_x, view.min_x) + std::min(box.max_x, view.max_x)) / 2,
                     (std::max(box.min_y, view.min_y) + std::min(box.max_y, view.max_y)) / 2});
}

std::string chinese_date(model::Timestamp t) {
    const std::string day = model::format_date(t);  // "2026-12-06", Beijing time
    return day.substr(0, 4) + "年" + std::to_string(std::stoi(day.substr(5, 2))) + "月" +
           std::to_string(std::stoi(day.substr(8, 2))) + "日";
}

/// 1, 2 or 5 × 10^n metres, at most `metres`.
double round_length(double metres) {
    const double power = std::pow(10.0, std::floor(std::log10(metres)));
    for (const double step : {5.0, 2.0, 1.0}) {
        if (step * power <= metres) return step * power;
    }
    return power;
}

std::string length_text(double metres) {
    if (metres >= 1000) {
        const double km = metres / 1000;
        return (km == std::floor(km) ? std::to_string(static_cast<long>(km)) : std::to_string(km).substr(0, 3)) + " 千米";
    }
    return std::to_string(static_cast<long>(metres)) + " 米";
}

using TableRow = std::vector<std::string>;

struct Table {
    std::string heading;
    TableRow header;
    std::vector<double> widths;  ///< shares of the table's width, one per header cell
    std::vector<TableRow> rows;
    std::string empty;  ///< shown when there are no rows
};

/// A compound's or a street's name on the map, turned by `angle` (radians) about its centre.
struct MapLabel {
    geo::Point at;
    double angle = 0;
    std::string text;
};

/// One page being drawn.
class Page {
public:
    Page(cairo_t* cr, Typesetter& text, BasemapFeatures& basemap, const model::Snapshot& snapshot, const PrintOptions& options)
        : cr_(cr), text_(text), basemap_(basemap), snapshot_(snapshot), options_(options) {}

    void draw(const model::Grid& focus, double width, double height, bool landscape);

private:
    void title(const model::Grid& focus, const Rect& band);
    void map(const model::Grid& focus, const MapTransform& transform);
    /// Draws the basemap; returns its labels, which go over the grids.
    [[nodiscard]] std::vector<MapLabel> basemap(const MapTransform& transform);
    void labels(const std::vector<MapLabel>& labels);
    void north_arrow(const Rect& frame, double k);
    void scale_bar(const MapTransform& transform, double k);
    void table(const Table& table, const Rect& box, double k);
    void qr(const std::string& code, const Rect& box, double k);
    [[nodiscard]] Table table_of(const model::Grid& focus) const;

    cairo_t* cr_;
    Typesetter& text_;
    BasemapFeatures& basemap_;
    const model::Snapshot& snapshot_;
    const PrintOptions& options_;
    double k_ = 1;  ///< text and line scale of the page (Layout::k)
};

/// The layout of a page: title band, map frame, the panel for the table and
/// the QR code, and the footer line.
struct Layout {
    Rect title, map, table, qr;
    double footer_y = 0;
    double k = 1;  ///< text and line scale: 1 on A4, √2 on A3
};

Layout layout_of(double width, double height, bool landscape) {
    Layout l;
    l.k = std::min(width, height) / (210 * points_per_mm);
    const double margin = 12 * points_per_mm * l.k;
    const double title_h = 54 * l.k;
    const double footer_h = 18 * l.k;
    const double gap = 10 * l.k;
    const double inner_w = width - 2 * margin;
    l.title = {margin, margin, inner_w, title_h};
    const double top = margin + title_h;
    const double bottom = height - margin - footer_h;
    l.footer_y = bottom + 4 * l.k;
    const double qr_side = 96 * l.k;
    if (landscape) {
        const double map_w = inner_w * 0.64;
        l.map = {margin, top, map_w, bottom - top};
        const double column_x = margin + map_w + gap;
        const double column_w = inner_w - map_w - gap;
        l.qr = {column_x + (column_w - qr_side) / 2, bottom - qr_side - 14 * l.k, qr_side, qr_side};
        l.table = {column_x, top, column_w, l.qr.y - top - gap};
    } else {
        const double panel_h = std::max(qr_side + 22 * l.k, (bottom - top) * 0.3);
        l.map = {margin, top, inner_w, bottom - top - panel_h - gap};
        const double panel_y = l.map.y + l.map.h + gap;
        l.qr = {margin + inner_w - qr_side, panel_y, qr_side, qr_side};
        l.table = {margin, panel_y, inner_w - qr_side - gap, panel_h};
    }
    return l;
}

/// The paper's portrait width and height in points.
std::pair<double, double> paper_points(Paper paper) {
    return paper == Paper::a4 ? std::pair{210 * points_per_mm, 297 * points_per_mm}
                              : std::pair{297 * points_per_mm, 420 * points_per_mm};
}

/// Landscape when the area's box, padded, is drawn larger on a landscape map frame.
bool fits_landscape(const model::Grid& focus, Paper paper) {
    const auto [w, h] = paper_points(paper);
    const geo::Box world = world_box(geo::bounds(focus.geometry));
    const double ww = std::max(world.max_x - world.min_x, 1e-12);
    const double wh = std::max(world.max_y - world.min_y, 1e-12);
    const auto scale = [&](const Rect& frame) { return std::min(frame.w / ww, frame.h / wh); };
    return scale(layout_of(h, w, true).map) > scale(layout_of(w, h, false).map);
}

void Page::draw(const model::Grid& focus, double width, double height, bool landscape) {
    const Layout l = layout_of(width, height, landscape);
    k_ = l.k;
    set_colour(cr_, white);
    cairo_paint(cr_);
    title(focus, l.title);

    geo::Box world = world_box(geo::bounds(focus.geometry));
    // A margin around the area, so its border and neighbours' codes show.
    const double pad = std::max(world.max_x - world.min_x, world.max_y - world.min_y) * 0.08;
    world.expand(geo::Point{world.min_x - pad, world.min_y - pad});
    world.expand(geo::Point{world.max_x + pad, world.max_y + pad});
    const MapTransform transform(world, l.map);
    cairo_save(cr_);
    cairo_rectangle(cr_, l.map.x, l.map.y, l.map.w, l.map.h);
    cairo_clip(cr_);
    set_colour(cr_, land);
    cairo_paint(cr_);
    const std::vector<MapLabel> names = basemap(transform);
    map(focus, transform);
    labels(names);
    cairo_restore(cr_);
    cairo_rectangle(cr_, l.map.x, l.map.y, l.map.w, l.map.h);
    set_colour(cr_, ink);
    cairo_set_line_width(cr_, 0.8 * l.k);
    cairo_stroke(cr_);
    north_arrow(l.map, l.k);
    scale_bar(transform, l.k);

    table(table_of(focus), l.table, l.k);
    qr(focus.code, l.qr, l.k);

    const double ratio = transform.metres_per_point() / (0.0254 / 72.0);
    const double rounded_ratio = std::round(ratio / std::pow(10.0, std::floor(std::log10(ratio)) - 1)) *
                                 std::pow(10.0, std::floor(std::log10(ratio)) - 1);
    text_.draw(l.title.x, l.footer_y,
               "制图日期：" + chinese_date(options_.printed_at) + "　比例尺约 1:" +
                   std::to_string(static_cast<long>(rounded_ratio)) + "　底图：" + basemap_.attribution(),
               7 * l.k, grey, false, Align::left, l.title.w);
}

void Page::title(const model::Grid& focus, const Rect& band) {
    const double k = band.h / 54;
    std::string chain;
    for (const model::Grid* up = snapshot_.current_grid(focus.parent_code); up != nullptr;
         up = snapshot_.current_grid(up->parent_code)) {
        chain = up->name + (chain.empty() ? "" : " · ") + chain;
    }
    const auto [w, h] = text_.draw(band.x, band.y, focus.name, 20 * k, ink, true, Align::left, band.w * 0.7);
    text_.draw(band.x, band.y + h + 1 * k,
               "编码 " + focus.code + (chain.empty() ? "" : "　" + chain), 9 * k,
               grey, false, Align::left, band.w * 0.8);
    text_.draw(band.x + band.w, band.y + 4 * k, "网格化管理图谱", 11 * k, focus_red, true, Align::right);
    cairo_move_to(cr_, band.x, band.y + band.h - 4 * k);
    cairo_line_to(cr_, band.x + band.w, band.y + band.h - 4 * k);
    set_colour(cr_, focus_red);
    cairo_set_line_width(cr_, 1.5 * k);
    cairo_stroke(cr_);
}

std::vector<MapLabel> Page::basemap(const MapTransform& transform) {
    const geo::Box view = transform.view();
    const double k = k_;
    for (const auto& [tile, png] : basemap_.raster_tiles(view, transform.frame().w)) {
        std::string_view bytes = png;
        const Surface image(cairo_image_surface_create_from_png_stream(
            [](void* closure, unsigned char* data, unsigned int length) {
                auto* rest = static_cast<std::string_view*>(closure);
                if (rest->size() < length) return CAIRO_STATUS_READ_ERROR;
                std::copy_n(rest->data(), length, data);
                rest->remove_prefix(length);
                return CAIRO_STATUS_SUCCESS;
            },
            &bytes));
        if (cairo_surface_status(image.get()) != CAIRO_STATUS_SUCCESS) continue;  // a tile Cairo cannot read stays blank
        const geo::Box box = tiles::tile_lonlat_box(tile);
        const geo::Point a = transform.page({box.min_x, box.max_y});
        const geo::Point b = transform.page({box.max_x, box.min_y});
        cairo_save(cr_);
        cairo_translate(cr_, a.x, a.y);
        cairo_scale(cr_, (b.x - a.x) / cairo_image_surface_get_width(image.get()),
                    (b.y - a.y) / cairo_image_surface_get_height(image.get()));
        cairo_set_source_surface(cr_, image.get(), 0, 0);
        cairo_paint(cr_);
        cairo_restore(cr_);
    }
    const std::vector<BasemapPiece> pieces = basemap_.pieces(snapshot_, view, transform.frame().w);
    // One label per name, where the most of it lies: the largest piece of a
    // compound, the longest segment of a street (tiles cut both).
    struct Best {
        MapLabel label;
        double weight = 0;
    };
    std::map<std::string, Best> best;
    const auto offer = [&best](const std::string& name, const MapLabel& label, double weight) {
        Best& b = best[name];
        if (!name.empty() && weight > b.weight) b = {label, weight};
    };
    const Rect& frame = transform.frame();
    for (const BasemapPiece& piece : pieces) {
        cairo_save(cr_);
        // The piece's own square on the page (the whole frame when it is not a tile).
        Rect own = frame;
        if (piece.clip) {
            const geo::Point a = transform.page({piece.clip->min_x, piece.clip->max_y});
            const geo::Point b = transform.page({piece.clip->max_x, piece.clip->min_y});
            own = {std::max(a.x, frame.x), std::max(a.y, frame.y), std::min(b.x, frame.x + frame.w) - std::max(a.x, frame.x),
                   std::min(b.y, frame.y + frame.h) - std::max(a.y, frame.y)};
            cairo_rectangle(cr_, a.x, a.y, b.x - a.x, b.y - a.y);
            cairo_clip(cr_);
        }
        const auto inside = [&own](const geo::Point& p) {
            return p.x >= own.x && p.x <= own.x + own.w && p.y >= own.y && p.y <= own.y + own.h;
        };
        cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
        cairo_set_line_cap(cr_, CAIRO_LINE_CAP_ROUND);
        const auto outline = [&](const geo::Ring& ring, const Rgb& fill, const Rgb& line, double width) {
            ring_path(cr_, transform, ring);
            set_colour(cr_, fill);
            cairo_fill_preserve(cr_);
            set_colour(cr_, line);
            cairo_set_line_width(cr_, width * k);
            cairo_stroke(cr_);
        };
        for (const basemap::Area& compound : piece.features.compounds) {
            outline(compound.ring, compound_fill, compound_line, 0.5);
            const geo::Box box = geo::bounds(compound.ring);
            const geo::Point centre = transform.page({(box.min_x + box.max_x) / 2, (box.min_y + box.max_y) / 2});
            if (inside(centre)) offer(compound.name, {centre, 0, compound.name}, std::abs(geo::signed_area(compound.ring)));
        }
        for (const bool casing : {true, false}) {
            for (const basemap::Street& street : piece.features.streets) {
                const double width = (street.kind == "main" ? 5.0 : 2.6) * k + (casing ? 1.2 * k : 0);
                for (const auto& line : street.lines) {
                    for (std::size_t i = 0; i < line.size(); ++i) {
                        const geo::Point p = transform.page(line[i]);
                        i == 0 ? cairo_move_to(cr_, p.x, p.y) : cairo_line_to(cr_, p.x, p.y);
                        if (i == 0 || casing) continue;
                        const geo::Point q = transform.page(line[i - 1]);
                        const geo::Point middle{(p.x + q.x) / 2, (p.y + q.y) / 2};
                        // Along the segment, never upside down.
                        double angle = std::atan2(p.y - q.y, p.x - q.x);
                        if (angle > std::numbers::pi / 2) angle -= std::numbers::pi;
                        if (angle <= -std::numbers::pi / 2) angle += std::numbers::pi;
                        if (inside(middle)) offer(street.name, {middle, angle, street.name}, std::hypot(p.x - q.x, p.y - q.y));
                    }
                }
                set_colour(cr_, casing ? street_casing : white);
                cairo_set_line_width(cr_, width);
                cairo_stroke(cr_);
            }
        }
        for (const basemap::Area& building : piece.features.buildings) {
            outline(building.ring, building_fill, building_line, 0.4);
        }
        cairo_restore(cr_);
    }
    std::vector<MapLabel> out;
    for (auto& [name, b] : best) out.push_back(std::move(b.label));
    return out;
}

void Page::labels(const std::vector<MapLabel>& labels) {
    const double size = 6.5 * k_;
    for (const MapLabel& label : labels) {
        cairo_save(cr_);
        cairo_translate(cr_, label.at.x, label.at.y);
        cairo_rotate(cr_, label.angle);
        text_.update();  // Pango lays out for the turned text
        text_.draw(0, -size * 0.7, label.text, size, grey, false, Align::centre, 0, true);
        cairo_restore(cr_);
    }
    text_.update();
}

void Page::map(const model::Grid& focus, const MapTransform& transform) {
    const double k = k_;
    const geo::Box view = transform.view();
    // Neighbours: the same level around the area, lightly, with their codes.
    std::vector<const model::Grid*> neighbours;
    snapshot_.grid_index().query(view, [&](std::size_t position) {
        const model::Grid* grid = snapshot_.current_grids()[position];
        if (grid->level == focus.level && grid->code != focus.code) neighbours.push_back(grid);
        return true;
    });
    std::sort(neighbours.begin(), neighbours.end(), [](const auto* a, const auto* b) { return a->code < b->code; });
    const double dashes[] = {4 * k, 2.5 * k};
    for (const model::Grid* grid : neighbours) {
        area_path(cr_, transform, grid->geometry);
        set_colour(cr_, neighbour_line);
        cairo_set_line_width(cr_, 0.9 * k);
        cairo_set_dash(cr_, dashes, 2, 0);
        cairo_stroke(cr_);
    }
    cairo_set_dash(cr_, nullptr, 0, 0);

    // The area's parts: a community's grids, a street's communities (and their grids, thinly).
    const auto children = snapshot_.children(focus.code);
    if (focus.level == model::GridLevel::street) {
        for (const model::Grid* child : children) {
            for (const model::Grid* grandchild : snapshot_.children(child->code)) {
                area_path(cr_, transform, grandchild->geometry);
                set_colour(cr_, child_line, 0.6);
                cairo_set_line_width(cr_, 0.4 * k);
                cairo_stroke(cr_);
            }
        }
    }
    std::size_t colour = 0;
    if (focus.level != model::GridLevel::grid) {
        for (const model::Grid* child : children) {
            area_path(cr_, transform, child->geometry);
            cairo_set_fill_rule(cr_, CAIRO_FILL_RULE_EVEN_ODD);
            set_colour(cr_, palette[colour++ % palette.size()], 0.45);
            cairo_fill_preserve(cr_);
            set_colour(cr_, child_line);
            cairo_set_line_width(cr_, 1.1 * k);
            cairo_stroke(cr_);
        }
    }
    area_path(cr_, transform, focus.geometry);
    cairo_set_fill_rule(cr_, CAIRO_FILL_RULE_EVEN_ODD);
    set_colour(cr_, focus_red, focus.level == model::GridLevel::grid ? 0.07 : 0.0);
    cairo_fill_preserve(cr_);
    set_colour(cr_, focus_red);
    cairo_set_line_width(cr_, 2.6 * k);
    cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr_);

    for (const model::Grid* grid : neighbours) {
        const geo::Point at = label_point(transform, grid->geometry);
        text_.draw(at.x, at.y, grid->code, 6.5 * k, grey, false, Align::centre, 0, true);
    }
    if (focus.level != model::GridLevel::grid) {
        for (const model::Grid* child : children) {
            const geo::Point at = label_point(transform, child->geometry);
            const auto [w, h] = text_.draw(at.x, at.y - 8 * k, child->name, 8 * k, ink, true, Align::centre, 0, true);
            text_.draw(at.x, at.y - 8 * k + h, child->code, 6.5 * k, child_line, false, Align::centre, 0, true);
        }
    }
}

void Page::north_arrow(const Rect& frame, double k) {
    const double x = frame.x + frame.w - 22 * k;
    const double y = frame.y + 14 * k;
    cairo_move_to(cr_, x, y);
    cairo_line_to(cr_, x + 7 * k, y + 22 * k);
    cairo_line_to(cr_, x, y + 17 * k);
    cairo_close_path(cr_);
    set_colour(cr_, ink);
    cairo_fill(cr_);
    cairo_move_to(cr_, x, y);
    cairo_line_to(cr_, x - 7 * k, y + 22 * k);
    cairo_line_to(cr_, x, y + 17 * k);
    cairo_close_path(cr_);
    set_colour(cr_, white);
    cairo_fill_preserve(cr_);
    set_colour(cr_, ink);
    cairo_set_line_width(cr_, 0.7 * k);
    cairo_stroke(cr_);
    text_.draw(x, y + 23 * k, "北", 9 * k, ink, true, Align::centre, 0, true);
}

void Page::scale_bar(const MapTransform& transform, double k) {
    const Rect& frame = transform.frame();
    const double metres = round_length(transform.metres_per_point() * frame.w / 4);
    const double length = metres / transform.metres_per_point();
    const double x = frame.x + 12 * k;
    const double y = frame.y + frame.h - 14 * k;
    set_colour(cr_, white, 0.8);
    cairo_rectangle(cr_, x - 5 * k, y - 16 * k, length + 10 * k, 24 * k);
    cairo_fill(cr_);
    // Two halves, black and white, as on topographic maps.
    for (int half = 0; half < 2; ++half) {
        cairo_rectangle(cr_, x + half * length / 2, y, length / 2, 4 * k);
        set_colour(cr_, half == 0 ? ink : white);
        cairo_fill_preserve(cr_);
        set_colour(cr_, ink);
        cairo_set_line_width(cr_, 0.6 * k);
        cairo_stroke(cr_);
    }
    text_.draw(x + length / 2, y - 13 * k, length_text(metres), 7.5 * k, ink, false, Align::centre);
}

Table Page::table_of(const model::Grid& focus) const {
    Table out;
    // The 公示牌 shows who is on duty on which days (值班安排); a day not set prints as "—".
    const auto days_of = [&](const model::GridStaff& link, std::string_view code) {
        const std::string days = model::format_duty_days(model::duty_days_in(snapshot_, link.staff->id, code));
        return days.empty() ? std::string("—") : days;
    };
    if (focus.level == model::GridLevel::grid || focus.level == model::GridLevel::subgrid || focus.dedicated()) {
        out.heading = "网格责任人联系卡";
        out.header = {"岗位", "姓名", "工作电话", "值守", "值班日"};
        out.widths = {0.24, 0.16, 0.26, 0.16, 0.18};
        out.empty = "本网格暂未登记工作人员";
        for (const model::GridStaff& link : snapshot_.staff_of(focus.code)) {
            out.rows.push_back({link.staff->role, link.staff->name, link.staff->phone,
                                link.duty == model::Duty::primary ? "A岗（主责）" : "B岗（补位）",
                                days_of(link, focus.code)});
        }
        return out;
    }
    const bool community = focus.level == model::GridLevel::community;
    out.heading = community ? "各网格责任人（A岗）" : "所辖社区";
    out.header = community ? TableRow{"网格", "编码", "责任人", "工作电话", "值班日"}
                           : TableRow{"社区", "编码", "网格数", "网格人员"};
    out.widths = community ? std::vector{0.28, 0.24, 0.12, 0.2, 0.16} : std::vector{0.34, 0.3, 0.14, 0.22};
    out.empty = community ? "本社区暂无网格" : "本街道暂无社区";
    for (const model::Grid* child : snapshot_.children(focus.code)) {
        if (community) {
            const auto staff = snapshot_.staff_of(child->code);
            out.rows.push_back({child->name, child->code, staff.empty() ? "—" : staff.front().staff->name,
                                staff.empty() ? "" : staff.front().staff->phone,
                                staff.empty() ? "" : days_of(staff.front(), child->code)});
        } else {
            std::set<std::int64_t> people;  // one person may serve several grids
            const auto grids = snapshot_.children(child->code);
            for (const model::Grid* grid : grids) {
                for (const model::GridStaff& link : snapshot_.staff_of(grid->code)) people.insert(link.staff->id);
            }
            out.rows.push_back({child->name, child->code, std::to_string(grids.size()), std::to_string(people.size()) + " 人"});
        }
    }
    return out;
}

void Page::table(const Table& table, const Rect& box, double k) {
    const auto [hw, hh] = text_.draw(box.x, box.y, table.heading, 11 * k, ink, true);
    double y = box.y + hh + 4 * k;
    // Rows shrink down to 6 pt to fit; what still does not fit is counted in a last line.
    const double available = box.y + box.h - y;
    const double rows = static_cast<double>(table.rows.size() + 1);
    const double size = std::clamp(available / rows / 1.9, 6.0 * k, 9.0 * k);
    const double row_h = size * 1.9;
    const auto fitting = static_cast<std::size_t>(std::max(0.0, std::floor(available / row_h) - 1));
    const std::size_t shown = table.rows.size() <= fitting ? table.rows.size() : (fitting > 0 ? fitting - 1 : 0);
    const auto row = [&](const TableRow& cells, bool header) {
        if (header) {
            set_colour(cr_, focus_red, 0.1);
            cairo_rectangle(cr_, box.x, y, box.w, row_h);
            cairo_fill(cr_);
        }
        double x = box.x;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const double w = box.w * table.widths[i];
            text_.draw(x + 3 * k, y + (row_h - size * 1.4) / 2, cells[i], size, ink, header,
                       Align::left, w - 5 * k);
            x += w;
        }
        y += row_h;
        cairo_move_to(cr_, box.x, y);
        cairo_line_to(cr_, box.x + box.w, y);
        set_colour(cr_, grey, 0.5);
        cairo_set_line_width(cr_, 0.4 * k);
        cairo_stroke(cr_);
    };
    row(table.header, true);
    if (table.rows.empty()) {
        text_.draw(box.x + 3 * k, y + 4 * k, table.empty, size, grey);
        return;
    }
    for (std::size_t i = 0; i < shown; ++i) row(table.rows[i], false);
    if (shown < table.rows.size()) {
        text_.draw(box.x + 3 * k, y + 3 * k, "另有 " + std::to_string(table.rows.size() - shown) + " 项，见后页", size, grey);
    }
}

void Page::qr(const std::string& code, const Rect& box, double k) {
    const http::QrModules modules = http::qr_modules(http::public_page_url(options_.public_base_url, code));
    const double module = box.w / (modules.width + 2);  // a quiet zone of one module is enough on white paper
    set_colour(cr_, ink);
    for (int y = 0; y < modules.width; ++y) {
        for (int x = 0; x < modules.width; ++x) {
            if (modules.at(x, y)) cairo_rectangle(cr_, box.x + (x + 1) * module, box.y + (y + 1) * module, module, module);
        }
    }
    cairo_fill(cr_);
    text_.draw(box.x + box.w / 2, box.y + box.h + 2 * k, "扫码查看网格公示", 7 * k, grey, false, Align::centre);
}

const model::Grid& required(const model::Snapshot& snapshot, Scope scope, std::string_view code) {
    const model::Grid* grid = snapshot.current_grid(code);
    // A dedicated grid (专属网格) has its own staff and card, printed like a grid's.
    const bool level_ok = grid != nullptr && (scope == Scope::grid ? grid->level == model::GridLevel::grid ||
                                                                          grid->level == model::GridLevel::subgrid ||
                                                                          grid->dedicated()
                                              : scope == Scope::community ? grid->level == model::GridLevel::community
                                                                          : grid->level == model::GridLevel::street);
    if (!level_ok) {
        const char* level = scope == Scope::grid ? "网格" : scope == Scope::community ? "社区" : "街道";
        throw ClientError(ErrorKind::not_found, "unknown_grid",
                          "no current " + std::string(scope == Scope::grid        ? "grid"
                                                      : scope == Scope::community ? "community"
                                                                                  : "street") +
                              " with code " + std::string(code),
                          "找不到编码为 " + std::string(code) + " 的" + level);
    }
    return *grid;
}

}  // namespace

std::optional<Paper> parse_paper(std::string_view text) noexcept {
    if (text == "A4" || text == "a4") return Paper::a4;
    if (text == "A3" || text == "a3") return Paper::a3;
    return std::nullopt;
}

std::pair<int, int> png_size(Paper paper, bool landscape) noexcept {
    const auto [w, h] = paper_points(paper);
    const int pw = static_cast<int>(std::lround(w / 72.0 * png_dpi));
    const int ph = static_cast<int>(std::lround(h / 72.0 * png_dpi));
    return landscape ? std::pair{ph, pw} : std::pair{pw, ph};
}

std::string print(const model::Snapshot& snapshot, Scope scope, std::string_view code, const PrintOptions& options) {
    const model::Grid& focus = required(snapshot, scope, code);
    std::vector<const model::Grid*> pages{&focus};
    if (scope != Scope::grid) {
        for (const model::Grid* child : snapshot.children(focus.code)) pages.push_back(child);
    }
    if (options.format == Format::png) pages.resize(1);

    const FontMap fonts(pango_cairo_font_map_new());
    BasemapFeatures basemap(options.basemap);
    std::string out;
    const auto [paper_w, paper_h] = paper_points(options.paper);
    const bool first_landscape = fits_landscape(focus, options.paper);
    Surface surface;
    double device_scale = 1;
    if (options.format == Format::pdf) {
        surface.reset(cairo_pdf_surface_create_for_stream(append_to_string, &out, paper_w, paper_h));
        cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, (focus.name + " 网格图").c_str());
        cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "wangge");
    } else {
        const auto [w, h] = png_size(options.paper, first_landscape);
        surface.reset(cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h));
        device_scale = png_dpi / 72.0;
    }
    check(cairo_surface_status(surface.get()), "cannot create the page");
    const Cairo cr(cairo_create(surface.get()));
    cairo_scale(cr.get(), device_scale, device_scale);
    Typesetter text(cr.get(), fonts.get());
    text.update();
    for (const model::Grid* area : pages) {
        const bool landscape = fits_landscape(*area, options.paper);
        const double width = landscape ? paper_h : paper_w;
        const double height = landscape ? paper_w : paper_h;
        if (options.format == Format::pdf) cairo_pdf_surface_set_size(surface.get(), width, height);
        Page(cr.get(), text, basemap, snapshot, options).draw(*area, width, height, landscape);
        cairo_show_page(cr.get());
    }
    check(cairo_status(cr.get()), "cannot draw the page");
    if (options.format == Format::png) {
        check(cairo_surface_write_to_png_stream(surface.get(), append_to_string, &out), "cannot write the PNG");
    } else {
        cairo_surface_finish(surface.get());
        check(cairo_surface_status(surface.get()), "cannot write the PDF");
    }
    return out;
}

}  // namespace wangge::print
