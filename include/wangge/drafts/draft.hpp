#pragma once
// A draft layout (DESIGN §4): the published grids of one layout version (the
// base, shared by every draft of that version) plus the grids the draft
// added, edited or deleted, edited in memory with topology-safe operations.
// A draft costs what it changes, not the size of the city: opening one at
// 10k grids copies nothing, and the map shows the unchanged grids from tiles.
//
// Coverage is kept by construction: moving a shared border re-cuts the union
// of both neighbours along the new line, splitting cuts one grid along a line,
// merging unions two neighbours. Every piece comes from polygonizing noded
// linework, so pieces share their borders vertex for vertex. Snapping moves a
// drawn polygon's vertices onto its neighbours' vertices within a tolerance in
// metres, so a hand-drawn border does not leave a sliver.
//
// Every edit returns the incremental validation of the grids it touched: a
// Validator over their neighbourhood only (same-level grids around them, their
// parents, siblings and children, found through the base's R-tree), sharing
// the base's PROJ workers, so an edit is checked in milliseconds at city size.
// Publishing still validates the whole layout (validate()).
//
// Thread safety: a BaseLayout is immutable and shared between threads; a
// Draft is a plain value, edited by one thread at a time.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/error.hpp"
#include "wangge/geo/packed_rtree.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/rules/report.hpp"
#include "wangge/rules/validator.hpp"

namespace wangge::drafts {

/// An edit that cannot be applied (unknown code, a line that does not cut,
/// grids that are not neighbours…); what() says why in English for logs,
/// message_zh() in Chinese for the planner.
class EditError : public InputError {
public:
    EditError(const std::string& message, std::string message_zh)
        : InputError(message), message_zh_(std::move(message_zh)) {}
    [[nodiscard]] const std::string& message_zh() const noexcept { return message_zh_; }

private:
    std::string message_zh_;
};

/// The layout version: the highest Grid::version among `grids` (0 when none).
[[nodiscard]] int layout_version(std::span<const model::Grid* const> grids) noexcept;

/// What an edit changed, and the validation of the touched grids.
struct EditResult {
    std::vector<std::string> changed;  ///< codes added or modified
    std::vector<std::string> removed;  ///< codes no longer in the draft
    rules::Report report;
};

/// Where a draft's checks get what the served map knows per grid: households
/// for the household_count, residents_count, compound_split and
/// community_households rules and A岗 staff for no_primary_staff. Thread
/// safety: implementations are called from any thread, for any number of
/// drafts at once.
class GridFacts {
public:
    /// What some households add up to: household_count, residents_count and compound_split.
    struct Tally {
        int households = 0;
        int residents = 0;                      ///< sum of members
        std::vector<rules::Building> buildings;  ///< sorted, unique; named compounds only
    };

    virtual ~GridFacts() = default;
    /// The households of the published grid `code`.
    [[nodiscard]] virtual Tally in_grid(std::string_view code) const = 0;
    /// The households located inside `lonlat` (a grid the draft changed).
    [[nodiscard]] virtual Tally inside(const geo::MultiPolygon& lonlat) const = 0;
    /// A岗 staff linked to grid `code` (0 for a code the map does not have);
    /// nullopt when the map keeps no staff links at all (staffing is not
    /// managed here, so no_primary_staff is not checked).
    [[nodiscard]] virtual std::optional<int> primary_staff(std::string_view code) const = 0;
};

/// A proposed code for a grid (renumber).
struct CodeProposal {
    std::string old_code;
    std::string new_code;
};

/// The published layout a draft starts from: its current grids, indexed by
/// code, by parent and by bounding box, and the validation workers for its
/// extent. Built once per layout version and shared by its drafts.
class BaseLayout {
public:
    BaseLayout(std::vector<model::Grid> grids, int version);

    [[nodiscard]] int version() const noexcept { return version_; }
    [[nodiscard]] const std::vector<model::Grid>& grids() const noexcept { return grids_; }
    /// nullptr when the base has no grid `code`.
    [[nodiscard]] const model::Grid* find(std::string_view code) const;
    /// The base's children of `code`.
    [[nodiscard]] std::span<const std::size_t> children(const std::string& code) const;
    /// Calls visit(grid) for the base grids whose box intersects `box`.
    template <class Visit>
    void near(const geo::Box& box, Visit&& visit) const {
        tree_.query(box, [&](std::size_t i) {
            visit(grids_[i]);
            return true;
        });
    }
    /// Workers for validating neighbourhoods; nullopt for an empty layout.
    [[nodiscard]] const std::optional<rules::SharedWorkers>& workers() const noexcept { return workers_; }

private:
    std::vector<model::Grid> grids_;
    int version_;
    std::map<std::string, std::size_t, std::less<>> index_of_;
    std::map<std::string, std::vector<std::size_t>, std::less<>> children_;
    geo::PackedRTree tree_;
    std::optional<rules::SharedWorkers> workers_;
};

class Draft {
public:
    /// Without `facts` the household_count and no_primary_staff rules are not checked.
    Draft(std::shared_ptr<const BaseLayout> base, rules::Options options = {},
          std::shared_ptr<const GridFacts> facts = {});
    /// A draft over a base made of `grids` (tests, tools).
    Draft(std::vector<model::Grid> grids, int base_version, rules::Options options = {},
          std::shared_ptr<const GridFacts> facts = {});

    [[nodiscard]] int base_version() const noexcept { return base_->version(); }
    /// Every grid of the draft: the base's unchanged grids, then the changed ones.
    [[nodiscard]] std::vector<model::Grid> grids() const;
    /// Number of grids in the draft.
    [[nodiscard]] std::size_t size() const noexcept;
    /// Grids added or edited, by code.
    [[nodiscard]] const std::map<std::string, model::Grid, std::less<>>& changed() const noexcept { return changed_; }
    /// Base codes the draft no longer has.
    [[nodiscard]] const std::set<std::string, std::less<>>& deleted() const noexcept { return deleted_; }
    /// Throws EditError for an unknown code.
    [[nodiscard]] const model::Grid& grid(std::string_view code) const;
    /// The published grid `code` the draft started from; nullptr when the base has none.
    [[nodiscard]] const model::Grid* base_grid(std::string_view code) const { return base_->find(code); }

    EditResult replace_geometry(std::string_view code, geo::MultiPolygon geometry);
    /// Adds a grid; its level is taken as given. Throws for a code in use.
    EditResult add(model::Grid grid);
    /// Removes a grid that has no children in the draft.
    EditResult remove(std::string_view code);
    EditResult rename(std::string_view code, std::string name);
    EditResult reparent(std::string_view code, std::string parent_code);
    /// Sets a dedicated grid's purpose (专属类型); throws for a base grid.
    EditResult set_purpose(std::string_view code, std::string purpose);

    /// Replaces the shared border of neighbours `a` and `b` by `line` (lon/lat):
    /// both are rebuilt from their union cut along the line, so together they
    /// cover exactly what they covered before. The line must cross the union
    /// from border to border (overshooting ends are ignored).
    EditResult move_border(std::string_view a, std::string_view b, std::span<const geo::Point> line);
    /// Cuts grid `code` along `line` into exactly two parts: the larger keeps
    /// the code, the other becomes `new_code` / `new_name` with the same parent.
    EditResult split(std::string_view code, std::span<const geo::Point> line, std::string new_code,
                     std::string new_name);
    /// Unites neighbours with the same parent into `keep`; `absorb` is removed
    /// and its children move to `keep`.
    EditResult merge(std::string_view keep, std::string_view absorb);
    /// Moves the vertex at `from` to `to` in every grid whose boundary passes
    /// through `from` (as a vertex, or on a segment, where it becomes one):
    /// the neighbours, the parent and the next community move with the grid,
    /// so the coverage stays exact. Throws EditError when no grid's boundary
    /// passes through `from`.
    EditResult move_vertex(const geo::Point& from, const geo::Point& to);
    /// Sets grid `code` to `drawn` with its vertices snapped to the vertices of
    /// its neighbours and parent within `tolerance_m` metres.
    EditResult snap(std::string_view code, const geo::MultiPolygon& drawn, double tolerance_m);
    /// The geometry snap() would give grid `code`, the draft left as it is.
    [[nodiscard]] geo::MultiPolygon snapped(std::string_view code, const geo::MultiPolygon& drawn,
                                            double tolerance_m) const;

    /// Codes per the scheme (DB11/T 2157-2023 by default): inside each parent,
    /// children numbered west→east then north→south (reading order: rows as
    /// tall as the children on average, from the north) by an interior point;
    /// a child's code is prefixed by its parent's proposed code. Only grids
    /// whose code would change are listed, parents before children.
    [[nodiscard]] std::vector<CodeProposal> propose_codes() const;
    /// Applies propose_codes() (codes and parent codes).
    EditResult renumber();

    /// Checks grid `code` as if its geometry were `candidate`, against its
    /// neighbourhood in the draft, without changing the draft: what the map
    /// shows while a border is dragged. The candidate's vertices on other
    /// grids' borders count as shared, as they would be once saved. Throws
    /// EditError for an unknown code or an empty candidate.
    [[nodiscard]] rules::Report check_geometry(std::string_view code, const geo::MultiPolygon& candidate) const;

    /// Every rule on the whole draft.
    [[nodiscard]] rules::Report validate() const;
    /// The violations involving the changed grids (and the parents of deleted
    /// ones): what the draft has done to the layout, checked incrementally.
    [[nodiscard]] rules::Report validate_changes() const;

private:
    [[nodiscard]] const model::Grid* find(std::string_view code) const;
    /// The draft's grid `code`, copied into the changes for editing.
    [[nodiscard]] model::Grid& edit(std::string_view code);
    [[nodiscard]] bool contains(std::string_view code) const { return find(code) != nullptr; }
    /// Puts `grid` into the draft under its code, replacing any grid there.
    void put(model::Grid grid);
    /// Takes grid `code` out of the draft.
    void drop(const std::string& code);
    [[nodiscard]] std::vector<const model::Grid*> children(const std::string& code) const;
    /// Calls visit(grid) for the draft grids whose box intersects `box`.
    void near(const geo::Box& box, const std::function<void(const model::Grid&)>& visit) const;
    /// Inserts the vertices of the grids `edited` that lie on another grid's
    /// segment (a neighbour, the parent, a grid of the next community) into
    /// that grid, so shared borders stay vertex for vertex; returns the grids changed.
    std::vector<std::string> share_vertices(const std::vector<std::string>& edited);
    /// Checks the grids `codes` against their neighbourhood in the draft;
    /// with `candidate`, the grid of that code is checked as if its geometry
    /// were the candidate's.
    [[nodiscard]] rules::Report check(const std::vector<std::string>& codes,
                                      const model::Grid* candidate = nullptr) const;
    /// Returns `edit` when it left no pair of borders within the edge
    /// tolerance of each other without sharing vertices (edge_mismatch) that
    /// was not so before, given the draft's changes before it; otherwise
    /// restores those and throws EditError (a line drawn just past a junction).
    EditResult refuse_new_near_misses(EditResult edit, std::map<std::string, model::Grid, std::less<>> changed_before,
                                      std::set<std::string, std::less<>> deleted_before);
    /// `options` with the households of the grid-level grids in `layout` (when counted).
    [[nodiscard]] rules::Options with_live_facts(rules::Options options, const std::vector<model::Grid>& layout) const;
    /// Validates the grids `changed` in the current draft; `removed` is only reported.
    [[nodiscard]] EditResult result(std::vector<std::string> changed, std::vector<std::string> removed = {}) const;

    std::shared_ptr<const BaseLayout> base_;
    std::map<std::string, model::Grid, std::less<>> changed_;
    std::set<std::string, std::less<>> deleted_;
    rules::Options options_;
    std::shared_ptr<const GridFacts> facts_;
};

}  // namespace wangge::drafts
