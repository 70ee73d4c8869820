#pragma once
// A draft layout (DESIGN §4): a copy of the published grids plus the layout
// version it was made from, edited in memory with topology-safe operations.
//
// Coverage is kept by construction: moving a shared border re-cuts the union
// of both neighbours along the new line, splitting cuts one grid along a line,
// merging unions two neighbours. Every piece comes from polygonizing noded
// linework, so pieces share their borders vertex for vertex. Snapping moves a
// drawn polygon's vertices onto its neighbours' vertices within a tolerance in
// metres, so a hand-drawn border does not leave a sliver.
//
// Every edit returns the incremental validation of the grids it touched
// (Validator::validate_grid on the edited layout) for the map.
//
// Thread safety: a Draft is a plain value; one thread edits it at a time.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/error.hpp"
#include "wangge/model/entities.hpp"
#include "wangge/rules/report.hpp"
#include "wangge/rules/validator.hpp"

namespace wangge::drafts {

/// An edit that cannot be applied (unknown code, a line that does not cut,
/// grids that are not neighbours…); what() says why, in English.
class EditError : public InputError {
public:
    using InputError::InputError;
};

/// The layout version: the highest Grid::version among `grids` (0 when none).
[[nodiscard]] int layout_version(std::span<const model::Grid* const> grids) noexcept;

/// What an edit changed, and the validation of the touched grids.
struct EditResult {
    std::vector<std::string> changed;  ///< codes added or modified
    std::vector<std::string> removed;  ///< codes no longer in the draft
    rules::Report report;
};

/// A proposed code for a grid (renumber).
struct CodeProposal {
    std::string old_code;
    std::string new_code;
};

class Draft {
public:
    Draft(std::vector<model::Grid> grids, int base_version, rules::Options options = {});

    [[nodiscard]] int base_version() const noexcept { return base_version_; }
    [[nodiscard]] const std::vector<model::Grid>& grids() const noexcept { return grids_; }
    /// Throws EditError for an unknown code.
    [[nodiscard]] const model::Grid& grid(std::string_view code) const;

    EditResult replace_geometry(std::string_view code, geo::MultiPolygon geometry);
    /// Adds a grid; its level is taken as given. Throws for a code in use.
    EditResult add(model::Grid grid);
    /// Removes a grid that has no children in the draft.
    EditResult remove(std::string_view code);
    EditResult rename(std::string_view code, std::string name);
    EditResult reparent(std::string_view code, std::string parent_code);

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
    /// Sets grid `code` to `drawn` with its vertices snapped to the vertices of
    /// its neighbours and parent within `tolerance_m` metres.
    EditResult snap(std::string_view code, const geo::MultiPolygon& drawn, double tolerance_m);

    /// Codes per the scheme (DB11/T 2157-2023 by default): inside each parent,
    /// children numbered west→east then north→south (reading order: rows as
    /// tall as the children on average, from the north) by an interior point;
    /// a child's code is prefixed by its parent's proposed code. Only grids
    /// whose code would change are listed, parents before children.
    [[nodiscard]] std::vector<CodeProposal> propose_codes() const;
    /// Applies propose_codes() (codes and parent codes).
    EditResult renumber();

    /// Every rule on the whole draft.
    [[nodiscard]] rules::Report validate() const;

private:
    [[nodiscard]] model::Grid& find(std::string_view code);
    [[nodiscard]] std::size_t index_of(std::string_view code) const;
    /// Validates the grids `changed` in the current draft; `removed` is only reported.
    [[nodiscard]] EditResult result(std::vector<std::string> changed, std::vector<std::string> removed = {}) const;

    std::vector<model::Grid> grids_;
    int base_version_;
    rules::Options options_;
};

}  // namespace wangge::drafts
