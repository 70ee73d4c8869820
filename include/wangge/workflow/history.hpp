#pragma once
// Reading an incident's append-only event history: grouping the events of a
// data set by incident, and reconstructing the periods the deadline clock
// depends on (suspensions, extensions) and whether the case was reworked.
//
// An extension keeps the state, so it is recorded as an event whose
// from_state equals its to_state, with a note in the fixed form written by
// extension_note() ("延期 24 小时；批准人：…；原因：…"), which is both what the
// map shows and what extension_seconds() reads back.
//
// Thread safety: IncidentHistories is immutable after construction; the
// functions are reentrant.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wangge/model/entities.hpp"

namespace wangge::workflow {

/// The events of many incidents, each incident's in time order (ties by id).
class IncidentHistories {
public:
    IncidentHistories() = default;
    /// Copies the events of any range of them (a vector, a model::Table).
    template <class Events>
    explicit IncidentHistories(const Events& events)
        : IncidentHistories(std::vector<model::IncidentEvent>(events.begin(), events.end())) {}
    /// Takes the events over instead of copying them.
    explicit IncidentHistories(std::vector<model::IncidentEvent> events);

    /// Keeps only the events that clocks, rework, escalation and satisfaction read
    /// (suspensions, resumptions, extensions, returns, re-dispatches, ratings): a
    /// small fraction of a city's history, so whole-city statistics need not
    /// copy every event.
    template <class Events>
    [[nodiscard]] static IncidentHistories for_clocks(const Events& events) {
        std::vector<model::IncidentEvent> kept;
        for (const model::IncidentEvent& event : events) {
            if (read_by_clocks(event)) kept.push_back(event);
        }
        IncidentHistories histories(std::move(kept));
        histories.clocks_only_ = true;
        return histories;
    }
    /// Whether for_clocks() keeps an event.
    [[nodiscard]] static bool read_by_clocks(const model::IncidentEvent& event);

    /// These histories and `appended` events (those for_clocks() keeps, if
    /// these came from it), sharing this one's arrays: the cost follows the
    /// incidents the events belong to, not all incidents (the tile index
    /// rebuilds the arrays once the overlay grows: model/live_indexes.hpp).
    [[nodiscard]] IncidentHistories with(std::span<const model::IncidentEvent> appended) const;
    /// Incidents whose history with() replaced.
    [[nodiscard]] std::size_t overlay_size() const noexcept { return overlay_.size(); }

    /// Empty for an incident without events.
    [[nodiscard]] std::span<const model::IncidentEvent> of(std::int64_t incident_id) const noexcept;

private:
    struct Sorted {
        std::vector<model::IncidentEvent> events;
        std::unordered_map<std::int64_t, std::pair<std::size_t, std::size_t>> ranges;
    };
    std::shared_ptr<const Sorted> base_ = std::make_shared<const Sorted>();
    /// Whole histories of the incidents with() added events to.
    std::map<std::int64_t, std::shared_ptr<const std::vector<model::IncidentEvent>>> overlay_;
    bool clocks_only_ = false;
};

/// A suspension: from the 挂起 event to the resuming event (nullopt while still suspended).
struct Pause {
    model::Timestamp from = 0;
    std::optional<model::Timestamp> to;
};

struct Extension {
    model::Timestamp at = 0;
    std::int64_t seconds = 0;
};

struct Periods {
    std::vector<Pause> pauses;
    std::vector<Extension> extensions;
};

/// `history` is one incident's events in time order.
[[nodiscard]] Periods reconstruct_periods(std::span<const model::IncidentEvent> history);

/// True when the case was sent back (退回) at least once: rework (返工).
[[nodiscard]] bool was_reworked(std::span<const model::IncidentEvent> history) noexcept;

/// "批准人：王主任；原因：需产权单位协调" — the note of a suspension.
[[nodiscard]] std::string approval_note(std::string_view approver, std::string_view reason);
/// "延期 24 小时；批准人：王主任；原因：…" — the note of an extension.
[[nodiscard]] std::string extension_note(std::int64_t hours, std::string_view approver, std::string_view reason);
/// The extension an event records, in seconds; nullopt for any other event.
[[nodiscard]] std::optional<std::int64_t> extension_seconds(const model::IncidentEvent& event);

/// "满意度评价 4 分：处理及时" — the reporter's 1–5 rating of a closed case, an
/// event from closed to closed (state_machine.hpp rate()).
[[nodiscard]] std::string rating_note(int score, std::string_view comment);
/// The rating an event records; nullopt for any other event.
[[nodiscard]] std::optional<int> rating_of(const model::IncidentEvent& event);
/// The latest rating in one incident's history.
[[nodiscard]] std::optional<int> latest_rating(std::span<const model::IncidentEvent> history);

}  // namespace wangge::workflow
