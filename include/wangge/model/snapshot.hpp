#pragma once
// The immutable, shared in-memory view of a store (DESIGN §2).
//
// Thread safety: a Snapshot never changes after build(); readers share it
// through shared_ptr<const Snapshot> and never block. Writers build a new one
// and swap the pointer.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wangge/geo/packed_rtree.hpp"
#include "wangge/model/entities.hpp"

namespace wangge::model {

/// A staff member's link to one grid.
struct GridStaff {
    const Staff* staff = nullptr;
    Duty duty = Duty::primary;
};

/// The answer of GET /lookup.
struct LookupResult {
    /// From the top level down to the finest grid containing the point.
    std::vector<const Grid*> chain;
    /// Distance from the point to the border of the finest grid, in metres.
    double distance_to_boundary_m = 0.0;
    bool near_boundary = false;

    [[nodiscard]] const Grid& grid() const { return *chain.back(); }
};

class Snapshot {
public:
    /// Points closer than this to their grid's border are reported near_boundary.
    static constexpr double near_boundary_m = 20.0;

    [[nodiscard]] static std::shared_ptr<const Snapshot> build(Dataset data, std::uint64_t version);

    [[nodiscard]] std::uint64_t version() const noexcept { return version_; }
    [[nodiscard]] const Dataset& data() const noexcept { return data_; }

    /// Grids in force now, in the order of data().grids.
    [[nodiscard]] std::span<const Grid* const> current_grids() const noexcept { return current_grids_; }
    [[nodiscard]] const Grid* current_grid(std::string_view code) const;
    /// Current grids whose parent_code is `code`.
    [[nodiscard]] std::span<const Grid* const> children(std::string_view code) const;
    /// The layout in force at `t` (every level), including closed versions.
    [[nodiscard]] std::vector<const Grid*> grids_at(Timestamp t) const;
    /// Staff linked to a grid, A岗 first.
    [[nodiscard]] std::span<const GridStaff> staff_of(std::string_view grid_code) const;
    [[nodiscard]] const Staff* staff(std::int64_t id) const;

    /// Index over current_grids() bounding boxes (positions in current_grids()).
    [[nodiscard]] const geo::PackedRTree& grid_index() const noexcept { return grid_index_; }
    /// Index over data().households locations (positions in data().households).
    [[nodiscard]] const geo::PackedRTree& household_index() const noexcept { return household_index_; }
    [[nodiscard]] const geo::PackedRTree& facility_index() const noexcept { return facility_index_; }
    [[nodiscard]] const geo::PackedRTree& incident_index() const noexcept { return incident_index_; }

    /// Bounding box of all current grids (lon/lat).
    [[nodiscard]] geo::Box extent() const noexcept { return grid_index_.bounds(); }

    /// The grid chain containing `lonlat`; nullopt outside every grid. A point
    /// on a border shared by two grids goes to the grid with the smaller code,
    /// so routing is deterministic.
    [[nodiscard]] std::optional<LookupResult> lookup(const geo::Point& lonlat) const;

private:
    Snapshot() = default;
    void index();

    Dataset data_;
    std::uint64_t version_ = 0;
    std::vector<const Grid*> current_grids_;
    std::unordered_map<std::string_view, const Grid*> grid_by_code_;
    std::unordered_map<std::string_view, std::vector<const Grid*>> children_;
    std::unordered_map<std::string_view, std::vector<GridStaff>> staff_by_grid_;
    std::unordered_map<std::int64_t, const Staff*> staff_by_id_;
    geo::PackedRTree grid_index_;
    geo::PackedRTree household_index_;
    geo::PackedRTree facility_index_;
    geo::PackedRTree incident_index_;
};

}  // namespace wangge::model
