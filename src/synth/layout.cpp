#include "wangge/synth/layout.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>
#include <set>
#include <stdexcept>
#include <utility>
#include <unordered_map>

#include "wangge/error.hpp"
#include "wangge/synth/names.hpp"
#include "wangge/synth/random.hpp"

namespace wangge::synth {

LocalFrame::LocalFrame(geo::Point origin_lonlat) noexcept
    : origin_(origin_lonlat),
      metres_per_degree_lon_(111'319.49 * std::cos(origin_lonlat.y * std::numbers::pi / 180.0)),
      metres_per_degree_lat_(111'132.954 - 559.822 * std::cos(2.0 * origin_lonlat.y * std::numbers::pi / 180.0)) {}

geo::Point LocalFrame::to_lonlat(double x, double y) const noexcept {
    const auto round7 = [](double v) { return std::round(v * 1e7) / 1e7; };
    return {round7(origin_.x + x / metres_per_degree_lon_), round7(origin_.y + y / metres_per_degree_lat_)};
}

geo::Point LocalFrame::to_metres(const geo::Point& lonlat) const noexcept {
    return {(lonlat.x - origin_.x) * metres_per_degree_lon_, (lonlat.y - origin_.y) * metres_per_degree_lat_};
}

namespace {

constexpr double merged_share = 0.15;       // extra cells drawn, then merged in pairs
constexpr std::size_t bands_per_community = 3;
constexpr std::size_t columns_per_community = 4;
constexpr std::size_t community_rows_per_street = 4;
constexpr std::size_t community_columns_per_street = 5;
constexpr std::size_t max_children = 999;   // three digits per level
constexpr std::size_t max_grids = 150'000;  // ~200 grids per street, at most 999 streets
constexpr double vertex_clearance_m = 6.0;  // no border vertex this close to a crossing
constexpr double vertex_jitter_m = 0.6;

struct Lattice {
    std::size_t bands = 0;    // rows of cells, south to north
    std::size_t columns = 0;  // cells per band
    double cell = 0.0;
    // x of the k-th north-south border of band r where it meets the band's
    // south (bottom) and north (top) street line, k = 0..columns.
    std::vector<std::vector<double>> bottom;
    std::vector<std::vector<double>> top;
};

Lattice draw_lattice(std::size_t cells_wanted, double cell, Random random) {
    Lattice lattice;
    lattice.cell = cell;
    lattice.columns = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(cells_wanted))));
    lattice.bands = (cells_wanted + lattice.columns - 1) / lattice.columns;
    const std::size_t c = lattice.columns;
    lattice.bottom.assign(lattice.bands, std::vector<double>(c + 1));
    lattice.top.assign(lattice.bands, std::vector<double>(c + 1));
    for (std::size_t r = 0; r < lattice.bands; ++r) {
        for (std::size_t k = 0; k <= c; ++k) {
            const bool outer = k == 0 || k == c;
            const double nominal = static_cast<double>(k) * cell;
            double b = nominal + random.uniform(-1.0, 1.0) * (outer ? 0.05 : 0.25) * cell;
            // Borders that almost meet across a street are joined into one crossing,
            // so no street piece between two crossings is shorter than 0.12 cells.
            if (r > 0 && (outer || std::abs(b - lattice.top[r - 1][k]) < 0.12 * cell)) b = lattice.top[r - 1][k];
            const double reach = (outer ? 0.06 : 0.3) * cell;
            const double lean = random.uniform(-1.0, 1.0) * (outer ? 0.04 : 0.08) * cell;
            lattice.bottom[r][k] = b;
            lattice.top[r][k] = std::clamp(b + lean, nominal - reach, nominal + reach);
        }
    }
    return lattice;
}

/// An east-west street line y(x): a nominal height plus a few long waves.
struct StreetLine {
    double base = 0.0;
    std::array<double, 3> amplitude{};
    std::array<double, 3> wavelength{};
    std::array<double, 3> phase{};
    double step = 20.0;  // vertex spacing along the line, m

    [[nodiscard]] double y(double x) const noexcept {
        double y = base;
        for (std::size_t i = 0; i < amplitude.size(); ++i) {
            y += amplitude[i] * std::sin(2.0 * std::numbers::pi * x / wavelength[i] + phase[i]);
        }
        return y;
    }
};

/// Every fourth east-west and every fifth north-south street is a main road.
bool main_east_west(std::size_t line) noexcept { return line % 4 == 0; }
bool main_north_south(std::size_t line) noexcept { return line % 5 == 0; }

/// Vertex spacing of a street: main roads are drawn coarser than lanes.
double street_step(Random& random, bool main_road) { return main_road ? 40.0 : random.uniform(9.0, 28.0); }

struct Edge {
    std::size_t from = 0;
    std::size_t to = 0;
    std::vector<geo::Point> points;  // lon/lat, from → to, both crossings included
    long left = -1;                  // cell on the left going from → to; -1 outside
    long right = -1;
    bool east_west = false;  // a piece of street line `line` (else of north-south border `line`)
    std::size_t line = 0;
};

/// The planar network: crossings on each street line and the border pieces between them.
class Network {
public:
    Network(const Lattice& lattice, const LocalFrame& frame, std::uint64_t seed, Random random)
        : lattice_(lattice), frame_(frame), seed_(seed) {
        for (std::size_t r = 0; r <= lattice.bands; ++r) {
            StreetLine line;
            const bool outer = r == 0 || r == lattice.bands;
            line.base = (static_cast<double>(r) + random.uniform(-1.0, 1.0) * (outer ? 0.03 : 0.08)) * lattice.cell;
            for (std::size_t i = 0; i < 3; ++i) {
                line.amplitude[i] = random.uniform(0.008, 0.022) * lattice.cell;
                line.wavelength[i] = random.uniform(1.5, 5.0) * lattice.cell;
                line.phase[i] = random.uniform(0.0, 2.0 * std::numbers::pi);
            }
            line.step = street_step(random, main_east_west(r));
            lines_.push_back(line);
        }
        collect_crossings();
        add_east_west_edges();
        add_north_south_edges(random);
    }

    [[nodiscard]] const std::vector<Edge>& edges() const noexcept { return edges_; }

private:
    void collect_crossings() {
        std::size_t first_id = 0;
        for (std::size_t r = 0; r <= lattice_.bands; ++r) {
            std::vector<double> xs;
            if (r > 0) xs.insert(xs.end(), lattice_.top[r - 1].begin(), lattice_.top[r - 1].end());
            if (r < lattice_.bands) xs.insert(xs.end(), lattice_.bottom[r].begin(), lattice_.bottom[r].end());
            std::sort(xs.begin(), xs.end());
            xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
            std::vector<geo::Point> points;
            points.reserve(xs.size());
            for (const double x : xs) points.push_back(frame_.to_lonlat(x, lines_[r].y(x)));
            crossing_x_.push_back(std::move(xs));
            crossing_points_.push_back(std::move(points));
            first_crossing_id_.push_back(first_id);
            first_id += crossing_x_.back().size();
        }
    }

    [[nodiscard]] std::size_t crossing_index(std::size_t r, double x) const {
        const auto& xs = crossing_x_[r];
        return static_cast<std::size_t>(std::lower_bound(xs.begin(), xs.end(), x) - xs.begin());
    }

    [[nodiscard]] long cell(std::size_t r, std::size_t k) const noexcept {
        return static_cast<long>(r * lattice_.columns + k);
    }

    /// The cell of band r whose `borders` interval contains x.
    [[nodiscard]] long cell_at(std::size_t r, const std::vector<double>& borders, double x) const {
        const auto after = std::upper_bound(borders.begin(), borders.end(), x) - borders.begin();
        const auto k = std::clamp<std::ptrdiff_t>(after - 1, 0, static_cast<std::ptrdiff_t>(lattice_.columns) - 1);
        return cell(r, static_cast<std::size_t>(k));
    }

    void add_east_west_edges() {
        for (std::size_t r = 0; r <= lattice_.bands; ++r) {
            const StreetLine& line = lines_[r];
            const auto& xs = crossing_x_[r];
            for (std::size_t i = 0; i + 1 < xs.size(); ++i) {
                Edge edge;
                edge.from = first_crossing_id_[r] + i;
                edge.to = edge.from + 1;
                edge.points.push_back(crossing_points_[r][i]);
                const auto first = static_cast<long>(std::floor(xs[i] / line.step));
                const auto last = static_cast<long>(std::ceil(xs[i + 1] / line.step));
                for (long s = first; s <= last; ++s) {
                    const auto key = static_cast<std::uint64_t>(s);
                    const double x = static_cast<double>(s) * line.step + 0.3 * line.step * hashed_unit(seed_, 1, r, key);
                    if (x <= xs[i] + vertex_clearance_m || x >= xs[i + 1] - vertex_clearance_m) continue;
                    edge.points.push_back(frame_.to_lonlat(x, line.y(x) + vertex_jitter_m * hashed_unit(seed_, 2, r, key)));
                }
                edge.points.push_back(crossing_points_[r][i + 1]);
                edge.east_west = true;
                edge.line = r;
                const double mid = (xs[i] + xs[i + 1]) / 2.0;
                // Going east, the band above is on the left.
                if (r < lattice_.bands) edge.left = cell_at(r, lattice_.bottom[r], mid);
                if (r > 0) edge.right = cell_at(r - 1, lattice_.top[r - 1], mid);
                edges_.push_back(std::move(edge));
            }
        }
    }

    void add_north_south_edges(Random& random) {
        const double cell_size = lattice_.cell;
        for (std::size_t r = 0; r < lattice_.bands; ++r) {
            for (std::size_t k = 0; k <= lattice_.columns; ++k) {
                const double bx = lattice_.bottom[r][k];
                const double tx = lattice_.top[r][k];
                const double by = lines_[r].y(bx);
                const double ty = lines_[r + 1].y(tx);
                Edge edge;
                const std::size_t from_index = crossing_index(r, bx);
                const std::size_t to_index = crossing_index(r + 1, tx);
                edge.from = first_crossing_id_[r] + from_index;
                edge.to = first_crossing_id_[r + 1] + to_index;
                edge.points.push_back(crossing_points_[r][from_index]);
                const double dx = tx - bx;
                const double dy = ty - by;
                const double length = std::hypot(dx, dy);
                const double step = street_step(random, main_north_south(k));
                const double amplitude = random.uniform(0.01, 0.04) * cell_size;
                const double f1 = random.uniform(0.5, 1.5);
                const double f2 = random.uniform(2.0, 3.0);
                const double p1 = random.uniform(0.0, 2.0 * std::numbers::pi);
                const double p2 = random.uniform(0.0, 2.0 * std::numbers::pi);
                const auto pieces = std::max<long>(1, std::lround(length / step));
                for (long j = 1; j < pieces; ++j) {
                    const double s = static_cast<double>(j) / static_cast<double>(pieces);
                    if (s * length < vertex_clearance_m || (1.0 - s) * length < vertex_clearance_m) continue;
                    // The envelope sin(pi s) keeps the border square to the street near both crossings.
                    const double offset =
                        amplitude * std::sin(std::numbers::pi * s) *
                            (0.6 * std::sin(2.0 * std::numbers::pi * s * f1 + p1) + 0.4 * std::sin(2.0 * std::numbers::pi * s * f2 + p2)) +
                        vertex_jitter_m * random.uniform(-1.0, 1.0);
                    edge.points.push_back(frame_.to_lonlat(bx + s * dx - offset * dy / length, by + s * dy + offset * dx / length));
                }
                edge.points.push_back(crossing_points_[r + 1][to_index]);
                edge.line = k;
                // Going north, the western cell is on the left.
                if (k > 0) edge.left = cell(r, k - 1);
                if (k < lattice_.columns) edge.right = cell(r, k);
                edges_.push_back(std::move(edge));
            }
        }
    }

    const Lattice& lattice_;
    const LocalFrame& frame_;
    std::uint64_t seed_;
    std::vector<StreetLine> lines_;
    std::vector<std::vector<double>> crossing_x_;
    std::vector<std::vector<geo::Point>> crossing_points_;
    std::vector<std::size_t> first_crossing_id_;
    std::vector<Edge> edges_;
};

/// One closed counter-clockwise ring per region, chained from the network's
/// edges whose two sides carry different labels. `label[cell]` is the region
/// of a cell; regions are numbered 0..regions-1.
std::vector<geo::Ring> chain_rings(const std::vector<Edge>& edges, const std::vector<std::size_t>& label, std::size_t regions) {
    struct HalfEdge {
        std::size_t region;
        const Edge* edge;
        bool forward;
    };
    std::vector<HalfEdge> halves;
    std::unordered_map<std::uint64_t, std::size_t> outgoing;  // (region, start crossing) → half-edge
    const auto key = [](std::size_t region, std::size_t crossing) {
        return (static_cast<std::uint64_t>(region) << 32) | static_cast<std::uint64_t>(crossing);
    };
    const auto region_of = [&](long cell) { return cell < 0 ? regions : label[static_cast<std::size_t>(cell)]; };
    for (const Edge& edge : edges) {
        const std::size_t left = region_of(edge.left);
        const std::size_t right = region_of(edge.right);
        if (left == right) continue;
        // Each region keeps its side on the left, which makes its ring counter-clockwise.
        if (left < regions) {
            outgoing.emplace(key(left, edge.from), halves.size());
            halves.push_back({left, &edge, true});
        }
        if (right < regions) {
            outgoing.emplace(key(right, edge.to), halves.size());
            halves.push_back({right, &edge, false});
        }
    }
    std::vector<geo::Ring> rings(regions);
    std::vector<bool> used(halves.size(), false);
    for (std::size_t start = 0; start < halves.size(); ++start) {
        if (used[start]) continue;
        const std::size_t region = halves[start].region;
        if (!rings[region].empty()) throw std::logic_error("synthetic layout: a region has more than one ring");
        geo::Ring& ring = rings[region];
        std::size_t at = start;
        do {
            if (used[at]) throw std::logic_error("synthetic layout: boundary pinches at a crossing");
            used[at] = true;
            const HalfEdge& half = halves[at];
            const auto& pts = half.edge->points;
            if (ring.empty()) ring.push_back(half.forward ? pts.front() : pts.back());
            if (half.forward) {
                ring.insert(ring.end(), pts.begin() + 1, pts.end());
            } else {
                ring.insert(ring.end(), pts.rbegin() + 1, pts.rend());
            }
            const std::size_t end = half.forward ? half.edge->to : half.edge->from;
            const auto next = outgoing.find(key(region, end));
            if (next == outgoing.end()) throw std::logic_error("synthetic layout: open boundary");
            at = next->second;
        } while (at != start);
    }
    return rings;
}

/// Splits n items into `parts` nearly equal consecutive runs; returns the run of each item.
std::vector<std::size_t> split_evenly(std::size_t n, std::size_t parts) {
    std::vector<std::size_t> run(n);
    for (std::size_t i = 0; i < n; ++i) run[i] = i * parts / n;
    return run;
}

std::size_t parts_of(std::size_t n, std::size_t per_part) {
    return std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(static_cast<double>(n) / static_cast<double>(per_part))));
}

std::string three_digits(std::size_t number) {
    char text[8];
    std::snprintf(text, sizeof text, "%03zu", number);
    return text;
}

/// A name from `make` that is not in `used` yet.
template <class Make>
std::string unique_name(std::set<std::string>& used, Make make) {
    for (int attempt = 0;; ++attempt) {
        std::string name = make(attempt);
        if (used.insert(name).second) return name;
    }
}

struct Region {
    std::size_t row = 0;     // from the south
    std::size_t column = 0;  // from the west
    std::size_t parent = 0;
};

/// Orders regions of each parent north→south, then west→east (DB11 numbering).
std::vector<std::size_t> number_within_parent(const std::vector<Region>& regions) {
    std::vector<std::size_t> order(regions.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const Region& x = regions[a];
        const Region& y = regions[b];
        if (x.parent != y.parent) return x.parent < y.parent;
        if (x.row != y.row) return x.row > y.row;
        return x.column < y.column;
    });
    std::vector<std::size_t> number(regions.size());
    std::size_t previous_parent = regions.size() + 1;
    std::size_t n = 0;
    for (const std::size_t i : order) {
        n = regions[i].parent == previous_parent ? n + 1 : 1;
        previous_parent = regions[i].parent;
        if (n > max_children) throw InputError("synthetic city: more than 999 children under one parent");
        number[i] = n;
    }
    return number;
}

}  // namespace

LocalFrame layout_frame(const LayoutParams& params) {
    const auto cells = static_cast<double>(params.grids) * (1.0 + merged_share);
    const double half_extent = std::sqrt(cells) * params.cell_size_m / 2.0;
    const LocalFrame centred(params.centre);
    return LocalFrame({params.centre.x - half_extent / centred.metres_per_degree_lon(),
                       params.centre.y - half_extent / centred.metres_per_degree_lat()});
}

namespace {

void check_params(const LayoutParams& params) {
    if (params.grids == 0) throw InputError("synthetic city: the number of grids must be positive");
    if (params.grids > max_grids) {
        throw InputError("synthetic city: at most " + std::to_string(max_grids) + " grids fit the 999 streets of one county");
    }
    if (params.county_code.size() != 6) throw InputError("synthetic city: the county code must have 6 digits");
}

Lattice lattice_of(const LayoutParams& params, const Random& root) {
    const auto cells_wanted = static_cast<std::size_t>(std::ceil(static_cast<double>(params.grids) * (1.0 + merged_share)));
    return draw_lattice(cells_wanted, params.cell_size_m, root.fork(1));
}

}  // namespace

std::vector<Street> build_streets(const LayoutParams& params) {
    check_params(params);
    const LocalFrame frame = layout_frame(params);
    const Random root(params.seed);
    const Lattice lattice = lattice_of(params, root);
    // The same stream as build_layout's network, so the streets are the lines its borders follow.
    const Network network(lattice, frame, params.seed, root.fork(3));
    Random name_random = root.fork(5);
    std::set<std::string> used_names;
    std::vector<Street> streets;
    std::map<std::pair<bool, std::size_t>, std::size_t> street_of;  // (east_west, line) → index
    std::vector<std::size_t> last_crossing;                          // where each street's last line ends
    for (const Edge& edge : network.edges()) {
        const auto [found, added] = street_of.try_emplace({edge.east_west, edge.line}, streets.size());
        if (added) {
            const bool main_road = edge.east_west ? main_east_west(edge.line) : main_north_south(edge.line);
            const std::string_view suffix = edge.east_west ? (main_road ? "大街" : "街") : (main_road ? "路" : "胡同");
            streets.push_back({unique_name(used_names, [&](int) { return place_stem(name_random) + std::string(suffix); }),
                               main_road, {}});
            last_crossing.push_back(0);
        }
        Street& street = streets[found->second];
        // A north-south border that meets the next band's at the same crossing continues the line;
        // where they are offset along the street, a new piece starts.
        if (!street.lines.empty() && last_crossing[found->second] == edge.from) {
            street.lines.back().insert(street.lines.back().end(), edge.points.begin() + 1, edge.points.end());
        } else {
            street.lines.push_back(edge.points);
        }
        last_crossing[found->second] = edge.to;
    }
    return streets;
}

std::vector<model::Grid> build_layout(const LayoutParams& params) {
    check_params(params);
    const LocalFrame frame = layout_frame(params);
    const Random root(params.seed);
    const Lattice lattice = lattice_of(params, root);
    const std::size_t bands = lattice.bands;
    const std::size_t columns = lattice.columns;

    // Communities are blocks of bands × columns, streets blocks of communities.
    const std::size_t community_rows = parts_of(bands, bands_per_community);
    const std::size_t community_columns = parts_of(columns, columns_per_community);
    const std::size_t street_rows = parts_of(community_rows, community_rows_per_street);
    const std::size_t street_columns = parts_of(community_columns, community_columns_per_street);
    if (street_rows * street_columns > max_children) {
        throw InputError("synthetic city: too many grids for 999 streets under one county");
    }
    const auto band_run = split_evenly(bands, community_rows);
    const auto column_run = split_evenly(columns, community_columns);
    const auto community_row_run = split_evenly(community_rows, street_rows);
    const auto community_column_run = split_evenly(community_columns, street_columns);

    std::vector<Region> streets(street_rows * street_columns);
    for (std::size_t p = 0; p < street_rows; ++p) {
        for (std::size_t q = 0; q < street_columns; ++q) streets[p * street_columns + q] = {p, q, 0};
    }
    std::vector<Region> communities(community_rows * community_columns);
    for (std::size_t i = 0; i < community_rows; ++i) {
        for (std::size_t j = 0; j < community_columns; ++j) {
            communities[i * community_columns + j] = {i, j, community_row_run[i] * street_columns + community_column_run[j]};
        }
    }
    const std::size_t cell_count = bands * columns;
    std::vector<std::size_t> cell_community(cell_count);
    for (std::size_t r = 0; r < bands; ++r) {
        for (std::size_t k = 0; k < columns; ++k) cell_community[r * columns + k] = band_run[r] * community_columns + column_run[k];
    }

    // Merge disjoint east-west pairs of cells inside one community until the count is exact.
    Random merge_random = root.fork(2);
    std::vector<std::size_t> pairs;  // cell id of the western cell
    for (std::size_t r = 0; r < bands; ++r) {
        for (std::size_t k = 0; k + 1 < columns; ++k) {
            const std::size_t id = r * columns + k;
            if (cell_community[id] == cell_community[id + 1]) pairs.push_back(id);
        }
    }
    for (std::size_t i = pairs.size(); i > 1; --i) std::swap(pairs[i - 1], pairs[merge_random.below(i)]);
    std::vector<bool> merged(cell_count, false);
    std::vector<bool> absorbed(cell_count, false);  // eastern half of a merged pair
    std::size_t merges_left = cell_count - params.grids;
    for (const std::size_t id : pairs) {
        if (merges_left == 0) break;
        if (merged[id] || merged[id + 1]) continue;
        merged[id] = merged[id + 1] = true;
        absorbed[id + 1] = true;
        --merges_left;
    }
    if (merges_left != 0) throw std::logic_error("synthetic layout: not enough cells to merge");

    std::vector<std::size_t> cell_grid(cell_count);
    std::vector<Region> grids;
    for (std::size_t id = 0; id < cell_count; ++id) {
        if (absorbed[id]) {
            cell_grid[id] = cell_grid[id - 1];
            continue;
        }
        cell_grid[id] = grids.size();
        grids.push_back({id / columns, id % columns, cell_community[id]});
    }

    const Network network(lattice, frame, params.seed, root.fork(3));
    const auto street_rings = chain_rings(network.edges(), [&] {
        std::vector<std::size_t> label(cell_count);
        for (std::size_t id = 0; id < cell_count; ++id) label[id] = communities[cell_community[id]].parent;
        return label;
    }(), streets.size());
    const auto community_rings = chain_rings(network.edges(), cell_community, communities.size());
    const auto grid_rings = chain_rings(network.edges(), cell_grid, grids.size());

    const auto street_number = number_within_parent(streets);
    const auto community_number = number_within_parent(communities);
    const auto grid_number = number_within_parent(grids);

    Random name_random = root.fork(4);
    std::set<std::string> used_names;
    std::vector<model::Grid> out;
    out.reserve(streets.size() + communities.size() + grids.size());
    const auto add = [&](model::GridLevel level, std::string code, std::string name, std::string parent, const geo::Ring& ring) {
        model::Grid grid;
        grid.code = std::move(code);
        grid.name = std::move(name);
        grid.level = level;
        grid.parent_code = std::move(parent);
        grid.geometry.polygons.push_back(geo::Polygon{{ring}});
        grid.valid_from = params.valid_from;
        out.push_back(std::move(grid));
    };
    std::vector<std::string> street_codes(streets.size());
    std::vector<std::string> community_codes(communities.size());
    std::vector<std::string> community_names(communities.size());
    for (std::size_t s = 0; s < streets.size(); ++s) {
        street_codes[s] = params.county_code + three_digits(street_number[s]);
        add(model::GridLevel::street, street_codes[s],
            unique_name(used_names, [&](int) { return place_stem(name_random) + "街道"; }), "", street_rings[s]);
    }
    static constexpr std::array<std::string_view, 8> community_suffixes{
        "社区", "里社区", "北里社区", "南里社区", "东里社区", "西里社区", "家园社区", "园社区"};
    for (std::size_t c = 0; c < communities.size(); ++c) {
        community_codes[c] = street_codes[communities[c].parent] + three_digits(community_number[c]);
        community_names[c] = unique_name(used_names, [&](int) {
            return place_stem(name_random) + std::string{community_suffixes[name_random.below(community_suffixes.size())]};
        });
        add(model::GridLevel::community, community_codes[c], community_names[c], street_codes[communities[c].parent],
            community_rings[c]);
    }
    for (std::size_t g = 0; g < grids.size(); ++g) {
        const std::size_t c = grids[g].parent;
        add(model::GridLevel::grid, community_codes[c] + three_digits(grid_number[g]),
            community_names[c] + "第" + std::to_string(grid_number[g]) + "网格", community_codes[c], grid_rings[g]);
    }
    std::stable_sort(out.begin(), out.end(), [](const model::Grid& a, const model::Grid& b) {
        if (a.level != b.level) return a.level < b.level;
        return a.code < b.code;
    });
    return out;
}

}  // namespace wangge::synth
