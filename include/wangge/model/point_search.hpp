#pragma once
// A spatial index over the locations of a Table's rows that a new snapshot
// version updates in proportion to the rows a write changed.
//
// A packed R-tree over the rows as they were at the last rebuild (shared by
// every version since) plus a short list of rows appended or moved since,
// searched linearly. Once that list grows, the snapshot rebuilds the tree in
// the background (live_indexes.hpp).
//
// Thread safety: immutable once built; any number of threads may query.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "wangge/geo/packed_rtree.hpp"
#include "wangge/model/table.hpp"

namespace wangge::model {

class PointSearch {
public:
    PointSearch() = default;

    /// Indexes the locations of every row.
    template <class Row>
    static PointSearch build(const Table<Row>& rows) {
        std::vector<geo::Box> boxes;
        boxes.reserve(rows.size());
        for (const Row& row : rows) boxes.push_back(box_of(row.location));
        PointSearch search;
        search.base_ = std::make_shared<const geo::PackedRTree>(boxes);
        search.bounds_ = search.base_->bounds();
        return search;
    }

    /// The index of `rows` after the rows at `changed` positions (sorted,
    /// unique; at or past the previous size for appended rows) were written.
    template <class Row>
    [[nodiscard]] PointSearch next(const Table<Row>& rows, std::span<const std::size_t> changed) const {
        if (changed.empty()) return *this;
        PointSearch search = *this;
        for (const std::size_t position : changed) {
            const auto found = std::lower_bound(search.overlay_.begin(), search.overlay_.end(), position,
                                                [](const Entry& e, std::size_t p) { return e.position < p; });
            const Entry entry{position, rows[position].location};
            if (found != search.overlay_.end() && found->position == position) {
                *found = entry;
            } else {
                search.overlay_.insert(found, entry);
            }
            search.bounds_.expand(entry.location);
        }
        return search;
    }

    /// Rows appended or changed since build().
    [[nodiscard]] std::size_t overlay_size() const noexcept { return overlay_.size(); }

    /// Bounds of every location indexed (a location moved away may still widen them).
    [[nodiscard]] geo::Box bounds() const noexcept { return bounds_; }

    /// Calls visit(position) for every row whose location lies in `box`, in no
    /// particular order; a visitor returning false stops the search.
    template <class Visitor>
    void query(const geo::Box& box, Visitor&& visit) const {
        bool go_on = true;
        if (base_) {
            base_->query(box, [&](std::size_t position) {
                if (overlaid(position)) return true;  // its current location is in the overlay
                go_on = visit(position);
                return go_on;
            });
        }
        for (const Entry& entry : overlay_) {
            if (!go_on) return;
            if (box.intersects(box_of(entry.location))) go_on = visit(entry.position);
        }
    }

private:
    struct Entry {
        std::size_t position;
        geo::Point location;
    };

    static geo::Box box_of(const geo::Point& p) noexcept { return {p.x, p.y, p.x, p.y}; }
    [[nodiscard]] bool overlaid(std::size_t position) const noexcept {
        return !overlay_.empty() && std::binary_search(overlay_.begin(), overlay_.end(), Entry{position, {}},
                                                       [](const Entry& a, const Entry& b) { return a.position < b.position; });
    }

    std::shared_ptr<const geo::PackedRTree> base_;
    std::vector<Entry> overlay_;  // sorted by position
    geo::Box bounds_;
};

}  // namespace wangge::model
