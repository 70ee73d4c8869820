#pragma once
// The immutable, shared in-memory view of a store (DESIGN §2).
//
// Thread safety: a Snapshot never changes after build(); readers share it
// through shared_ptr<const Snapshot> and never block. Writers make the next
// version with a SnapshotEditor (sharing what they did not change) and swap
// the pointer.

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
#include "wangge/model/grid_members.hpp"
#include "wangge/model/id_index.hpp"
#include "wangge/model/live_indexes.hpp"
#include "wangge/model/point_search.hpp"
#include "wangge/model/table.hpp"
#include "wangge/model/tables.hpp"

namespace wangge::model {

/// A staff member's link to one grid.
struct GridStaff {
    const Staff* staff = nullptr;
    Duty duty = Duty::primary;
};

/// The answer of GET /lookup.
struct LookupResult {
    /// From the top level down to the finest base grid containing the point.
    std::vector<const Grid*> chain;
    /// The dedicated grid (专属网格) containing the point, if any: laid over
    /// the chain's grids, it takes the cases reported there first.
    const Grid* dedicated = nullptr;
    /// Distance from the point to the border of the finest grid, in metres.
    double distance_to_boundary_m = 0.0;
    bool near_boundary = false;

    [[nodiscard]] const Grid& grid() const { return *chain.back(); }
};

class SnapshotEditor;

class Snapshot {
public:
    /// Points closer than this to their grid's border are reported near_boundary.
    static constexpr double near_boundary_m = 20.0;

    /// Indexes a whole Dataset (at start, after an import). Versions edited
    /// from it rebuild their row indexes in the background once `rebuild_after`
    /// rows changed since the last build (live_indexes.hpp).
    [[nodiscard]] static std::shared_ptr<const Snapshot> build(Dataset data, std::uint64_t version,
                                                               std::size_t rebuild_after = default_rebuild_after);
    /// The same from tables filled directly (GeoPackageStore::load_tables), without moving the rows.
    [[nodiscard]] static std::shared_ptr<const Snapshot> build(Tables data, std::uint64_t version,
                                                               std::size_t rebuild_after = default_rebuild_after);

    [[nodiscard]] std::uint64_t version() const noexcept { return version_; }
    [[nodiscard]] const Tables& data() const noexcept { return data_; }
    /// What this version changed relative to the one it was edited from.
    [[nodiscard]] const Changes& changes() const noexcept { return changes_; }

    /// Grids in force now, in the order of data().grids.
    [[nodiscard]] std::span<const Grid* const> current_grids() const noexcept { return grids_->current; }
    [[nodiscard]] const Grid* current_grid(std::string_view code) const;
    /// Current grids whose parent_code is `code`.
    [[nodiscard]] std::span<const Grid* const> children(std::string_view code) const;
    /// The layout in force at `t` (every level), including closed versions.
    [[nodiscard]] std::vector<const Grid*> grids_at(Timestamp t) const;
    /// Staff linked to a grid, A岗 first.
    [[nodiscard]] std::span<const GridStaff> staff_of(std::string_view grid_code) const;
    [[nodiscard]] const Staff* staff(std::int64_t id) const;
    /// The grid links of one staff member, in data().staff_grids order.
    [[nodiscard]] std::span<const StaffGrid* const> links_of(std::int64_t staff_id) const;

    /// Rows by id (null when there is none).
    [[nodiscard]] const Household* household(std::int64_t id) const;
    [[nodiscard]] const Facility* facility(std::int64_t id) const;
    [[nodiscard]] const Incident* incident(std::int64_t id) const;
    /// Position of an incident in data().incidents.
    [[nodiscard]] std::optional<std::size_t> incident_position(std::int64_t id) const;
    /// The events of one incident in history order (time, then id).
    [[nodiscard]] std::vector<const IncidentEvent*> events_of(std::int64_t incident_id) const;
    /// Positions in data().incidents of the incidents whose grid code is `grid_code`, ascending.
    [[nodiscard]] std::vector<std::size_t> incidents_in(std::string_view grid_code) const;

    /// Index over current_grids() bounding boxes (positions in current_grids()).
    [[nodiscard]] const geo::PackedRTree& grid_index() const noexcept { return grids_->index; }
    /// Indexes over the locations of data().households, facilities and incidents (positions in them).
    [[nodiscard]] const PointSearch& household_index() const noexcept { return indexes_->households; }
    [[nodiscard]] const PointSearch& facility_index() const noexcept { return indexes_->facilities; }
    [[nodiscard]] const PointSearch& incident_index() const noexcept { return indexes_->incidents; }

    /// Bounding box of all current grids (lon/lat).
    [[nodiscard]] geo::Box extent() const noexcept { return grids_->index.bounds(); }

    /// The base grid chain containing `lonlat`, and the dedicated grid over it
    /// if any; nullopt outside every base grid. A point on a border shared by
    /// two grids goes to the grid with the smaller code, so routing is deterministic.
    [[nodiscard]] std::optional<LookupResult> lookup(const geo::Point& lonlat) const;

    /// Overlay rows past which versions rebuild their indexes in the background (build()).
    [[nodiscard]] std::size_t rebuild_after() const noexcept { return indexes_.rebuild_after(); }
    /// Blocks until a background rebuild of the row indexes, if one runs, is
    /// done, so the next version adopts it (tests use it to be deterministic).
    void wait_for_rebuild() const { indexes_.wait_for_rebuild(); }

private:
    friend class SnapshotEditor;
    /// The current layout's lookups, rebuilt only when the grids change.
    struct GridTree {
        explicit GridTree(const Table<Grid>& grids);
        std::vector<const Grid*> current;
        std::unordered_map<std::string_view, const Grid*> by_code;
        std::unordered_map<std::string_view, std::vector<const Grid*>> children;
        geo::PackedRTree index;
    };
    /// Staff by id and by grid, rebuilt only when staff or their links change.
    struct StaffDirectory {
        StaffDirectory(const Table<Staff>& staff, const Table<StaffGrid>& links);
        std::unordered_map<std::string_view, std::vector<GridStaff>> by_grid;
        std::unordered_map<std::int64_t, const Staff*> by_id;
        std::unordered_map<std::int64_t, std::vector<const StaffGrid*>> by_staff;
    };

    /// The indexes over rows by location, by id and of events by incident,
    /// updated from each version's delta (live_indexes.hpp).
    struct RowIndexes {
        static RowIndexes build(const Tables& rows);
        [[nodiscard]] RowIndexes rebuild(const Tables& rows) const;
        [[nodiscard]] RowIndexes next(const Tables& before, const Tables& after, const Changes& changes) const;
        [[nodiscard]] std::size_t overlay_size() const noexcept;

        PointSearch households;
        PointSearch facilities;
        PointSearch incidents;
        IdIndex household_ids;
        IdIndex facility_ids;
        IdIndex incident_ids;
        EventIndex events;
        GridMembers incident_grids;

    private:
        /// build() when `kept` is null, else rebuild() of `kept`.
        static RowIndexes make(const Tables& rows, const RowIndexes* kept);
    };

    Snapshot() = default;

    Tables data_;
    std::uint64_t version_ = 0;
    Changes changes_;
    // Shared between versions until the rows they index change.
    std::shared_ptr<const GridTree> grids_;
    std::shared_ptr<const StaffDirectory> staff_;
    LiveIndexes<RowIndexes> indexes_;
};

/// Makes the next snapshot version from a current one by changing single
/// rows: the result shares every table chunk and index the edits did not
/// touch, so its cost follows the size of the edit, not of the city.
///
/// Usage (the http::Writer, once per batch of writes):
///     SnapshotEditor editor(*current);
///     editor.append_incident(incident);
///     editor.append_event(event);
///     state.publish(editor.finish(current->version() + 1));
///
/// Thread safety: one thread per editor; the base snapshot may be read meanwhile.
class SnapshotEditor {
public:
    explicit SnapshotEditor(const Snapshot& base);

    /// The rows as edited so far.
    [[nodiscard]] const Tables& data() const noexcept { return data_; }

    void append_household(Household household);
    /// Replaces the household with the same id; throws std::out_of_range when there is none.
    void replace_household(Household household);
    void append_facility(Facility facility);
    /// Replaces the facility with the same id; throws std::out_of_range when there is none.
    void replace_facility(Facility facility);
    void append_incident(Incident incident);
    /// Replaces the incident with the same id; throws std::out_of_range when there is none.
    void replace_incident(Incident incident);
    void append_event(IncidentEvent event);
    void append_visit(Visit visit);
    /// Closes every grid in force at `at` (valid_to) and adds `grids` as the new layout.
    void replace_layout(Timestamp at, std::span<const Grid> grids);
    /// Sets the derived grid code of one row by id (after replace_layout); unknown ids are ignored.
    void set_household_grid(std::int64_t id, const std::string& grid_code);
    void set_facility_grid(std::int64_t id, const std::string& grid_code);
    void set_incident_grid(std::int64_t id, const std::string& grid_code);
    /// Replaces the staff member with the same id (a few thousand rows: found
    /// by a scan); throws std::out_of_range when there is none.
    void replace_staff(Staff staff);
    /// Makes `links` the only staff links of `grid_code` (each link's
    /// grid_code is set to it); an empty span removes the grid's links.
    void set_grid_staff(const std::string& grid_code, std::span<const StaffGrid> links);

    /// Replaces the whole grid table, closed versions included: a replica
    /// applying a layout another server published (http/replica.hpp).
    void replace_grids(Table<Grid> grids);
    /// Replace the staff rows, or all staff links, whole (a replica applying
    /// another server's staffing change; a few thousand rows).
    void replace_staff_table(Table<Staff> staff);
    void replace_staff_links(Table<StaffGrid> links);

    /// The new version; the editor is spent afterwards.
    [[nodiscard]] std::shared_ptr<const Snapshot> finish(std::uint64_t version);

private:
    /// Applies `change` to a copy of the row with `id` and stores it; false when there is no such row.
    template <class Row, class Edit>
    static bool edit(Table<Row>& rows, const IdIndex& base_ids, std::size_t base_size,
                     std::vector<std::size_t>& touched, std::int64_t id, Edit&& change);
    /// Appends `row`, noting its position in `touched`.
    template <class Row>
    static void append(Table<Row>& rows, std::vector<std::size_t>& touched, Row row);
    /// Replaces the row with row.id; throws std::out_of_range naming `layer` when there is none.
    template <class Row>
    static void replace(Table<Row>& rows, const IdIndex& base_ids, std::size_t base_size,
                        std::vector<std::size_t>& touched, Row row, const char* layer);

    const Snapshot& base_;
    Tables data_;
    bool layout_ = false;
    bool staff_ = false;
    std::vector<std::size_t> households_;
    std::vector<std::size_t> facilities_;
    std::vector<std::size_t> incidents_;
};

}  // namespace wangge::model
