#pragma once
// Positions of a Table's rows by their grid code, updated in proportion to
// the rows a write changed: what routes about one area (overdue cases of a
// community, say) read instead of scanning every row of the city.
//
// A map from grid code to positions built at the last rebuild, shared by
// every version since, plus a sorted overlay of the rows appended or changed
// since with their code now (the snapshot rebuilds the map once the overlay
// grows: live_indexes.hpp).
//
// Thread safety: immutable once built; any number of threads may read.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wangge/model/table.hpp"

namespace wangge::model {

class GridMembers {
public:
    template <class Row>
    static GridMembers build(const Table<Row>& rows) {
        auto base = std::make_shared<Base>();
        for (auto it = rows.begin(); it != rows.end(); ++it) {
            base->positions[it->grid_code].push_back(static_cast<std::uint32_t>(it.position()));
        }
        GridMembers members;
        members.base_ = std::move(base);
        return members;
    }

    /// The index of `rows` after the rows at `changed` positions (sorted, unique) were written.
    template <class Row>
    [[nodiscard]] GridMembers next(const Table<Row>& rows, std::span<const std::size_t> changed) const {
        if (changed.empty()) return *this;
        GridMembers members = *this;
        for (const std::size_t position : changed) {
            const auto found = std::lower_bound(members.overlay_.begin(), members.overlay_.end(), position, by_position);
            Entry entry{static_cast<std::uint32_t>(position), rows[position].grid_code};
            if (found != members.overlay_.end() && found->position == entry.position) {
                *found = std::move(entry);
            } else {
                members.overlay_.insert(found, std::move(entry));
            }
        }
        return members;
    }

    /// Rows appended or changed since build().
    [[nodiscard]] std::size_t overlay_size() const noexcept { return overlay_.size(); }

    /// Calls visit(position) for every row whose grid code is `code`, in no particular order.
    template <class Visitor>
    void visit(std::string_view code, Visitor&& visit) const {
        if (const auto found = base_->positions.find(std::string(code)); found != base_->positions.end()) {
            for (const std::uint32_t position : found->second) {
                if (!overlaid(position)) visit(std::size_t{position});
            }
        }
        for (const Entry& entry : overlay_) {
            if (entry.grid_code == code) visit(std::size_t{entry.position});
        }
    }

private:
    struct Base {
        std::unordered_map<std::string, std::vector<std::uint32_t>> positions;
    };
    struct Entry {
        std::uint32_t position = 0;
        std::string grid_code;
    };
    static bool by_position(const Entry& entry, std::size_t position) noexcept { return entry.position < position; }
    [[nodiscard]] bool overlaid(std::uint32_t position) const noexcept {
        const auto found = std::lower_bound(overlay_.begin(), overlay_.end(), position, by_position);
        return found != overlay_.end() && found->position == position;
    }

    std::shared_ptr<const Base> base_ = std::make_shared<const Base>();
    std::vector<Entry> overlay_;  // sorted by position
};

}  // namespace wangge::model
