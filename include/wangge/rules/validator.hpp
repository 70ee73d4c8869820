#pragma once
// The boundary rules engine (DESIGN §4): checks a grid layout for invalid
// geometry, overlaps, gaps, grids outside their parent, unknown parents,
// duplicated or malformed codes, household and resident counts, compounds
// split between grids, oversized communities, grids without their one A岗
// and near-miss borders.
//
// The whole layout is projected once into a local metric CRS (LocalProjection),
// so every area, width and tolerance is in metres; offending pieces are
// reported back in lon/lat.
//
// Coverage is checked per parent: the children of a parent must cover it
// exactly. Children whose parent polygon is not available are checked against
// the union of their siblings, so a hole inside it is a gap and the outside is not.
// Overlaps are checked between all grids of one level, not only siblings, so
// two grids of neighbouring communities that overlap are reported even when
// one community polygon is missing.
//
// Speed: candidate pairs come from a PackedRTree per level. Neighbours whose
// borders match vertex for vertex are proven apart by comparing segments
// (border_contact.cpp) and never reach GEOS overlay; children are proven
// inside their parent the same way. A parent whose children are all proven
// apart and inside is gap-free when the areas add up, so no union is built.
// Edges that do not match fall back to GEOS (intersection, covers, union).
//
// Noise: a piece (gap, overlap, outside part) is ignored when its area is below
// min_area_m2 or when it is narrower than min_width_m everywhere. "Narrower"
// is tested by erosion: buffering the piece inwards by min_width_m / 2 leaves
// nothing exactly when no disc of diameter min_width_m fits inside it. Unlike
// 2·area/perimeter this does not depend on how wiggly the border is, and a
// 1 m wide sliver of any length is always reported.
//
// Thread safety: a Validator is immutable after construction; validate_all()
// and validate_grid() may run concurrently. Each call spreads its work over
// its own threads, each with its own GEOS context and PROJ transform.

#include <compare>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wangge/model/entities.hpp"
#include "wangge/rules/report.hpp"

namespace wangge::rules {

/// Digits per level of the grid code, first the county prefix. The default is
/// Beijing DB11/T 2157-2023: 6 county + 3 street + 3 community + 3 grid, plus
/// 3 for optional sub-grids.
struct CodeScheme {
    std::vector<std::size_t> digits{6, 3, 3, 3, 3};

    /// Full code length for a level; 0 when the scheme does not reach it.
    [[nodiscard]] std::size_t length(model::GridLevel level) const noexcept;
    /// Code length of the level above (the county prefix for streets).
    [[nodiscard]] std::size_t parent_length(model::GridLevel level) const noexcept;
};

/// A 小区 and one of its buildings (楼栋) as household addresses name them;
/// `building` is empty for households whose address names none.
struct Building {
    std::string compound;
    std::string building;
    friend auto operator<=>(const Building&, const Building&) = default;
};

struct Options {
    double min_width_m = 0.05;      ///< pieces narrower than this are noise
    double min_area_m2 = 1.0;       ///< pieces smaller than this are noise
    double edge_tolerance_m = 0.5;  ///< vertices this close to a neighbour's border should be shared
    int households_min = 100;
    int households_max = 300;
    int residents_min = 200;  ///< residents_count: household members per grid
    int residents_max = 400;
    int community_households_max = 3000;  ///< community_households: most households in one community
    /// Households per grid code; the household_count rule runs only when given.
    std::optional<std::unordered_map<std::string, int>> households;
    /// Residents (sum of household members) per grid code; the
    /// residents_count rule runs only when given.
    std::optional<std::unordered_map<std::string, int>> residents;
    /// The buildings with households in each grid (sorted, unique); the
    /// compound_split rule runs only when given. Households without a
    /// compound name are left out.
    std::optional<std::unordered_map<std::string, std::vector<Building>>> buildings;
    /// A岗 (primary duty) staff per grid code; the no_primary_staff rule
    /// (exactly one per finest-level grid) runs only when given.
    std::optional<std::unordered_map<std::string, int>> primary_staff;
    CodeScheme scheme;
    unsigned threads = 0;  ///< 0: all hardware threads
    /// Invalid grids up to this size are repaired (GEOS MakeValid) so the
    /// overlap and gap rules still see them; larger ones only get their
    /// invalid_geometry violation: repairing n crossing segments costs O(n²)
    /// memory, and one hostile 1e6-vertex ring would exhaust the machine.
    std::size_t max_repair_vertices = 2'000;
};

/// Items done so far and in all; called on the thread that called validate_all().
using Progress = std::function<void(std::size_t done, std::size_t total)>;

namespace detail {
class WorkerPool;
}

/// Workers (a GEOS context and a PROJ transform each) lent to validators over
/// parts of one layout, such as the neighbourhoods of a draft's edits:
/// creating a PROJ transform costs tens of milliseconds, more than checking
/// one edit, so they are made once. Every validator sharing them measures in
/// the one local projection chosen for `lonlat_extent`.
///
/// Thread safety: copies share one pool, which any number of threads may use.
class SharedWorkers {
public:
    explicit SharedWorkers(const geo::Box& lonlat_extent);

private:
    friend class Validator;
    std::shared_ptr<detail::WorkerPool> pool_;
};

class Validator {
public:
    /// `layout` is validated; `parents` (e.g. communities from another file)
    /// only serve as parent polygons and codes. Throws InputError when the
    /// coordinates are not lon/lat.
    explicit Validator(std::vector<model::Grid> layout, Options options = {}, std::vector<model::Grid> parents = {});
    /// Validates `layout` with `workers`, so building it costs no PROJ set-up.
    Validator(std::vector<model::Grid> layout, Options options, const SharedWorkers& workers);
    ~Validator();
    Validator(Validator&&) noexcept;
    Validator& operator=(Validator&&) noexcept;
    Validator(const Validator&) = delete;
    Validator& operator=(const Validator&) = delete;

    [[nodiscard]] std::size_t grid_count() const noexcept;
    [[nodiscard]] std::size_t vertex_count() const noexcept;

    /// Checks every rule on the whole layout.
    [[nodiscard]] Report validate_all(const Progress& progress = {}) const;

    /// Checks grid `code` as if its geometry were `lonlat`, against its
    /// neighbours, its parent and its children only. Reports the violations of
    /// the edited layout that involve `code`. Throws InputError for an unknown code.
    [[nodiscard]] Report validate_grid(std::string_view code, const geo::MultiPolygon& lonlat) const;

private:
    Validator(std::vector<model::Grid> layout, Options options, std::vector<model::Grid> parents,
              std::shared_ptr<detail::WorkerPool> pool);

    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The no_primary_staff message for `grid` with `count` A岗 staff; nullopt
/// for exactly one (the rule's own check, for the map's staff panel).
[[nodiscard]] std::optional<std::string> primary_staff_message(const model::Grid& grid, int count);

/// One-shot convenience: Validator(layout, options, parents).validate_all().
[[nodiscard]] Report validate(std::vector<model::Grid> layout, const Options& options = {},
                              std::vector<model::Grid> parents = {});

}  // namespace wangge::rules
