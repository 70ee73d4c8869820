#pragma once
// The audit log: who did what, when, to which records, from where, and how it
// ended. Append-only: no function updates or deletes an entry, and the store's
// table refuses UPDATE and DELETE with triggers.
//
// Thread safety: plain values and pure functions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/model/time.hpp"

namespace wangge::auth {

enum class Outcome { ok, denied, throttled, error };

/// "ok" / "denied" / "throttled" / "error".
[[nodiscard]] std::string_view to_string(Outcome outcome) noexcept;
[[nodiscard]] std::optional<Outcome> parse_outcome(std::string_view text) noexcept;

struct AuditEntry {
    std::int64_t id = 0;  ///< assigned by the store
    model::Timestamp at = 0;
    std::optional<std::int64_t> user_id{};  ///< nullopt for anonymous requests and the CLI
    std::string user_name{};              ///< the account, or e.g. "cli:root"
    std::string action{};                 ///< e.g. "auth.login", "households.reveal", "user.disable"
    std::string collection{};             ///< target collection or table, e.g. "households", "users"
    std::vector<std::string> record_ids{};  ///< the records read or changed
    std::string client{};                 ///< client address, "local" for the CLI
    Outcome outcome = Outcome::ok;
    std::string detail{};                 ///< short free text, e.g. why it was denied
};

inline constexpr std::size_t max_audit_page = 1000;

/// A page of the log, newest first. Unset filters match everything.
struct AuditQuery {
    std::optional<std::string> user_name{};
    std::optional<std::string> action{};
    std::optional<model::Timestamp> from{};  ///< inclusive
    std::optional<model::Timestamp> to{};    ///< exclusive
    std::size_t limit = 100;               ///< 1 … max_audit_page
    std::size_t offset = 0;
};

/// Throws InputError for a limit outside 1 … max_audit_page or from ≥ to.
void check_audit_query(const AuditQuery& query);

struct AuditPage {
    std::vector<AuditEntry> entries{};
    std::size_t total = 0;  ///< entries matching the filters, over all pages
};

}  // namespace wangge::auth
