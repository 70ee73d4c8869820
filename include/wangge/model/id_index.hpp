#pragma once
// Lookups by id over a Table's rows that a new snapshot version updates in
// proportion to the rows a write appended (ids never change in place).
//
// Both indexes keep a sorted array built at the last rebuild, shared by every
// version since, plus a short sorted overlay of the rows appended since (the
// snapshot rebuilds the array once the overlay grows: live_indexes.hpp).
//
// Thread safety: immutable once built; any number of threads may read.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "wangge/model/entities.hpp"
#include "wangge/model/table.hpp"

namespace wangge::model {

/// Position of a row by its id. The first of duplicate ids wins.
class IdIndex {
public:
    template <class Row>
    static IdIndex build(const Table<Row>& rows) {
        auto sorted = std::make_shared<std::vector<Pair>>();
        sorted->reserve(rows.size());
        for (auto it = rows.begin(); it != rows.end(); ++it) sorted->push_back({it->id, it.position()});
        // A table read from the store is already in id order: only check it.
        if (!std::is_sorted(sorted->begin(), sorted->end(), by_id)) std::stable_sort(sorted->begin(), sorted->end(), by_id);
        IdIndex index;
        index.base_ = std::move(sorted);
        return index;
    }

    /// The index after rows [previous_size, rows.size()) were appended.
    template <class Row>
    [[nodiscard]] IdIndex next(const Table<Row>& rows, std::size_t previous_size) const {
        if (previous_size == rows.size()) return *this;
        IdIndex index = *this;
        for (std::size_t position = previous_size; position < rows.size(); ++position) {
            const Pair pair{rows[position].id, position};
            index.overlay_.insert(std::upper_bound(index.overlay_.begin(), index.overlay_.end(), pair, by_id), pair);
        }
        return index;
    }

    /// Rows appended since build().
    [[nodiscard]] std::size_t overlay_size() const noexcept { return overlay_.size(); }

    [[nodiscard]] std::optional<std::size_t> find(std::int64_t id) const noexcept {
        std::optional<std::size_t> found = find_in(*base_, id);
        if (!found) found = find_in(overlay_, id);
        return found;
    }

private:
    using Pair = std::pair<std::int64_t, std::size_t>;
    static bool by_id(const Pair& a, const Pair& b) noexcept { return a.first < b.first; }
    static std::optional<std::size_t> find_in(const std::vector<Pair>& pairs, std::int64_t id) noexcept {
        const auto found = std::lower_bound(pairs.begin(), pairs.end(), Pair{id, 0}, by_id);
        if (found == pairs.end() || found->first != id) return std::nullopt;
        return found->second;
    }

    std::shared_ptr<const std::vector<Pair>> base_ = std::make_shared<const std::vector<Pair>>();
    std::vector<Pair> overlay_;
};

/// Positions of the events of each incident, in history order (time, then id).
class EventIndex {
public:
    static EventIndex build(const Table<IncidentEvent>& events);
    /// The index after events [previous_size, events.size()) were appended.
    [[nodiscard]] EventIndex next(const Table<IncidentEvent>& events, std::size_t previous_size) const;
    /// Events appended since build().
    [[nodiscard]] std::size_t overlay_size() const noexcept { return overlay_.size(); }

    /// The events of one incident in `events` (the table this index was built for), in history order.
    [[nodiscard]] std::vector<const IncidentEvent*> of(const Table<IncidentEvent>& events, std::int64_t incident_id) const;

private:
    using Pair = std::pair<std::int64_t, std::size_t>;  // incident id, event position
    std::shared_ptr<const std::vector<Pair>> base_ = std::make_shared<const std::vector<Pair>>();
    std::vector<Pair> overlay_;
};

}  // namespace wangge::model
