#pragma once
// The 15-minute living circles (15分钟生活服务圈, issue #16 item 3): for one
// service kind (config.hpp), which households have a facility of the kind
// within its walking distance, tallied per grid, community and street, and
// the part of each grid no facility's circle reaches.
//
// Distances are straight lines on the CGCS2000 ellipsoid: the two points'
// differences of longitude and latitude scaled by the ellipsoid's radii of
// curvature at their mean latitude (exact to millimetres at a few
// kilometres). A household exactly at the distance is covered; so is one up
// to 1 mm beyond it, which absorbs the rounding of stored coordinates.
// Households that moved out, and those whose grid code names no grid in
// force, are not counted.
//
// Along the streets (with a StreetNetwork, network.hpp): a household is
// covered when the walk from a facility of the kind to it, both access legs
// included, is at most the distance, and the straight line to that facility
// is too (so the network never covers more than the circles). A household
// or facility farther than the snap distance from every street keeps the
// straight line: such a facility covers its circle, such a household is
// covered by any facility within its straight distance.
//
// Uncovered areas are computed per finest-level grid (one with no children)
// in a plane tangent to the ellipsoid at the grid's centre, where each
// facility's circle is a 64-sided polygon (its area 0.16 % short of the
// circle's): the grid minus the circles reaching it. Its area is summed from
// the pieces of the edges that bound it (Green's theorem, no polygon built:
// exact to rounding); the polygon itself, in lon/lat, only the map draws,
// with GEOS, per grid on demand (uncovered()). A grid inside one circle, or
// out of every circle's reach, needs neither.
// Along the streets, what the walk reaches is every street point the walk
// reaches with some distance left, grown by what is left there (the walk
// goes on straight off the street): per stretch of a segment over which the
// distance left changes linearly, the hull of the 32-gons at its two ends,
// plus the circles of the facilities off the streets; stretches continuing
// one another within 2 m of a straight line are one hull (the area moves by
// at most 2 m; docs/service-circles.md). A grid inside one such
// stretch, or reached by none, is full or empty at once; so is one the
// stretches together hold (tested on an 8 × 8 lattice of cells over its
// box). For the rest, a hull is left out when every cell it may reach is
// held whole by a hull that stays (the union over the grid is the same),
// and the others give the area as above (the drawn polygon: GEOS cuts them
// from the grid one at a time, largest first). A household's own coverage
// follows its nearest street, so it can lie inside that area and still be
// uncovered (its street is not the reached one), rarely the reverse.
//
// Incremental: compute() given the coverage of an earlier snapshot (`base`)
// with the same households table and layout redoes only the households and
// grids within the distance of a facility of the kind that was added, moved,
// removed or changed kind (the facility lists are diffed by id). With other
// households it reuses the areas (the walk itself is redone in full: it is
// milliseconds, and it changes only within the distance of the changed
// facilities, since no walk is shorter than the straight line) (they depend on the layout and facilities
// only) and recounts the households; with another layout it starts over.
//
// Thread safety: a Coverage is immutable once computed but for the
// polygons uncovered() draws and keeps (under a mutex); any number of
// threads may read it and call uncovered(). compute() runs its own worker
// threads.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wangge/geo/types.hpp"
#include "wangge/model/snapshot.hpp"
#include "wangge/service/config.hpp"
#include "wangge/service/network.hpp"

namespace wangge::service {

namespace detail {
struct Reachers;
}

/// Covered households of one unit (a grid at any level, or the whole area).
struct Tally {
    std::int64_t households = 0;
    std::int64_t covered = 0;

    /// covered / households; nullopt without households.
    [[nodiscard]] std::optional<double> share() const noexcept;
    Tally& operator+=(const Tally& other) noexcept;
    friend bool operator==(const Tally&, const Tally&) = default;
};

/// How much of a finest-level grid the circles reach.
enum class Reach : std::uint8_t { full, partial, none };

/// The uncovered part of one finest-level grid.
struct GridArea {
    Reach reach = Reach::none;
    double area_m2 = 0.0;       ///< the grid's area
    double uncovered_m2 = 0.0;  ///< its part outside every circle
};

/// That part drawn (Coverage::uncovered).
struct UncoveredShape {
    /// In lon/lat: the grid's own geometry when out of reach, empty when fully covered.
    geo::MultiPolygon geometry;
    /// Its area as GEOS measures it in the grid's plane (GridArea::uncovered_m2 within rounding).
    double area_m2 = 0.0;
};

/// Distance in metres between two lon/lat points (see above).
[[nodiscard]] double distance_m(const geo::Point& a, const geo::Point& b) noexcept;
/// The point `east_m` east and `north_m` north of `origin` (the inverse of distance_m along the axes).
[[nodiscard]] geo::Point offset(const geo::Point& origin, double east_m, double north_m) noexcept;

/// What compute() did (tests check that an edit stays incremental).
struct Work {
    bool incremental_households = false;  ///< households redone near changed facilities only
    bool incremental_areas = false;       ///< grids redone near changed facilities only
    std::size_t households_checked = 0;
    std::size_t grids_computed = 0;
};

class Coverage {
public:
    /// The coverage of `kind` in `snapshot`, reusing `base` (an earlier
    /// snapshot's coverage of the same kind and network) where it still
    /// holds. `threads` 0: one per core. With a `network`, distances are
    /// walked along its streets, else straight.
    [[nodiscard]] static Coverage compute(const model::Snapshot& snapshot, const ServiceKind& kind,
                                          const Coverage* base = nullptr, unsigned threads = 0,
                                          std::shared_ptr<const StreetNetwork> network = nullptr);

    /// Every kind of `kinds` afresh (no base), in their order, the kinds
    /// spread over `threads` threads (0: one per core), at most one per
    /// kind: the same coverages as compute() one kind after another,
    /// sooner. Along the streets the households join them once for all
    /// the kinds (where a household joins does not depend on the kind).
    [[nodiscard]] static std::vector<Coverage> compute_all(const model::Snapshot& snapshot, std::span<const ServiceKind> kinds,
                                                           unsigned threads = 0,
                                                           const std::shared_ptr<const StreetNetwork>& network = nullptr);

    [[nodiscard]] const ServiceKind& kind() const noexcept { return kind_; }
    [[nodiscard]] Method method() const noexcept { return network_ ? Method::network : Method::straight; }
    /// The tally of a grid at any level by code; null for a code not in force.
    [[nodiscard]] const Tally* unit(std::string_view code) const noexcept;
    /// Every counted household.
    [[nodiscard]] const Tally& total() const noexcept { return total_; }
    /// The uncovered area of the grid at `position` in snapshot.current_grids();
    /// null for a grid that has children (its area is its children's).
    [[nodiscard]] const GridArea* area(std::size_t position) const noexcept;
    /// The uncovered part of that grid drawn in lon/lat for the map: GEOS
    /// cuts what reaches it from the grid on the first call for the grid,
    /// and the result is kept (the area number above needs no polygon).
    /// `snapshot` is the one this coverage was computed for; null for a
    /// grid that has children.
    [[nodiscard]] std::shared_ptr<const UncoveredShape> uncovered(const model::Snapshot& snapshot, std::size_t position) const;
    /// Whether the household at `position` in snapshot.data().households is counted and covered.
    [[nodiscard]] bool covered(std::size_t position) const noexcept {
        return position < state_.size() && state_[position] == covered_state;
    }
    /// Whether it is counted (resident, in a grid in force).
    [[nodiscard]] bool counted(std::size_t position) const noexcept {
        return position < state_.size() && state_[position] != not_counted;
    }
    /// The facilities of the kind, by id.
    [[nodiscard]] const std::vector<std::pair<std::int64_t, geo::Point>>& facilities() const noexcept {
        return facilities_;
    }
    [[nodiscard]] const Work& work() const noexcept { return work_; }

private:
    /// compute(), with where each household joins the streets already known
    /// (by household position; empty: joined here when needed).
    [[nodiscard]] static Coverage compute_joined(const model::Snapshot& snapshot, const ServiceKind& kind, const Coverage* base,
                                                 unsigned threads, std::shared_ptr<const StreetNetwork> network,
                                                 std::span<const std::optional<Attachment>> joined);

    static constexpr std::uint8_t not_counted = 0, uncovered_state = 1, covered_state = 2;

    ServiceKind kind_;
    std::shared_ptr<const StreetNetwork> network_;
    std::vector<std::pair<std::int64_t, geo::Point>> facilities_;  // sorted by id
    // What the counts were made from: reusable while the next snapshot shares them.
    model::Table<model::Household> households_;
    model::Table<model::Grid> grids_;
    std::vector<std::uint8_t> state_;  // per household position
    std::vector<Tally> tallies_;       // per current_grids() position
    std::unordered_map<std::string_view, std::size_t> positions_;  // code → current_grids() position
    Tally total_;
    // Per current_grids() position, null above the finest level; shared with
    // the coverages computed incrementally from this one.
    std::vector<std::shared_ptr<const GridArea>> areas_;
    // What reaches the grids, to draw their uncovered parts on demand.
    std::shared_ptr<const detail::Reachers> reachers_;
    struct Drawn {
        std::mutex mutex;
        std::unordered_map<std::size_t, std::shared_ptr<const UncoveredShape>> shapes;  // by current_grids() position
    };
    std::shared_ptr<Drawn> drawn_ = std::make_shared<Drawn>();
    Work work_;
};

/// One finest-level grid's coverage by one kind: a row of the monthly
/// workbook's 15分钟生活圈 sheet.
struct GridRow {
    std::string grid_code;
    std::string grid_name;
    std::string kind;  ///< the kind's Chinese name
    Method method = Method::straight;
    Tally tally;
    double uncovered_m2 = 0.0;
};

/// The rows of every finest-level grid of `snapshot` for which `keep(code)`
/// holds (all without it), in code order, each with one row per coverage in
/// the given order (all computed for `snapshot`).
[[nodiscard]] std::vector<GridRow> grid_rows(const model::Snapshot& snapshot, std::span<const Coverage* const> coverages,
                                             const std::function<bool(std::string_view code)>& keep = {});

/// Reads the lon/lat lines of the basemap's streets.
using StreetReader = std::function<std::vector<std::vector<geo::Point>>()>;

/// The network `config` walks along the lines `read_streets` gives (an empty
/// reader: no basemap, no streets), built with its snap distance; null for
/// straight lines (the method asked, or no streets and no method asked). The
/// streets are read only when the method is not "straight" (reading a city's
/// tiles takes a second). Throws InputError when the method "network" is
/// asked and there are no streets.
[[nodiscard]] std::shared_ptr<const StreetNetwork> walking_network(const CirclesConfig& config,
                                                                   const StreetReader& read_streets);

}  // namespace wangge::service
