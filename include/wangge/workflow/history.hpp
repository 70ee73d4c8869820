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
    explicit IncidentHistories(std::span<const model::IncidentEvent> events);
    /// Takes the events over instead of copying them.
    explicit IncidentHistories(std::vector<model::IncidentEvent> events);

    /// Keeps only the events that clocks, rework and escalation read
    /// (suspensions, resumptions, extensions, returns and re-dispatches): a
    /// small fraction of a city's history, so whole-city statistics need not
    /// copy every event.
    [[nodiscard]] static IncidentHistories for_clocks(std::span<const model::IncidentEvent> events);

    /// Empty for an incident without events.
    [[nodiscard]] std::span<const model::IncidentEvent> of(std::int64_t incident_id) const noexcept;

private:
    std::vector<model::IncidentEvent> events_;
    std::unordered_map<std::int64_t, std::pair<std::size_t, std::size_t>> ranges_;
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

}  // namespace wangge::workflow
